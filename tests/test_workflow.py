"""Draft -> submitted -> approved or rejected; withdrawn; back to draft. Only an approver
approves, and never a proposal they created or last changed: not in the UI, not on the
server, not in the database."""
import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory

from councils.models import Role
from proposals.models import ChangeSet, Proposal, Status
from proposals.permissions import OWN_WORK
from proposals.services import LineInput, create_proposal
from tests.conftest import db_snapshot, make_user, proposal
from tests.editing import form_data, shown_message, url


@pytest.fixture
def draft(ce_plan, officer):
    p41 = proposal(ce_plan, "41")
    line = p41.lines.select_related("service_budget").get()
    return create_proposal(
        plan=ce_plan, user=officer,
        fields={"title": "Extra care housing", "kind": "revenue_savings", "outcome": p41.outcome},
        lines=[LineInput(line.service_budget, {ce_plan.years.get(start_year=2019): -250})],
    )


@pytest.fixture
def officer_and_approver(seed):
    """Someone who both edits and approves in Cheshire East: they must still not approve their own work."""
    return make_user("both", memberships=[("cheshire-east", Role.OFFICER), ("cheshire-east", Role.APPROVER)],
                     first="Sam", last="Both")


def move(client, p, to):
    p.refresh_from_db()
    return client.post(url("status", p), {"to": to, "version": p.version})


def buttons(user, p):
    """The action buttons the proposal page shows this user."""
    request = RequestFactory().get("/")
    request.user = user
    p = Proposal.objects.select_related("plan__council").get(pk=p.pk)
    return render_to_string("proposals/_proposal_actions.html", {"proposal": p}, request=request)


def test_officer_submits_and_approver_approves(client_for, officer, approver, draft):
    assert move(client_for(officer), draft, Status.SUBMITTED).status_code == 302
    assert move(client_for(approver), draft, Status.APPROVED).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED and draft.approved_by == approver and draft.approved_at
    statuses = [c.describe() for cs in draft.changesets.filter(action="status").order_by("version")
                for c in cs.changes.all()]
    assert statuses == ["Status: Draft \u2192 Submitted", "Status: Submitted \u2192 Approved"]


def test_approver_rejects(client_for, officer, approver, draft):
    move(client_for(officer), draft, Status.SUBMITTED)
    move(client_for(approver), draft, Status.REJECTED)
    draft.refresh_from_db()
    assert draft.status == Status.REJECTED and draft.approved_by is None


def test_officer_withdraws_and_returns_to_draft(client_for, officer, draft):
    client = client_for(officer)
    move(client, draft, Status.WITHDRAWN)
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    move(client, draft, Status.DRAFT)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_author_cannot_approve_on_the_server(client_for, officer_and_approver, ce_plan):
    p41 = proposal(ce_plan, "41")
    client = client_for(officer_and_approver)
    client.post(url("edit", p41), form_data(p41, title="Changed by the approver"))  # now they last changed it
    before = db_snapshot()
    assert move(client, p41, Status.APPROVED).status_code == 302
    assert db_snapshot() == before
    assert OWN_WORK in shown_message(client, p41)


def test_the_author_has_no_approve_button(officer_and_approver, approver, ce_plan):
    p41 = proposal(ce_plan, "41")
    assert ">Approve</button>" in buttons(officer_and_approver, p41)  # before they touch it
    Proposal.objects.filter(pk=p41.pk).update(updated_by=officer_and_approver)
    html = buttons(officer_and_approver, p41)
    assert ">Approve</button>" not in html
    assert OWN_WORK in html
    assert ">Approve</button>" in buttons(approver, p41)


def test_the_database_refuses_an_author_as_approver(officer_and_approver, draft):
    Proposal.objects.filter(pk=draft.pk).update(created_by=officer_and_approver, updated_by=officer_and_approver)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=draft.pk).update(status=Status.APPROVED, approved_by=officer_and_approver)


def test_the_buttons_match_the_role(officer, approver, commissioner, draft):
    assert "Submit for approval" in buttons(officer, draft) and ">Edit" in buttons(officer, draft)
    assert ">Approve</button>" not in buttons(officer, draft)
    for html in (buttons(commissioner, draft), ):
        assert "<button" not in html and ">Edit" not in html
        assert "History of changes" in html
    assert ">Edit" not in buttons(approver, draft)


def test_every_button_is_a_post_form_with_a_csrf_token(officer, ce_plan):
    html = buttons(officer, proposal(ce_plan, "41"))
    assert html.count("<form method=\"post\"") == html.count("csrfmiddlewaretoken") > 0


def test_an_approved_proposal_is_read_only_until_returned_to_draft(client_for, officer, approver, draft):
    move(client_for(officer), draft, Status.SUBMITTED)
    move(client_for(approver), draft, Status.APPROVED)
    draft.refresh_from_db()
    assert ">Edit" not in buttons(officer, draft)
    assert client_for(officer).get(url("edit", draft)).status_code == 302
    # an officer may not return it to draft; an approver may, and it is recorded
    assert move(client_for(officer), draft, Status.DRAFT).status_code == 403
    move(client_for(approver), draft, Status.DRAFT)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.approved_by is None
    last = draft.changesets.latest("version")
    assert (last.user, last.action, last.changes.get().describe()) == (
        approver, ChangeSet.Action.STATUS, "Status: Approved \u2192 Draft")
    assert client_for(officer).get(url("edit", draft)).status_code == 200


def test_a_move_the_workflow_does_not_allow_is_refused_with_a_message(client_for, approver, draft):
    client = client_for(approver)
    before = db_snapshot()
    move(client, draft, Status.APPROVED)  # a draft must be submitted first
    assert db_snapshot() == before
    assert "A proposal that is draft cannot be moved to approved." in shown_message(client, draft)


def test_a_status_change_from_an_old_version_is_refused(client_for, officer, approver, draft):
    move(client_for(officer), draft, Status.SUBMITTED)
    stale = draft.version - 1
    before = db_snapshot()
    client = client_for(approver)
    client.post(url("status", draft), {"to": Status.APPROVED, "version": stale})
    assert db_snapshot() == before
    assert "Someone changed this proposal after you opened it" in shown_message(client, draft)


def test_an_unknown_status_is_a_bad_request(client_for, officer, draft):
    assert client_for(officer).post(url("status", draft), {"to": "published", "version": 1}).status_code == 400
