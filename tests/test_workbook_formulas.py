"""A small evaluator for the formulas the workbook writes (SUM over cells, ranges and
other sheets), so tests can check totals against the database without a spreadsheet
program. Other workbook tests import ``evaluate`` and ``number`` from here."""
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook
from openpyxl.utils import range_boundaries
from openpyxl.utils.cell import get_column_letter

NO_FIGURE = "\u2013"  # the Summary's net for a year no proposal has a figure in
_REF = re.compile(r"^(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z0-9_]+)!)?(?P<range>\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")


def number(value):
    """A cell's number as an exact Decimal (openpyxl reads "-0.027" as a float)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _split(args):
    parts, depth, current = [], 0, ""
    for char in args:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _eval_expr(wb, sheet, expr):
    if expr.startswith("SUM(") and expr.endswith(")"):
        return sum((_eval_expr(wb, sheet, arg) for arg in _split(expr[4:-1])), Decimal(0))
    match = _REF.match(expr)
    if not match:
        raise ValueError(f"Cannot evaluate {expr!r}")
    target = match.group("sheet")
    if target:
        target = target[1:-1].replace("''", "'") if target.startswith("'") else target
    ws = wb[target or sheet]
    min_col, min_row, max_col, max_row = range_boundaries(match.group("range").replace("$", ""))
    total = Decimal(0)
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            total += evaluate(wb, ws.title, f"{get_column_letter(col)}{row}") or 0
    return total


def evaluate(wb, sheet, coord):
    """The value of ``sheet``!``coord``: a number as Decimal, a formula worked out."""
    cell = wb[sheet][coord]
    if cell.data_type == "f":
        return _eval_expr(wb, sheet, cell.value[1:])
    if cell.data_type == "s" and cell.value == NO_FIGURE:
        return None  # a year with no figure, which SUM passes over as it does all text
    if cell.data_type == "s":
        raise AssertionError(f"{sheet}!{coord} is text ({cell.value!r}), not a number")
    return number(cell.value)


def test_evaluator_adds_ranges_lists_nested_sums_and_other_sheets():
    wb = Workbook()
    ws = wb.active
    ws.title = "Outcome 01"
    ws["A1"], ws["A2"], ws["A3"] = -0.027, 0.5, None
    ws["A4"] = "=SUM(A1:A3)"
    ws["B1"] = "=SUM(A4,A2,SUM(A1))"
    other = wb.create_sheet("Summary")
    other["A1"] = "=SUM('Outcome 01'!A4,'Outcome 01'!B1)"
    assert evaluate(wb, "Outcome 01", "A4") == Decimal("0.473")
    assert evaluate(wb, "Outcome 01", "B1") == Decimal("0.946")
    assert evaluate(wb, "Summary", "A1") == Decimal("1.419")


def test_evaluator_passes_over_the_no_figure_dash_only():
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = "\u2013", 0.5, "=SUM(A1:A2)"
    assert evaluate(wb, ws.title, "A1") is None
    assert evaluate(wb, ws.title, "A3") == Decimal("0.5")


def test_evaluator_refuses_text_where_a_number_is_summed():
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "0.5"
    ws["A2"] = "=SUM(A1)"
    with pytest.raises(AssertionError):
        evaluate(wb, ws.title, "A2")
