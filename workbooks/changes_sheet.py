"""The cabinet workbook's "Changes since <snapshot>" sheet: each year's net and remaining
gap then and now, their changes as formulas (LibreOffice recalculates them in the tests),
then every change, figures as numbers in £m."""
from openpyxl.utils import get_column_letter

from reports.compare import FIGURES, KINDS
from reports.printing import finish_print, print_setup

from .xlsx import BOLD, HEADER, MUTED, NET, PLAIN, RIGHT_HEADER, TITLE_FONT, Cells, Style, text_cell

MUTED_STYLE = Style(font=MUTED)
NO_GAP = "no gap entered"


def sheet_name(snapshot):
    return f"Changes since {snapshot.name}"


def write_changes_sheet(ws, title, result, arrays):
    """``result``: a reports.compare.Comparison. Returns the effect table's rows by year label."""
    earlier, later = result.from_source.snapshot, result.to_source.snapshot
    widths = [40, 16, 16, 16, 16, 16, 16]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    print_setup(ws, title=title, sheet=sheet_name(earlier)[:80], header_row=4)
    c = Cells(ws, arrays)
    then = f"{earlier.name} ({earlier.taken_on.day} {earlier.taken_on:%B %Y})"
    now = f"{later.name} ({later.taken_on.day} {later.taken_on:%B %Y})" if later else f"now ({title.as_at})"
    for cells in (
        [text_cell(ws, f"Changes since {earlier.name} – {title.council}: {title.plan}", font=TITLE_FONT)],
        [text_cell(ws, f"From {then} to {now}, £m; the remaining gap if everything counted is agreed", font=BOLD)],
        [],
    ):
        ws.append(cells)
    ws.append([c.text(name, HEADER if index == 0 else RIGHT_HEADER) for index, name in enumerate(
        ["Year", "Net then", "Net now", "Change in net", "Remaining gap then", "Remaining gap now",
         "Change in the gap"])])
    row = 4
    rows = {}
    for year, net_a, net_b, _d, rem_a, rem_b, _rd in result.effect():
        row += 1
        gap_cells = [
            c.number(rem_a) if rem_a is not None else c.text(NO_GAP, MUTED_STYLE),
            c.number(rem_b) if rem_b is not None else c.text(NO_GAP, MUTED_STYLE),
            c.formula(f"=F{row}-E{row}", NET) if rem_a is not None and rem_b is not None else c.text("–", MUTED_STYLE),
        ]
        ws.append([c.text(year.label, PLAIN), c.number(net_a), c.number(net_b), c.formula(f"=C{row}-B{row}", NET),
                   *gap_cells])
        rows[year.label] = row
    ws.append([])
    ws.append([c.text(name, HEADER if index < 4 else RIGHT_HEADER) for index, name in enumerate(
        ["Proposal", "Change", "What", "Year", "Was", "Now"])])
    for change in result.changes:
        figure = change.what == FIGURES
        ws.append([
            c.text(change.label, PLAIN), c.text(KINDS[change.what], PLAIN), c.text(change.field or "–", PLAIN),
            c.text(change.year.label if change.year else "–", PLAIN),
            (c.number(change.old) if change.old is not None else c.text("no figure", MUTED_STYLE)) if figure
            else c.text(change.old or "–", PLAIN),
            (c.number(change.new) if change.new is not None else c.text("no figure", MUTED_STYLE)) if figure
            else c.text(change.new or "–", PLAIN),
        ])
    if not result.changes:
        ws.append([text_cell(ws, "Nothing has changed.")])
    finish_print(ws, last_row=row + 2 + max(len(result.changes), 1), last_column=len(widths))
    return rows
