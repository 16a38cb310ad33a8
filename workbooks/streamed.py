"""The portal's streamed workbook writer: XlsxWriter in constant-memory mode.

Each sheet is written row by row (a row, once left, is flushed to a temporary file), so
memory stays flat however many proposals a workbook holds, and a style costs nothing per
cell: it is an XlsxWriter format, made once per workbook from a ``workbooks.xlsx.Style``
(the look is defined once, as openpyxl style objects, which the openpyxl writers use as
they are and ``_properties`` translates here). Chosen by the bench over openpyxl's
write-only mode, where a styled cell costs a second cell object and a style lookup each
(README, "XlsxWriter or openpyxl").

Text is always written as text (``write_string``: a leading "=", "+", "-" or "@" never
becomes a formula), cleaned of the characters XML forbids, and quote-prefixed where a
spreadsheet program would read it as a formula if retyped (``xlsx.text_cell``'s rule).
A formula is written with an empty result, so that every spreadsheet program, LibreOffice
included, calculates it on opening (XlsxWriter would otherwise store 0 as its result).

Rows are 1-based here, as the sheets' formulas name them; columns are 1-based too.
"""
from decimal import Decimal

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from reports import printing
from reports.spreadsheet_text import looks_like_a_formula

MONEY_FORMAT = "#,##0.000;-#,##0.000;0.000"
TEXT, NUMBER, FORMULA, BLANK = range(4)
_SIDE_STYLES = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7}


def clean_text(value):
    """Text as a cell can hold it: characters XML 1.0 forbids are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def to_m(amount_k):
    """£ thousands -> exact £m with three decimals: -27 -> Decimal("-0.027")."""
    return Decimal(int(amount_k)).scaleb(-3)


def _colour(color):
    """openpyxl's "FFDDE3EA" (alpha first) -> "#DDE3EA"."""
    rgb = getattr(color, "rgb", None)
    return f"#{rgb[-6:]}" if isinstance(rgb, str) else None


def _properties(attributes, variant):
    """XlsxWriter format properties for a Style's openpyxl objects (font, fill, border,
    alignment) and the variant: "money" (the money number format) or "quoted"."""
    out = {}
    font = attributes.get("font")
    if font is not None:
        out.update(font_name=font.name, font_size=font.sz, bold=bool(font.b), italic=bool(font.i))
        if _colour(font.color):
            out["font_color"] = _colour(font.color)
    fill = attributes.get("fill")
    if fill is not None and fill.fill_type == "solid":
        out.update(pattern=1, bg_color=_colour(fill.fgColor))
    border = attributes.get("border")
    if border is not None:
        for side in ("left", "right", "top", "bottom"):
            edge = getattr(border, side)
            if edge is not None and edge.style:
                out[side] = _SIDE_STYLES[edge.style]
                if _colour(edge.color):
                    out[f"{side}_color"] = _colour(edge.color)
    alignment = attributes.get("alignment")
    if alignment is not None:
        if alignment.wrap_text:
            out["text_wrap"] = True
        if alignment.vertical:
            out["valign"] = {"center": "vcenter"}.get(alignment.vertical, alignment.vertical)
        if alignment.horizontal:
            out["align"] = alignment.horizontal
        if alignment.indent:
            out["indent"] = int(alignment.indent)
    if variant == "money":
        out["num_format"] = MONEY_FORMAT
    elif variant == "quoted":
        out["quote_prefix"] = True
    return out


class Book:
    """A workbook being written to the binary file ``out`` (closed by ``close``)."""

    def __init__(self, out):
        self.workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
        self._formats = {}  # (id(style), variant) -> (Format, style): each made once
        self.taken = set()  # sheet names in use, lower-cased (xlsx.sheet_title)

    def format(self, style, variant=""):
        key = (id(style), variant)
        found = self._formats.get(key)
        if found is None:
            properties = _properties(style.attributes, variant)
            # The Style is kept with its format, so its id is never reused for another.
            found = self._formats[key] = (self.workbook.add_format(properties) if properties else None, style)
        return found[0]

    def sheet(self, name):
        return Sheet(self, self.workbook.add_worksheet(name))

    def close(self):
        self.workbook.close()


