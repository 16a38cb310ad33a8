"""The cabinet workbook's "Gap" sheet: the gap table by year with its sums as formulas,
so the spreadsheet recalculates the page's figures (LibreOffice in the tests).

Rows: the gap before proposals (entered figures; "no gap entered" as text where there
is none), the proposals' net by status group (the database's sums), their net
(=SUM of the groups), and the two remaining gaps (=gap + approved, =gap + net).
"""
from openpyxl.utils import get_column_letter

from reports.gap import GROUPS

from .xlsx import ALL_NET, BOLD_TEXT, HEADER, MUTED_TEXT, NET, NOTE, PLAIN, RIGHT_HEADER, TITLE, YEAR_WIDTH

NO_GAP = "no gap entered"
GAP_NOTE = (
    "A positive gap is a shortfall: investments and pressures widen it, savings and income close it. "
    "Every proposal of the plan counted except rejected and withdrawn ones (the workbook's filters do not "
    "apply here). Remaining gap = gap before proposals + the proposals' net."
)
FIRST_YEAR_COL = 2


def write_gap_sheet(sheet, title, table):
    """``sheet``: a workbooks.streamed.Sheet; ``table``: a reports.gap.GapTable
    (cumulative). Returns {measure: row number}."""
    years = [row.year.label for row in table.years]
    widths = [52] + [max(YEAR_WIDTH, 14)] * len(years)
    sheet.widths(widths)
    sheet.print_setup(title=title, sheet="Budget gap", header_row=6)
    if table.snapshot is not None:
        day = table.snapshot.taken_on
        as_at = f"As at {table.snapshot.name} ({day.day} {day:%B %Y})"
    else:
        as_at = f"As at {title.as_at}"
    text, number, formula = sheet.text, sheet.number, sheet.formula
    sheet.append([text(f"Budget gap – {title.council}: {title.plan}", TITLE)])
    sheet.append([text(f"The gap by year, £m: cumulative, against the approved {title.base_year} budget",
                       BOLD_TEXT)])
    sheet.append([text(as_at, MUTED_TEXT)])
    sheet.note(4, GAP_NOTE, first_column=1, last_column=1 + len(years), widths=widths)
    sheet.append([text(GAP_NOTE, NOTE)])
    sheet.append([])
    sheet.append([text("Measure", HEADER), *(text(label, RIGHT_HEADER) for label in years)])
    header_row = sheet.row
    sheet.freeze(header_row + 1, 2)
    cols = [get_column_letter(FIRST_YEAR_COL + index) for index in range(len(years))]
    rows = {}

    def append(measure, cells):
        sheet.append([text(measure, NET if measure.startswith(("Net", "Remaining")) else PLAIN), *cells])
        rows[measure] = sheet.row
        return sheet.row

    gap_row = append("Gap before proposals", [
        number(year.gap_before, PLAIN) if year.gap_before is not None else text(NO_GAP, MUTED_TEXT)
        for year in table.years
    ])
    group_rows = [append(f"Proposals: {label.lower()}", [number(year.groups[key], PLAIN) for year in table.years])
                  for key, label, _statuses in GROUPS]
    approved_row = group_rows[0]
    net_row = append("Net of the proposals counted", [
        formula(f"=SUM({col}{group_rows[0]}:{col}{group_rows[-1]})", NET) for col in cols
    ])
    append("Remaining gap: approved only", [
        formula(f"={col}{gap_row}+{col}{approved_row}", NET) if year.gap_before is not None
        else text(NO_GAP, MUTED_TEXT) for col, year in zip(cols, table.years, strict=True)
    ])
    append("Remaining gap: if everything counted is agreed", [
        formula(f"={col}{gap_row}+{col}{net_row}", ALL_NET) if year.gap_before is not None
        else text(NO_GAP, MUTED_TEXT) for col, year in zip(cols, table.years, strict=True)
    ])
    sheet.finish_print(last_row=sheet.row, last_column=1 + len(years))
    return rows
