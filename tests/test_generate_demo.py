"""generate_demo: a deterministic synthetic dataset of the shape asked for, whose stored
increments and nets are what proposals.services would have stored."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum

from councils.models import Council
from outcomes.models import Outcome
from proposals.models import (
    COUNTED_STATUSES,
    BudgetPlan,
    ChangeSet,
    ImpactLine,
    PlanYear,
    Proposal,
    ServiceBudget,
    Status,
    Theme,
    Variation,
)
from proposals.permissions import SYSTEM
from proposals.services import change_status, increments
from tests.conftest import db_snapshot, generated_councils

SMALL = {"councils": 2, "outcomes": 3, "proposals": 4, "lines": 2, "years": 3, "seed": 7}


def generate(**options):
    call_command("generate_demo", **{**SMALL, **options}, stdout=open("/dev/null", "w"))


def dataset(council_filter=None):
    """Everything generated, as comparable values without database ids or timestamps."""
    councils = generated_councils() if council_filter is None else Council.objects.filter(**council_filter)
    figures = (
        Variation.objects.filter(line__proposal__plan__council__in=councils)
        .order_by("line__proposal__plan__council__slug", "line__proposal__reference", "line__position",
                  "year__start_year")
        .values_list(
            "line__proposal__plan__council__name", "line__proposal__plan__name", "line__proposal__plan__base_year",
            "line__proposal__reference", "line__proposal__title", "line__proposal__kind", "line__proposal__status",
            "line__proposal__outcome__title", "line__proposal__theme__name", "line__proposal__net_k",
            "line__service_budget__name", "year__start_year", "amount_k", "increment_k",
        )
    )
    return list(figures)


@pytest.mark.django_db
def test_it_builds_councils_outcomes_proposals_lines_and_years_of_the_shape_asked_for():
    generate()
    councils = generated_councils()
    proposals = Proposal.objects.filter(plan__council__in=councils)
    assert councils.count() == 2
    assert BudgetPlan.objects.filter(council__in=councils).count() == 2
    assert PlanYear.objects.filter(plan__council__in=councils).count() == 2 * 3
    assert Outcome.objects.filter(council__in=councils).count() == 2 * 3
    assert proposals.count() == 2 * 3 * 4
    assert ImpactLine.objects.filter(proposal__in=proposals).count() == 2 * 3 * 4 * 2
    assert Variation.objects.filter(line__proposal__in=proposals).count() == 2 * 3 * 4 * 2 * 3
    per_outcome = proposals.values("outcome").annotate(n=Count("pk")).values_list("n", flat=True)
    assert set(per_outcome) == {4}
    assert ChangeSet.objects.filter(action=ChangeSet.Action.SEED, council__in=councils).count() == 2 * 3 * 4
    plan = BudgetPlan.objects.filter(council__in=councils).first()
    assert plan.base_year == 2024
    assert list(plan.years.values_list("start_year", flat=True)) == [2025, 2026, 2027]


@pytest.mark.django_db
def test_it_gives_plausible_names_and_mostly_counted_statuses():
    generate(councils=3, proposals=20)
    for name in Council.objects.values_list("name", flat=True):
        assert name.endswith("Council") and name[0].isupper()
    assert Theme.objects.exists() and ServiceBudget.objects.exists()
    counted = Proposal.objects.filter(status__in=COUNTED_STATUSES).count()
    assert counted >= 0.8 * Proposal.objects.count()
    assert Proposal.objects.values("kind").distinct().count() >= 4


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_different_data():
    with transaction.atomic():
        generate()
        first = dataset()
        transaction.set_rollback(True)
    assert not generated_councils().exists()
    with transaction.atomic():
        generate()
        second = dataset()
        transaction.set_rollback(True)
    generate(seed=8)
    assert first == second
    assert len(first) == 2 * 3 * 4 * 2 * 3
    assert dataset() != first


@pytest.mark.django_db
def test_a_council_is_the_same_whatever_the_number_of_councils():
    with transaction.atomic():
        generate(councils=1)
        alone = dataset()
        transaction.set_rollback(True)
    generate(councils=3)
    first_council = alone[0][0]
    assert dataset({"name": first_council}) == alone


@pytest.mark.django_db
def test_stored_increments_and_nets_agree_with_the_figures():
    generate(years=5)
    by_line = {}
    for line_id, start_year, amount, step in Variation.objects.values_list(
        "line", "year__start_year", "amount_k", "increment_k"
    ):
        by_line.setdefault(line_id, {})[start_year] = (amount, step)
    assert by_line
    for figures in by_line.values():
        expected = increments({year: amount for year, (amount, _) in figures.items()})
        assert {year: step for year, (_, step) in figures.items()} == expected
    summed = Proposal.objects.annotate(summed=Sum("lines__variations__amount_k")).values_list("net_k", "summed")
    assert all(net == summed for net, summed in summed)
    assert any(net != 0 for net, _ in summed)


@pytest.mark.django_db
def test_its_history_verifies_and_a_later_save_chains_onto_it(seed):
    generate()
    generated = Proposal.objects.filter(plan__council__in=generated_councils(), status=Status.DRAFT).last()
    change_status(proposal=generated, user=SYSTEM, to=Status.WITHDRAWN)
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert f"History intact: 4 councils, {ChangeSet.objects.count():,} change sets" in out.getvalue()


@pytest.mark.django_db
def test_it_leaves_the_seed_councils_alone(seed):
    before = db_snapshot()
    seed_councils = list(Council.objects.values_list())
    generate()
    assert Council.objects.count() == len(seed_councils) + 2
    assert list(Council.objects.filter(pk__in=[c[0] for c in seed_councils]).values_list()) == seed_councils
    after = db_snapshot()
    seed_proposals = {row[0] for row in before["proposals"]}
    assert [row for row in after["proposals"] if row[0] in seed_proposals] == before["proposals"]
    assert [row for row in after["variations"] if row in before["variations"]] == before["variations"]


@pytest.mark.django_db
def test_running_it_again_is_refused_and_changes_nothing():
    generate()
    before = db_snapshot()
    councils = Council.objects.count()
    with pytest.raises(CommandError, match="already exist.*Nothing was changed"):
        generate()
    with pytest.raises(CommandError, match="already exist"):
        generate(councils=5)  # overlaps the first two
    assert db_snapshot() == before
    assert Council.objects.count() == councils


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options, message",
    [
        ({"councils": 0}, "--councils must be between 1 and 1000; 0 was given"),
        ({"councils": -3}, "--councils must be between 1 and 1000; -3 was given"),
        ({"outcomes": 0}, "--outcomes must be between 1 and 50"),
        ({"proposals": 1001}, "--proposals must be between 1 and 1000"),
        ({"lines": 0}, "--lines must be between 1 and 10"),
        ({"lines": 11}, "--lines must be between 1 and 10"),
        ({"years": 11}, "--years must be between 1 and 10; 11 was given"),
        ({"years": 0}, "--years must be between 1 and 10"),
        ({"seed": -1}, "--seed must be zero or more"),
        ({"base_year": 1900}, "--base-year must be between 1990 and 2090"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_change_nothing(seed, options, message):
    before = db_snapshot()
    councils = Council.objects.count()
    with pytest.raises(CommandError) as error:
        generate(**options)
    assert message in str(error.value)
    assert "Nothing was changed" in str(error.value)
    assert db_snapshot() == before
    assert Council.objects.count() == councils


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_it_leaves_the_tables_vacuumed_as_a_settled_database_would_be():
    """Outside a transaction the load ends with VACUUM ANALYZE: the visibility map is set,
    so index-only scans (the all-councils list's count) work from the first request."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("VACUUM and the visibility map are PostgreSQL's")
    generate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpages, relallvisible FROM pg_class WHERE relname IN "
            "('proposals_proposal', 'proposals_impactline', 'proposals_variation')"
        )
        tables = cursor.fetchall()
    assert len(tables) == 3
    assert all(pages > 0 and visible == pages for _name, pages, visible in tables), tables


