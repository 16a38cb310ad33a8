"""The cabinet-paper workbook, built from plain records: no database, no request.

``write_cabinet_workbook`` streams a workbook in openpyxl's write-only mode, so memory
does not grow with the number of proposals: each row is written to its sheet as it
arrives and only the cell addresses of subtotals are kept.

Layout (what a finance officer would build by hand for a cabinet paper):

- **Summary**: outcome x year, investment / saving / net of the *cumulative* figures
  (variation to the base-year budget), with the all-outcome totals as ``SUM`` formulas
  and a check row that adds up the outcome sheets' totals.
- **Incremental**: the same for the change from the year before.
- **One sheet per outcome**: its proposals grouped by theme in budget-book order, one
  row per impact line (reference, title, kind, outcome, theme, status, service budget,
  one column per financial year, total over the period, proposal id and version for
  re-import), a ``SUM`` subtotal per theme and an outcome total that adds up the
  subtotals (never the lines twice).

Every sheet has a title block, the sign-convention legend and one frozen header row.
Figures are real numbers in £m with three decimals; an unprofiled year is an empty
cell and "No change" is 0.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname

MONEY_FORMAT = "#,##0.000;-#,##0.000;0.000"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

LEGEND = (
    "Figures are £m to three decimal places. A minus sign (-) is a saving or extra income; "
    "a figure without a sign is investment or extra cost. 0.000 means \u201cNo change\u201d; "
    "an empty cell is a year with no figure (not profiled)."
)
CUMULATIVE_NOTE = (
    "Cumulative: each year is the variation to the approved {base} budget, not a change from "
    "the year before. The last year is the full-year effect; \u201cTotal over the period\u201d is cash "
    "over the period."
)
INCREMENTAL_NOTE = (
    "Incremental: each year is the change from the year before (the first year from the approved "
    "{base} budget). The increments add up to the final year's cumulative figure."
)
REIMPORT_NOTE = (
    "To change figures, edit them here and upload the workbook on the Import page. Keep the "
    "Proposal id and Version columns as they are; add a new proposal as a row with reference [NEW]."
)

# The outcome sheets' columns. Year columns go between "Service budget" and the total.
LEADING_COLUMNS = ["Reference", "Title", "Kind", "Outcome", "Theme", "Status", "Service budget"]
TRAILING_COLUMNS = ["Total over the period", "Proposal id", "Version"]
WIDTHS = {
    "Reference": 11, "Title": 52, "Kind": 22, "Outcome": 9, "Theme": 28, "Status": 20,
    "Service budget": 42, "Total over the period": 14, "Proposal id": 11, "Version": 9,
}
YEAR_WIDTH = 11
OUTCOME_HEADER_ROW = 7

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
MUTED = Font(italic=True, color="FF505050")
HEADER_FILL = PatternFill("solid", fgColor="FFDDE3EA")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2F2F2")
THIN = Side(style="thin", color="FF000000")
SUBTOTAL_BORDER = Border(top=THIN)
TOTAL_BORDER = Border(top=THIN, bottom=Side(style="double", color="FF000000"))
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="bottom")
RIGHT_HEADER_ALIGN = Alignment(wrap_text=True, vertical="bottom", horizontal="right")


@dataclass
class TitleBlock:
    council: str
    plan: str
    base_year: str  # "2018/19"
    included: str  # which proposals: statuses and any other filter, in words
    as_at: str  # "23 November 2026 at 16:05 (UK time)"


@dataclass
class Line:
    service_budget: str
    figures: dict  # year label -> whole £ thousands, or absent (unprofiled)


@dataclass
class ProposalRecord:
    """One proposal as the outcome sheets show it (lines in their order)."""

    id: int
    version: int
    reference: str  # "[33]" or "[NEW]"
    title: str
    kind: str  # the label, "Revenue Savings"
    outcome_key: object
    outcome_code: str
    outcome_title: str
    theme: str  # "" for no theme
    status: str  # the label, "Out to consultation"
    lines: list = field(default_factory=list)


@dataclass
class Figures:
    """One outcome's roll-up for one view: year label -> (increase, decrease) in £k."""

    years: dict = field(default_factory=dict)


