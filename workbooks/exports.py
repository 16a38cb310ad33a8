"""Exports from the database: the cabinet-paper workbook and the flat proposal list.

Queries are bounded whatever the size of the plan: the workbook costs three (the plan's
years, one grouped sum for both summary sheets, one streamed query for every proposal,
line and figure); the flat list costs one. Rows are streamed with ``.iterator()`` and
written as they arrive, so memory does not grow with the number of proposals.
"""
import csv
from dataclasses import dataclass

from django.db.models import F, Q, Sum
from django.utils import timezone

from proposals.models import Kind, Proposal, Status, Variation

from . import xlsx

FLAT_LEADING = ["Council", "Plan", "Reference", "Title", "Outcome", "Theme", "Kind", "Status", "Service budget"]
FLAT_TRAILING = ["Proposal id", "Version"]
KIND_LABELS = dict(Kind.choices)
STATUS_LABELS = dict(Status.choices)


@dataclass
class Export:
    plan: object
    proposals: object  # a queryset, already filtered and scoped to the plan
    included: str  # the filter in words, for the title block


def _ids(proposals):
    # A subquery of ids: whatever joins the caller's filter made cannot hide lines.
    return proposals.order_by().values("pk")


def _budget_book_rows(proposals, fields):
    return (
        Proposal.objects.filter(pk__in=_ids(proposals))
        .order_by(
            F("outcome__position").asc(), "outcome__code", F("theme__position").asc(nulls_last=True),
            F("theme__name").asc(nulls_last=True), "theme_id", "position", "pk", "lines__position", "lines__pk",
        )
        .values_list(*fields)
        .iterator(chunk_size=2000)
    )


RECORD_FIELDS = (
    "pk", "version", "reference", "title", "kind", "status", "outcome_id", "outcome__code", "outcome__title",
    "theme__name", "lines__pk", "lines__service_budget__name", "lines__variations__year_id",
    "lines__variations__amount_k",
)


def proposal_records(proposals, years):
    """ProposalRecords in budget-book order, from one streamed query (proposals LEFT JOIN
    lines LEFT JOIN figures): a proposal with no lines, or a line with no figures, still
    appears."""
    label_by_year = {year.pk: year.label for year in years}
    record, line, line_pk = None, None, None
    for (pk, version, reference, title, kind, status, outcome_id, code, outcome_title, theme, lpk, budget,
         year_id, amount_k) in _budget_book_rows(proposals, RECORD_FIELDS):
        if record is None or record.id != pk:
            if record is not None:
                yield record
            record = xlsx.ProposalRecord(
                id=pk, version=version, reference=f"[{reference}]" if reference else "[NEW]", title=title,
                kind=KIND_LABELS.get(kind, kind), outcome_key=outcome_id, outcome_code=code,
                outcome_title=outcome_title, theme=theme or "", status=STATUS_LABELS.get(status, status),
            )
            line_pk = None
        if lpk is None:
            continue
        if lpk != line_pk:
            line, line_pk = xlsx.Line(service_budget=budget, figures={}), lpk
            record.lines.append(line)
        if year_id in label_by_year and amount_k is not None:
            line.figures[label_by_year[year_id]] = amount_k
    if record is not None:
        yield record


def summary_figures(proposals, years):
    """{"cumulative"|"incremental": {outcome id: Figures}} in one grouped query.

    The same sums as ``proposals.rollup.rollup(by="outcome")`` (increases and decreases
    counted per impact line and year), for both views at once so the export stays
    within its query budget; tests check the two agree."""
    sums = {}
    for view, column in (("cumulative", "amount_k"), ("incremental", "increment_k")):
        sums[f"{view}_up"] = Sum(column, filter=Q(**{f"{column}__gt": 0}), default=0)
        sums[f"{view}_down"] = Sum(column, filter=Q(**{f"{column}__lt": 0}), default=0)
    grouped = (
        Variation.objects.filter(line__proposal__in=_ids(proposals), year__in=[year.pk for year in years])
        .values("line__proposal__outcome_id", "year_id")
        .order_by()
        .annotate(**sums)
    )
    label_by_year = {year.pk: year.label for year in years}
    out = {"cumulative": {}, "incremental": {}}
    for item in grouped:
        outcome, year = item["line__proposal__outcome_id"], label_by_year[item["year_id"]]
        for view in out:
            figures = out[view].setdefault(outcome, xlsx.Figures())
            figures.years[year] = (int(item[f"{view}_up"]), int(item[f"{view}_down"]))
    return out