@pytest.mark.django_db
def test_every_generated_plan_has_a_gap_and_two_snapshots_the_later_one_as_it_stands():
    from proposals.models import Snapshot, SnapshotFigure, SnapshotProposal
    from proposals.snapshots import Source
    from reports.compare import compare
    from reports.gap import gap_table

    generate(years=5)
    plans = list(BudgetPlan.objects.filter(council__in=generated_councils()))
    assert len(plans) == SMALL["councils"]
    for plan in plans:
        table = gap_table(Source(plan))
        assert all(row.gap_before is not None for row in table.years)
        assert [line.name for line in table.lines] == ["Net budget requirement", "Council tax",
                                                       "Business rates and grants"]
        draft, final = Snapshot.objects.filter(plan=plan).order_by("taken_on")
        assert compare(Source(plan, final), Source(plan)).changes == []  # the final budget is the plan now
        changed = compare(Source(plan, draft), Source(plan, final)).changes
        assert changed and {c.what for c in changed} <= {"added", "status", "figures"}
        # A snapshot's stored increments and nets agree with its figures, as the live ones do.
        by_line = {}
        for line_id, start, amount, step in SnapshotFigure.objects.filter(line__proposal__snapshot=draft) \
                .values_list("line", "year__start_year", "amount_k", "increment_k"):
            by_line.setdefault(line_id, {})[start] = (amount, step)
        for figures in by_line.values():
            assert {y: s for y, (_, s) in figures.items()} == increments({y: a for y, (a, _) in figures.items()})
        summed = SnapshotProposal.objects.filter(snapshot=draft).annotate(
            summed=Sum("lines__variations__amount_k")).values_list("net_k", "summed")
        assert all(net == (total or 0) for net, total in summed)


