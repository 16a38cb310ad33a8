"""A closed plan is read-only: every write to its proposals is refused, through the
services (so the pages, the import and the commands too), with the same message, and
the database is unchanged."""
import io

import pytest
from django.urls import reverse

from outcomes.models import Outcome
from proposals.models import BudgetPlan, ServiceBudget, Status
from proposals.permissions import SYSTEM, WorkflowError, can_create, can_edit, can_import, can_move
from proposals.plans import close_plan
from proposals.services import LineInput, change_status, create_proposal, save_proposal
from tests.conftest import proposal as get_proposal
from tests.editing import form_data, new_url, url
from tests.test_import_helpers import exported_workbook, upload
from tests.test_plans import snapshot
from workbooks.importing.apply import apply_import
from workbooks.importing.portal import preview_import

CLOSED = "Budget proposals 2019/20 to 2021/22 is closed, so its proposals cannot change. " \
         "A council administrator can reopen it."


@pytest.fixture
def closed(ce_plan, council_admin):
    close_plan(plan=ce_plan, user=council_admin)
    return BudgetPlan.objects.select_related("council").get(pk=ce_plan.pk)


def test_every_decision_says_the_plan_is_closed(closed, officer, approver):
    target = get_proposal(closed, "33")
    for decision in (can_create(officer, closed), can_edit(officer, target), can_import(officer, closed),
                     can_move(officer, target, Status.WITHDRAWN), can_move(approver, target, Status.APPROVED),
                     can_create(SYSTEM, closed), can_move(SYSTEM, target, Status.DRAFT)):
        assert not decision and not decision.by_role and decision.reason == CLOSED


def test_a_role_that_may_not_act_is_still_refused_for_its_role(closed, commissioner):
    decision = can_edit(commissioner, get_proposal(closed, "33"))
    assert decision.by_role


def test_the_services_refuse_every_write(closed, officer, approver):
    target = get_proposal(closed, "33")
    outcome = Outcome.objects.filter(council=closed.council).first()
    budget = ServiceBudget.objects.filter(council=closed.council).first()
    year = closed.years.first()
    before = snapshot()
    with pytest.raises(WorkflowError, match="is closed, so its proposals cannot change"):
        create_proposal(plan=closed, user=officer, fields={"title": "New", "kind": "pressure", "outcome": outcome},
                        lines=[LineInput(service_budget=budget, figures={year: 5})])
    with pytest.raises(WorkflowError, match="is closed"):
        save_proposal(proposal=target, user=officer, fields={"title": "Changed"}, lines=[],
                      expected_version=target.version)
    with pytest.raises(WorkflowError, match="is closed"):
        change_status(proposal=target, user=officer, to=Status.WITHDRAWN)
    with pytest.raises(WorkflowError, match="is closed"):
        change_status(proposal=target, user=approver, to=Status.APPROVED)
    assert snapshot() == before


def test_the_import_refuses_to_apply_to_a_closed_plan(ce_plan, officer, council_admin, client_for):
    data = exported_workbook(client_for(officer), ce_plan)
    preview = preview_import(plan=ce_plan, file=io.BytesIO(data), filename="book.xlsx")
    plan_of_changes = preview.plan_of_changes()
    plan_of_changes["created"] = [{"fields": {"reference": None, "title": "New", "kind": "pressure",
                                              "outcome": get_proposal(ce_plan, "33").outcome_id, "theme": None},
                                   "lines": []}]
    close_plan(plan=ce_plan, user=council_admin)
    ce_plan.refresh_from_db()
    before = snapshot()
    with pytest.raises(WorkflowError, match="is closed"):
        apply_import(plan=ce_plan, plan_of_changes=plan_of_changes, user=officer)
    assert snapshot() == before


def shown(response_page):
    return response_page.content.decode()


def test_the_pages_refuse_every_write_with_the_reason(closed, officer, approver, client_for):
    client = client_for(officer)
    target = get_proposal(closed, "33")
    rollup = reverse("reports:rollup", args=[closed.council.slug, closed.slug])
    before = snapshot()
    for response in (
        client.get(new_url(closed)),
        client.post(new_url(closed), form_data(title="New", kind="pressure", outcome=target.outcome_id)),
        client.get(reverse("workbooks:import", args=[closed.council.slug, closed.slug])),
        upload(client, closed, b"not read"),
        client.post(reverse("workbooks:import_confirm", args=[closed.council.slug, closed.slug]), {"token": "x"}),
    ):
        assert response.status_code == 302 and response["Location"] == rollup
    for response in (
        client.get(url("edit", target)),
        client.post(url("edit", target), form_data(target, title="Changed")),
        client.post(url("status", target), {"to": "withdrawn", "version": target.version}),
        client_for(approver).post(url("status", target), {"to": "approved", "version": target.version}),
    ):
        assert response.status_code == 302
    assert snapshot() == before
    page = shown(client.get(rollup))
    assert CLOSED in page  # the flash message, on the roll-up


def test_the_plans_pages_say_it_is_closed_and_offer_no_change(closed, officer, client_for):
    client = client_for(officer)
    args = [closed.council.slug, closed.slug]
    target = get_proposal(closed, "33")
    for name, extra in (("reports:rollup", []), ("reports:proposal_list", []),
                        ("reports:proposal_detail", [target.pk])):
        page = shown(client.get(reverse(name, args=args + extra)))
        assert "This plan is closed." in page, name
    detail = shown(client.get(reverse("reports:proposal_detail", args=args + [target.pk])))
    assert url("edit", target) not in detail and 'name="to"' not in detail
    home = shown(client.get(reverse("home")))
    assert new_url(closed) not in home and "<strong>closed</strong>" in home


def test_an_open_plan_offers_them(ce_plan, officer, client_for):
    client = client_for(officer)
    target = get_proposal(ce_plan, "33")
    detail = shown(client.get(reverse("reports:proposal_detail", args=[ce_plan.council.slug, ce_plan.slug,
                                                                         target.pk])))
    assert url("edit", target) in detail and "This plan is closed." not in detail
    assert new_url(ce_plan) in shown(client.get(reverse("home")))