class Sheet:
    """One worksheet, written a row at a time with ``append``. A row's height and a
    merged note are given before the row is written (``height``, ``merge``), as the
    row is flushed once the next one starts."""

    LIMIT = 20_000  # memoised cells per sheet (cleared when full, so memory stays flat)

    def __init__(self, book, ws):
        self.book = book
        self.ws = ws
        self.title = ws.get_name()
        self.row = 0  # rows written so far: the last row's number
        self._heights = {}
        self._merges = {}
        self._widths = {}
        self._hidden = set()
        self._cells = {}

    # ------------------------------------------------------------ cells

    def text(self, value, style):
        """Text, whatever it says (a leading "=" is not a formula), in ``style``."""
        key = (value, id(style))
        cell = self._cells.get(key)
        if cell is None:
            text = clean_text(value)
            cell = (TEXT, text, self.book.format(style, "quoted" if looks_like_a_formula(text) else ""))
            self._remember(key, cell)
        return cell

    def number(self, amount_k, style):
        """£ thousands as exact £m in the money format; None is an empty cell in the style."""
        key = (amount_k, id(style), NUMBER)
        cell = self._cells.get(key)
        if cell is None:
            fmt = self.book.format(style, "money")
            cell = (BLANK, None, fmt) if amount_k is None else (NUMBER, to_m(amount_k), fmt)
            self._remember(key, cell)
        return cell

    def formula(self, formula, style):
        """A formula in the money format."""
        return (FORMULA, formula, self.book.format(style, "money"))

    def plain(self, value, style):
        """A number (an id, a version) as it is, or None as an empty cell, in ``style``."""
        fmt = self.book.format(style)
        return (BLANK, None, fmt) if value is None else (NUMBER, value, fmt)

    def _remember(self, key, cell):
        if len(self._cells) >= self.LIMIT:
            self._cells.clear()
        self._cells[key] = cell

    # ------------------------------------------------------------ rows

    def append(self, cells):
        """Write the next row: ``cells`` from ``text``/``number``/``formula``/``plain``,
        or None for a cell left empty."""
        index = self.row  # XlsxWriter counts rows from 0
        self.row += 1
        ws = self.ws
        height = self._heights.pop(self.row, None)
        if height is not None:
            ws.set_row(index, height)
        merge = self._merges.pop(self.row, None)
        for column, cell in enumerate(cells):
            if cell is None:
                continue
            kind, value, fmt = cell
            if merge is not None and column == merge[0]:
                if kind == TEXT:
                    ws.merge_range(index, merge[0], index, merge[1], value, fmt)
                    continue
                merge = None  # only text is merged across
            if kind == TEXT:
                ws.write_string(index, column, value, fmt)
            elif kind == NUMBER:
                ws.write_number(index, column, value, fmt)
            elif kind == FORMULA:
                ws.write_formula(index, column, value, fmt, "")
            elif fmt is not None:
                ws.write_blank(index, column, None, fmt)

    def height(self, row, points):
        """``row``'s height in points (None leaves it the default)."""
        if points is not None:
            self._heights[row] = points

    def spacer(self, row):
        self._heights[row] = printing.SPACER_HEIGHT

    def note(self, row, text, *, first_column, last_column, widths):
        """A long note in ``row``, merged from ``first_column`` to ``last_column`` and as tall
        as its wrapped text needs (printing.note_height); the note itself is the row's cell
        in ``first_column``."""
        self._heights[row] = printing.note_height(text, first_column=first_column, last_column=last_column,
                                                  widths=widths)
        if last_column > first_column:
            self._merges[row] = (first_column - 1, last_column - 1)

    # ------------------------------------------------------------ the sheet

    def widths(self, widths):
        """Column widths, from column 1."""
        for index, width in enumerate(widths, start=1):
            self._widths[index] = width
            self._column(index)

    def _column(self, column):
        options = {"hidden": True} if column in self._hidden else None
        self.ws.set_column(column - 1, column - 1, self._widths.get(column), None, options)

    def freeze(self, row, column=1):
        """Freeze the rows above ``row`` and the columns left of ``column`` (openpyxl's
        freeze_panes = "A8" is ``freeze(8)``)."""
        self.ws.freeze_panes(row - 1, column - 1)

    def print_setup(self, *, title, sheet, header_row, hidden_columns=()):
        """As ``printing.print_setup``: A4 landscape, one page wide, ``header_row``
        repeated, the header and footer, the margins; ``hidden_columns`` hidden (and left
        out of the print area by ``finish_print``)."""
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(int(printing.A4))
        ws.fit_to_pages(1, 0)
        margins = printing.MARGINS
        ws.set_margins(left=margins.left, right=margins.right, top=margins.top, bottom=margins.bottom)
        parts = printing.header_footer(title, sheet)
        size = f"&{printing.HEADER_SIZE} "
        ws.set_header("".join(f"&{place}{size}{text}" for place, text in parts["header"]),
                      {"margin": margins.header})
        ws.set_footer("".join(f"&{place}{size}{text}" for place, text in parts["footer"]),
                      {"margin": margins.footer})
        if header_row:
            ws.repeat_rows(header_row - 1)
        for column in hidden_columns:
            self._hidden.add(column)
            self._column(column)

    def finish_print(self, *, last_row, last_column):
        """The print area, once the sheet's last row is known: its printed columns only."""
        self.ws.print_area(0, 0, max(last_row, 1) - 1, last_column - 1)

    def cell_reference(self, row, column):
        """ "'Outcome 1'!H42": a cell of this sheet as another sheet's formula names it."""
        return f"{quote_sheetname(self.title)}!{xl_rowcol_to_cell(row - 1, column - 1)}"
