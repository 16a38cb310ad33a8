"""The cabinet-paper workbook, built from plain records: no database, no request.

``write_cabinet_workbook`` streams a workbook (workbooks.streamed: XlsxWriter in
constant-memory mode), so memory does not grow with the number of proposals: each row is
written to its sheet as it arrives and only the cell addresses of subtotals are kept.

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

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reports import printing
from reports.spreadsheet_text import looks_like_a_formula

from .streamed import MONEY_FORMAT, Book, clean_text, to_m  # noqa: F401 - MONEY_FORMAT, to_m: the writers' names

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


# ---------------------------------------------------------------- safe cells (openpyxl)
# The openpyxl writers (the monitoring and measures workbooks) make their cells with
# these; the cabinet workbook and the flat export are written by workbooks.streamed.


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


def number_cell(ws, amount_k, **style):
    """£ thousands -> a real number of £m (exact Decimal), or an empty cell for None."""
    cell = WriteOnlyCell(ws, value=None if amount_k is None else to_m(amount_k))
    cell.number_format = MONEY_FORMAT
    _style(cell, style)
    return cell


def _style(cell, style):
    for name, value in style.items():
        setattr(cell, name, value)


class Style:
    """A named set of cell style attributes (font, fill, border, alignment), as openpyxl
    objects: workbooks.streamed makes each into an XlsxWriter format once per workbook."""

    def __init__(self, **attributes):
        self.attributes = attributes


PLAIN = Style()
HEADER = Style(font=BOLD, fill=HEADER_FILL, alignment=HEADER_ALIGN)
RIGHT_HEADER = Style(font=BOLD, fill=HEADER_FILL, alignment=RIGHT_HEADER_ALIGN)
TITLE = Style(font=TITLE_FONT)
BOLD_TEXT = Style(font=BOLD)
MUTED_TEXT = Style(font=MUTED)


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
    proposals) names. ``extra_sheets``: (name, write(sheet, title)) for sheets after the
    summaries (the Gap sheet, workbooks.gap_sheet), each given a workbooks.streamed.Sheet.
    """
    book = Book(out)
    taken = book.taken
    summary_sheet = book.sheet(sheet_title("Summary", taken))
    incremental_sheet = book.sheet(sheet_title("Incremental", taken))
    extra = [(book.sheet(sheet_title(name, taken)), write) for name, write in extra_sheets]

    outcomes = []  # (key, label, {year label: outcome total cell})
    sheet = None
    for record in proposals:
        if sheet is None or sheet.outcome_key != record.outcome_key:
            if sheet is not None:
                outcomes.append(sheet.finish())
            sheet = _OutcomeSheet(book, title, years, record)
        sheet.add(record)
    if sheet is not None:
        outcomes.append(sheet.finish())
    else:
        _write_fill_sheet(book.sheet(sheet_title(FILL_SHEET, taken)), title, years, kinds)

    _write_summary(summary_sheet, title, years, outcomes, summary.get("cumulative", {}), cumulative=True)
    _write_summary(incremental_sheet, title, years, outcomes, summary.get("incremental", {}), cumulative=False)
    for extra_sheet, write in extra:
        write(extra_sheet, title)
    book.close()


# The outcome sheets' row styles.
LINE_TOP = Style(font=BODY, alignment=TOP)
NOTE = Style(font=MUTED, alignment=WRAP)
FACT = Style(font=BODY, alignment=WRAP)
FACT_LABEL = Style(font=BOLD, alignment=TOP)
NO_FIGURE = Style(font=BOLD, alignment=Alignment(horizontal="right"))
LINE_WRAP = Style(font=BODY, alignment=WRAP)
# Indented, so the first governance column does not print against the right-aligned total.
GOVERNANCE_CELL = Style(font=BODY, alignment=Alignment(wrap_text=True, vertical="top", indent=1))
LINE_ID = Style(font=MUTED, alignment=TOP)
SUBTOTAL = Style(font=BOLD, border=SUBTOTAL_BORDER)
TOTAL = Style(font=BOLD, border=TOTAL_BORDER, fill=TOTAL_FILL)
TOTAL_LABEL = Style(font=BOLD, fill=TOTAL_FILL)
TOTAL_BLANK = Style(fill=TOTAL_FILL)
# The summary sheets' row styles.
NET = Style(font=BOLD)
ALL_SUBTOTAL = Style(font=BOLD, fill=TOTAL_FILL, border=SUBTOTAL_BORDER)
ALL_NET = Style(font=BOLD, fill=TOTAL_FILL, border=TOTAL_BORDER)
CHECK = Style(font=MUTED)