def as_at(now=None):
    local = timezone.localtime(now or timezone.now())
    return f"{local.day} {local:%B %Y} at {local:%H:%M} (UK time)"


def write_workbook(*, export, out, years=None, now=None):
    """The cabinet-paper workbook for ``export`` to the binary file ``out``. Three
    queries (two if the plan's ``years`` are given)."""
    plan = export.plan
    years = list(plan.years.all()) if years is None else list(years)
    summary = summary_figures(export.proposals, years)
    title = xlsx.TitleBlock(
        council=plan.council.name, plan=plan.name, base_year=plan.base_year_label,
        included=export.included, as_at=as_at(now),
    )
    xlsx.write_cabinet_workbook(
        out=out, title=title, years=[year.label for year in years],
        proposals=proposal_records(export.proposals, years), summary=summary,
    )


FLAT_FIELDS = (
    "plan__council__name", "plan__name", "reference", "title", "outcome__code", "theme__name", "kind", "status",
    "lines__pk", "lines__service_budget__name", "lines__variations__year_id", "lines__variations__amount_k",
    "pk", "version",
)


def flat_rows(proposals, years):
    """One row per impact line (a proposal with no lines: one row without a budget):
    council, plan, reference, title, outcome code, theme, kind, status, service budget,
    a figure in £k (or None) per year, proposal id, version. One streamed query."""
    index_by_year = {year.pk: i for i, year in enumerate(years)}
    current, current_key = None, None
    for (council, plan, reference, title, code, theme, kind, status, lpk, budget, year_id, amount_k, pk,
         version) in _budget_book_rows(proposals, FLAT_FIELDS):
        key = (pk, lpk)
        if key != current_key:
            if current is not None:
                yield current
            current_key = key
            current = [
                council, plan, f"[{reference}]" if reference else "[NEW]", title, code, theme or "",
                KIND_LABELS.get(kind, kind), STATUS_LABELS.get(status, status), budget or "",
                [None] * len(years), pk, version,
            ]
        if year_id in index_by_year and amount_k is not None:
            current[9][index_by_year[year_id]] = amount_k
    if current is not None:
        yield current


def flat_header(years):
    return FLAT_LEADING + [year.label for year in years] + FLAT_TRAILING


def write_flat_export(*, proposals, years, out):
    """The flat proposal list as a one-sheet workbook, streamed (write-only), to ``out``.
    ``years``: the plan's PlanYears in order. One query."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Proposals")
    header = flat_header(years)
    widths = [30, 30, 11, 52, 9, 28, 22, 20, 42] + [xlsx.YEAR_WIDTH] * len(years) + [11, 9]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([xlsx.text_cell(ws, name, font=xlsx.BOLD, fill=xlsx.HEADER_FILL) for name in header])
    for row in flat_rows(proposals, years):
        cells = [xlsx.text_cell(ws, value) for value in row[:9]]
        cells += [xlsx.number_cell(ws, amount) for amount in row[9]]
        cells += [WriteOnlyCell(ws, value=row[10]), WriteOnlyCell(ws, value=row[11])]
        ws.append(cells)
    wb.save(out)


def csv_safe(value):
    """Text a spreadsheet program would run as a formula gets a leading apostrophe
    (the importer takes it off again)."""
    text = str(value)
    return "'" + text if text.startswith(xlsx.FORMULA_PREFIXES) else text


def write_flat_csv(*, proposals, years, out):
    """The flat proposal list as CSV (the import format) to the text file ``out``. One query."""
    from proposals.money import format_m

    writer = csv.writer(out)
    writer.writerow(flat_header(years))
    for row in flat_rows(proposals, years):
        writer.writerow(
            [csv_safe(value) for value in row[:9]]
            + [format_m(amount, sign=False) for amount in row[9]]
            + [row[10], row[11]]
        )
