"""The budget plan pages under /c/<council>/settings/plans/: list, create, change,
close and reopen, for a council's administrators."""
import pytest
from django.urls import reverse

from councils.models import Role
from proposals.models import BudgetPlan, ChangeSet, Proposal
from tests.conftest import make_user
from tests.test_plans import snapshot

COUNCIL = "cheshire-east"
LIST = reverse("administration:plans", args=[COUNCIL])
NEW = reverse("administration:plan_new", args=[COUNCIL])


def edit_url(slug="2019-22"):
    return reverse("administration:plan_edit", args=[COUNCIL, slug])


def form(**overrides):
    return {"name": "MTFS 2025/26 to 2027/28", "slug": "mtfs-2025", "base_year": "2024/25",
            "first_year": "2025/26", "last_year": "2027/28", "unit": "thousands", "source": "", "note": "",
            **overrides}


@pytest.fixture
def admin_client(client_for, council_admin):
    return client_for(council_admin)


def test_the_list_shows_each_plan_with_its_years_unit_state_and_proposals(admin_client, ce_plan,
                                                                           django_assert_max_num_queries):
    BudgetPlan.objects.create(council=ce_plan.council, slug="empty", name="Empty round", base_year=2030,
                              unit="thousands", is_closed=True)
    with django_assert_max_num_queries(5):  # session, user, council, roles, the plans with their counts
        response = admin_client.get(LIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Budget proposals 2019/20 to 2021/22" in content
    assert "2019/20 to 2021/22 (3 years)" in content
    assert f'<td class="num">{Proposal.objects.filter(plan=ce_plan).count()}</td>' in content
    assert "Empty round" in content and "no years (0 years)" in content and "£000" in content
    assert "Closed</strong>" in content and "Reopen" in content and "Open</strong>" in content


def test_the_list_costs_the_same_whatever_the_number_of_plans(admin_client, ce_plan, django_assert_num_queries):
    admin_client.get(LIST)
    with django_assert_num_queries(5) as few:  # session, user, council, roles, plans
        admin_client.get(LIST)
    for n in range(10):
        BudgetPlan.objects.create(council=ce_plan.council, slug=f"p{n}", name=f"P{n}", base_year=2030 + n)
    with django_assert_num_queries(len(few.captured_queries)):
        admin_client.get(LIST)


@pytest.mark.parametrize("url", [LIST, NEW, edit_url()])
@pytest.mark.parametrize("who, status", [
    ("council_admin", 200), ("admin_user", 200),
    ("officer", 403), ("approver", 403), ("commissioner", 403),
    ("officer_cwac", 404), ("outsider", 404),
])
def test_who_may_use_the_pages(request, client_for, ce_plan, url, who, status):
    assert client_for(request.getfixturevalue(who)).get(url).status_code == status


@pytest.mark.parametrize("action", ["plan_close", "plan_reopen"])
@pytest.mark.parametrize("who, status", [("officer", 403), ("commissioner", 403), ("officer_cwac", 404)])
def test_nobody_else_closes_or_reopens_or_creates(request, client_for, ce_plan, action, who, status):
    client = client_for(request.getfixturevalue(who))
    before = snapshot()
    assert client.post(reverse(f"administration:{action}", args=[COUNCIL, "2019-22"])).status_code == status
    assert client.post(NEW, form()).status_code == status
    assert client.post(edit_url(), form(slug="2019-22", name="Renamed")).status_code == status
    assert snapshot() == before


def test_an_administrator_of_another_council_gets_a_404(client_for, ce_plan):
    other = make_user("cwac_admin", memberships=[("cheshire-west-and-chester", Role.COUNCIL_ADMIN)])
    assert client_for(other).get(LIST).status_code == 404


def test_a_plan_is_created_from_the_page_in_thousands(admin_client, ce_plan):
    response = admin_client.post(NEW, form())
    assert response.status_code == 302 and response["Location"] == LIST
    plan = BudgetPlan.objects.get(council=ce_plan.council, slug="mtfs-2025")
    assert [year.label for year in plan.years.all()] == ["2025/26", "2026/27", "2027/28"]
    assert (plan.base_year, plan.unit, plan.is_closed) == (2024, "thousands", False)
    assert "MTFS 2025/26 to 2027/28 has been created, open, in £000." in admin_client.get(LIST).content.decode()


@pytest.mark.parametrize("overrides, target, message", [
    ({"first_year": "2024/25"}, "id_first_year", "2024/25 is not after the base year, 2024/25"),
    ({"first_year": "2025/27"}, "id_first_year", "is not a financial year"),
    ({"last_year": "2024/25"}, "id_last_year", "2024/25 is before 2025/26"),
    ({"last_year": "2040/41"}, "id_first_year", "at most 10 financial years; 16 were given"),
    ({"slug": "2019-22"}, "id_slug", "already has a budget plan with the address name"),
    ({"slug": "no spaces"}, "id_slug", "is not an address name"),
    ({"name": ""}, "id_name", "Enter the plan\u2019s name"),
    ({"base_year": "last year"}, "id_base_year", "is not a financial year such as 2019/20"),
    ({"unit": "pounds"}, "id_unit_0", "Select a valid choice"),
    ({"note": "x" * 5001}, "id_note", "at most 5000 characters"),
])
def test_bad_input_is_shown_against_its_field_and_nothing_is_written(admin_client, ce_plan, overrides, target,
                                                                     message):
    before = snapshot()
    response = admin_client.post(NEW, form(**overrides))
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content and "Nothing has been saved" in content
    assert f'<a href="#{target}">' in content and message in content
    assert snapshot() == before


def test_a_plan_is_changed_from_the_page_and_recorded(admin_client, ce_plan):
    response = admin_client.post(edit_url(), form(slug="2019-22", name="Budget 2019-23", base_year="2018/19",
                                                  first_year="2019/20", last_year="2022/23", unit="millions"))
    assert response.status_code == 302
    ce_plan.refresh_from_db()
    assert ce_plan.name == "Budget 2019-23"
    assert [year.label for year in ce_plan.years.all()][-1] == "2022/23"
    changeset = ChangeSet.objects.filter(subject_id=ce_plan.pk, subject_type__model="budgetplan").latest("id")
    assert "Plan year 2022/23: Start year: (none) \u2192 2022" in {c.describe() for c in changeset.changes.all()}


def test_the_change_page_shows_the_plan_as_it_is(admin_client, ce_plan):
    content = admin_client.get(edit_url()).content.decode()
    assert 'value="2018/19"' in content and 'value="2019/20"' in content and 'value="2021/22"' in content
    assert '<input type="radio" name="unit" value="millions" id="id_unit_0" required checked>' in content


def test_removing_a_year_with_figures_is_refused_on_the_page(admin_client, ce_plan):
    before = snapshot()
    response = admin_client.post(edit_url(), form(slug="2019-22", base_year="2018/19", first_year="2019/20",
                                                  last_year="2020/21", unit="millions"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "2021/22 cannot be removed: it has" in content and "[33] " in content
    assert snapshot() == before


def test_a_plan_is_closed_and_reopened_from_the_list(admin_client, ce_plan):
    response = admin_client.post(reverse("administration:plan_close", args=[COUNCIL, "2019-22"]))
    assert response.status_code == 302
    ce_plan.refresh_from_db()
    assert ce_plan.is_closed
    page = admin_client.get(edit_url()).content.decode()
    assert "is closed, so it cannot be changed. Reopen it first." in page and "<form method=\"post\" novalidate" \
        not in page
    before = snapshot()
    assert admin_client.post(edit_url(), form(slug="2019-22", name="Renamed")).status_code == 302
    assert snapshot() == before
    admin_client.post(reverse("administration:plan_close", args=[COUNCIL, "2019-22"]))
    assert "is already closed" in admin_client.get(LIST).content.decode()
    admin_client.post(reverse("administration:plan_reopen", args=[COUNCIL, "2019-22"]))
    ce_plan.refresh_from_db()
    assert not ce_plan.is_closed


def test_close_and_reopen_take_only_post(admin_client, ce_plan):
    assert admin_client.get(reverse("administration:plan_close", args=[COUNCIL, "2019-22"])).status_code == 405


def test_the_plans_pages_are_linked_from_council_settings_for_their_administrators_only(
    client_for, council_admin, officer, ce_plan,
):
    settings = reverse("administration:index", args=[COUNCIL])
    assert settings in client_for(council_admin).get(reverse("home")).content.decode()
    assert LIST in client_for(council_admin).get(settings).content.decode()
    assert settings not in client_for(officer).get(reverse("home")).content.decode()
