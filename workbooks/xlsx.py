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
- With no proposals at all (a new plan, or a selection that matches none), a sheet to
  fill in instead: the outcome sheets' header row, which the import reads, under notes
  saying how to fill it.

Every sheet has a title block, the sign-convention legend and one frozen header row.
Figures are real numbers in £m with three decimals; an unprofiled year is an empty
cell and "No change" is 0.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname

from reports.printing import finish_print, fit_row, print_setup, spacer, wrapped_note
from reports.spreadsheet_text import looks_like_a_formula

MONEY_FORMAT = "#,##0.000;-#,##0.000;0.000"

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
FILL_NOTE = (
    "To add proposals, fill in one row per impact line under the header row: the reference as published "
    "(or [NEW]), the title, the kind ({kinds}), the outcome's code, the theme (or leave it empty), the service "
    "budget the line varies and its figure for each year. A proposal with several lines has one row per line, "
    "with the same reference, title, kind, outcome and theme. Leave Status, Total over the period, Proposal id "
    "and Version empty. Then upload this workbook on the plan's Import page: new proposals come in as drafts."
)
FILL_SHEET = "Proposals to fill in"
REIMPORT_NOTE = (
    "To change figures, edit them here and upload the workbook on the Import page. Keep the "
    "Proposal id and Version columns as they are; add a new proposal as a row with reference [NEW]. The "
    "governance columns (Key decision to Lead officer; EIA is the equality impact assessment) are for the "
    "paper: the import leaves them as they are; change them on the proposal's page."
)

# The outcome sheets' columns. Year columns go between "Service budget" and the total.
LEADING_COLUMNS = ["Reference", "Title", "Kind", "Outcome", "Theme", "Status", "Service budget"]
# The proposal's governance (proposals.governance.compact), printed after the total; the
# import knows these headings and leaves governance as it is (it is edited on the proposal page).
# "EIA" is how councils head it; the re-import note spells it out.
GOVERNANCE_COLUMNS = ["Key decision", "Consultation", "EIA status", "Portfolio holder", "Lead officer"]
TRAILING_COLUMNS = ["Total over the period", *GOVERNANCE_COLUMNS, "Proposal id", "Version"]
# The sheet to fill in has no governance: a new proposal's is entered on its page.
FILL_TRAILING_COLUMNS = [name for name in TRAILING_COLUMNS if name not in GOVERNANCE_COLUMNS]
WIDTHS = {
    "Reference": 10, "Title": 38, "Kind": 17, "Outcome": 9, "Theme": 17, "Status": 13,
    "Service budget": 28, "Total over the period": 12, "Proposal id": 11, "Version": 9,
    # "Not recorded" on one line (printing.lines_needed), so an unrecorded row stays one line tall.
    "Key decision": 14, "Consultation": 16, "EIA status": 14, "Portfolio holder": 16, "Lead officer": 16,
}
YEAR_WIDTH = 10
OUTCOME_HEADER_ROW = 7

# One font family everywhere, named on every font (a font without a name prints in the
# spreadsheet program's own default, which may be a serif): the workbook default's.
FONT = "Calibri"
TITLE_FONT = Font(name=FONT, bold=True, size=14)
BODY = Font(name=FONT, size=10)
BOLD = Font(name=FONT, bold=True, size=10)
MUTED = Font(name=FONT, italic=True, color="FF505050", size=10)
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
    governance: tuple = ()  # one text per GOVERNANCE_COLUMNS ("Not recorded" where not)


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
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # not openpyxl's guess: a leading "=" would make it a formula
    if looks_like_a_formula(text):
        cell.quotePrefix = True
    _style(cell, style)
    return cell


def to_m(amount_k):
    """£ thousands -> exact £m with three decimals: -27 -> Decimal("-0.027")."""
    return Decimal(int(amount_k)).scaleb(-3)


def number_cell(ws, amount_k, **style):
    """£ thousands -> a real number of £m (exact Decimal), or an empty cell for None."""
    cell = WriteOnlyCell(ws, value=None if amount_k is None else to_m(amount_k))
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


class Style:
    """A named set of cell style attributes (font, fill, border, alignment…), turned into
    openpyxl's style indices once per worksheet by ``Cells``, not once per cell."""

    def __init__(self, **attributes):
        self.attributes = attributes


PLAIN = Style()
HEADER = Style(font=BOLD, fill=HEADER_FILL, alignment=HEADER_ALIGN)
RIGHT_HEADER = Style(font=BOLD, fill=HEADER_FILL, alignment=RIGHT_HEADER_ALIGN)