class _OutcomeSheet:
    """One outcome's sheet, written row by row; remembers only its subtotal rows."""

    def __init__(self, book, title, years, first):
        self.years = years
        self.columns = LEADING_COLUMNS + list(years) + TRAILING_COLUMNS
        self.outcome_key = first.outcome_key
        self.label = f"Outcome {first.outcome_code} \u2013 {first.outcome_title}"
        self.sheet = sheet = book.sheet(sheet_title(f"Outcome {first.outcome_code}", book.taken))
        self.first_year_col = len(LEADING_COLUMNS) + 1
        self.last_year_col = self.first_year_col + len(years) - 1
        self.total_col = self.last_year_col + 1
        self.last_printed_col = self.total_col + len(GOVERNANCE_COLUMNS)
        self._row_total_parts = (
            f"=SUM({get_column_letter(self.first_year_col)}", f":{get_column_letter(self.last_year_col)}", ")"
        )
        widths = [WIDTHS.get(name, YEAR_WIDTH) for name in self.columns]
        sheet.widths(widths)
        header_row = OUTCOME_HEADER_ROW
        sheet.freeze(header_row + 1)
        sheet.print_setup(title=title, sheet=self.label, header_row=header_row,
                          hidden_columns=(self.last_printed_col + 1, self.last_printed_col + 2))
        sheet.append([sheet.text(self.label, TITLE)])
        for text in (f"{title.council}: {title.plan}. Proposals included: {title.included}. As at {title.as_at}.",
                     CUMULATIVE_NOTE.format(base=title.base_year), LEGEND, REIMPORT_NOTE):
            sheet.note(sheet.row + 1, text, first_column=1, last_column=self.last_printed_col, widths=widths)
            sheet.append([sheet.text(text, NOTE)])
        sheet.spacer(sheet.row + 1)
        sheet.append([])
        sheet.append([
            sheet.text(name, RIGHT_HEADER if self._is_number_column(index) else HEADER)
            for index, name in enumerate(self.columns, start=1)
        ])
        self.theme = None
        self.theme_first_row = None
        self.subtotal_rows = []

    def _is_number_column(self, index):
        return self.first_year_col <= index <= self.total_col

    def add(self, record):
        s = self.sheet
        if self.theme is None or record.theme != self.theme:
            self._close_theme()
            self.theme = record.theme
            s.append([None, s.text(record.theme or "No theme", BOLD_TEXT)])
            self.theme_first_row = s.row + 1
        text, number = s.text, s.number
        lines = record.lines or [Line(service_budget="", figures={})]
        leading = [
            text(record.reference, LINE_TOP), text(record.title, LINE_WRAP), text(record.kind, LINE_WRAP),
            text(record.outcome_code, LINE_TOP), text(record.theme, LINE_WRAP), text(record.status, LINE_WRAP),
        ]
        governance = list(record.governance) or [""] * len(GOVERNANCE_COLUMNS)
        trailing = [*(text(value, GOVERNANCE_CELL) for value in governance),
                    s.plain(record.id, LINE_ID), s.plain(record.version, LINE_ID)]
        # Each row as tall as its wrapped cells need: the proposal's, worked out once, or its line's budget.
        wrapped = printing.max_lines([
            (record.title, WIDTHS["Title"]), (record.kind, WIDTHS["Kind"]), (record.theme, WIDTHS["Theme"]),
            (record.status, WIDTHS["Status"]),
            *((value, WIDTHS[name]) for name, value in zip(GOVERNANCE_COLUMNS, governance, strict=True))])
        budget_width = WIDTHS["Service budget"]
        for line in lines:
            row = s.row + 1
            s.height(row, printing.height_of(max(wrapped, printing.lines_needed(line.service_budget, budget_width))))
            figures = line.figures
            s.append([
                *leading, text(line.service_budget, LINE_WRAP),
                *(number(figures.get(year), LINE_TOP) for year in self.years),
                s.formula(self._row_total(row), LINE_TOP), *trailing,
            ])

    def _row_total(self, row):
        first, last, end = self._row_total_parts
        row = str(row)
        return first + row + last + row + end

    def _close_theme(self):
        if self.theme is None:
            return
        s = self.sheet
        row = s.row + 1
        first, last = self.theme_first_row, s.row
        cells = [None, s.text(f"Subtotal \u2013 {self.theme or 'No theme'}", BOLD_TEXT)]
        cells += [None] * (self.first_year_col - 3)
        for index in range(self.first_year_col, self.last_year_col + 1):
            col = get_column_letter(index)
            cells.append(s.formula(f"=SUM({col}{first}:{col}{last})", SUBTOTAL))
        cells.append(s.formula(self._row_total(row), SUBTOTAL))
        s.append(cells)
        self.subtotal_rows.append(row)
        s.spacer(s.row + 1)
        s.append([])

    def finish(self):
        """Close the last theme, write the outcome total; return what the summary needs."""
        self._close_theme()
        s = self.sheet
        row = s.row + 1
        blank = s.plain(None, TOTAL_BLANK)
        cells = [blank, s.text(f"Total \u2013 {self.label}", TOTAL_LABEL)]
        cells += [blank] * (self.first_year_col - 3)
        totals = {}
        for index, year in zip(range(self.first_year_col, self.last_year_col + 1), self.years, strict=True):
            col = get_column_letter(index)
            cells.append(s.formula(sum_formula(f"{col}{r}" for r in self.subtotal_rows), TOTAL))
            totals[year] = s.cell_reference(row, index)
        cells.append(s.formula(self._row_total(row), TOTAL))
        s.append(cells)
        s.finish_print(last_row=s.row, last_column=self.last_printed_col)
        return self.outcome_key, self.label, totals


