"""Exports from the database: the cabinet-paper workbook and the flat proposal list.

Queries are bounded whatever the size of the plan: the workbook's proposals cost two (the
proposals in budget-book order, then their lines and figures, held for the one plan),
besides the plan's years, one grouped sum for both summary sheets and the Gap sheet's;
the flat list costs one, and over every council a user may see
(``FlatScope.for_councils``) two (the plans' years, then the rows). The flat list's rows
are streamed with ``.iterator()`` and written as they arrive, so its memory does not grow
with the number of proposals.
"""
import csv
from dataclasses import dataclass
from itertools import islice
from types import SimpleNamespace

from django.db.models import Q, Sum

from proposals import governance
from proposals import years as fy
from proposals.models import BUDGET_BOOK_ORDER, GOVERNANCE_FIELDS, NOT_COUNTED, BudgetPlan, Kind, Proposal, Status
from proposals.money import format_m
from proposals.snapshots import Source, figure_model
from reports import downloads
from reports.compare import compare
from reports.gap import gap_table
from reports.spreadsheet_text import formula_safe

from . import xlsx
from .changes_sheet import sheet_name as changes_sheet_name
from .changes_sheet import write_changes_sheet
from .gap_sheet import write_gap_sheet
from .streamed import Book

FLAT_LEADING = ["Council", "Plan", "Reference", "Title", "Outcome", "Theme", "Kind", "Status", "Service budget"]
FLAT_TRAILING = ["Proposal id", "Version"]
KIND_LABELS = dict(Kind.choices)
STATUS_LABELS = dict(Status.choices)


@dataclass
class Export:
    plan: object
    proposals: object  # a queryset, already filtered and scoped to the plan (or to a snapshot of it)
    included: str  # the filter in words, for the title block
    source: object = None  # proposals.snapshots.Source: now (None) or as at a snapshot
    since: object = None  # a Snapshot: a "Changes since" sheet from it to ``source``


def _ids(proposals):
    # A subquery of ids: whatever joins the caller's filter made cannot hide lines.
    return proposals.order_by().values("pk")


# Proposals whose lines one query reads: the national export's 114,000 counted proposals
# in 58 queries, a plan's in one; the lines and figures of 2,000 proposals (about 20,000
# rows) held at a time.
CHUNK = 2000


def _budget_book_proposals(proposals, fields, *, scope, lead=()):
    """(``fields``, the proposal's lines as ``_lines_of`` gives them) for each proposal in
    ``scope`` (a Q on Proposal) and, unless None, in ``proposals``, in budget-book order:
    the proposals streamed, their lines read CHUNK proposals at a time.

    ``scope`` filters the outer query itself, not only the subquery of ids, so the
    planner starts from the scope's proposals (README, Performance). ``lead``: orderings
    before the budget-book order (council and plan, for exports that span plans)."""
    model = Proposal if proposals is None else proposals.model
    rows = model.objects.filter(scope)
    if proposals is not None:
        rows = rows.filter(pk__in=_ids(proposals))
    if model is not Proposal:  # a snapshot's copies are named by the live proposals' ids, as imports match them
        fields = ["proposal_id" if name == "pk" else name for name in fields]
    # Each row ends with the row's own id, the lines' key (a snapshot's copy has its own).
    headers = rows.order_by(*lead, *BUDGET_BOOK_ORDER).values_list(*fields, "pk").iterator(chunk_size=CHUNK)
    line_model = model.lines.rel.related_model  # ImpactLine or SnapshotLine
    while batch := list(islice(headers, CHUNK)):
        lines = _lines_of(line_model, proposal_id__in=[row[-1] for row in batch])
        for row in batch:
            yield row[:-1], lines.get(row[-1], ())