class _SharedStyleArray(StyleArray):
    """A cell style shared by many cells, hashed once: openpyxl hashes a cell's style
    twice per cell as it writes it (to find the style's index)."""

    __slots__ = ("_hash",)

    def __init__(self, values):
        self._hash = hash(tuple(self))

    def __hash__(self):
        return self._hash


class _ReusedCell(Cell):
    """A write-only cell with a cheap repr: openpyxl's ``append`` formats every cell
    object it is given into an error message it then throws away (it first tries the
    cell as a value), so every cell's repr is computed once per row it is in."""

    __slots__ = ()

    def __repr__(self):
        return "<Cell>"


def _new_cell(ws, value=None):
    return _ReusedCell(worksheet=ws, column=1, row=1, value=value)


class Cells:
    """The write-only cells of one worksheet, made cheaply.

    Setting ``font=``/``fill=``/``alignment=`` on a cell makes openpyxl hash the style
    object to find its index, for every cell. Here each
    ``Style`` (with or without the money format or the quote prefix) is resolved once into
    a StyleArray that every cell of that style shares. And because a write-only sheet
    writes each row as soon as it is appended, one cell object can stand for the same
    value in the same style in every row: repeated text (kinds, statuses, budgets,
    councils) and figures are made once. The cache is bounded, so memory stays flat.
    Cells from here must not be changed after they are made.

    Only *styled* cells are reused. openpyxl's ``append`` assigns each bare value of a
    row to the cell it last yielded unless that cell had a style, so an unstyled cell
    would be overwritten by the next bare value; unstyled text that openpyxl takes as
    text anyway is handed back as the plain (cleaned) string instead, which is also what
    costs least to write.
    """

    LIMIT = 20_000

    def __init__(self, ws, arrays=None):
        """``arrays``: a dict to share between the sheets of one workbook, so each style
        is resolved once per workbook."""
        self.ws = ws
        self._arrays = {} if arrays is None else arrays
        self._cells = {}
        self._styles = {}  # every Style a cached cell was made with, kept alive so its id is its own

    def _array(self, style, variant):
        key = (id(style), variant)
        found = self._arrays.get(key)
        if found is None:
            probe = _new_cell(self.ws)
            _style(probe, style.attributes)
            if variant == "money":
                probe.number_format = MONEY_FORMAT
            elif variant == "quoted":
                probe.quotePrefix = True
            # Keep the Style alive with its array, so its id is never reused for another.
            found = self._arrays[key] = (_SharedStyleArray(probe._style), style)
        return found[0]

    def _cached(self, key, style):
        cell = self._cells.get(key)
        if cell is None:
            if len(self._cells) >= self.LIMIT:
                self._cells.clear()
            self._styles[id(style)] = style
        return cell

    def text(self, value, style=PLAIN):
        """As ``text_cell``: always text, formula-like text quote-prefixed. A plain
        string when openpyxl would store it as this text unstyled."""
        key = ("s", value, id(style))
        cell = self._cached(key, style)
        if cell is None:
            text = clean_text(value)
            quoted = looks_like_a_formula(text)
            if not quoted and not style.attributes:
                if text in ERROR_CODES:
                    return text_cell(self.ws, text)  # "#N/A" as text: unstyled, so never reused
                cell = text
            else:
                cell = _new_cell(self.ws)
                cell._value = text
                cell.data_type = "s"
                cell._style = self._array(style, "quoted" if quoted else "")
            self._cells[key] = cell
        return cell

    def number(self, amount_k, style=PLAIN):
        """As ``number_cell``: £k as exact £m in the money format; None is an empty cell."""
        key = ("n", amount_k, id(style))
        cell = self._cached(key, style)
        if cell is None:
            cell = _new_cell(self.ws)
            if amount_k is not None:
                cell._value = to_m(amount_k)
                cell.data_type = "n"
            cell._style = self._array(style, "money")
            self._cells[key] = cell
        return cell

    def formula(self, formula, style=PLAIN):
        """A formula in the money format (not cached: formulas name their own row)."""
        cell = _new_cell(self.ws)
        cell._value = formula
        cell.data_type = "f"
        cell._style = self._array(style, "money")
        return cell

    def plain(self, value, style=PLAIN):
        """A number or None as it is, in ``style``."""
        if not style.attributes:
            return value
        key = ("p", value, id(style))
        cell = self._cached(key, style)
        if cell is None:
            cell = _new_cell(self.ws, value)
            cell._style = self._array(style, "")
            self._cells[key] = cell
        return cell


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


