"""How every sheet of the portal's workbooks and report downloads prints, set in one
place: A4 landscape, one page wide, the header row repeated on every page, a header and footer naming the
council, plan, sheet, "as at" and "Page x of y", margins for a cabinet paper, and a print
area that leaves out the columns only an import needs (which are hidden as well).

Long notes in a sheet's title block are merged across the printed width and wrapped,
with a row height to hold them (spreadsheet programs do not grow merged rows)."""
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

A4 = "9"
MARGINS = PageMargins(left=0.5, right=0.5, top=0.8, bottom=0.7, header=0.3, footer=0.3)
LINE_HEIGHT = 13.5  # points, one line of the 10pt text the sheets' rows are in
CHARACTER_WIDTH = 1.05  # characters of 10pt text a column-width unit holds, in the widest common font
NOTE_CHARACTER_WIDTH = 1.25  # the same for a note's italic text across many columns (fewer spaces lost to wrapping)
HEADER_LENGTH = 80  # characters of a page header's or footer's part
HEADER_SIZE = 9  # points, the header's and footer's text
SPACER_HEIGHT = 7  # points: a blank row between blocks


def _header_text(text):
    """Text for a header or footer, at most 80 characters, cut at a word with "…" (never
    mid-word); "&" starts a code there, so it is doubled."""
    text = str(text)
    if len(text) > HEADER_LENGTH:
        text = text[:HEADER_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" –-:,") + "…"
    return text.replace("&", "&&")


def header_footer(title, sheet):
    """The page header's and footer's parts, {"header": [(place, text)], "footer": …},
    place "L", "C" or "R": the council, the sheet and "As at …" above; the council, plan
    and sheet, and "Page x of y" below. Each writer (openpyxl here, workbooks.streamed)
    sets these."""
    return {
        "header": [("L", _header_text(title.council)), ("C", _header_text(sheet)),
                   ("R", _header_text(f"As at {title.as_at}"))],
        "footer": [("L", _header_text(f"{title.council}: {title.plan} – {sheet}")), ("R", "Page &P of &N")],
    }


def print_setup(ws, *, title, sheet, header_row, hidden_columns=()):
    """Set up ``ws`` (a write-only worksheet, before its rows are written) to print:
    ``title`` a TitleBlock, ``sheet`` the sheet's name for the header, ``header_row``
    repeated on every page; ``hidden_columns`` (1-based) are hidden (and left out of the
    print area by ``finish_print``)."""
    setup = ws.page_setup
    setup.orientation = "landscape"
    setup.paperSize = A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as it needs
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = MARGINS
    ws.print_options.horizontalCentered = False
    places = {"L": "left", "C": "center", "R": "right"}
    parts = header_footer(title, sheet)
    for header, where in ((ws.oddHeader, "header"), (ws.oddFooter, "footer")):
        for place, text in parts[where]:
            part = getattr(header, places[place])
            part.text = text
            part.size = HEADER_SIZE
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
    for column in hidden_columns:
        ws.column_dimensions[get_column_letter(column)].hidden = True


def finish_print(ws, *, last_row, last_column):
    """The print area, once the sheet's last row is known: its printed columns only."""
    ws.print_area = f"A1:{get_column_letter(last_column)}{max(last_row, 1)}"


def wrapped_note(ws, row, text, *, first_column, last_column, widths):
    """Merge ``row`` from ``first_column`` to ``last_column`` for a long note and give the
    row the height its wrapped text needs, ``widths`` being the columns' widths."""
    ws.row_dimensions[row].height = note_height(text, first_column=first_column, last_column=last_column,
                                                widths=widths)
    if last_column > first_column:
        ws.merged_cells.add(f"{get_column_letter(first_column)}{row}:{get_column_letter(last_column)}{row}")


def note_height(text, *, first_column, last_column, widths):
    """The height in points of a row holding ``text`` wrapped across the columns
    ``first_column`` to ``last_column`` (1-based), ``widths`` being the columns' widths."""
    width = sum(widths[first_column - 1:last_column]) * NOTE_CHARACTER_WIDTH
    lines = max(1, -(-len(str(text)) // max(int(width), 1)))
    return LINE_HEIGHT * lines + 3


def lines_needed(text, width):
    """How many lines ``text`` wraps to in a column ``width`` units wide (at least 1)."""
    room = max(int(width * CHARACTER_WIDTH) - 1, 1)
    text = str(text or "")
    if len(text) <= room and "\n" not in text:
        return 1  # most cells: no word can wrap in a line this long
    lines = 0
    for paragraph in text.split("\n"):
        line = 0
        for word in paragraph.split():
            line = len(word) if line == 0 else line + 1 + len(word)
            if line > room:
                lines += 1
                line = len(word)
        lines += 1
    return max(lines, 1)


def max_lines(texts):
    """The most lines any of ``texts`` [(text, column width)] wraps to (at least 1): a
    row's wrapped cells need that many, as spreadsheet programs do not always grow a row for
    wrapped text they did not write themselves (LibreOffice does not), so printed rows
    would overprint the next."""
    return max((lines_needed(text, width) for text, width in texts), default=1)


def height_of(lines):
    """The height in points of a row of ``lines`` lines of text; None for one (the default)."""
    return LINE_HEIGHT * lines if lines > 1 else None


def spacer(ws, row):
    """A blank row between blocks, shorter than a line."""
    ws.row_dimensions[row].height = SPACER_HEIGHT
