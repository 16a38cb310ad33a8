"""Saving a proposal costs a fixed number of queries: it does not grow with the number of
figures that did not change (nor with the number of lines)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.models import Council
from proposals.models import BudgetPlan, PlanYear, Proposal, ServiceBudget
from proposals.services import LineInput, create_proposal, save_proposal
from tests.editing import current_lines, form_data, url

# Pinned: the whole request (session, user, role, plan, proposal, the form's choices,
# the save itself in bulk, the audit record and its chain: the council's lock and the
# head's hash) — the same for 1 line or 5 lines × 5 years.
SAVE_REQUEST_QUERIES = 19
SAVE_SERVICE_QUERIES = 14


@pytest.fixture
def five_year_plan(seed):
    council = Council.objects.get(slug="cheshire-east")
    plan = BudgetPlan.objects.create(council=council, slug="2020-25", name="MTFS 2020/21 to 2024/25", base_year=2019)
    PlanYear.objects.bulk_create(PlanYear(plan=plan, start_year=year) for year in range(2020, 2025))
    return plan


def build(plan, user, lines):
    years = list(plan.years.all())
    budgets = list(ServiceBudget.objects.filter(council=plan.council)[:lines])
    return create_proposal(
        plan=plan, user=user,
        fields={"title": f"{lines}-line proposal", "kind": "revenue_savings", "outcome": plan.council.outcomes.first()},
        lines=[LineInput(b, {y: -100 * (i + 1) - n for n, y in enumerate(years)}) for i, b in enumerate(budgets)],
    )


def count_request(client, p, start_year, text):
    lines = current_lines(p)
    lines[0][f"y{start_year}"] = text
    data = form_data(p, lines=lines)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url("edit", p), data)
    assert response.status_code == 302
    return len(queries)


def test_saving_one_changed_figure_costs_the_same_for_five_lines_over_five_years(
        client_for, officer, five_year_plan):
    client = client_for(officer)
    small, large = build(five_year_plan, officer, 1), build(five_year_plan, officer, 5)
    assert large.lines.count() == 5 and sum(line.variations.count() for line in large.lines.all()) == 25
    assert count_request(client, small, 2022, "-0.900") == SAVE_REQUEST_QUERIES
    assert count_request(client, large, 2022, "-0.900") == SAVE_REQUEST_QUERIES


def test_the_service_saves_in_a_fixed_number_of_queries(officer, five_year_plan):
    for size in (1, 5):
        p = build(five_year_plan, officer, size)
        years = list(five_year_plan.years.all())
        lines = [
            LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.all()})
            for line in p.lines.select_related("service_budget").prefetch_related("variations__year")
        ]
        lines[0].figures[years[2]] += 1
        with CaptureQueriesContext(connection) as queries:
            save_proposal(proposal=Proposal.objects.get(pk=p.pk), user=officer, fields={}, lines=lines,
                          expected_version=p.version)
        assert len(queries) == SAVE_SERVICE_QUERIES, f"{size} lines"
