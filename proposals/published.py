"""Published totals: the figures a council printed, kept beside its proposals, and their
reconciliation with the sum of the lines.

**Recording.** ``record_published`` writes totals (``TotalInput``) in one transaction,
checked first (a message naming what is wrong, and nothing written), with one change
set in the plan's council's audit trail. ``record_totals`` is the import's shape of it
(a sheet's total rows over the rows above them); the seed loader records the totals
the published documents print.

**Reconciling.** ``reconcile(plan)`` compares each printed figure with the same sum of
the lines, computed by the database in one query for all the plan's figures: the
change in the lines' variation over the figure's years (``PublishedFigure``), net, or
line by line its increases (investment) or decreases (saving), counting proposals as
every report does (all but rejected and withdrawn). Each comparison agrees, differs by
an exact amount, or cannot be checked because none of the lines has a figure in a year
it needs (unprofiled, which is not zero). When a total's figures cover consecutive
periods they are also checked together, over the whole span: Cheshire West profiles
its outcomes over 2016/17 and 2017-2020 while its lines are published only by 2020, so
only the whole span can be checked, and there its nets agree while its investment and
saving differ.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum

from django.db import transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from . import permissions
from . import years as fy
from .history import changes_between, record_change
from .models import (
    MAX_TOTAL_K,
    NOT_COUNTED,
    ChangeSet,
    ImpactLine,
    Measure,
    PublishedFigure,
    PublishedTotal,
    TotalScope,
    Variation,
)
from .money import format_m

MAX_TOTALS = 2_000  # in one call: a sheet has far fewer total rows than that
LABEL_LENGTH = PublishedTotal._meta.get_field("label").max_length
SOURCE_LENGTH = PublishedTotal._meta.get_field("source").max_length


class PublishedTotalError(ValueError):
    """A total that cannot be recorded; the message says which and why."""


@dataclass
class FigureInput:
    first_year: object  # PlanYear
    last_year: object  # PlanYear
    amount_k: int
    printed_period: str = ""


@dataclass
class TotalInput:
    label: str
    source: str
    figures: list[FigureInput]
    measure: str = Measure.NET
    scope: str = TotalScope.PROPOSALS
    outcome: object = None
    theme: object = None
    service_budget: object = None
    proposals: list = field(default_factory=list)


# Recording


def record_totals(*, plan, user, source, totals, action=ChangeSet.Action.IMPORT):
    """Record an imported sheet's total rows: each ``{"label": str, "row": int,
    "proposals": [Proposal, ...], "figures": {plan_year_id: amount_k}}``, the net of the
    proposals listed, each figure that year's variation to the base-year budget (a year
    column). ``source`` names the file and sheet ("Imported from walsall.xlsx, sheet
    Savings"); each total's row is added to it. Call it inside the import's transaction."""
    years = {year.pk: year for year in plan.years.all()}
    first = min(years.values(), key=lambda year: year.start_year, default=None)
    inputs = []
    for total in totals:
        figures = []
        for year_id, amount_k in total["figures"].items():
            if year_id not in years:
                raise PublishedTotalError(
                    f"{total['label']!r} (row {total['row']}) has a figure for a year that is not one of "
                    f"{plan.name}\u2019s years."
                )
            figures.append(FigureInput(first, years[year_id], amount_k, years[year_id].label))
        inputs.append(TotalInput(
            label=total["label"], source=f"{source}, row {total['row']}", figures=figures,
            scope=TotalScope.PROPOSALS, proposals=list(total["proposals"]),
        ))
    return record_published(plan=plan, user=user, totals=inputs, action=action, note=source)


def record_published(*, plan, user, totals, action, note=""):
    """Write ``totals`` (TotalInput) for ``plan`` as ``user``, after checking every one:
    a PublishedTotalError names the first problem and nothing is written. Returns the
    PublishedTotal rows, with one change set recorded for them all."""
    permissions.can_import(user, plan).require()
    if len(totals) > MAX_TOTALS:
        raise PublishedTotalError(f"{len(totals)} totals at once is more than the {MAX_TOTALS} allowed.")
    for total in totals:
        _check(plan, total)
    plan_start = plan.years.order_by("start_year").values_list("start_year", flat=True).first()
    with transaction.atomic():
        start = (plan.published_totals.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        rows = PublishedTotal.objects.bulk_create(
            PublishedTotal(
                plan=plan, label=total.label, source=total.source, measure=total.measure, scope=total.scope,
                outcome=total.outcome, theme=total.theme, service_budget=total.service_budget,
                position=start + index,
            )
            for index, total in enumerate(totals)
        )
        through = PublishedTotal.proposals.through
        through.objects.bulk_create(
            through(publishedtotal_id=row.pk, proposal_id=proposal.pk)
            for row, total in zip(rows, totals, strict=True) for proposal in total.proposals
        )
        PublishedFigure.objects.bulk_create(
            PublishedFigure(total=row, first_year=figure.first_year, last_year=figure.last_year,
                            amount_k=figure.amount_k, printed_period=figure.printed_period)
            for row, total in zip(rows, totals, strict=True) for figure in total.figures
        )
        changes = [
            change
            for row, total in zip(rows, totals, strict=True)
            for change in changes_between(None, _described(total, plan_start), row=row)
        ]
        record_change(
            user=permissions.recorded_user(user), subject=plan, action=action, changes=changes,
            note=(note or f"{len(rows)} published totals recorded")[:300],
        )
    return rows


def _check(plan, total):
    name = repr(total.label)
    if not total.label.strip() or len(total.label) > LABEL_LENGTH:
        raise PublishedTotalError(f"A published total needs a label of 1 to {LABEL_LENGTH} characters ({name}).")
    if not total.source.strip() or len(total.source) > SOURCE_LENGTH:
        raise PublishedTotalError(f"{name} needs a source of 1 to {SOURCE_LENGTH} characters: where it was printed.")
    if total.measure not in Measure.values:
        raise PublishedTotalError(f"{name}: {total.measure!r} is not net, investment or saving.")
    scoped = {"outcome": (TotalScope.OUTCOME, total.outcome), "theme": (TotalScope.THEME, total.theme),
              "service budget": (TotalScope.SERVICE_BUDGET, total.service_budget)}
    if total.scope not in TotalScope.values:
        raise PublishedTotalError(f"{name}: {total.scope!r} is not something a total can cover.")
    for noun, (scope, record) in scoped.items():
        if (record is not None) != (total.scope == scope):
            raise PublishedTotalError(f"{name} covers {TotalScope(total.scope).label.lower()}; "
                                      f"it names {'no' if record is None else 'a'} {noun}.")
        if record is not None and record.council_id != plan.council_id:
            raise PublishedTotalError(f"{name}: {record} is not {plan.council.name}\u2019s.")
    if total.scope == TotalScope.PROPOSALS and not total.proposals:
        raise PublishedTotalError(f"{name} covers the proposals it lists, and lists none.")
    if total.scope != TotalScope.PROPOSALS and total.proposals:
        raise PublishedTotalError(f"{name} covers {TotalScope(total.scope).label.lower()}; it cannot also list "
                                  "proposals.")
    if any(proposal.plan_id != plan.pk for proposal in total.proposals):
        raise PublishedTotalError(f"{name} lists a proposal of another plan.")
    if not total.figures:
        raise PublishedTotalError(f"{name} has no figures.")
    seen = set()
    for figure in total.figures:
        period = figure.printed_period or figure.last_year.label
        if figure.first_year.plan_id != plan.pk or figure.last_year.plan_id != plan.pk:
            raise PublishedTotalError(f"{name}, {period}: the years are not {plan.name}\u2019s.")
        if figure.first_year.start_year > figure.last_year.start_year:
            raise PublishedTotalError(f"{name}, {period}: the period ends before it starts.")
        if (figure.first_year.pk, figure.last_year.pk) in seen:
            raise PublishedTotalError(f"{name} has two figures for {period}.")
        seen.add((figure.first_year.pk, figure.last_year.pk))
        if not isinstance(figure.amount_k, int) or isinstance(figure.amount_k, bool):
            raise PublishedTotalError(f"{name}, {period}: the figure must be whole \u00a3 thousands.")
        if abs(figure.amount_k) > MAX_TOTAL_K:
            raise PublishedTotalError(f"{name}, {period}: {format_m(figure.amount_k)} is more than "
                                      f"\u00a3{MAX_TOTAL_K // 1000:,}m; check the unit.")


def _described(total, plan_start):
    """What the audit trail says of a total recorded."""
    covers = {
        TotalScope.PLAN: "the whole plan", TotalScope.OUTCOME: str(total.outcome),
        TotalScope.THEME: f"theme {total.theme}", TotalScope.SERVICE_BUDGET: f"service budget {total.service_budget}",
        TotalScope.PROPOSALS: f"{len(total.proposals)} proposals",
    }[total.scope]
    values = {"Label": total.label, "Source": total.source, "Measure": Measure(total.measure).label,
              "Covers": covers}
    for figure in total.figures:
        values[period_text(figure.first_year, figure.last_year, figure.printed_period, plan_start=plan_start)] = \
            format_m(figure.amount_k)
    return values


def period_text(first_year, last_year, printed="", *, plan_start):
    """ "2017-2020 (2017/18 to 2019/20)"; a figure from the plan's first year (``plan_start``)
    is its last year's variation to the base-year budget: "2019/20", "by 2020 (2019/20)"."""
    if first_year.start_year == plan_start or first_year.pk == last_year.pk:
        span = last_year.label
    else:
        span = f"{first_year.label} to {last_year.label}"
    return span if not printed or printed == span else f"{printed} ({span})"


# Reconciling


class Verdict(Enum):
    AGREES = "agrees"
    DIFFERS = "differs"
    UNCHECKED = "cannot be checked"


@dataclass
class Check:
    """One printed figure (or a total's whole span) against the sum of its lines."""

    period: str
    printed_k: int
    lines_k: int | None  # None: cannot be checked
    missing_year: str = ""  # the year none of the lines has a figure in, in words
    whole_span: bool = False

    @property
    def difference_k(self):
        """Printed minus lines."""
        return None if self.lines_k is None else self.printed_k - self.lines_k

    @property
    def verdict(self):
        if self.lines_k is None:
            return Verdict.UNCHECKED
        return Verdict.AGREES if self.difference_k == 0 else Verdict.DIFFERS

    @property
    def in_words(self):
        if self.lines_k is None:
            return f"Cannot be checked: none of its lines has a figure in {self.missing_year}"
        if self.difference_k == 0:
            return "Agrees"
        return f"Differs by {format_m(self.difference_k)}"


@dataclass
class TotalCheck:
    total: PublishedTotal
    covers: str
    checks: list[Check]

    @property
    def verdict(self):
        verdicts = {check.verdict for check in self.checks}
        if Verdict.DIFFERS in verdicts:
            return Verdict.DIFFERS
        return Verdict.AGREES if Verdict.AGREES in verdicts else Verdict.UNCHECKED

    @property
    def differences(self):
        return [check for check in self.checks if check.verdict == Verdict.DIFFERS]


@dataclass
class Reconciliation:
    plan: object
    totals: list[TotalCheck]

    def count(self, verdict):
        return sum(1 for total in self.totals if total.verdict == verdict)

    @property
    def agree(self):
        return self.count(Verdict.AGREES)

    @property
    def differ(self):
        return self.count(Verdict.DIFFERS)

    @property
    def unchecked(self):
        return self.count(Verdict.UNCHECKED)

    @property
    def all_agree(self):
        return self.agree == len(self.totals)

    @property
    def headline(self):
        return f"{self.agree} of {len(self.totals)} published totals agree with the lines"


def reconcile(plan):
    """Every published total of ``plan``, checked against its lines (a fixed number of
    queries, whatever the number of totals, figures and lines)."""
    years = {year.pk: year for year in plan.years.all()}
    first_start = min((year.start_year for year in years.values()), default=None)
    totals = list(
        plan.published_totals.select_related("outcome", "theme", "service_budget")
        .annotate(proposal_count=Count("proposals")).order_by("position", "pk")
    )
    figures = defaultdict(list)
    for row in _with_line_sums(
        PublishedFigure.objects.filter(total__plan=plan), total="total", first="first_year__start_year",
        last="last_year__start_year",
    ).order_by("last_year__start_year", "first_year__start_year").values(
        "total_id", "first_year_id", "last_year_id", "printed_period", "amount_k", "lines_k", "lines_at_end",
        "lines_before", "lines",
    ):
        figures[row["total_id"]].append(row)
    spans = {total_id for total_id, rows in figures.items() if _consecutive(rows, years)}
    span_sums = {}
    if spans:
        span_sums = {
            row["pk"]: row
            for row in _with_line_sums(
                PublishedTotal.objects.filter(pk__in=spans).annotate(
                    span_first=Subquery(_first_figures().values("first_year__start_year")[:1]),
                    span_last=Subquery(_first_figures().order_by("-last_year__start_year")
                                       .values("last_year__start_year")[:1]),
                ),
                total="pk", first="span_first", last="span_last",
            ).values("pk", "lines_k", "lines_at_end", "lines_before", "lines")
        }
    result = []
    for total in totals:
        rows = figures.get(total.pk, [])
        checks = [
            _check_of(row, years[row["first_year_id"]], years[row["last_year_id"]], first_start,
                      period_text(years[row["first_year_id"]], years[row["last_year_id"]], row["printed_period"],
                                  plan_start=first_start))
            for row in rows
        ]
        if total.pk in span_sums:
            first, last = years[rows[0]["first_year_id"]], years[rows[-1]["last_year_id"]]
            span = {**span_sums[total.pk], "amount_k": sum(row["amount_k"] for row in rows)}
            checks.append(_check_of(span, first, last, first_start,
                                    f"{first.label} to {last.label} (the periods together)", whole_span=True))
        result.append(TotalCheck(total=total, covers=_covers(total), checks=checks))
    return Reconciliation(plan=plan, totals=result)


def _first_figures():
    return PublishedFigure.objects.filter(total=OuterRef("pk")).order_by("first_year__start_year")


def _consecutive(rows, years):
    """Whether a total's figures (in order) cover one period after another, more than one."""
    if len(rows) < 2:
        return False
    return all(
        years[after["first_year_id"]].start_year == years[before["last_year_id"]].start_year + 1
        for before, after in zip(rows, rows[1:], strict=False)
    )


def _check_of(row, first, last, first_start, period, *, whole_span=False):
    missing = ""
    if row["lines"]:
        if not row["lines_at_end"]:
            missing = last.label
        elif first.start_year != first_start and not row["lines_before"]:
            missing = f"{fy.label(first.start_year - 1)}, the year before the period starts"
    return Check(period=period, printed_k=row["amount_k"], lines_k=None if missing else (row["lines_k"] or 0),
                 missing_year=missing, whole_span=whole_span)


def _covers(total):
    if total.scope == TotalScope.OUTCOME:
        return str(total.outcome)
    if total.scope == TotalScope.THEME:
        return f"Theme: {total.theme}"
    if total.scope == TotalScope.SERVICE_BUDGET:
        return f"Service budget: {total.service_budget}"
    if total.scope == TotalScope.PROPOSALS:
        return f"The {total.proposal_count} proposals it lists"
    return "The whole plan"


def _with_line_sums(queryset, *, total, first, last):
    """``queryset`` annotated, per row, with the sum of its total's lines over the years
    ``first``..``last`` (start years, fields of the row): ``lines_k`` in the total's
    measure; ``lines_at_end`` and ``lines_before``, how many lines have a figure in the
    last year and in the year before the first; ``lines``, how many lines it has."""
    def lines():
        scope = (
            Q(Exact(OuterRef(_path(total, "scope")), Value(TotalScope.PLAN)))
            | Q(proposal__outcome_id=OuterRef(_path(total, "outcome_id")))
            | Q(proposal__theme_id=OuterRef(_path(total, "theme_id")))
            | Q(service_budget_id=OuterRef(_path(total, "service_budget_id")))
            | Q(proposal_id__in=PublishedTotal.proposals.through.objects.filter(
                publishedtotal_id=OuterRef(OuterRef(_path(total, "id")))).values("proposal_id"))
        )
        return (
            ImpactLine.objects.filter(proposal__plan_id=OuterRef(_path(total, "plan_id")))
            .exclude(proposal__status__in=NOT_COUNTED).filter(scope)
            .annotate(
                at_end=Subquery(Variation.objects.filter(
                    line_id=OuterRef("pk"), year__start_year=OuterRef(OuterRef(last))).values("amount_k")[:1]),
                at_before=Subquery(Variation.objects.filter(
                    line_id=OuterRef("pk"), year__start_year=OuterRef(OuterRef(first)) - 1).values("amount_k")[:1]),
                change=Coalesce("at_end", 0) - Coalesce("at_before", 0),
            )
            .order_by().values("proposal__plan_id")
        )

    measure = OuterRef(_path(total, "measure"))
    line_sum = Sum(Case(
        When(Q(Exact(measure, Value(Measure.NET))), then="change"),
        When(Q(Exact(measure, Value(Measure.INVESTMENT))) & Q(change__gt=0), then="change"),
        When(Q(Exact(measure, Value(Measure.SAVING))) & Q(change__lt=0), then="change"),
        default=Value(0), output_field=IntegerField(),
    ))
    return queryset.annotate(
        lines_k=Subquery(lines().annotate(n=line_sum).values("n")[:1], output_field=IntegerField()),
        lines_at_end=Subquery(lines().annotate(n=Count("at_end")).values("n")[:1], output_field=IntegerField()),
        lines_before=Subquery(lines().annotate(n=Count("at_before")).values("n")[:1], output_field=IntegerField()),
        lines=Subquery(lines().annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
    )


def _path(total, name):
    return name if total == "pk" else f"{total}__{name}"