# ---------------------------------------------------------------- safe cells


def clean_text(value):
    """Text as a cell can hold it: characters XML 1.0 forbids are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def text_cell(ws, value, **style):
    """A cell that is text whatever it says: "=HYPERLINK(…)", "+1", "-0.5", "@x", "#N/A"
    are all stored as strings, never as formulas or errors. Text that a spreadsheet
    program would read as a formula if retyped is marked with a quote prefix, as
    Excel does for text typed with a leading apostrophe."""
    text = clean_text(value)
    cell = WriteOnlyCell(ws, value=None)
    cell._value = text  # bypass openpyxl's guess: a leading "=" would make it a formula
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    _style(cell, style)
    return cell


def number_cell(ws, amount_k, **style):
    """£ thousands -> a real number of £m (exact Decimal), or an empty cell for None."""
    if amount_k is None:
        cell = WriteOnlyCell(ws, value=None)
    else:
        cell = WriteOnlyCell(ws, value=(Decimal(int(amount_k)) / 1000).quantize(Decimal("0.001")))
    cell.number_format = MONEY_FORMAT
    _style(cell, style)
    return cell


def formula_cell(ws, formula, **style):
    cell = WriteOnlyCell(ws, value=formula)
    cell.data_type = "f"
    cell.number_format = MONEY_FORMAT
    _style(cell, style)
    return cell


def _plain(ws, value, **style):
    cell = WriteOnlyCell(ws, value=value)
    _style(cell, style)
    return cell


def _style(cell, style):
    for name, value in style.items():
        setattr(cell, name, value)


def sum_formula(refs):
    """ "=SUM(H7,H14,…)" over any number of cell references, nested in groups so no
    SUM has more arguments than spreadsheet programs allow (255)."""
    refs = list(refs)
    if not refs:
        return "=0"
    while len(refs) > 200:
        refs = [f"SUM({','.join(refs[i:i + 200])})" for i in range(0, len(refs), 200)]
    return f"=SUM({','.join(refs)})"


def sheet_title(text, taken):
    """A worksheet name spreadsheet programs accept (31 characters, no []:*?/\\), unique."""
    base = re.sub(r"[\[\]:*?/\\]", "-", clean_text(text)).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


# ---------------------------------------------------------------- the workbook


def write_cabinet_workbook(*, out, title, years, proposals, summary):
    """Write the cabinet-paper workbook to the binary file ``out``.

    ``years``: year labels in order. ``proposals``: ProposalRecords in budget-book order
    (outcome, theme, position), consumed once. ``summary``: {"cumulative": {outcome_key:
    Figures}, "incremental": {…}}, the database's sums of increases and decreases.
    """
    wb = Workbook(write_only=True)
    taken = set()
    summary_ws = wb.create_sheet(sheet_title("Summary", taken))
    incremental_ws = wb.create_sheet(sheet_title("Incremental", taken))

    outcomes = []  # (key, label, sheet name, {year label: outcome total cell})
    sheet = None
    for record in proposals:
        if sheet is None or sheet.outcome_key != record.outcome_key:
            if sheet is not None:
                outcomes.append(sheet.finish())
            sheet = _OutcomeSheet(wb, taken, title, years, record)
        sheet.add(record)
    if sheet is not None:
        outcomes.append(sheet.finish())

    _write_summary(summary_ws, title, years, outcomes, summary.get("cumulative", {}), cumulative=True)
    _write_summary(incremental_ws, title, years, outcomes, summary.get("incremental", {}), cumulative=False)
    wb.save(out)


class _OutcomeSheet:
    """One outcome's sheet, written row by row; remembers only its subtotal cells."""

    def __init__(self, wb, taken, title, years, first):
        self.years = years
        self.columns = LEADING_COLUMNS + list(years) + TRAILING_COLUMNS
        self.outcome_key = first.outcome_key
        self.label = f"Outcome {first.outcome_code} \u2013 {first.outcome_title}"
        self.ws = ws = wb.create_sheet(sheet_title(f"Outcome {first.outcome_code}", taken))
        self.first_year_col = len(LEADING_COLUMNS) + 1
        self.last_year_col = self.first_year_col + len(years) - 1
        self.total_col = self.last_year_col + 1
        for index, name in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, YEAR_WIDTH)
        header_row = OUTCOME_HEADER_ROW
        ws.freeze_panes = f"A{header_row + 1}"
        self.row = 0
        self._append([text_cell(ws, self.label, font=TITLE_FONT)])
        self._append([text_cell(ws, f"{title.council}: {title.plan}. Proposals included: {title.included}. As at {title.as_at}.")])
        self._append([text_cell(ws, CUMULATIVE_NOTE.format(base=title.base_year), font=MUTED)])
        self._append([text_cell(ws, LEGEND, font=MUTED)])
        self._append([text_cell(ws, REIMPORT_NOTE, font=MUTED)])
        self._append([])
        self._append([
            text_cell(ws, name, font=BOLD, fill=HEADER_FILL,
                      alignment=RIGHT_HEADER_ALIGN if self._is_number_column(index) else HEADER_ALIGN)
            for index, name in enumerate(self.columns, start=1)
        ])
        self.theme = None
        self.theme_first_row = None
        self.subtotal_rows = []

    def _is_number_column(self, index):
        return self.first_year_col <= index <= self.total_col

    def _append(self, cells):
        self.ws.append(cells)
        self.row += 1

    def _col(self, index):
        return get_column_letter(index)

    def add(self, record):
        if self.theme is None or record.theme != self.theme:
            self._close_theme()
            self.theme = record.theme
            self._append([None, text_cell(self.ws, record.theme or "No theme", font=BOLD)])
            self.theme_first_row = self.row + 1
        ws = self.ws
        lines = record.lines or [Line(service_budget="", figures={})]
        for line in lines:
            row = self.row + 1
            cells = [
                text_cell(ws, record.reference, alignment=TOP),
                text_cell(ws, record.title, alignment=WRAP),
                text_cell(ws, record.kind, alignment=TOP),
                text_cell(ws, record.outcome_code, alignment=TOP),
                text_cell(ws, record.theme, alignment=TOP),
                text_cell(ws, record.status, alignment=TOP),
                text_cell(ws, line.service_budget, alignment=WRAP),
            ]
            cells += [number_cell(ws, line.figures.get(year), alignment=TOP) for year in self.years]
            cells.append(formula_cell(ws, self._row_total(row), alignment=TOP))
            cells += [_plain(ws, record.id, font=MUTED, alignment=TOP), _plain(ws, record.version, font=MUTED, alignment=TOP)]
            self._append(cells)

    def _row_total(self, row):
        return f"=SUM({self._col(self.first_year_col)}{row}:{self._col(self.last_year_col)}{row})"

    def _close_theme(self):
        if self.theme is None:
            return
        row = self.row + 1
        first, last = self.theme_first_row, self.row
        cells = [None, text_cell(self.ws, f"Subtotal \u2013 {self.theme or 'No theme'}", font=BOLD)]
        cells += [None] * (self.first_year_col - 3)
        for index in range(self.first_year_col, self.last_year_col + 1):
            col = self._col(index)
            cells.append(formula_cell(self.ws, f"=SUM({col}{first}:{col}{last})", font=BOLD, border=SUBTOTAL_BORDER))
        cells.append(formula_cell(self.ws, self._row_total(row), font=BOLD, border=SUBTOTAL_BORDER))
        self._append(cells)
        self.subtotal_rows.append(row)
        self._append([])

    def finish(self):
        """Close the last theme, write the outcome total; return what the summary needs."""
        self._close_theme()
        row = self.row + 1
        cells = [_plain(self.ws, None, fill=TOTAL_FILL),
                 text_cell(self.ws, f"Total \u2013 {self.label}", font=BOLD, fill=TOTAL_FILL)]
        cells += [_plain(self.ws, None, fill=TOTAL_FILL) for _ in range(self.first_year_col - 3)]
        totals = {}
        for index, year in zip(range(self.first_year_col, self.last_year_col + 1), self.years):
            col = self._col(index)
            cells.append(formula_cell(
                self.ws, sum_formula(f"{col}{r}" for r in self.subtotal_rows),
                font=BOLD, border=TOTAL_BORDER, fill=TOTAL_FILL,
            ))
            totals[year] = f"{quote_sheetname(self.ws.title)}!{col}{row}"
        cells.append(formula_cell(self.ws, self._row_total(row), font=BOLD, border=TOTAL_BORDER, fill=TOTAL_FILL))
        self._append(cells)
        return self.outcome_key, self.label, totals


