"""proposals.permissions decides who may do what, and the services enforce it: a caller
that forgets to ask still cannot write. Each refusal says why and changes nothing."""
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import ChangeSet, Status
from proposals.permissions import (
    COUNCIL_ADMINS_ONLY,
    OFFICERS_ONLY,
    ROLE_FOR_MOVE,
    SYSTEM,
    WorkflowError,
    can_approve,
    can_edit,
    can_import,
    can_manage_people,
    can_manage_plans,
    can_manage_structure,
    can_move,
    can_view,
)
from proposals.services import LineInput, change_status, create_proposal, save_proposal
from tests.conftest import db_snapshot, proposal
from workbooks.importing.apply import ImportFailed, apply_import


def header(p, **changes):
    return {"title": p.title, "kind": p.kind, "outcome": p.outcome, **changes}


def refused(exception, call, match=None):
    before = db_snapshot()
    with pytest.raises(exception, match=match):
        call()
    assert db_snapshot() == before


def test_a_decision_is_falsy_with_a_reason(commissioner, officer, outsider, ce_plan):
    p33 = proposal(ce_plan, "33")
    decision = can_edit(commissioner, p33)
    assert not decision and decision.reason == OFFICERS_ONLY and decision.by_role
    assert can_edit(officer, p33) and can_edit(officer, p33).reason == ""
    assert can_view(commissioner, ce_plan.council) and not can_view(outsider, ce_plan.council)


@pytest.mark.parametrize("who", ["commissioner", "approver", "officer_cwac", "outsider"])
def test_only_the_councils_officers_create_through_the_service(request, who, ce_plan):
    user = request.getfixturevalue(who)
    p33 = proposal(ce_plan, "33")
    refused(PermissionDenied, lambda: create_proposal(plan=ce_plan, user=user, fields=header(p33, title="Sneaked in"),
                                                      lines=[]), match=OFFICERS_ONLY)


@pytest.mark.parametrize("who", ["commissioner", "approver", "officer_cwac", "outsider"])
def test_only_the_councils_officers_save_through_the_service(request, who, ce_plan):
    user = request.getfixturevalue(who)
    p33 = proposal(ce_plan, "33")
    refused(PermissionDenied, lambda: save_proposal(proposal=p33, user=user, fields={"title": "Renamed"}, lines=[],
                                                    expected_version=p33.version))


def test_nobody_writes_as_nobody(ce_plan):
    p33 = proposal(ce_plan, "33")
    refused(PermissionDenied, lambda: save_proposal(proposal=p33, user=None, fields={"title": "Renamed"}, lines=[],
                                                    expected_version=p33.version))


def test_an_officer_cannot_approve_through_the_service(officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    refused(PermissionDenied, lambda: change_status(proposal=p33, user=officer, to=Status.APPROVED),
            match=ROLE_FOR_MOVE)


def test_a_person_creates_only_drafts(officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    refused(WorkflowError, lambda: create_proposal(plan=ce_plan, user=officer, fields=header(p33, title="Approved?"),
                                                   lines=[], status=Status.APPROVED))


def test_the_system_writes_as_the_published_document_and_never_approves(ce_plan):
    p33 = proposal(ce_plan, "33")
    created = create_proposal(plan=ce_plan, user=SYSTEM, fields=header(p33, title="From the document"), lines=[],
                              status=Status.CONSULTATION, action=ChangeSet.Action.SEED)
    assert created.status == Status.CONSULTATION and created.created_by is None
    assert created.changesets.get().user is None
    assert not can_approve(SYSTEM, created)
    refused(PermissionDenied, lambda: change_status(proposal=created, user=SYSTEM, to=Status.APPROVED))


def test_the_import_refuses_a_user_who_may_not_import(commissioner, ce_plan):
    assert not can_import(commissioner, ce_plan)
    plan_of_changes = {"plan": ce_plan.pk, "filename": "x.xlsx", "created": [], "changed": []}
    refused(PermissionDenied, lambda: apply_import(plan=ce_plan, plan_of_changes=plan_of_changes, user=commissioner))


def test_an_import_whose_reference_is_taken_meanwhile_changes_nothing(officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    plan_of_changes = {"plan": ce_plan.pk, "filename": "x.xlsx", "changed": [], "created": [{
        "fields": {"reference": "33", "title": "Imported twice", "kind": "revenue_savings",
                   "outcome": p33.outcome_id, "theme": None},
        "lines": [],
    }]}
    refused(ImportFailed, lambda: apply_import(plan=ce_plan, plan_of_changes=plan_of_changes, user=officer),
            match=r"Reference \[33\] is already used in this plan by .*Nothing has been imported")


def test_the_moves_offered_are_the_moves_allowed(officer, approver, commissioner, ce_plan):
    p33 = proposal(ce_plan, "33")  # out to consultation
    assert [to for to in Status.values if can_move(approver, p33, to)] == ["approved", "rejected"]
    assert [to for to in Status.values if can_move(officer, p33, to)] == ["draft", "withdrawn"]
    assert not any(can_move(commissioner, p33, to) for to in Status.values)


def test_roles_are_read_once_per_request(client_for, approver, ce_plan):
    p33 = proposal(ce_plan, "33")
    page = reverse("reports:proposal_detail", args=[ce_plan.council.slug, ce_plan.slug, p33.pk])
    client = client_for(approver)
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    assert sum('FROM "councils_membership"' in q["sql"] for q in queries.captured_queries) == 1


def test_a_save_checks_roles_without_a_query_of_its_own(officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    assert can_edit(officer, p33)  # the page's check reads the roles
    line = p33.lines.select_related("service_budget").first()
    with CaptureQueriesContext(connection) as queries:
        save_proposal(proposal=p33, user=officer, fields={"title": "Renamed"}, expected_version=p33.version,
                      lines=[LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.all()})])
    assert not any('FROM "councils_membership"' in q["sql"] for q in queries.captured_queries)


def test_a_councils_administrators_manage_its_people_plans_and_structure(
    council_admin, officer, officer_cwac, approver, admin_user, ce_plan, cwac_plan,
):
    council = ce_plan.council
    for can in (can_manage_people, can_manage_plans, can_manage_structure):
        assert can(council_admin, council) and can(admin_user, council)
        assert not can(council_admin, cwac_plan.council)  # per council
        for user in (officer, officer_cwac, approver):
            decision = can(user, council)
            assert not decision and decision.by_role
            assert decision.reason == COUNCIL_ADMINS_ONLY
    assert can_manage_plans(SYSTEM, council) and not can_manage_people(SYSTEM, council)
