"""The cabinet workbook's "Gap" sheet: the gap table by year with its sums as formulas,
so the spreadsheet recalculates the page's figures (LibreOffice in the tests).

Rows: the gap before proposals (entered figures; "no gap entered" as text where there
is none), the proposals' net by status group (the database's sums), their net
(=SUM of the groups), and the two remaining gaps (=gap + approved, =gap + net).
"""
from openpyxl.utils import get_column_letter

from reports.gap import GROUPS
from reports.printing import finish_print, print_setup, wrapped_note

from .xlsx import (
    ALL_NET,
    BOLD,
    HEADER,
    MUTED,
    NET,
    NOTE,
    PLAIN,
    RIGHT_HEADER,
    TITLE_FONT,
    YEAR_WIDTH,
    Cells,
    Style,
    text_cell,
)

NO_GAP = "no gap entered"
GAP_NOTE = (
    "A positive gap is a shortfall: investments and pressures widen it, savings and income close it. "
    "Every proposal of the plan counted except rejected and withdrawn ones (the workbook's filters do not "
    "apply here). Remaining gap = gap before proposals + the proposals' net."
)
FIRST_YEAR_COL = 2
MUTED_STYLE = Style(font=MUTED)


def write_gap_sheet(ws, title, table, arrays):
    """``table``: a reports.gap.GapTable (cumulative). Returns {measure: row number}."""
    years = [row.year.label for row in table.years]
    ws.column_dimensions["A"].width = 52
    print_setup(ws, title=title, sheet="Budget gap", header_row=6)
    for index in range(len(years)):
        ws.column_dimensions[get_column_letter(FIRST_YEAR_COL + index)].width = max(YEAR_WIDTH, 14)
    c = Cells(ws, arrays)
    if table.snapshot is not None:
        day = table.snapshot.taken_on
        as_at = f"As at {table.snapshot.name} ({day.day} {day:%B %Y})"
    else:
        as_at = f"As at {title.as_at}"
    block = [
        [text_cell(ws, f"Budget gap – {title.council}: {title.plan}", font=TITLE_FONT)],
        [text_cell(ws, f"The gap by year, £m: cumulative, against the approved {title.base_year} budget", font=BOLD)],
        [text_cell(ws, as_at, font=MUTED)],
        [c.text(GAP_NOTE, NOTE)],
        [],
    ]
    wrapped_note(ws, 4, GAP_NOTE, first_column=1, last_column=1 + len(years),
                 widths=[52] + [max(YEAR_WIDTH, 14)] * len(years))
    for cells in block:
        ws.append(cells)
    ws.append([c.text("Measure", HEADER), *(c.text(label, RIGHT_HEADER) for label in years)])
    header_row = len(block) + 1
    ws.freeze_panes = f"B{header_row + 1}"
    cols = [get_column_letter(FIRST_YEAR_COL + index) for index in range(len(years))]
    rows = {}
    row = header_row

    def append(measure, cells):
        nonlocal row
        row += 1
        ws.append([c.text(measure, NET if measure.startswith(("Net", "Remaining")) else PLAIN), *cells])
        rows[measure] = row
        return row

    gap_row = append("Gap before proposals", [
        c.number(year.gap_before) if year.gap_before is not None else c.text(NO_GAP, MUTED_STYLE)
        for year in table.years
    ])
    group_rows = [append(f"Proposals: {label.lower()}", [c.number(year.groups[key]) for year in table.years])
                  for key, label, _statuses in GROUPS]
    approved_row = group_rows[0]
    net_row = append("Net of the proposals counted", [
        c.formula(f"=SUM({col}{group_rows[0]}:{col}{group_rows[-1]})", NET) for col in cols
    ])
    append("Remaining gap: approved only", [
        c.formula(f"={col}{gap_row}+{col}{approved_row}", NET) if year.gap_before is not None
        else c.text(NO_GAP, MUTED_STYLE) for col, year in zip(cols, table.years, strict=True)
    ])
    append("Remaining gap: if everything counted is agreed", [
        c.formula(f"={col}{gap_row}+{col}{net_row}", ALL_NET) if year.gap_before is not None
        else c.text(NO_GAP, MUTED_STYLE) for col, year in zip(cols, table.years, strict=True)
    ])
    finish_print(ws, last_row=row, last_column=1 + len(years))
    return rows

