"""Budget plans (rounds): the service that creates, changes, closes and reopens them,
and ``manage.py create_plan``, which uses it as the system actor."""
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from councils.models import Council
from proposals.models import BudgetPlan, Change, ChangeSet, PlanYear, Variation
from proposals.permissions import WorkflowError
from proposals.plans import PlanInvalid, close_plan, create_plan, reopen_plan, update_plan
from tests.conftest import db_snapshot


def snapshot():
    """db_snapshot() and the plans and their years."""
    return {
        **db_snapshot(),
        "plans": list(BudgetPlan.objects.order_by("pk").values_list()),
        "years": list(PlanYear.objects.order_by("pk").values_list()),
    }


def new_plan(council, user, **overrides):
    values = {"name": "MTFS 2025/26 to 2027/28", "slug": "mtfs-2025", "base_year": 2024,
              "years": [2025, 2026, 2027], "unit": "thousands", **overrides}
    return create_plan(council=council, user=user, **values)


@pytest.fixture
def east(seed):
    return Council.objects.get(slug="cheshire-east")


def test_a_council_administrator_creates_a_plan_with_its_years_recorded(east, council_admin):
    plan = new_plan(east, council_admin, source="Cabinet, 4 February 2025")
    assert [year.label for year in plan.years.all()] == ["2025/26", "2026/27", "2027/28"]
    assert (plan.base_year, plan.unit, plan.is_closed, plan.unit_label) == (2024, "thousands", False, "£000")
    changeset = ChangeSet.objects.get(subject_id=plan.pk, subject_type__model="budgetplan")
    assert changeset.action == ChangeSet.Action.CREATE and changeset.user == council_admin
    described = [change.describe() for change in changeset.changes.all()]
    assert "Name: (none) \u2192 MTFS 2025/26 to 2027/28" in described
    assert "Unit: (none) \u2192 £000 (whole thousands)" in described
    assert "Plan year 2026/27: Start year: (none) \u2192 2026" in described


@pytest.mark.parametrize("who", ["officer", "approver", "commissioner", "officer_cwac"])
def test_only_the_councils_administrators_create_plans(request, east, who):
    user = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        new_plan(east, user)
    assert snapshot() == before


@pytest.mark.parametrize("overrides, field, message", [
    ({"years": [2024, 2025]}, "years", "2024/25 is not after the base year, 2024/25"),
    ({"years": [2020]}, "years", "2020/21 is not after the base year"),
    ({"years": [2025, 2027]}, "years", "2027/28 does not follow 2025/26"),
    ({"years": [2026, 2025]}, "years", "2025/26 does not follow 2026/27"),
    ({"years": [2025, 2025]}, "years", "2025/26 is given twice"),
    ({"years": []}, "years", "at least one financial year"),
    ({"years": list(range(2025, 2036))}, "years", "at most 10 financial years; 11 were given"),
    ({"slug": "2019-22"}, "slug", "already has a budget plan with the address name \u201c2019-22\u201d"),
    ({"slug": "MTFS 2025"}, "slug", "is not an address name"),
    ({"slug": ""}, "slug", "Enter the plan\u2019s address name"),
    ({"name": "  "}, "name", "Enter the plan\u2019s name"),
    ({"name": "x" * 201}, "name", "at most 200 characters"),
    ({"base_year": 1500, "years": [1501]}, "base_year", "Enter the base year as a financial year"),
    ({"unit": "pounds"}, "unit", "£m or £000"),
    ({"note": "x" * 5001}, "note", "at most 5,000 characters"),
])
def test_bad_values_are_refused_with_a_message_and_nothing_written(east, council_admin, overrides, field, message):
    before = snapshot()
    with pytest.raises(PlanInvalid) as refused:
        new_plan(east, council_admin, **overrides)
    assert any(message in text for text in refused.value.errors[field]), refused.value.errors
    assert snapshot() == before


def test_a_slug_in_use_by_another_council_is_free(east, council_admin):
    plan = new_plan(east, council_admin, slug="2016-20")  # Cheshire West's plan's slug
    assert plan.slug == "2016-20"


def test_a_plan_is_changed_and_each_change_recorded(east, council_admin):
    plan = new_plan(east, council_admin)
    changeset = update_plan(plan=plan, user=council_admin, name="MTFS 2025-29", years=[2025, 2026, 2027, 2028],
                            unit="millions")
    plan.refresh_from_db()
    assert (plan.name, plan.unit) == ("MTFS 2025-29", "millions")
    assert [year.label for year in plan.years.all()] == ["2025/26", "2026/27", "2027/28", "2028/29"]
    described = {change.describe() for change in changeset.changes.all()}
    assert {"Name: MTFS 2025/26 to 2027/28 \u2192 MTFS 2025-29",
            "Unit: £000 (whole thousands) \u2192 £m, to three decimal places",
            "Plan year 2028/29: Start year: (none) \u2192 2028"} <= described
    assert update_plan(plan=plan, user=council_admin, name="MTFS 2025-29") is None  # nothing changed