def _write_summary(ws, title, years, outcomes, figures, *, cumulative):
    view = "Cumulative variation to the approved budget" if cumulative else "Incremental change from the year before"
    columns = ["Outcome", "Measure", *years, "Total over the period" if cumulative else "Total (full-year effect)"]
    widths = [60, 14] + [YEAR_WIDTH] * len(years) + [16]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    first_year_col, last_year_col = 3, 2 + len(years)
    header_row = 11
    ws.freeze_panes = f"A{header_row + 1}"
    note = (CUMULATIVE_NOTE if cumulative else INCREMENTAL_NOTE).format(base=title.base_year)
    block = [
        [text_cell(ws, f"{title.council}: {title.plan}", font=TITLE_FONT)],
        [text_cell(ws, f"{view} by outcome and year, £m", font=BOLD)],
        [text_cell(ws, "Council", font=BOLD), text_cell(ws, title.council)],
        [text_cell(ws, "Plan", font=BOLD), text_cell(ws, title.plan)],
        [text_cell(ws, "Base year", font=BOLD), text_cell(ws, f"Approved {title.base_year} budget")],
        [text_cell(ws, "Proposals included", font=BOLD), text_cell(ws, title.included)],
        [text_cell(ws, "As at", font=BOLD), text_cell(ws, title.as_at)],
        [text_cell(ws, "Sign convention", font=BOLD), text_cell(ws, LEGEND)],
        [text_cell(ws, "Figures", font=BOLD), text_cell(ws, note)],
        [],
        [text_cell(ws, name, font=BOLD, fill=HEADER_FILL,
                   alignment=RIGHT_HEADER_ALIGN if index >= first_year_col else HEADER_ALIGN)
         for index, name in enumerate(columns, start=1)],
    ]
    for cells in block:
        ws.append(cells)
    row = header_row
    year_cols = [get_column_letter(i) for i in range(first_year_col, last_year_col + 1)]
    total = f"=SUM({year_cols[0]}{{row}}:{year_cols[-1]}{{row}})" if years else "=0"

    def write(label, measure, values, **style):
        nonlocal row
        row += 1
        cells = [text_cell(ws, label, **style), text_cell(ws, measure, **style)]
        cells += [value if isinstance(value, Cell) else number_cell(ws, value, **style) for value in values]
        cells.append(formula_cell(ws, total.format(row=row), **style))
        ws.append(cells)
        return row

    rows = {"Investment": [], "Saving": [], "Net": []}
    for key, label, _totals in outcomes:
        cells = figures.get(key, Figures()).years
        increase = [cells[year][0] if year in cells else 0 for year in years]
        decrease = [cells[year][1] if year in cells else 0 for year in years]
        inv = write(label, "Investment", increase)
        sav = write(label, "Saving", decrease)
        rows["Investment"].append(inv)
        rows["Saving"].append(sav)
        rows["Net"].append(write(label, "Net", [
            formula_cell(ws, f"=SUM({col}{inv}:{col}{sav})", font=BOLD) for col in year_cols
        ], font=BOLD))
    if not outcomes:
        row += 1
        ws.append([text_cell(ws, "No proposals match this selection.")])
    for measure in ("Investment", "Saving", "Net"):
        style = {"font": BOLD, "fill": TOTAL_FILL, "border": TOTAL_BORDER if measure == "Net" else SUBTOTAL_BORDER}
        write("All outcomes", measure, [
            formula_cell(ws, sum_formula(f"{col}{r}" for r in rows[measure]), **style) for col in year_cols
        ], **style)
    if cumulative:
        row += 1
        ws.append([])
        write("Check: the net totals of the outcome sheets", "Net", [
            formula_cell(ws, sum_formula(totals[year] for _key, _label, totals in outcomes), font=MUTED)
            for year in years
        ], font=MUTED)
