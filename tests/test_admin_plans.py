"""An administrator sets up a budget plan and its financial years in the admin."""
import pytest
from django.urls import reverse

from proposals.models import BudgetPlan, PlanYear
from tests.test_admin import form_data

ADD = reverse("admin:proposals_budgetplan_add")


def plans_and_years():
    return (
        list(BudgetPlan.objects.order_by("pk").values_list()),
        list(PlanYear.objects.order_by("pk").values_list()),
    )


def new_plan(council, *years, base_year="2021"):
    data = {
        "council": council.pk, "name": "MTFS 2022/23 to 2024/25", "slug": "mtfs-2022", "base_year": base_year,
        "source": "", "note": "", "_save": "Save",
        "years-TOTAL_FORMS": str(len(years)), "years-INITIAL_FORMS": "0",
        "years-MIN_NUM_FORMS": "0", "years-MAX_NUM_FORMS": "1000",
    }
    for i, year in enumerate(years):
        data[f"years-{i}-start_year"] = str(year)
    return data


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


def test_the_add_and_change_pages_show_the_plan_and_its_years(admin_client, ce_plan):
    assert admin_client.get(ADD).status_code == 200
    response = admin_client.get(reverse("admin:proposals_budgetplan_change", args=[ce_plan.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert ce_plan.name in content
    assert all(label in content for label in ("2019/20", "2020/21", "2021/22"))


def test_an_administrator_adds_a_plan_with_its_years(admin_client, ce_plan):
    response = admin_client.post(ADD, new_plan(ce_plan.council, 2022, 2023, 2024))
    assert response.status_code == 302
    plan = BudgetPlan.objects.get(council=ce_plan.council, slug="mtfs-2022")
    assert plan.base_year == 2021
    assert [year.label for year in plan.years.all()] == ["2022/23", "2023/24", "2024/25"]


def test_an_administrator_adds_a_year_to_a_plan(admin_client, ce_plan):
    url = reverse("admin:proposals_budgetplan_change", args=[ce_plan.pk])
    data = form_data(admin_client.get(url))
    data.update({"years-TOTAL_FORMS": "4", "years-3-start_year": "2022", "years-3-plan": ce_plan.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert [year.label for year in ce_plan.years.all()] == ["2019/20", "2020/21", "2021/22", "2022/23"]


@pytest.mark.parametrize("years, message", [
    ((2020, 2022), "2020/21 is not after the plan\u2019s base year, 2021/22"),
    ((2021,), "2021/22 is not after the plan\u2019s base year, 2021/22"),
    ((2022, 2022), "Please correct the duplicate data for start_year"),
])
def test_a_year_before_the_base_year_or_twice_is_refused(admin_client, ce_plan, years, message):
    before = plans_and_years()
    response = admin_client.post(ADD, new_plan(ce_plan.council, *years))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert plans_and_years() == before


def test_moving_the_base_year_past_a_plans_years_is_refused(admin_client, ce_plan):
    url = reverse("admin:proposals_budgetplan_change", args=[ce_plan.pk])
    data = form_data(admin_client.get(url))
    data["base_year"] = "2019"
    before = plans_and_years()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "2019/20 is not after the plan\u2019s base year, 2019/20" in response.content.decode()
    assert plans_and_years() == before


def test_a_year_with_figures_keeps_its_start_year(admin_client, ce_plan):
    url = reverse("admin:proposals_budgetplan_change", args=[ce_plan.pk])
    data = form_data(admin_client.get(url))
    year_2021 = ce_plan.years.get(start_year=2021)
    index = next(i for i in range(3) if str(data[f"years-{i}-id"]) == str(year_2021.pk))
    data[f"years-{index}-start_year"] = "2023"
    before = plans_and_years()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "2021/22 has figures" in response.content.decode()
    assert plans_and_years() == before
