"""Plain CSV and .xlsx downloads of a report, and the roll-up as JSON.

Every download is built from the same objects the page renders (the filtered
queryset, the Rollup), so the page and its download cannot disagree.

- Figures are numbers (£m, Decimal, three places), never text; unprofiled is blank.
- Text that a spreadsheet would run as a formula (``spreadsheet_text``) is kept as
  text: a leading apostrophe in CSV, a string cell in .xlsx.
"""
import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from proposals.money import format_m, to_decimal_m

from .figures import year_key
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


def to_xlsx(title, headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([None] * len(headers))
    for column, header in enumerate(headers, start=1):
        _text(sheet.cell(row=1, column=column), header).font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, Decimal):
                cell.value = value
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, str):
                _text(cell, value)
            else:
                cell.value = value
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(cell, value):
    """Write ``value`` as a string cell even if it looks like a formula (then quote-prefixed,
    as Excel marks text typed with a leading apostrophe)."""
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = looks_like_a_formula(value)
    return cell


def response(fmt, filename, title, headers, rows):
    if fmt == "csv":
        result = HttpResponse(to_csv(headers, rows), content_type=CSV_TYPE)
    else:
        result = HttpResponse(to_xlsx(title, headers, rows), content_type=XLSX_TYPE)
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