@pytest.mark.django_db
def test_every_generated_plan_has_four_quarters_of_returns_the_write_path_would_accept():
    """Q1 to Q3 closed and Q4 open; a return in each for every approved saving and income
    proposal with a change in the first year, whose target and principal budget are what
    delivery.services computes and whose rating agrees with its forecast (check_return)."""
    from delivery.models import DeliveryReturn, MonitoringPeriod
    from delivery.services import SAVING_KINDS, check_return, due_returns
    from delivery.summary import delivery_summary

    generate(proposals=12)
    plans = list(BudgetPlan.objects.filter(council__in=generated_councils()).select_related("council"))
    for plan in plans:
        periods = list(MonitoringPeriod.objects.filter(plan=plan).select_related("year", "plan__council")
                       .order_by("quarter"))
        assert [(p.quarter, p.is_open, p.year.start_year) for p in periods] == [
            (1, False, plan.base_year + 1), (2, False, plan.base_year + 1), (3, False, plan.base_year + 1),
            (4, True, plan.base_year + 1)]
        for period in periods:
            due = {d.proposal.pk: d for d in due_returns(period)}
            returns = list(DeliveryReturn.objects.filter(period=period))
            assert returns and {r.proposal_id for r in returns} == set(due)
            for r in returns:
                d = due[r.proposal_id]
                assert (r.target_k, r.service_budget_id) == (d.target_k, d.service_budget_id)
                assert check_return(r, d, plan=plan, has_next_year=True, replacement_ids=set()) == {}
            summary = delivery_summary(period)
            assert summary.totals.forecast_k == sum(r.forecast_k for r in returns)
        ratings = set(DeliveryReturn.objects.filter(period__plan=plan).values_list("rating", flat=True))
        assert {"green", "amber"} <= ratings
    monitored = Proposal.objects.filter(delivery_returns__isnull=False).distinct()
    assert monitored.exclude(status=Status.APPROVED).count() == 0
    assert monitored.exclude(kind__in=SAVING_KINDS).count() == 0
