"""Query shapes built once and narrowed per call (proposals.snapshots.Shape) and the
hand-written SQL of the delivery summary and the roll-up's grouped sum: each gives exactly
the rows of the same query built the plain way for that call, now and as at a snapshot,
with and without a status filter, and a second source never sees the first's rows."""
import pytest
from django.core.management import call_command
from django.db.models import BigIntegerField, Q, Sum
from django.db.models.functions import Cast

from delivery import summary
from delivery.models import MonitoringPeriod
from proposals.models import BudgetPlan, Snapshot
from proposals.snapshots import Shape, Source, figure_model
from reports import gap, rollup
from reports.rollup import VIEWS
from tests.conftest import generated_councils
from tests.test_delivery_summary_sql import plain_grouped, plain_trend, typed


@pytest.fixture
def plans(db):
    call_command("generate_demo", councils=2, outcomes=2, proposals=12, lines=2, years=3, seed=5,
                 stdout=open("/dev/null", "w"))
    return list(BudgetPlan.objects.filter(council__in=generated_councils()).order_by("pk"))


def plain_sums(source, view):
    return (source.figures().filter(line__proposal__status__in=list(gap.GROUP_OF_STATUS)).order_by()
            .values_list("line__proposal__status", "year_id")
            .annotate(total=Cast(Sum(VIEWS[view]), BigIntegerField())))


def plain_gap_rows(source):
    return (source.gap_lines().order_by("position", "pk")
            .values_list("pk", "name", "sign", "source", "figures__year_id", "figures__amount_k"))


def sources(plans):
    for plan in plans:
        snapshot = Snapshot.objects.filter(plan=plan).order_by("taken_on").first()
        assert snapshot is not None  # generate_demo gives every plan two
        for statuses in (None, ("approved",), ("approved", "submitted")):
            yield Source(plan, statuses=statuses)
            yield Source(plan, snapshot, statuses=statuses)


def test_the_gap_shapes_give_the_plain_queries_rows_for_every_source(plans):
    seen = set()
    for source in sources(plans):
        for view in VIEWS:
            shaped = sorted(gap.SUMS[view].of(source))
            assert shaped == sorted(plain_sums(source, view))
            seen.add(tuple(shaped))
        assert list(gap.GAP_ROWS.of(source)) == list(plain_gap_rows(source))
    assert len(seen) > 4  # the sources' sums differ: a shape is not stuck on its first source


def test_a_shape_is_built_once_per_model_and_never_run_itself(plans):
    built = []
    shape = Shape("figures", lambda figures: built.append(figures.model) or figures.order_by().values_list("pk"))
    now, snapshot = Source(plans[0]), Source(plans[0], Snapshot.objects.filter(plan=plans[0]).first())
    for _ in range(3):
        assert set(shape.of(now)) == set(now.figures().values_list("pk"))
        assert set(shape.of(snapshot)) == set(snapshot.figures().values_list("pk"))
    assert [model.__name__ for model in built] == ["Variation", "SnapshotFigure"]
    assert all(base._result_cache is None for base in shape._built.values())


def test_an_unknown_table_is_refused(plans):
    with pytest.raises(ValueError, match="Unknown table 'lines'"):
        Source(plans[0]).scope("lines")


def test_the_delivery_summary_queries_give_the_plain_queries_rows_for_every_period(plans):
    """The summary's hand-written SQL (delivery.summary.summary_sql) over generated data:
    every period of every generated plan, against the plain ORM queries."""
    periods = list(MonitoringPeriod.objects.filter(plan__in=plans, returns__isnull=False).distinct())
    assert {p.plan_id for p in periods} == {plan.pk for plan in plans}
    for period in periods:
        assert typed(summary.grouped_rows(period.pk)) == typed(plain_grouped(period))
        assert summary.trend_rows(period.plan_id) == list(plain_trend(period.plan_id))


def plain_rollup_rows(proposals, by, view, figures):
    """The roll-up's grouped sum built the plain way: the figures of those proposals (a
    semi-join on their ids), narrowed, summed by the grouping's path and year in the ORM."""
    amount = VIEWS[view]
    chosen = figure_model(proposals.model).objects.filter(line__proposal__in=proposals)
    if figures is not None:
        chosen = chosen.filter(figures)
    return (chosen.order_by().values_list(rollup.GROUPINGS[by], "year")
            .annotate(increase=Cast(Sum(amount, filter=Q(**{f"{amount}__gt": 0}), default=0), BigIntegerField()),
                      decrease=Cast(Sum(amount, filter=Q(**{f"{amount}__lt": 0}), default=0), BigIntegerField())))


def narrowings(plan):
    budget = plan.council.service_budgets.order_by("pk").first()
    yield None
    yield Q()  # what the roll-up page passes when nothing narrows the figures
    yield Q(line__service_budget=budget)
    yield Q(amount_k__gt=0)
    yield Q(line__service_budget=budget) & Q(increment_k__lt=0)
    yield ~Q(amount_k__gt=0)  # negated: no longer refused
    yield Q(line__service_budget=budget) | Q(amount_k__lt=-100)


def test_the_rollup_sum_gives_the_plain_querys_rows_for_every_source_grouping_view_and_narrowing(plans):
    seen = set()
    for source in sources(plans):
        proposals = source.proposals()
        for by in rollup.GROUPINGS:
            for view in VIEWS:
                for figures in narrowings(source.plan):
                    rows = sorted(rollup.grouped_rows(proposals, by, view, figures), key=repr)
                    assert rows == sorted(plain_rollup_rows(proposals, by, view, figures), key=repr), (
                        source, by, view, figures)
                    assert all(type(value) is int for row in rows for value in row[2:])  # not Decimal, float
                    seen.add(tuple(rows))
    assert len(seen) > 100  # the sources, groupings, views and narrowings give different rows


def test_the_rollup_sum_of_a_filtered_list_and_of_no_proposals(plans):
    plan = plans[0]
    proposals = Source(plan).proposals()
    some = proposals.filter(kind="revenue_savings") | proposals.filter(title__icontains="a%_")
    assert sorted(rollup.grouped_rows(some, "outcome", "cumulative"), key=repr) == sorted(
        plain_rollup_rows(some, "outcome", "cumulative", None), key=repr)
    for nothing in (proposals.none(), proposals.filter(pk__in=[])):
        assert rollup.grouped_rows(nothing, "outcome", "cumulative") == []
        result = rollup.rollup(plan=plan, proposals=nothing)
        assert result.rows == [] and result.grand_total == rollup.Cell()
