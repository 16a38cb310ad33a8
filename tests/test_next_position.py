"""Where a new proposal goes, one rule whichever path creates it (the editor, the admin,
an import, the service): after the plan's others, 0 for a plan's first."""
import pytest
from django.db.models import Max
from django.urls import reverse

from proposals.models import BudgetPlan, PlanYear, Proposal
from proposals.permissions import SYSTEM
from proposals.services import create_proposal
from tests.editing import form_data, new_url
from tests.test_import_helpers import confirm, edit_workbook, exported_workbook, upload


@pytest.fixture
def empty_plan(ce_plan):
    plan = BudgetPlan.objects.create(council=ce_plan.council, slug="next", name="Next plan",
                                     base_year=ce_plan.base_year)
    PlanYear.objects.bulk_create(PlanYear(plan=plan, start_year=y.start_year) for y in ce_plan.years.all())
    return plan


def last_position(plan):
    return plan.proposals.aggregate(top=Max("position"))["top"]


def by_editor(client, plan, title):
    outcome = plan.council.outcomes.get()
    assert client.post(new_url(plan), form_data(title=title, kind="pressure", outcome=outcome.pk)).status_code == 302


def by_admin(client, plan, title):
    response = client.post(reverse("admin:proposals_proposal_add"), {
        "plan": plan.pk, "reference": "", "title": title, "kind": "pressure",
        "outcome": plan.council.outcomes.get().pk, "theme": "", "description": "",
    })
    assert response.status_code == 302


def by_import(client, plan, title):
    """Two new rows in an export of ``plan``: they follow one another."""
    def add(wb):
        sheet = wb[[name for name in wb.sheetnames if name.startswith("Outcome")][0]]
        for suffix in ("", " (2)"):
            sheet.append(["[NEW]", title + suffix, "Pressure", "5", "", "", "Leisure", 0.1, 0.1, 0.1])

    confirm(client, plan, upload(client, plan, edit_workbook(exported_workbook(client, plan), add)))


def by_service(client, plan, title):
    create_proposal(plan=plan, user=SYSTEM, lines=[], fields={
        "reference": None, "title": title, "kind": "pressure", "theme": None, "outcome": plan.council.outcomes.get(),
        "description": "",
    })


PATHS = [by_editor, by_admin, by_import, by_service]


# An empty plan's export has no outcome sheet to add a row to: the import's start is the
# service's next_position, asked once (test_a_new_proposal_goes_after_the_plans_last).
@pytest.mark.parametrize("create", [by_editor, by_admin, by_service])
def test_a_plans_first_proposal_is_at_0_and_the_next_after_it(create, empty_plan, officer, admin_user, client_for):
    client = client_for(admin_user if create is by_admin else officer)
    create(client, empty_plan, "First")
    assert Proposal.objects.get(plan=empty_plan, title="First").position == 0
    create(client, empty_plan, "Second")
    assert Proposal.objects.get(plan=empty_plan, title="Second").position == 1


@pytest.mark.parametrize("create", PATHS)
def test_a_new_proposal_goes_after_the_plans_last(create, ce_plan, officer, admin_user, client_for):
    last = last_position(ce_plan)
    create(client_for(admin_user if create is by_admin else officer), ce_plan, "Newest")
    assert Proposal.objects.get(plan=ce_plan, title="Newest").position == last + 1
    if create is by_import:
        assert Proposal.objects.get(plan=ce_plan, title="Newest (2)").position == last + 2
