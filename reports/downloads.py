"""Plain CSV and .xlsx downloads of a report, and the roll-up as JSON.

Every download is built from the same objects the page renders (the filtered
queryset, the Rollup), so the page and its download cannot disagree.

- Figures are numbers (£m, Decimal, three places), never text; unprofiled is blank.
- Text that a spreadsheet would run as a formula (``spreadsheet_text``) is kept as
  text: a leading apostrophe in CSV, a string cell in .xlsx.
"""
import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from proposals.money import format_m, to_decimal_m

from .figures import year_key
from .printing import finish_print, print_setup, spacer, wrapped_note
from .spreadsheet_text import formula_safe, looks_like_a_formula

MONEY_FORMAT = "0.000"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv(headers, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([formula_safe(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else formula_safe(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


FONT = "Calibri"  # the portal's one font family in every workbook (workbooks.xlsx.FONT)
MIN_WIDTH, MAX_WIDTH = 8, 60  # a column's width in characters, from its longest text


@dataclass(frozen=True)
class Heading:
    """A download's title block: what the figures are, for whom and as at when, so a
    printed or forwarded spreadsheet says what it holds. ``lines``: what it is, its
    filters and statuses, in words. The attributes print_setup reads for the page
    header and footer are ``council``, ``plan`` and ``as_at``."""

    council: str
    plan: str
    as_at: str
    lines: list = field(default_factory=list)


def as_at_text(source, now=None):
    """ "as at Cabinet 5 February 2019 (5 February 2019)" for a snapshot, else the time
    the download was made: "4 December 2026 at 09:30 (UK time)"."""
    if source is not None and source.snapshot is not None:
        return source.label.removeprefix("as at ")
    local = timezone.localtime(now or timezone.now())
    return f"{local.day} {local:%B %Y} at {local:%H:%M} (UK time)"


def to_xlsx(title, headers, rows, heading=None):
    """A one-sheet workbook of ``headers`` and ``rows`` (figures as numbers in £m), with
    ``heading``'s title block above the header row when given, column widths from their
    content, and the portal's print setup (A4 landscape, one page wide, the header row
    on every page, council, plan, sheet and as at in the page header)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    body, bold, big = Font(name=FONT, size=10), Font(name=FONT, size=10, bold=True), Font(name=FONT, size=12, bold=True)
    widths = _widths(headers, rows)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    header_row = 1
    if heading is not None:
        lines = [(f"{heading.council}: {heading.plan}", big), *((line, body) for line in heading.lines),
                 (f"As at {heading.as_at}", body)]
        for row, (text, font) in enumerate(lines, start=1):
            cell = _text(sheet.cell(row=row, column=1), text)
            cell.font = font
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            wrapped_note(sheet, row, text, first_column=1, last_column=len(headers), widths=widths)
        spacer(sheet, len(lines) + 1)
        header_row = len(lines) + 2
        print_setup(sheet, title=heading, sheet=title[:31], header_row=header_row)
    for column, header in enumerate(headers, start=1):
        cell = _text(sheet.cell(row=header_row, column=column), header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for row_number, row in enumerate(rows, start=header_row + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, Decimal):
                cell.value = value
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, str):
                _text(cell, value)
            else:
                cell.value = value
            cell.font = body
    sheet.freeze_panes = f"A{header_row + 1}"
    if heading is not None:
        finish_print(sheet, last_row=header_row + len(rows), last_column=len(headers))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _widths(headers, rows):
    """Each column's width: its longest text (a figure's as printed), within bounds."""
    widths = [min(max(len(str(h)) + 2, MIN_WIDTH), MAX_WIDTH) for h in headers]
    for row in rows:
        for column, value in enumerate(row):
            if value is not None and column < len(widths):
                shown = f"{value:.3f}" if isinstance(value, Decimal) else str(value)
                widths[column] = min(max(widths[column], len(shown) + 2), MAX_WIDTH)
    return widths


def _text(cell, value):
    """Write ``value`` as a string cell even if it looks like a formula (then quote-prefixed,
    as Excel marks text typed with a leading apostrophe)."""
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = looks_like_a_formula(value)
    return cell


def response(fmt, filename, title, headers, rows, heading=None):
    """The download: CSV (plain, a header row then the rows, for scripts) or .xlsx (with
    ``heading``'s title block and print setup, for people)."""
    if fmt == "csv":
        result = HttpResponse(to_csv(headers, rows), content_type=CSV_TYPE)
    else:
        result = HttpResponse(to_xlsx(title, headers, rows, heading), content_type=XLSX_TYPE)
    result["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return result


# What each report puts in its download.

MEASURES = (("increase", "Investment"), ("decrease", "Saving"), ("net", "Net"))


def rollup_table(result):
    """Headers and rows of a Rollup as the page shows it: three rows (investment,
    saving, net) per group and for the total, one column per year and the total."""
    total_label = "Cash over the period" if result.view == "cumulative" else "Total of the changes"
    headers = ["Key", "Group", "Figure", *result.year_labels, total_label]
    rows = []
    for key, label, years, total in [
        *((row.key, row.label, row.years, row.total) for row in result.rows),
        ("", "Total", result.totals, result.grand_total),
    ]:
        for measure, measure_label in MEASURES:
            rows.append([
                key, label, measure_label,
                *(_m(years[y], measure) for y in result.year_labels),
                _m(total, measure),
            ])
    return headers, rows


def _m(cell, measure):
    return to_decimal_m(getattr(cell, measure)) if cell.profiled else None


def proposal_table(proposals, years, view):
    """Headers and rows of the (annotated) proposal list, in its order."""
    net_label = "Net: cash over the period" if view == "cumulative" else "Net: total of the changes"
    headers = ["Ref", "Title", "Outcome", "Theme", "Kind", "Status", *(y.label for y in years), net_label]
    rows = [
        [
            p.display_reference, p.title, p.outcome.code, p.theme.name if p.theme else "No theme",
            p.get_kind_display(), p.get_status_display(),
            *(to_decimal_m(getattr(p, year_key(y))) for y in years),
            to_decimal_m(p.net),
        ]
        for p in proposals
    ]
    return headers, rows


def rollup_json(result):
    """The shape finance teams script against (see README, "Reports and the rollup
    command"). Amounts are always £m strings to three decimals: a cell no proposal has
    a figure in sums to "0.000" here (the page shows it as "–", not profiled)."""

    def cell(c):
        return {"increase": format_m(c.increase), "decrease": format_m(c.decrease), "net": format_m(c.net)}

    plan = result.plan
    return {
        "council": plan.council.slug,
        "plan": plan.slug,
        "view": result.view,
        "years": result.year_labels,
        "rows": [
            {"key": row.key, "label": row.label, "years": {y: cell(row.years[y]) for y in result.year_labels}}
            for row in result.rows
        ],
        "totals": {y: cell(result.totals[y]) for y in result.year_labels},
    }
