"""The cabinet workbook's "Changes since <snapshot>" sheet: each year's net and remaining
gap then and now, their changes as formulas (LibreOffice recalculates them in the tests),
then every change, figures as numbers in £m."""
from reports.compare import FIGURES, KINDS

from .xlsx import BOLD_TEXT, HEADER, MUTED_TEXT, NET, PLAIN, RIGHT_HEADER, TITLE

NO_GAP = "no gap entered"


def sheet_name(snapshot):
    return f"Changes since {snapshot.name}"


def write_changes_sheet(sheet, title, result):
    """``sheet``: a workbooks.streamed.Sheet; ``result``: a reports.compare.Comparison.
    Returns the effect table's rows by year label."""
    earlier, later = result.from_source.snapshot, result.to_source.snapshot
    widths = [40, 16, 16, 16, 16, 16, 16]
    sheet.widths(widths)
    sheet.print_setup(title=title, sheet=sheet_name(earlier)[:80], header_row=4)
    text, number, formula = sheet.text, sheet.number, sheet.formula
    then = f"{earlier.name} ({earlier.taken_on.day} {earlier.taken_on:%B %Y})"
    now = f"{later.name} ({later.taken_on.day} {later.taken_on:%B %Y})" if later else f"now ({title.as_at})"
    sheet.append([text(f"Changes since {earlier.name} – {title.council}: {title.plan}", TITLE)])
    sheet.append([text(f"From {then} to {now}, £m; the remaining gap if everything counted is agreed", BOLD_TEXT)])
    sheet.append([])
    sheet.append([text(name, HEADER if index == 0 else RIGHT_HEADER) for index, name in enumerate(
        ["Year", "Net then", "Net now", "Change in net", "Remaining gap then", "Remaining gap now",
         "Change in the gap"])])
    rows = {}
    for year, net_a, net_b, _d, rem_a, rem_b, _rd in result.effect():
        row = sheet.row + 1
        gap_cells = [
            number(rem_a, PLAIN) if rem_a is not None else text(NO_GAP, MUTED_TEXT),
            number(rem_b, PLAIN) if rem_b is not None else text(NO_GAP, MUTED_TEXT),
            formula(f"=F{row}-E{row}", NET) if rem_a is not None and rem_b is not None else text("–", MUTED_TEXT),
        ]
        sheet.append([text(year.label, PLAIN), number(net_a, PLAIN), number(net_b, PLAIN),
                      formula(f"=C{row}-B{row}", NET), *gap_cells])
        rows[year.label] = row
    sheet.append([])
    sheet.append([text(name, HEADER if index < 4 else RIGHT_HEADER) for index, name in enumerate(
        ["Proposal", "Change", "What", "Year", "Was", "Now"])])
    for change in result.changes:
        figure = change.what == FIGURES
        sheet.append([
            text(change.label, PLAIN), text(KINDS[change.what], PLAIN), text(change.field or "–", PLAIN),
            text(change.year.label if change.year else "–", PLAIN),
            (number(change.old, PLAIN) if change.old is not None else text("no figure", MUTED_TEXT)) if figure
            else text(change.old or "–", PLAIN),
            (number(change.new, PLAIN) if change.new is not None else text("no figure", MUTED_TEXT)) if figure
            else text(change.new or "–", PLAIN),
        ])
    if not result.changes:
        sheet.append([text("Nothing has changed.", PLAIN)])
    sheet.finish_print(last_row=sheet.row, last_column=len(widths))
    return rows