def write_cabinet_workbook(*, out, title, years, proposals, summary, kinds=(), extra_sheets=()):
    """Write the cabinet-paper workbook to the binary file ``out``.

    ``years``: year labels in order. ``proposals``: ProposalRecords in budget-book order
    (outcome, theme, position), consumed once. ``summary``: {"cumulative": {outcome_key:
    Figures}, "incremental": {…}}, the database's sums of increases and decreases.
    ``kinds``: the kinds' labels, which the sheet to fill in (written when there are no
    proposals) names. ``extra_sheets``: (name, write(ws, title, arrays)) for sheets after
    the summaries (the Gap sheet, workbooks.gap_sheet).
    """
    wb = Workbook(write_only=True)
    taken = set()
    summary_ws = wb.create_sheet(sheet_title("Summary", taken))
    incremental_ws = wb.create_sheet(sheet_title("Incremental", taken))
    extra = [(wb.create_sheet(sheet_title(name, taken)), write) for name, write in extra_sheets]

    outcomes = []  # (key, label, sheet name, {year label: outcome total cell})
    arrays = {}  # the workbook's cell styles, resolved once (see Cells)
    sheet = None
    for record in proposals:
        if sheet is None or sheet.outcome_key != record.outcome_key:
            if sheet is not None:
                outcomes.append(sheet.finish())
            sheet = _OutcomeSheet(wb, taken, title, years, record, arrays)
        sheet.add(record)
    if sheet is not None:
        outcomes.append(sheet.finish())
    else:
        _write_fill_sheet(wb.create_sheet(sheet_title(FILL_SHEET, taken)), title, years, kinds, arrays)

    _write_summary(summary_ws, title, years, outcomes, summary.get("cumulative", {}), arrays, cumulative=True)
    _write_summary(incremental_ws, title, years, outcomes, summary.get("incremental", {}), arrays, cumulative=False)
    for ws, write in extra:
        write(ws, title, arrays)
    wb.save(out)


# The outcome sheets' row styles, resolved once per sheet by Cells.
LINE_TOP = Style(font=BODY, alignment=TOP)
NOTE = Style(font=MUTED, alignment=WRAP)
FACT = Style(font=BODY, alignment=WRAP)
NO_FIGURE = Style(font=BOLD, alignment=Alignment(horizontal="right"))
LINE_WRAP = Style(font=BODY, alignment=WRAP)
# Indented, so the first governance column does not print against the right-aligned total.
GOVERNANCE_CELL = Style(font=BODY, alignment=Alignment(wrap_text=True, vertical="top", indent=1))
LINE_ID = Style(font=MUTED, alignment=TOP)
SUBTOTAL = Style(font=BOLD, border=SUBTOTAL_BORDER)
TOTAL = Style(font=BOLD, border=TOTAL_BORDER, fill=TOTAL_FILL)
# The summary sheets' row styles.
NET = Style(font=BOLD)
ALL_SUBTOTAL = Style(font=BOLD, fill=TOTAL_FILL, border=SUBTOTAL_BORDER)
ALL_NET = Style(font=BOLD, fill=TOTAL_FILL, border=TOTAL_BORDER)
CHECK = Style(font=MUTED)