def _lines_of(line_model, **where):
    """{proposal row id: [(budget name, {year id: £k})] in the lines' order} of the lines
    ``where`` picks: one query (lines LEFT JOIN figures) ordered by integers only, a third
    of the cost of sorting the joined rows by the budget book's keys (README, Performance).
    A line with no figures is kept."""
    rows = (
        line_model.objects.filter(**where)
        .order_by("proposal_id", "position", "pk")
        .values_list("proposal_id", "pk", "service_budget__name", "variations__year_id", "variations__amount_k")
    )
    out, line_pk, figures = {}, None, {}
    for proposal_pk, lpk, budget, year_id, amount_k in rows:
        if lpk != line_pk:
            line_pk, figures = lpk, {}
            out.setdefault(proposal_pk, []).append((budget, figures))
        if amount_k is not None:
            figures[year_id] = amount_k
    return out


HEADER_FIELDS = (
    "version", "reference", "title", "kind", "status", "outcome_id", "outcome__code", "outcome__title",
    "theme__name", *GOVERNANCE_FIELDS,
)


def _lines_by_proposal(proposals, years, plan):
    """{proposal row id: [Line in order]} of the ``plan``'s ``proposals``: one query."""
    label_by_year = {year.pk: year.label for year in years}
    line_model = proposals.model.lines.rel.related_model  # ImpactLine or SnapshotLine
    return {
        proposal_pk: [
            xlsx.Line(service_budget=budget, figures={
                label_by_year[year_id]: amount_k for year_id, amount_k in figures.items() if year_id in label_by_year
            })
            for budget, figures in lines
        ]
        for proposal_pk, lines in _lines_of(line_model, proposal__plan=plan, proposal__in=_ids(proposals)).items()
    }


def proposal_records(proposals, years, plan):
    """ProposalRecords of the ``plan``'s ``proposals`` in budget-book order, from two
    queries: the proposals in that order, then all their lines and figures (a plan's,
    held by proposal). Sorting the proposals alone, then the lines by integers, costs the
    database a third of sorting every joined figure row by the budget book's keys (README,
    Performance). A proposal with no lines, or a line with no figures, still appears."""
    model = proposals.model
    # A snapshot's copies are named by the live proposals' ids, as imports match them.
    record_id = "pk" if model is Proposal else "proposal_id"
    headers = (
        model.objects.filter(plan=plan, pk__in=_ids(proposals))
        .order_by(*BUDGET_BOOK_ORDER)
        .values_list("pk", record_id, *HEADER_FIELDS)
    )
    lines = None
    for (row_pk, pk, version, reference, title, kind, status, outcome_id, code, outcome_title, theme,
         *recorded) in headers:
        if lines is None:  # the lines' query runs once the proposals' has
            lines = _lines_by_proposal(proposals, years, plan)
        yield xlsx.ProposalRecord(
            id=pk, version=version, reference=f"[{reference}]" if reference else "[NEW]", title=title,
            kind=KIND_LABELS.get(kind, kind), outcome_key=outcome_id, outcome_code=code,
            outcome_title=outcome_title, theme=theme or "", status=STATUS_LABELS.get(status, status),
            governance=tuple(text for _label, text in governance.compact(
                SimpleNamespace(**dict(zip(GOVERNANCE_FIELDS, recorded, strict=True))))),
            lines=lines.get(row_pk, []),
        )


