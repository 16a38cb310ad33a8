"""A monitoring period's workbook (the monitoring appendix), written from the period's
returns for finance officers to fill in and import back (``monitoring_import``).

**Summary** sheet: the headline (full target, forecast, shortfall, the delivery
percentage), then the period's figures by rating, outcome, theme and service budget, in
the columns the delivery page shows. Every figure is a ``SUMIFS``/``COUNTIFS`` formula
over the Returns sheet, so a spreadsheet program recalculates it as returns are filled
in; each carries ``delivery.summary.delivery_summary``'s figure as its cached result, so
a viewer that does not recalculate shows the page's figures too.

**Returns** sheet: one row per proposal due a return (``delivery.services.due_returns``),
with a return or not yet: reference, title, outcome, service budget, target, slipped in,
full target (formula), forecast, shortfall (formula), rating (a list: Blue, Green, Amber,
Red), commentary, lead officer, mitigation, replacement (a reference) and delivered next
year (Yes/No). Hidden columns outside the print area hold what the import needs (the
proposal's id, the return's version, 0 for none, and beside the title the period's id)
and what the Summary's formulas select by (a "counted" flag: the row has a rating; the
outcome, theme and service budget ids, 0 for none). A row with a return shows the
target and service budget saved with it, as the summary counts them; a row without one,
what its return would be saved with.

Figures are in the plan's unit, signed as the plan's figures (a saving is negative):
£m to three decimals, or whole £000. Text is always stored as text (``xlsx.text_cell``).
Both sheets print on A4 landscape, one page wide, the Returns header row repeated.
"""
import io
import re
import textwrap
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from delivery.models import RATING_ORDER, Rating
from delivery.services import due_returns
from delivery.summary import FIGURE_HEADINGS, Totals, delivery_summary
from proposals.models import ServiceBudget
from proposals.money import MILLIONS, unit_label
from proposals.permissions import can_view
from reports.printing import finish_print, print_setup

from . import xlsx
from .exports import as_at

SUMMARY_SHEET, RETURNS_SHEET = "Summary", "Returns"
PERIOD_ID = "Period id"  # the label of the hidden cell naming the period, in the Returns sheet's first row
YES, NO = "Yes", "No"
FORMATS = {MILLIONS: "#,##0.000;-#,##0.000;0.000", "thousands": "#,##0;-#,##0;0"}
PERCENT = "0.0%"

# The Returns sheet's columns: (key, heading, width). The printed ones, then the hidden ones.
COLUMNS = [
    ("reference", "Reference", 9), ("title", "Title", 24), ("outcome", "Outcome", 8),
    ("service_budget", "Service budget", 16), ("target", "Target", 9), ("slippage", "Slipped in", 9),
    ("full_target", "Full target", 9), ("forecast", "Forecast", 9), ("shortfall", "Shortfall", 9),
    ("rating", "Rating", 7), ("commentary", "Commentary", 30), ("lead_officer", "Lead officer", 12),
    ("mitigation", "Mitigation", 24), ("replacement", "Replacement", 11),
    ("delivered_next_year", "Delivered next year", 9),
    ("id", "Proposal id", 11), ("version", "Version", 9), ("counted", "Counted", 9),
    ("outcome_key", "Outcome key", 9), ("theme_key", "Theme key", 9), ("service_key", "Service budget key", 9),
]
PRINTED = 15  # the columns up to "Delivered next year" are the print area
COL = {key: get_column_letter(index) for index, (key, _heading, _width) in enumerate(COLUMNS, start=1)}
HEADINGS = {key: heading for key, heading, _width in COLUMNS}
WIDTHS = {key: width for key, _heading, width in COLUMNS}
MONEY_COLUMNS = ("target", "slippage", "full_target", "forecast", "shortfall")
WRAPPED_COLUMNS = ("title", "service_budget", "commentary", "lead_officer", "mitigation")
# What the import reads; the rest of the row is the portal's, and changing it changes nothing.
READ = ("reference", "forecast", "rating", "commentary", "lead_officer", "mitigation", "replacement",
        "delivered_next_year", "id", "version")