class _OutcomeSheet:
    """One outcome's sheet, written row by row; remembers only its subtotal cells."""

    def __init__(self, wb, taken, title, years, first, arrays=None):
        self.years = years
        self.columns = LEADING_COLUMNS + list(years) + TRAILING_COLUMNS
        self.outcome_key = first.outcome_key
        self.label = f"Outcome {first.outcome_code} \u2013 {first.outcome_title}"
        self.ws = ws = wb.create_sheet(sheet_title(f"Outcome {first.outcome_code}", taken))
        self.first_year_col = len(LEADING_COLUMNS) + 1
        self.last_year_col = self.first_year_col + len(years) - 1
        self.total_col = self.last_year_col + 1
        self.last_printed_col = self.total_col + len(GOVERNANCE_COLUMNS)
        self.cells = Cells(ws, arrays)
        self._row_total_parts = (
            f"=SUM({get_column_letter(self.first_year_col)}", f":{get_column_letter(self.last_year_col)}", ")"
        )
        widths = [WIDTHS.get(name, YEAR_WIDTH) for name in self.columns]
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        header_row = OUTCOME_HEADER_ROW
        ws.freeze_panes = f"A{header_row + 1}"
        print_setup(ws, title=title, sheet=self.label, header_row=header_row,
                    hidden_columns=(self.last_printed_col + 1, self.last_printed_col + 2))
        self.row = 0
        self._append([text_cell(ws, self.label, font=TITLE_FONT)])
        for text in (f"{title.council}: {title.plan}. Proposals included: {title.included}. As at {title.as_at}.",
                     CUMULATIVE_NOTE.format(base=title.base_year), LEGEND, REIMPORT_NOTE):
            wrapped_note(ws, self.row + 1, text, first_column=1, last_column=self.last_printed_col, widths=widths)
            self._append([self.cells.text(text, NOTE)])
        spacer(ws, self.row + 1)
        self._append([])
        self._append([
            self.cells.text(name, RIGHT_HEADER if self._is_number_column(index) else HEADER)
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
        c = self.cells
        lines = record.lines or [Line(service_budget="", figures={})]
        leading = [
            c.text(record.reference, LINE_TOP), c.text(record.title, LINE_WRAP), c.text(record.kind, LINE_WRAP),
            c.text(record.outcome_code, LINE_TOP), c.text(record.theme, LINE_WRAP), c.text(record.status, LINE_WRAP),
        ]
        governance = list(record.governance) or [""] * len(GOVERNANCE_COLUMNS)
        trailing = [*(c.text(text, GOVERNANCE_CELL) for text in governance),
                    c.plain(record.id, LINE_ID), c.plain(record.version, LINE_ID)]
        wrapped = [(record.title, WIDTHS["Title"]), (record.kind, WIDTHS["Kind"]), (record.theme, WIDTHS["Theme"]),
                   (record.status, WIDTHS["Status"]),
                   *((text, WIDTHS[name]) for name, text in zip(GOVERNANCE_COLUMNS, governance, strict=True))]
        for line in lines:
            row = self.row + 1
            fit_row(self.ws, row, [*wrapped, (line.service_budget, WIDTHS["Service budget"])])
            cells = [*leading, c.text(line.service_budget, LINE_WRAP)]
            figures = line.figures
            cells += [c.number(figures.get(year), LINE_TOP) for year in self.years]
            cells.append(c.formula(self._row_total(row), LINE_TOP))
            cells += trailing
            self._append(cells)

    def _row_total(self, row):
        first, last, end = self._row_total_parts
        row = str(row)
        return first + row + last + row + end

    def _close_theme(self):
        if self.theme is None:
            return
        row = self.row + 1
        first, last = self.theme_first_row, self.row
        cells = [None, text_cell(self.ws, f"Subtotal \u2013 {self.theme or 'No theme'}", font=BOLD)]
        cells += [None] * (self.first_year_col - 3)
        for index in range(self.first_year_col, self.last_year_col + 1):
            col = self._col(index)
            cells.append(self.cells.formula(f"=SUM({col}{first}:{col}{last})", SUBTOTAL))
        cells.append(self.cells.formula(self._row_total(row), SUBTOTAL))
        self._append(cells)
        self.subtotal_rows.append(row)
        spacer(self.ws, self.row + 1)
        self._append([])

    def finish(self):
        """Close the last theme, write the outcome total; return what the summary needs."""
        self._close_theme()
        row = self.row + 1
        cells = [_plain(self.ws, None, fill=TOTAL_FILL),
                 text_cell(self.ws, f"Total \u2013 {self.label}", font=BOLD, fill=TOTAL_FILL)]
        cells += [_plain(self.ws, None, fill=TOTAL_FILL) for _ in range(self.first_year_col - 3)]
        totals = {}
        for index, year in zip(range(self.first_year_col, self.last_year_col + 1), self.years, strict=True):
            col = self._col(index)
            cells.append(self.cells.formula(sum_formula(f"{col}{r}" for r in self.subtotal_rows), TOTAL))
            totals[year] = f"{quote_sheetname(self.ws.title)}!{col}{row}"
        cells.append(self.cells.formula(self._row_total(row), TOTAL))
        self._append(cells)
        finish_print(self.ws, last_row=self.row, last_column=self.last_printed_col)
        return self.outcome_key, self.label, totals


def _write_fill_sheet(ws, title, years, kinds, arrays):
    """The sheet to fill in: the outcome sheets' title block and header row (row
    OUTCOME_HEADER_ROW, frozen), with the note on how to fill it, and no rows."""
    columns = LEADING_COLUMNS + list(years) + FILL_TRAILING_COLUMNS
    for index, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, YEAR_WIDTH)
    ws.freeze_panes = f"A{OUTCOME_HEADER_ROW + 1}"
    print_setup(ws, title=title, sheet=FILL_SHEET, header_row=OUTCOME_HEADER_ROW)
    finish_print(ws, last_row=OUTCOME_HEADER_ROW, last_column=len(columns))
    c = Cells(ws, arrays)
    first_year_col = len(LEADING_COLUMNS) + 1
    ws.append([text_cell(ws, f"New proposals – {title.council}: {title.plan}", font=TITLE_FONT)])
    ws.append([text_cell(ws, FILL_NOTE.format(kinds=", ".join(kinds) or "as the portal lists them"), font=BOLD)])
    ws.append([text_cell(ws, CUMULATIVE_NOTE.format(base=title.base_year), font=MUTED)])
    ws.append([text_cell(ws, LEGEND, font=MUTED)])
    ws.append([text_cell(ws, f"{title.council}: {title.plan}. No proposals yet ({title.included}). "
                             f"As at {title.as_at}.", font=MUTED)])
    ws.append([])
    ws.append([c.text(name, RIGHT_HEADER if first_year_col <= index <= first_year_col + len(years) else HEADER)
               for index, name in enumerate(columns, start=1)])


def _write_summary(ws, title, years, outcomes, figures, arrays, *, cumulative):
    view = "Cumulative variation to the approved budget" if cumulative else "Incremental change from the year before"
    columns = ["Outcome", "Measure", *years, "Total over the period" if cumulative else "Total (full-year effect)"]
    widths = [46, 12] + [YEAR_WIDTH] * len(years) + [14]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    first_year_col, last_year_col = 3, 2 + len(years)
    last_col = last_year_col + 1
    header_row = 11
    ws.freeze_panes = f"A{header_row + 1}"
    print_setup(ws, title=title, sheet=f"{'Summary' if cumulative else 'Incremental'}: {view.lower()}",
                header_row=header_row)
    note = (CUMULATIVE_NOTE if cumulative else INCREMENTAL_NOTE).format(base=title.base_year)
    c = Cells(ws, arrays)
    facts = [("Council", title.council), ("Plan", title.plan), ("Base year", f"Approved {title.base_year} budget"),
             ("Proposals included", title.included), ("As at", title.as_at), ("Sign convention", LEGEND),
             ("Figures", note)]
    block = [
        [text_cell(ws, f"{title.council}: {title.plan}", font=TITLE_FONT)],
        [text_cell(ws, f"{view} by outcome and year, £m", font=BOLD)],
    ]
    for number, (label, value) in enumerate(facts, start=len(block) + 1):
        wrapped_note(ws, number, value, first_column=2, last_column=last_col, widths=widths)
        block.append([text_cell(ws, label, font=BOLD, alignment=TOP), c.text(value, FACT)])
    block.append([])
    block.append([c.text(name, RIGHT_HEADER if index >= first_year_col else HEADER)
                  for index, name in enumerate(columns, start=1)])
    for cells in block:
        ws.append(cells)
    row = header_row
    year_cols = [get_column_letter(i) for i in range(first_year_col, last_year_col + 1)]
    total = f"=SUM({year_cols[0]}{{row}}:{year_cols[-1]}{{row}})" if years else "=0"

    def write(label, measure, values, style=PLAIN):
        nonlocal row
        row += 1
        cells = [c.text(label, style), c.text(measure, style)]
        cells += [value if isinstance(value, Cell) else c.number(value, style) for value in values]
        cells.append(c.formula(total.format(row=row), style))
        ws.append(cells)
        return row

    rows = {"Investment": [], "Saving": [], "Net": []}
    for key, label, _totals in outcomes:
        cells = figures.get(key, Figures()).years
        # A year with no figure is blank (and its net "–"), as on the page; "No change" is 0.000.
        increase = [cells[year][0] if year in cells else None for year in years]
        decrease = [cells[year][1] if year in cells else None for year in years]
        inv = write(label, "Investment", increase)
        sav = write(label, "Saving", decrease)
        rows["Investment"].append(inv)
        rows["Saving"].append(sav)
        rows["Net"].append(write(label, "Net", [
            c.formula(f"=SUM({col}{inv}:{col}{sav})", NET) if year in cells else c.text("\u2013", NO_FIGURE)
            for col, year in zip(year_cols, years, strict=True)
        ], NET))
    if not outcomes:
        row += 1
        ws.append([text_cell(ws, "No proposals match this selection.")])
    for measure in ("Investment", "Saving", "Net"):
        style = ALL_NET if measure == "Net" else ALL_SUBTOTAL
        write("All outcomes", measure, [
            c.formula(sum_formula(f"{col}{r}" for r in rows[measure]), style) for col in year_cols
        ], style)
    if cumulative:
        row += 1
        ws.append([])
        write("Check: the net totals of the outcome sheets", "Net", [
            c.formula(sum_formula(totals[year] for _key, _label, totals in outcomes), CHECK) for year in years
        ], CHECK)
    finish_print(ws, last_row=row, last_column=last_col)