def _write_fill_sheet(sheet, title, years, kinds):
    """The sheet to fill in: the outcome sheets' title block and header row (row
    OUTCOME_HEADER_ROW, frozen), with the note on how to fill it, and no rows."""
    columns = LEADING_COLUMNS + list(years) + FILL_TRAILING_COLUMNS
    sheet.widths([WIDTHS.get(name, YEAR_WIDTH) for name in columns])
    sheet.freeze(OUTCOME_HEADER_ROW + 1)
    sheet.print_setup(title=title, sheet=FILL_SHEET, header_row=OUTCOME_HEADER_ROW)
    sheet.finish_print(last_row=OUTCOME_HEADER_ROW, last_column=len(columns))
    first_year_col = len(LEADING_COLUMNS) + 1
    for text, style in (
        (f"New proposals – {title.council}: {title.plan}", TITLE),
        (FILL_NOTE.format(kinds=", ".join(kinds) or "as the portal lists them"), BOLD_TEXT),
        (CUMULATIVE_NOTE.format(base=title.base_year), MUTED_TEXT),
        (LEGEND, MUTED_TEXT),
        (f"{title.council}: {title.plan}. No proposals yet ({title.included}). As at {title.as_at}.", MUTED_TEXT),
    ):
        sheet.append([sheet.text(text, style)])
    sheet.append([])
    sheet.append([sheet.text(name, RIGHT_HEADER if first_year_col <= index <= first_year_col + len(years) else HEADER)
                  for index, name in enumerate(columns, start=1)])


def _write_summary(sheet, title, years, outcomes, figures, *, cumulative):
    view = "Cumulative variation to the approved budget" if cumulative else "Incremental change from the year before"
    columns = ["Outcome", "Measure", *years, "Total over the period" if cumulative else "Total (full-year effect)"]
    widths = [46, 12] + [YEAR_WIDTH] * len(years) + [14]
    sheet.widths(widths)
    first_year_col, last_year_col = 3, 2 + len(years)
    last_col = last_year_col + 1
    header_row = 11
    sheet.freeze(header_row + 1)
    sheet.print_setup(title=title, sheet=f"{'Summary' if cumulative else 'Incremental'}: {view.lower()}",
                      header_row=header_row)
    note = (CUMULATIVE_NOTE if cumulative else INCREMENTAL_NOTE).format(base=title.base_year)
    text, number, formula = sheet.text, sheet.number, sheet.formula
    facts = [("Council", title.council), ("Plan", title.plan), ("Base year", f"Approved {title.base_year} budget"),
             ("Proposals included", title.included), ("As at", title.as_at), ("Sign convention", LEGEND),
             ("Figures", note)]
    sheet.append([text(f"{title.council}: {title.plan}", TITLE)])
    sheet.append([text(f"{view} by outcome and year, £m", BOLD_TEXT)])
    for label, value in facts:
        sheet.note(sheet.row + 1, value, first_column=2, last_column=last_col, widths=widths)
        sheet.append([text(label, FACT_LABEL), text(value, FACT)])
    sheet.append([])
    sheet.append([text(name, RIGHT_HEADER if index >= first_year_col else HEADER)
                  for index, name in enumerate(columns, start=1)])
    year_cols = [get_column_letter(i) for i in range(first_year_col, last_year_col + 1)]
    total = f"=SUM({year_cols[0]}{{row}}:{year_cols[-1]}{{row}})" if years else "=0"

    def write(label, measure, values, style=PLAIN):
        row = sheet.row + 1
        sheet.append([text(label, style), text(measure, style),
                      *(value if isinstance(value, tuple) else number(value, style) for value in values),
                      formula(total.format(row=row), style)])
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
            formula(f"=SUM({col}{inv}:{col}{sav})", NET) if year in cells else text("\u2013", NO_FIGURE)
            for col, year in zip(year_cols, years, strict=True)
        ], NET))
    if not outcomes:
        sheet.append([text("No proposals match this selection.", PLAIN)])
    for measure in ("Investment", "Saving", "Net"):
        style = ALL_NET if measure == "Net" else ALL_SUBTOTAL
        write("All outcomes", measure, [
            formula(sum_formula(f"{col}{r}" for r in rows[measure]), style) for col in year_cols
        ], style)
    if cumulative:
        sheet.append([])
        write("Check: the net totals of the outcome sheets", "Net", [
            formula(sum_formula(totals[year] for _key, _label, totals in outcomes), CHECK) for year in years
        ], CHECK)
    sheet.finish_print(last_row=sheet.row, last_column=last_col)