# The portal's fonts (one family, named on every font: workbooks.xlsx).
TITLE = xlsx.TITLE_FONT
BOLD = xlsx.BOLD
MUTED = xlsx.MUTED
SMALL = xlsx.BODY
SMALL_BOLD = Font(name=xlsx.FONT, size=10, bold=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")
RIGHT = Alignment(horizontal="right", vertical="top")
INDENTED = Alignment(vertical="top", indent=1)  # the rating, clear of the shortfall beside it
HEADER_STYLE = {"font": SMALL_BOLD, "fill": xlsx.HEADER_FILL, "alignment": xlsx.HEADER_ALIGN}
RIGHT_HEADER_STYLE = {**HEADER_STYLE, "alignment": xlsx.RIGHT_HEADER_ALIGN}
LINE_POINTS = 13  # the height of a line of 10-point text
NOTE_CHARACTERS = 150  # a note's line: within the Returns sheet's printed width
SUMMARY_NOTE_CHARACTERS = 115

# The notes above the Returns header, a line each (long text in one cell would run past the page).
FILL_NOTE = (
    "To make the returns: type each proposal's Forecast for the year, signed as its target (a saving is negative), "
    "and choose its Rating. Add a Commentary and the Lead officer. For Amber and Red, say how the shortfall is "
    "mitigated and, if another proposal makes it up, give its reference under Replacement (such as [34]). Put Yes "
    "under Delivered next year to move a shortfall into next year's target. Leave a row blank to return it later, "
    "and the other columns as they are. Then upload the workbook on the period's Import page: you see every change "
    "before anything is saved."
)
RULES_NOTE = (
    "Blue (delivered, now in the base budget) and Green (on track) forecast the full target; Red (will not be "
    "delivered this year) forecasts less; Amber (at risk) may forecast either."
)
FIGURES_NOTE = (
    "Target is the approved change in the year; Slipped in is the shortfall of the year before carried into it; Full "
    "target is their sum. Shortfall = forecast − full target: positive leaves the budget worse off. "
    "Delivered = forecast ÷ full target."
)
NOTE_LINES = [*textwrap.wrap(FILL_NOTE, NOTE_CHARACTERS), *textwrap.wrap(RULES_NOTE, NOTE_CHARACTERS),
              *textwrap.wrap(FIGURES_NOTE, NOTE_CHARACTERS)]
HEADER_ROW = 2 + 1 + len(NOTE_LINES) + 2  # the title, the period, the unit, the notes, a gap, the header
FIRST_ROW = HEADER_ROW + 1


SUMMARY_NOTE = (
    "Every figure here adds up the Returns sheet's rows with a rating, so it recalculates as returns are filled in "
    "there. A proposal counts under its principal service budget (its largest line in the year)."
)


def _unit_note(unit):
    shown = "£m to three decimal places" if unit == MILLIONS else "£000, whole thousands"
    return f"Figures are {shown}, signed as the plan's figures: a saving is negative."


# ---------------------------------------------------------------- cells


def _in_unit(amount_k, unit):
    """£k as the sheet holds it: exact £m (Decimal) or whole £000 (int)."""
    return xlsx.to_m(amount_k) if unit == MILLIONS else int(amount_k)


class _Sheet:
    """One write-only worksheet and the cached results of its formulas ({coordinate: value})."""

    def __init__(self, wb, title, unit):
        self.ws = wb.create_sheet(title)
        self.unit = unit
        self.row = 0
        self.cached = {}

    def text(self, value, **style):
        return xlsx.text_cell(self.ws, value, **style)

    def money(self, amount_k, **style):
        cell = WriteOnlyCell(self.ws, value=None if amount_k is None else _in_unit(amount_k, self.unit))
        cell.number_format = FORMATS[self.unit]
        xlsx._style(cell, style)
        return cell

    def plain(self, value, **style):
        cell = WriteOnlyCell(self.ws, value=value)
        xlsx._style(cell, style)
        return cell

    def formula(self, column, formula, cached, number_format=None, **style):
        """A formula in ``column`` of the row being written, with ``cached`` as its result."""
        cell = WriteOnlyCell(self.ws, value=formula)
        cell.data_type = "f"
        cell.number_format = number_format or FORMATS[self.unit]
        xlsx._style(cell, style)
        self.cached[f"{column}{self.row + 1}"] = cached
        return cell

    def append(self, cells):
        self.ws.append(cells)
        self.row += 1

    def money_formula(self, column, formula, amount_k, **style):
        return self.formula(column, formula, None if amount_k is None else _in_unit(amount_k, self.unit), **style)


def _print_setup(ws, period, stamp, sheet, *, header_row=None, last_row=None, last_column=None):
    """The portal's print setup (reports.printing, one place for every workbook), with
    gridlines: a form to fill in. Set before the first row."""
    title = xlsx.TitleBlock(council=period.plan.council.name, plan=period.plan.name, base_year="", included="",
                            as_at=stamp)
    print_setup(ws, title=title, sheet=f"{sheet}, {period.label}", header_row=header_row)
    ws.print_options.gridLines = True
    if last_row is not None:
        finish_print(ws, last_row=last_row, last_column=last_column)


# ---------------------------------------------------------------- the workbook


@dataclass
class _Row:
    """A due proposal as its Returns row shows it (the return's saved figures if it has one)."""

    due: object
    target_k: int
    slippage_in_k: int
    service_budget_id: int | None
    current: object

    @property
    def full_target_k(self):
        return self.target_k + self.slippage_in_k


def _rows(due):
    out = []
    for entry in due:
        current = entry.current
        if current is not None:
            out.append(_Row(entry, current.target_k, current.slippage_in_k, current.service_budget_id, current))
        else:
            out.append(_Row(entry, entry.target_k, entry.slippage_in_k, entry.service_budget_id, None))
    return out


def write_monitoring_workbook(period, *, user):
    """The monitoring workbook of ``period`` (with its plan and council loaded) as .xlsx
    bytes, for anyone who may see the council. Eleven queries once the user's roles are
    loaded, whatever the plan's size: the due returns (four), the summary (six) and the
    service budgets' names."""
    plan = period.plan
    can_view(user, plan.council).require()
    rows = _rows(due_returns(period))
    summary = delivery_summary(period)
    budget_ids = {row.service_budget_id for row in rows} - {None}
    budgets = dict(ServiceBudget.objects.filter(pk__in=budget_ids).values_list("pk", "name")) if budget_ids else {}
    wb = Workbook(write_only=True)
    summary_sheet = _Sheet(wb, SUMMARY_SHEET, plan.unit)
    returns_sheet = _Sheet(wb, RETURNS_SHEET, plan.unit)
    stamp = as_at()
    last = _write_returns(returns_sheet, period, rows, budgets, stamp)
    _write_summary(summary_sheet, period, summary, rows, budgets, stamp, last)
    out = io.BytesIO()
    wb.save(out)
    return with_cached_values(out.getvalue(), [summary_sheet.cached, returns_sheet.cached])


def _write_returns(sheet, period, rows, budgets, stamp):
    """The Returns sheet; returns the number of its last data row (at least FIRST_ROW)."""
    ws, plan = sheet.ws, period.plan
    for index, (_key, _heading, width) in enumerate(COLUMNS, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = width
        dimension.hidden = index > PRINTED
    ws.freeze_panes = f"C{FIRST_ROW}"
    last = max(FIRST_ROW, HEADER_ROW + len(rows))
    _print_setup(ws, period, stamp, "Returns", header_row=HEADER_ROW, last_row=last, last_column=PRINTED)
    status = "open for returns" if period.is_open else "closed to returns"
    first = [sheet.text(f"Returns, {period.label} – {plan.council.name}: {plan.name}", font=TITLE)]
    first += [None] * (PRINTED - 1) + [sheet.text(PERIOD_ID, font=MUTED), sheet.plain(period.pk, font=MUTED)]
    sheet.append(first)
    sheet.append([sheet.text(f"Monitoring period {period.label}, reported {_day(period.reporting_date)}, {status}. "
                             f"As at {stamp}.", font=BOLD)])
    sheet.append([sheet.text(_unit_note(plan.unit), font=BOLD)])
    for line in NOTE_LINES:
        sheet.append([sheet.text(line, font=MUTED)])
    sheet.append([])
    ws.row_dimensions[HEADER_ROW].height = 2 * LINE_POINTS + 2
    sheet.append([sheet.text(heading, **(RIGHT_HEADER_STYLE if key in MONEY_COLUMNS else HEADER_STYLE))
                  for key, heading, _width in COLUMNS])
    for row in rows:
        sheet.append(_returns_row(sheet, row, budgets))
    if not rows:
        sheet.append([])
    _validations(ws, last)
    return last


def _lines(text, width):
    """About how many lines ``text`` wraps to in a column ``width`` characters wide (10-point text)."""
    per_line = max(1, width - 1)  # wrapping at words leaves part of each line empty
    return sum(max(1, -(-len(paragraph) // per_line)) for paragraph in str(text).split("\n"))


def _returns_row(sheet, row, budgets):
    proposal, current = row.due.proposal, row.current
    r = sheet.row + 1
    c = {key: f"{COL[key]}{r}" for key in COL}
    forecast = current.forecast_k if current else None
    text = {"font": SMALL, "alignment": WRAP}
    figure = {"font": SMALL, "alignment": TOP}
    counted = f'=IF(OR({c["rating"]}="Blue",{c["rating"]}="Green",{c["rating"]}="Amber",{c["rating"]}="Red"),1,0)'
    replacement = current.replacement.display_reference if current and current.replacement else ""
    words = {"title": proposal.title, "service_budget": budgets.get(row.service_budget_id, ""),
             "commentary": current.commentary if current else "", "lead_officer": current.lead_officer if current
             else "", "mitigation": current.mitigation if current else ""}
    # Spreadsheet programs do not all size a row to its wrapped text when they open a file: say how tall it is.
    lines = max(_lines(words[key], WIDTHS[key]) for key in WRAPPED_COLUMNS)
    sheet.ws.row_dimensions[r].height = min(409, lines * LINE_POINTS + 2)
    return [
        sheet.text(proposal.display_reference, **figure),
        sheet.text(words["title"], **text),
        sheet.text(proposal.outcome.code, **figure),
        sheet.text(words["service_budget"], **text),
        sheet.money(row.target_k, **figure),
        sheet.money(row.slippage_in_k, **figure),
        sheet.money_formula(COL["full_target"], f"={c['target']}+{c['slippage']}", row.full_target_k, **figure),
        sheet.money(forecast, **figure),
        sheet.money_formula(COL["shortfall"], f'=IF({c["forecast"]}="","",{c["forecast"]}-{c["full_target"]})',
                            None if forecast is None else forecast - row.full_target_k, **figure),
        sheet.text(Rating(current.rating).label if current else "", font=SMALL, alignment=INDENTED),
        sheet.text(words["commentary"], **text),
        sheet.text(words["lead_officer"], **text),
        sheet.text(words["mitigation"], **text),
        sheet.text(replacement, **figure),
        sheet.text((YES if current.delivered_next_year else NO) if current else "", **figure),
        sheet.plain(proposal.pk, font=MUTED),
        sheet.plain(current.version if current else 0, font=MUTED),
        sheet.formula(COL["counted"], counted, 1 if current else 0, number_format="0", font=MUTED),
        sheet.plain(proposal.outcome_id, font=MUTED),
        sheet.plain(proposal.theme_id or 0, font=MUTED),
        sheet.plain(row.service_budget_id or 0, font=MUTED),
    ]


def _validations(ws, last):
    ratings = DataValidation(
        type="list", formula1='"' + ",".join(Rating(r).label for r in RATING_ORDER) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle="Rating", error="Choose Blue, Green, Amber or Red.",
        showInputMessage=True, promptTitle="Rating",
        prompt="Blue: delivered. Green: on track. Amber: at risk. Red: will not be delivered this year.",
    )
    ratings.add(f"{COL['rating']}{FIRST_ROW}:{COL['rating']}{last}")
    slips = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True, showErrorMessage=True,
                           errorTitle="Delivered next year", error="Choose Yes or No.")
    slips.add(f"{COL['delivered_next_year']}{FIRST_ROW}:{COL['delivered_next_year']}{last}")
    ws.data_validations.append(ratings)
    ws.data_validations.append(slips)


def _day(day):
    return f"{day.day} {day:%B %Y}"


def _write_summary(sheet, period, summary, rows, budgets, stamp, last):
    ws, plan = sheet.ws, period.plan
    for index, width in enumerate([58, 10, 13, 13, 13, 13, 11], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _print_setup(ws, period, stamp, "Summary")
    span = {key: f"{RETURNS_SHEET}!${COL[key]}${FIRST_ROW}:${COL[key]}${last}" for key in COL}
    status = "open for returns" if period.is_open else "closed to returns"
    sheet.append([sheet.text(f"Savings delivery, {period.label} – {plan.council.name}: {plan.name}", font=TITLE)])
    sheet.append([sheet.text("The monitoring appendix: the period's returns by rating, outcome, theme and service "
                             f"budget, {unit_label(plan.unit)}", font=BOLD)])
    sheet.append([sheet.text(f"Reported {_day(period.reporting_date)}; the period is {status}. As at {stamp}.")])
    sheet.append([sheet.text(_unit_note(plan.unit))])
    for line in (*textwrap.wrap(FIGURES_NOTE, SUMMARY_NOTE_CHARACTERS), *textwrap.wrap(SUMMARY_NOTE,
                                                                                    SUMMARY_NOTE_CHARACTERS)):
        sheet.append([sheet.text(line, font=MUTED)])
    sheet.append([])
    sheet.append([sheet.text("Headline", **HEADER_STYLE), sheet.text("", **HEADER_STYLE)])
    totals = summary.totals
    counted = (span["counted"], "1")
    full, forecast = f"B{sheet.row + 2}", f"B{sheet.row + 3}"
    sheet.append([sheet.text(f"Delivered: the share of the {period.year.label} full target forecast", font=BOLD),
                  sheet.formula("B", f'=IF({full}=0,"–",{forecast}/{full})', _share(totals),
                                number_format=PERCENT, font=BOLD, alignment=RIGHT)])
    sheet.append([sheet.text("Full target (target and slipped in)"), sheet.money_formula(
        "B", f"={_sumifs(span['target'], counted)}+{_sumifs(span['slippage'], counted)}", totals.full_target_k)])
    sheet.append([sheet.text("Forecast"),
                  sheet.money_formula("B", "=" + _sumifs(span["forecast"], counted), totals.forecast_k)])
    sheet.append([sheet.text("Shortfall (forecast − full target)"),
                  sheet.money_formula("B", f"={forecast}-{full}", totals.shortfall_k)])
    sheet.append([sheet.text(f"Returns made, of the {len(rows)} proposals due"),
                  sheet.formula("B", f"=COUNTIFS({span['counted']},1)", totals.returns, number_format="0")])
    for heading, groups in _groups(summary, rows, budgets, span):
        sheet.append([])
        _group_table(sheet, f"{heading}, {period.label}", groups, span)


def _share(totals):
    """forecast ÷ full target, the cached result of a Delivered formula ("–" without a target)."""
    if not totals.full_target_k:
        return "–"
    return (Decimal(totals.forecast_k) / Decimal(totals.full_target_k)).quantize(Decimal("1e-12"))


def _sumifs(values, *criteria):
    return f"SUMIFS({values},{','.join(f'{rng},{test}' for rng, test in criteria)})"


@dataclass
class _Group:
    label: str
    criteria: tuple  # (range, test) pairs selecting the group's rows of the Returns sheet
    totals: Totals


def _groups(summary, rows, budgets, span):
    """(heading, [_Group]) per grouping: every group the due rows fall in, ordered as the
    summary orders them, each with the summary's totals (zero for a group with no return yet)."""
    counted = (span["counted"], "1")
    by_rating = [_Group(f"{g.label}: {g.note}", ((span["rating"], f'"{g.label}"'),), g.totals)
                 for g in summary.by_rating]
    found = {"outcome": {}, "theme": {}, "service": {}}  # grouping -> {id or 0: (order, label)}
    for row in rows:
        proposal = row.due.proposal
        outcome, theme = proposal.outcome, proposal.theme
        found["outcome"].setdefault(proposal.outcome_id, (
            (outcome.position, outcome.code), f"Outcome {outcome.code} – {outcome.title}"))
        theme_name = theme.name if theme else "No theme"
        found["theme"].setdefault(proposal.theme_id or 0, (
            (theme is None, theme.position if theme else 0, theme_name), theme_name))
        name = budgets.get(row.service_budget_id) or "No service budget"
        found["service"].setdefault(row.service_budget_id or 0, ((name,), name))
    known = {"outcome": summary.by_outcome, "theme": summary.by_theme, "service": summary.by_service}
    out = [("By rating", by_rating)]
    for grouping, heading in (("outcome", "By outcome"), ("theme", "By theme"), ("service", "By service budget")):
        totals = {group.key: group.totals for group in known[grouping]}
        column = span[f"{grouping}_key"]
        out.append((heading, [
            _Group(label, ((column, str(key)), counted), totals.get(str(key) if key else "none", Totals()))
            for key, (_order, label) in sorted(found[grouping].items(), key=lambda item: item[1][0])
        ]))
    return out


def _group_table(sheet, heading, groups, span):
    """A grouping's table: its header, a row per group, and the total of those rows."""
    sheet.append([sheet.text(heading, **HEADER_STYLE),
                  *(sheet.text(name, **RIGHT_HEADER_STYLE) for name in FIGURE_HEADINGS)])
    first = sheet.row + 1
    for group in groups:
        count = "=COUNTIFS(" + ",".join(f"{rng},{test}" for rng, test in group.criteria) + ")"
        sheet.append([sheet.text(group.label, alignment=WRAP), *_figure_cells(sheet, group.totals, {
            "B": count, "C": "=" + _sumifs(span["target"], *group.criteria),
            "D": "=" + _sumifs(span["slippage"], *group.criteria),
            "E": "=" + _sumifs(span["forecast"], *group.criteria),
        })])
    last = sheet.row
    total = sum((group.totals for group in groups), Totals())
    style = {"font": BOLD, "border": xlsx.TOTAL_BORDER, "fill": xlsx.TOTAL_FILL}
    sheet.append([sheet.text("Total", **style), *_figure_cells(
        sheet, total, {col: f"=SUM({col}{first}:{col}{last})" if groups else "=0" for col in "BCDE"}, **style)])


def _figure_cells(sheet, totals, sums, **style):
    """Returns, target, slipped in, forecast (``sums``: formulas for columns B to E),
    shortfall and delivered, for one row of a group table."""
    r = sheet.row + 1
    return [
        sheet.formula("B", sums["B"], totals.returns, number_format="0", **style),
        sheet.money_formula("C", sums["C"], totals.target_k, **style),
        sheet.money_formula("D", sums["D"], totals.slippage_in_k, **style),
        sheet.money_formula("E", sums["E"], totals.forecast_k, **style),
        sheet.money_formula("F", f"=E{r}-(C{r}+D{r})", totals.shortfall_k, **style),
        sheet.formula("G", f'=IF((C{r}+D{r})=0,"–",E{r}/(C{r}+D{r}))', _share(totals), number_format=PERCENT,
                      alignment=RIGHT, **style),
    ]


# ---------------------------------------------------------------- cached results


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v></v>|<v\s*/>)')


def with_cached_values(data, cached_by_sheet):
    """The .xlsx ``data`` with each formula's cached result filled in: openpyxl writes
    formulas with an empty result, which spreadsheet programs recalculate on opening but
    previewers and readers of the file's values show as blank. ``cached_by_sheet``: for
    each worksheet in order, {coordinate: value (a number, text, or None for none)}."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            if match and int(match.group(1)) <= len(cached_by_sheet):
                part = _fill(part, cached_by_sheet[int(match.group(1)) - 1])
            target.writestr(info, part)
    return out.getvalue()


def _fill(part, cached):
    def replace(match):
        coordinate, attributes, formula = (group.decode() for group in match.groups())
        value = cached.get(coordinate)
        if value is None or value == "":
            return match.group(0)
        if isinstance(value, str):  # a formula's text result is typed "str"
            attributes += ' t="str"'
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<c r="{coordinate}"{attributes}><f>{formula}</f><v>{value}</v>'.encode()

    return _FORMULA_CELL.sub(replace, part)