def summary_figures(proposals, years, plan):
    """{"cumulative"|"incremental": {outcome id: Figures}} of the ``plan``'s
    ``proposals`` in one grouped query.

    The same sums as ``reports.rollup.rollup(by="outcome")`` (increases and decreases
    counted per impact line and year), for both views at once so the export stays
    within its query budget; tests check the two agree. The plan filters the joined
    proposals too (as ``_budget_book_proposals``' scope): the planner then starts from the
    plan's proposals instead of looking up each figure's proposal (9 ms -> 5 ms at the
    national size)."""
    sums = {}
    for view, column in (("cumulative", "amount_k"), ("incremental", "increment_k")):
        sums[f"{view}_up"] = Sum(column, filter=Q(**{f"{column}__gt": 0}), default=0)
        sums[f"{view}_down"] = Sum(column, filter=Q(**{f"{column}__lt": 0}), default=0)
    grouped = (
        figure_model(proposals.model).objects.filter(line__proposal__plan=plan, line__proposal__in=_ids(proposals),
                                                     year__in=[year.pk for year in years])
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
    """ "4 December 2026 at 09:30 (UK time)": when the workbook was made."""
    return downloads.as_at_text(None, now)


def write_workbook(*, export, out, years=None, now=None):
    """The cabinet-paper workbook for ``export`` to the binary file ``out``. Six queries
    (five if the plan's ``years`` are given; the gap table's two among them), and the
    Changes sheet's when ``export.since`` is set. With no proposals (a new plan, or a
    filter that matches none) it carries a sheet to fill in, which the import reads."""
    plan = export.plan
    years = list(plan.years.all()) if years is None else list(years)
    summary = summary_figures(export.proposals, years, plan)
    source = export.source or Source(plan)
    stamp = as_at(now)
    if source.snapshot is not None:
        day = source.snapshot.taken_on
        stamp = f"{source.snapshot.name} ({day.day} {day:%B %Y}), a snapshot; written {stamp}"
    title = xlsx.TitleBlock(
        council=plan.council.name, plan=plan.name, base_year=plan.base_year_label,
        included=export.included, as_at=stamp,
    )
    gap = gap_table(source, "cumulative", years=years)
    extra = [("Gap", lambda sheet, title: write_gap_sheet(sheet, title, gap))]
    if export.since is not None:
        changes = compare(Source(plan, export.since), source, years=years, to_gap=gap)
        extra.append((changes_sheet_name(export.since),
                      lambda sheet, title: write_changes_sheet(sheet, title, changes)))
    xlsx.write_cabinet_workbook(
        out=out, title=title, years=[year.label for year in years],
        proposals=proposal_records(export.proposals, years, plan), summary=summary,
        kinds=[label for _value, label in Kind.choices],
        extra_sheets=extra,
    )


FLAT_FIELDS = ("plan__council__name", "plan__name", "reference", "title", "outcome__code", "theme__name", "kind",
               "status", "pk", "version")
FLAT_WIDTHS = [30, 30, 11, 52, 9, 28, 22, 20, 42]


@dataclass
class FlatScope:
    """What a flat export covers: which proposals (``scope``, a Q on Proposal, and, unless
    None, the queryset ``proposals``), its year columns (``labels``) and, for each PlanYear
    id, the index of its column."""

    scope: object
    proposals: object
    labels: list
    column_of: dict
    lead: tuple = ()

    @classmethod
    def for_plan(cls, plan_id, proposals, years):
        """One plan: ``proposals`` (already scoped to it, filtered as the caller likes)
        and its PlanYears in order. No query."""
        years = list(years)
        return cls(
            scope=Q(plan_id=plan_id), proposals=proposals, labels=[year.label for year in years],
            column_of={year.pk: index for index, year in enumerate(years)},
        )

    @classmethod
    def for_councils(cls, councils):
        """Every proposal the reports count (all statuses but rejected and withdrawn) of
        every plan of ``councils`` (a queryset), council by council, plan by plan. A
        column per financial year any of the plans has; each plan's figures go in the
        column of their year. One query (the plans and their years)."""
        # The plans by id (with their years; a plan without years still counts), so the
        # rows query filters the proposals' own plan_id: through the councils instead,
        # the planner (past join_collapse_limit) read every figure whoever asked.
        plans = list(
            BudgetPlan.objects.filter(council__in=councils).order_by()
            .values_list("pk", "years__pk", "years__start_year")
        )
        years = [(pk, start) for _plan, pk, start in plans if pk is not None]
        starts = sorted({start for _pk, start in years})
        index = {start: i for i, start in enumerate(starts)}
        return cls(
            scope=Q(plan_id__in=sorted({plan for plan, _pk, _start in plans})) & ~Q(status__in=NOT_COUNTED),
            proposals=None,
            labels=[fy.label(start) for start in starts], column_of={pk: index[start] for pk, start in years},
            lead=("plan__council__name", "plan__council_id", "plan__name", "plan_id"),
        )


def flat_rows(scope):
    """One row per impact line (a proposal with no lines: one row without a budget):
    council, plan, reference, title, outcome code, theme, kind, status, service budget,
    a figure in £k (or None) per year column, proposal id, version. The proposals
    streamed in budget-book order, their lines read CHUNK proposals at a time: sorting
    every joined figure row by the budget book's keys had PostgreSQL sort 4,000 wide rows
    for a plan (15 of the query's 22 ms) and Python unpack 1.1 million 14-column rows for
    the national export (README, Performance)."""
    column_of, width = scope.column_of, len(scope.labels)
    for (council, plan, reference, title, code, theme, kind, status, pk, version), lines in _budget_book_proposals(
            scope.proposals, FLAT_FIELDS, scope=scope.scope, lead=scope.lead):
        leading = [council, plan, f"[{reference}]" if reference else "[NEW]", title, code, theme or "",
                   KIND_LABELS.get(kind, kind), STATUS_LABELS.get(status, status)]
        for budget, figures in lines or ((None, {}),):
            amounts = [None] * width
            for year_id, amount_k in figures.items():
                column = column_of.get(year_id)
                if column is not None:
                    amounts[column] = amount_k
            yield [*leading, budget or "", amounts, pk, version]


def flat_header(labels):
    return FLAT_LEADING + list(labels) + FLAT_TRAILING


def _flat_scope(proposals, years, plan):
    years = list(years)
    if plan is None and not years:
        return FlatScope(scope=Q(), proposals=proposals, labels=[], column_of={})
    return FlatScope.for_plan(plan.pk if plan is not None else years[0].plan_id, proposals, years)


def write_flat_export(*, proposals=None, years=None, out, plan=None, scope=None, watch=None):
    """The flat proposal list as a one-sheet workbook, streamed (workbooks.streamed), to ``out``:
    for a ``scope`` (FlatScope), or for the ``plan``'s ``proposals`` and its ``years``
    (PlanYears in order). The proposals in one query, their lines in one per CHUNK of
    them (``flat_rows``). ``watch``, if given, wraps the rows as they are written (a
    background job counts them for its progress bar) and yields them on.

    Streamed (workbooks.streamed): each distinct text or figure is made into a cell once
    per sheet, and the figures' one style is a format made once."""
    scope = scope or _flat_scope(proposals, years, plan)
    book = Book(out)
    sheet = book.sheet("Proposals")
    header = flat_header(scope.labels)
    sheet.widths(FLAT_WIDTHS + [xlsx.YEAR_WIDTH] * len(scope.labels) + [11, 9])
    sheet.freeze(2)
    text, number, plain, append = sheet.text, sheet.number, sheet.plain, sheet.append
    append([text(name, FLAT_HEADER) for name in header])
    plain_style = xlsx.PLAIN
    rows = flat_rows(scope) if watch is None else watch(flat_rows(scope))
    for row in rows:
        append([*(text(value, plain_style) for value in row[:9]), *(number(amount, plain_style) for amount in row[9]),
                plain(row[10], plain_style), plain(row[11], plain_style)])
    book.close()


FLAT_HEADER = xlsx.Style(font=xlsx.BOLD, fill=xlsx.HEADER_FILL)


def flat_csv_rows(scope):
    """The flat proposal list as CSV (the import format): the header, then one list of
    strings per row. Queries as ``flat_rows``."""
    yield flat_header(scope.labels)
    for row in flat_rows(scope):
        yield (
            [formula_safe(value) for value in row[:9]]
            + [format_m(amount, sign=False) for amount in row[9]]
            + [row[10], row[11]]
        )


def write_flat_csv(*, proposals=None, years=None, out, plan=None, scope=None):
    """The flat proposal list as CSV (the import format) to the text file ``out``, for a
    ``scope`` or the ``plan``'s ``proposals`` and ``years`` as ``write_flat_export``."""
    csv.writer(out).writerows(flat_csv_rows(scope or _flat_scope(proposals, years, plan)))
