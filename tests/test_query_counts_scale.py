"""Query counts that do not grow with the data: the report pages and downloads cost the
same number of queries for a council with a handful of proposals and for one with many,
among other councils (data from generate_demo). Timings are for bench/, not here."""
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import BudgetPlan, PlanYear, Proposal, Variation
from reports.rollup import rollup
from tests.conftest import generated_councils, make_user

PAGES = [
    ("reports:rollup", ""),
    ("reports:proposal_list", "?sort=-net&per_page=25"),
    ("reports:proposal_list", "?sort=-net&per_page=100"),
    ("workbooks:export", ""),
]


def generate(councils, proposals):
    call_command(
        "generate_demo", councils=councils, outcomes=3, proposals=proposals, lines=2, years=3, seed=3,
        stdout=open("/dev/null", "w"),
    )


def page_queries(client, plan):
    counts = {}
    for name, query in PAGES:
        url = reverse(name, args=[plan.council.slug, plan.slug]) + query
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        counts[name + query] = len(captured)
    return counts


@pytest.mark.django_db
def test_report_pages_cost_the_same_queries_for_a_small_and_a_large_dataset(client):
    admin = make_user("admin", superuser=True)
    client.force_login(admin)
    with transaction.atomic():
        generate(councils=1, proposals=2)
        small_plan = BudgetPlan.objects.get(council__in=generated_councils())
        small = page_queries(client, small_plan)
        transaction.set_rollback(True)
    generate(councils=3, proposals=40)  # the same first council, twenty times the proposals
    plan = BudgetPlan.objects.get(council__slug=small_plan.council.slug)
    assert Proposal.objects.filter(plan=plan).count() == 3 * 40
    large = page_queries(client, plan)
    assert large == small
    # Session and user (2), the plan with its choices (1), then the grouped sum (roll-up:
    # its labels come from the choices) or count, page and totals (list): within the
    # issue's budgets of 3 and 4.
    assert {name: count for name, count in large.items() if name.startswith("reports:")} == {
        # and the gap's figures; the navigation's council ids (1: this site administrator
        # is a member of none, so there is no count to take)
        "reports:rollup": 2 + 3 + 1,
        "reports:proposal_list?sort=-net&per_page=25": 2 + 4 + 1,
        "reports:proposal_list?sort=-net&per_page=100": 2 + 4 + 1,
    }


@pytest.mark.django_db
def test_a_roll_up_over_every_council_adds_up_each_year_across_plans():
    generate(councils=3, proposals=5)
    councils = generated_councils()
    counted = Proposal.objects.filter(plan__council__in=councils).counted()
    years = list(PlanYear.objects.filter(plan__council__in=councils).order_by("plan", "start_year"))
    plan = BudgetPlan.objects.filter(council__in=councils).first()
    with CaptureQueriesContext(connection) as captured:
        result = rollup(plan=plan, proposals=counted, years=years)
    assert len(captured) == 2  # the grouped sum, then the outcomes' labels
    assert result.year_labels == ["2025/26", "2026/27", "2027/28"]
    assert len(result.rows) == 3 * 3  # every council's outcomes
    for year in result.years:
        expected = Variation.objects.filter(
            line__proposal__in=counted, year__start_year=year.start_year
        ).aggregate(
            net=Sum("amount_k", default=0),
            increase=Sum("amount_k", filter=Q(amount_k__gt=0), default=0),
            decrease=Sum("amount_k", filter=Q(amount_k__lt=0), default=0),
        )
        total = result.totals[year.label]
        assert (total.net, total.increase, total.decrease) == (
            expected["net"], expected["increase"], expected["decrease"]
        )
    assert councils.count() == 3


@pytest.mark.django_db
def test_a_roll_up_of_one_plan_is_unchanged_by_other_councils_data():
    generate(councils=1, proposals=5)
    plan = BudgetPlan.objects.get(council__in=generated_councils())
    alone = rollup(plan=plan, proposals=Proposal.objects.for_plan(plan).counted())
    call_command("generate_demo", councils=2, outcomes=3, proposals=5, lines=2, years=3, seed=4,
                 stdout=open("/dev/null", "w"))
    among_others = rollup(plan=plan, proposals=Proposal.objects.for_plan(plan).counted())
    assert among_others.totals == alone.totals
    assert [(r.key, r.years) for r in among_others.rows] == [(r.key, r.years) for r in alone.rows]


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["outcome", "service", "theme", "kind"])
def test_a_roll_up_narrowed_to_one_budgets_increases_adds_up_exactly_those_figures(by):
    generate(councils=2, proposals=10)
    plan = BudgetPlan.objects.order_by("pk").first()
    counted = Proposal.objects.for_plan(plan).counted()
    budget = (
        Variation.objects.filter(line__proposal__in=counted, amount_k__gt=0)
        .values_list("line__service_budget", flat=True).order_by("line__service_budget").first()
    )
    figures = Q(line__service_budget=budget) & Q(amount_k__gt=0)
    result = rollup(plan=plan, proposals=counted, by=by, figures=figures)
    for year in result.years:
        expected = Variation.objects.filter(figures, line__proposal__in=counted, year=year).aggregate(
            net=Sum("amount_k", default=0)
        )["net"]
        total = result.totals[year.label]
        assert (total.net, total.increase, total.decrease) == (expected, expected, 0)
    assert result.grand_total.net > 0