def test_a_year_without_figures_is_removed_and_recorded(east, council_admin):
    plan = new_plan(east, council_admin)
    changeset = update_plan(plan=plan, user=council_admin, years=[2025, 2026])
    assert [year.label for year in plan.years.all()] == ["2025/26", "2026/27"]
    assert "Plan year 2027/28: Start year: 2027 \u2192 (none)" in {c.describe() for c in changeset.changes.all()}


def test_removing_a_year_with_figures_names_the_figures_and_proposals(ce_plan, admin_user):
    before = snapshot()
    with pytest.raises(PlanInvalid) as refused:
        update_plan(plan=ce_plan, user=admin_user, years=[2019, 2020])
    (message,) = refused.value.errors["years"]
    in_year = Variation.objects.filter(year__plan=ce_plan, year__start_year=2021)
    figures, proposals = in_year.count(), in_year.values("line__proposal").distinct().count()
    assert (figures, proposals) == (19, 18)
    assert message.startswith(f"2021/22 cannot be removed: it has {figures} figures in {proposals} proposals ([33] ")
    assert "and 13 more). Remove those figures first, or keep the year." in message
    assert snapshot() == before


def test_moving_the_base_year_past_the_years_is_refused(ce_plan, admin_user):
    before = snapshot()
    with pytest.raises(PlanInvalid, match="2019/20 is not after the base year, 2019/20"):
        update_plan(plan=ce_plan, user=admin_user, base_year=2019)
    assert snapshot() == before


def test_closing_and_reopening_are_recorded(ce_plan, council_admin):
    closed = close_plan(plan=ce_plan, user=council_admin)
    ce_plan.refresh_from_db()
    assert ce_plan.is_closed
    assert [c.describe() for c in closed.changes.all()] == ["Closed: False \u2192 True"]
    with pytest.raises(PlanInvalid, match="already closed"):
        close_plan(plan=ce_plan, user=council_admin)
    reopen_plan(plan=ce_plan, user=council_admin)
    ce_plan.refresh_from_db()
    assert not ce_plan.is_closed
    with pytest.raises(PlanInvalid, match="already open"):
        reopen_plan(plan=ce_plan, user=council_admin)


def test_only_administrators_close_a_plan(ce_plan, officer, approver):
    for user in (officer, approver):
        with pytest.raises(PermissionDenied):
            close_plan(plan=ce_plan, user=user)
    ce_plan.refresh_from_db()
    assert not ce_plan.is_closed


def test_a_closed_plan_is_reopened_before_it_is_changed(ce_plan, council_admin):
    close_plan(plan=ce_plan, user=council_admin)
    before = snapshot()
    with pytest.raises(WorkflowError, match="is closed, so it cannot be changed. Reopen it first."):
        update_plan(plan=ce_plan, user=council_admin, name="Renamed")
    assert snapshot() == before


# manage.py create_plan


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_plan", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_the_command_creates_a_plan_as_the_system(east):
    output = run("--council", "cheshire-east", "--slug", "mtfs-2002", "--name", "MTFS 2002-05",
                 "--base-year", "2001/02", "--years", "2002/03", "2003/04", "2004/05", "--unit", "thousands")
    plan = BudgetPlan.objects.get(council=east, slug="mtfs-2002")
    assert [year.label for year in plan.years.all()] == ["2002/03", "2003/04", "2004/05"]
    assert (plan.base_year, plan.unit) == (2001, "thousands")
    assert "Created MTFS 2002-05 (mtfs-2002) for Cheshire East Council: 2002/03 to 2004/05" in output
    changeset = ChangeSet.objects.get(subject_id=plan.pk, subject_type__model="budgetplan")
    assert changeset.user is None and changeset.action == ChangeSet.Action.CREATE  # the published document
    assert Change.objects.filter(changeset=changeset).exists()


def test_the_command_defaults_to_millions(east):
    run("--council", "cheshire-east", "--slug", "m", "--name", "M", "--base-year", "2001/02", "--years", "2002/03")
    assert BudgetPlan.objects.get(council=east, slug="m").unit == "millions"


@pytest.mark.parametrize("args, message", [
    (["--council", "atlantis"], "No council has the slug 'atlantis'"),
    (["--base-year", "2001"], "--base-year: \u201c2001\u201d is not a financial year"),
    (["--years", "2002/03", "2003/05"], "--years: \u201c2003/05\u201d is not a financial year"),
    (["--years", "2002/03", "2004/05"], "years: The financial years must follow one another"),
    (["--years", "2001/02", "2002/03"], "years: 2001/02 is not after the base year"),
    (["--slug", "2019-22"], "slug: Cheshire East Council already has a budget plan"),
    (["--slug", "not a slug"], "is not an address name"),
    (["--years", *[f"{y}/{(y + 1) % 100:02d}" for y in range(2002, 2013)]], "at most 10 financial years"),
])
def test_the_command_refuses_bad_arguments_and_writes_nothing(east, args, message):
    values = {"--council": "cheshire-east", "--slug": "mtfs-2002", "--name": "MTFS", "--base-year": "2001/02"}
    argv = []
    for name, value in values.items():
        if name not in args:
            argv += [name, value]
    if "--years" not in args:
        argv += ["--years", "2002/03", "2003/04"]
    before = snapshot()
    with pytest.raises(CommandError, match=None) as refused:
        run(*argv, *args)
    assert message in str(refused.value)
    assert snapshot() == before

