"""Each role's home answers "what needs me?": approvers see what waits for their approval
(oldest first, with when, who, the net and whether they may approve it), officers their
drafts with those returned to them first; commissioners only the plans they read. Never
another council's, never a closed plan's, and a fixed number of queries however many."""
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.models import Role
from proposals.models import Proposal, Status
from proposals.permissions import OWN_WORK
from proposals.services import LineInput, change_status, create_proposal
from tests.conftest import make_user, proposal


def new_draft(plan, user, title="Extra care housing", k=-250):
    p41 = proposal(plan, "41") if plan.council.slug == "cheshire-east" else plan.proposals.first()
    line = p41.lines.select_related("service_budget").first()
    return create_proposal(plan=plan, user=user, fields={"title": title, "kind": "revenue_savings",
                                                         "outcome": p41.outcome},
                           lines=[LineInput(line.service_budget, {plan.years.first(): k})])


def submitted(plan, user, title="Extra care housing", k=-250):
    p = new_draft(plan, user, title, k)
    change_status(proposal=p, user=user, to=Status.SUBMITTED)
    return p


def home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def ce_approver(seed):
    return make_user("ce-approver", memberships=[("cheshire-east", Role.APPROVER)], first="Ann", last="Prover")


def test_an_approver_sees_what_waits_for_them_and_whether_they_may_approve_it(
        client_for, officer, ce_approver, ce_plan, cwac_plan, officer_cwac):
    # The seed has proposals out to consultation: those wait for approval too.
    Proposal.objects.filter(plan__in=[ce_plan, cwac_plan]).update(status=Status.DRAFT)
    mine = submitted(ce_plan, officer, "Extra care housing", -250)
    theirs = submitted(cwac_plan, officer_cwac, "Another council's saving")
    page = home(client_for(ce_approver))
    assert "Waiting for your approval (1)" in page
    assert f"{mine.title}</a>" in page and theirs.title not in page
    assert "-0.250 £m" in page and "You may approve it" in page
    assert "ago)" in page  # when it was submitted


def test_an_approver_who_wrote_it_is_told_why_they_may_not_approve(client_for, ce_plan):
    both = make_user("both", memberships=[("cheshire-east", Role.OFFICER), ("cheshire-east", Role.APPROVER)])
    Proposal.objects.filter(plan=ce_plan).update(status=Status.DRAFT)
    submitted(ce_plan, both)
    page = home(client_for(both))
    assert "Waiting for your approval (1)" in page
    assert OWN_WORK in html.unescape(page)
    assert "You may approve it" not in page


def test_a_closed_plans_proposals_wait_for_nobody(client_for, officer, ce_approver, ce_plan):
    Proposal.objects.filter(plan=ce_plan).update(status=Status.DRAFT)
    submitted(ce_plan, officer)
    ce_plan.is_closed = True
    ce_plan.save(update_fields=["is_closed"])
    assert "Waiting for your approval" not in home(client_for(ce_approver))
    assert "Your drafts" not in home(client_for(officer))


def test_an_officer_sees_their_drafts_with_those_returned_to_them_first(client_for, officer, approver, ce_plan):
    older = new_draft(ce_plan, officer, "An older draft of mine")
    returned = submitted(ce_plan, officer, "Returned to me")
    change_status(proposal=returned, user=approver, to=Status.APPROVED)
    change_status(proposal=returned, user=approver, to=Status.DRAFT)
    page = home(client_for(officer))
    assert "Your drafts (2)" in page
    assert page.index("Returned to me") < page.index("An older draft of mine")
    assert "returned to draft</strong> from approved" in page
    assert page.count("returned to draft</strong>") == 1
    assert older.title in page


def test_a_commissioner_has_no_queue(client_for, commissioner, officer, ce_plan):
    submitted(ce_plan, officer)
    page = home(client_for(commissioner))
    assert "Waiting for your approval" not in page and "Your drafts" not in page
    assert html.escape(ce_plan.name) in page


def test_the_home_page_costs_the_same_queries_for_one_or_twenty_waiting(client_for, officer, ce_approver, ce_plan):
    Proposal.objects.filter(plan=ce_plan).update(status=Status.DRAFT)
    submitted(ce_plan, officer, "The first", -1)
    client = client_for(ce_approver)
    home(client)  # the session's first request
    with CaptureQueriesContext(connection) as one:
        home(client)
    for n in range(19):
        submitted(ce_plan, officer, f"Saving {n}", -n - 2)
    with CaptureQueriesContext(connection) as twenty:
        assert "Waiting for your approval (20)" in home(client)
    assert len(twenty) == len(one)
