"""A plan's unit: a £000 plan shows and takes its figures in whole thousands (150 is
£150k), stored exactly in £k; the £m seed plans are as they were."""
import pytest
from django.urls import reverse

from outcomes.models import Outcome
from proposals.models import Proposal, ServiceBudget, Variation
from proposals.money import MILLIONS, THOUSANDS, MoneyError, format_in, parse_in
from proposals.plans import create_plan
from tests.conftest import db_snapshot
from tests.editing import form_data, new_url, url


@pytest.mark.parametrize("text, amount_k", [
    ("150", 150), ("+150", 150), ("-27", -27), ("(150)", -150), ("1,234", 1234), ("£150k", 150), ("£ 3,500", 3500),
    ("No change", 0), ("0", 0), ("", None), ("\u2212 45", -45), ("10000000", 10_000_000),
])
def test_thousands_are_read_as_whole_thousands(text, amount_k):
    assert parse_in(text, THOUSANDS) == amount_k


@pytest.mark.parametrize("text, message", [
    ("1.5", "has decimal places; figures are in £000, whole thousands"),
    ("£1.2m", "is not a figure in £000 (for example -27, +3,500 or (150))"),
    ("ten", "is not a figure in £000"),
    ("10000001", "is more than £10,000,000k (£10,000m); check the figure is in £000"),
])
def test_bad_thousands_are_refused_with_a_message(text, message):
    with pytest.raises(MoneyError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        parse_in(text, THOUSANDS)


@pytest.mark.parametrize("amount_k, millions, thousands", [
    (150, "+0.150", "+150"), (-27, "-0.027", "-27"), (0, "0.000", "0"), (3_500_000, "+3500.000", "+3,500,000"),
    (None, "", ""),
])
def test_figures_are_shown_in_either_unit(amount_k, millions, thousands):
    assert format_in(amount_k, MILLIONS) == millions
    assert format_in(amount_k, THOUSANDS) == thousands
    assert parse_in(format_in(amount_k, THOUSANDS), THOUSANDS) == amount_k


def test_brackets_in_thousands():
    assert format_in(-1500, THOUSANDS, brackets=True) == "(1,500)"


@pytest.fixture
def thousands_plan(ce_plan, council_admin):
    return create_plan(council=ce_plan.council, user=council_admin, name="MTFS in £000", slug="k-plan",
                       base_year=2024, years=[2025, 2026], unit=THOUSANDS)


def new_proposal_data(plan, figures):
    outcome = Outcome.objects.filter(council=plan.council).first()
    budget = ServiceBudget.objects.filter(council=plan.council).order_by("pk").first()
    row = {"service_budget": budget.pk}
    row.update({f"y{year.start_year}": text for year, text in zip(plan.years.all(), figures, strict=True)})
    return form_data(title="Library hours", kind="revenue_savings", outcome=outcome.pk, lines=[row])


def test_a_thousands_plan_takes_150_as_150k_and_shows_it_as_typed(thousands_plan, officer, client_for):
    client = client_for(officer)
    page = client.get(new_url(thousands_plan)).content.decode()
    assert "Impact lines: £000" in page and "150 is £150,000" in page
    response = client.post(new_url(thousands_plan), new_proposal_data(thousands_plan, ["(150)", "-1,250"]))
    assert response.status_code == 302
    created = Proposal.objects.get(plan=thousands_plan)
    assert sorted(Variation.objects.filter(line__proposal=created).values_list("amount_k", flat=True)) == [-1250,
                                                                                                          -150]
    edit = client.get(url("edit", created)).content.decode()
    assert 'value="-150"' in edit and 'value="-1,250"' in edit
    detail = client.get(response["Location"]).content.decode()
    assert "impact by year, £000" in detail and "-1,250" in detail and "-1.250" not in detail


def test_a_thousands_plan_refuses_decimals_and_writes_nothing(thousands_plan, officer, client_for):
    before = db_snapshot()
    response = client_for(officer).post(new_url(thousands_plan), new_proposal_data(thousands_plan, ["0.15", ""]))
    assert response.status_code == 200
    assert "has decimal places; figures are in £000, whole thousands" in response.content.decode()
    assert db_snapshot() == before


def test_a_thousands_plans_reports_are_in_thousands(thousands_plan, officer, client_for):
    client = client_for(officer)
    client.post(new_url(thousands_plan), new_proposal_data(thousands_plan, ["-150", "+2,500"]))
    args = [thousands_plan.council.slug, thousands_plan.slug]
    listing = client.get(reverse("reports:proposal_list", args=args)).content.decode()
    assert "<caption>Proposals, £000. Select a column heading to sort.</caption>" in listing
    assert '<span class="neg">-150</span>' in listing and "+2,500" in listing and "+2,350" in listing
    rollup = client.get(reverse("reports:rollup", args=args)).content.decode()
    assert "in £000; minus is a saving" in rollup and "+2,500" in rollup and "-0.150" not in rollup


def test_the_seed_plans_are_still_in_millions(ce_plan, officer, client_for):
    client = client_for(officer)
    target = Proposal.objects.get(plan=ce_plan, reference="35")
    assert 'value="-0.500"' in client.get(url("edit", target)).content.decode()
    detail = client.get(reverse("reports:proposal_detail", args=[ce_plan.council.slug, ce_plan.slug, target.pk]))
    assert "impact by year, £m" in detail.content.decode() and "-0.500" in detail.content.decode()
