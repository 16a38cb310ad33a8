"""The workflow is one table (permissions.WORKFLOW): every pair of statuses is either a
move of the table, made by its role only, or refused for everyone; the buttons are the
table's; and a proposal returned to draft from consultation can go out to consultation again."""
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from proposals.models import ChangeSet, Proposal, Status
from proposals.permissions import MOVE_BY_PAIR, MOVES, WORKFLOW, WorkflowError, can_move, role_for_move
from proposals.services import change_status
from tests.conftest import db_snapshot, proposal
from tests.test_workflow import buttons, move

PAIRS = [(a, b) for a, b in itertools.permutations(Status.values, 2)]


def test_the_table_covers_only_real_statuses_and_each_pair_once():
    assert len(MOVE_BY_PAIR) == len(WORKFLOW)
    assert {m.from_status for m in WORKFLOW} | {m.to_status for m in WORKFLOW} <= set(Status.values)
    assert {m.to_status for m in WORKFLOW} <= set(MOVES)  # every move has its button's place


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_pair_is_made_by_its_role_only_or_by_nobody(officer, approver, commissioner, ce_plan,
                                                          from_status, to_status):
    p = proposal(ce_plan, "45")  # loaded by the published document: nobody here created it
    Proposal.objects.filter(pk=p.pk).update(status=from_status, approved_by=None)
    p.refresh_from_db()
    expected = MOVE_BY_PAIR.get((from_status, to_status))
    for user, role in ((officer, "officer"), (approver, "approver"), (commissioner, "commissioner")):
        decision = can_move(user, p, to_status)
        allowed = expected is not None and expected.role == role
        assert bool(decision) == allowed, (user, from_status, to_status, decision.reason)
        if not allowed:
            before = db_snapshot()
            with pytest.raises((PermissionDenied, WorkflowError)):
                change_status(proposal=p, user=user, to=to_status, expected_version=p.version)
            assert db_snapshot() == before
            if expected is None and role == role_for_move(from_status, to_status):
                # A move the workflow lacks is refused, to the role that would make it, for the workflow.
                assert not decision.by_role
                assert decision.reason == (f"A proposal that is {Status(from_status).label.lower()} cannot be "
                                           f"moved to {Status(to_status).label.lower()}.")
            elif expected is not None or role == "commissioner":
                assert decision.by_role  # the wrong role: a 403, whatever the status
    if expected is not None:
        mover = officer if expected.role == "officer" else approver
        changeset = change_status(proposal=p, user=mover, to=to_status, expected_version=p.version)
        p.refresh_from_db()
        assert p.status == to_status
        assert changeset.action == ChangeSet.Action.STATUS


def test_consultation_returned_to_draft_goes_out_to_consultation_again(client_for, officer, approver, ce_plan):
    p = proposal(ce_plan, "45")
    Proposal.objects.filter(pk=p.pk).update(status=Status.CONSULTATION)
    officer_client, approver_client = client_for(officer), client_for(approver)
    for client, to in ((officer_client, Status.DRAFT), (officer_client, Status.SUBMITTED),
                       (approver_client, Status.CONSULTATION)):
        assert move(client, p, to).status_code == 302, to
    p.refresh_from_db()
    assert p.status == Status.CONSULTATION
    moves = list(ChangeSet.objects.filter(proposal=p, action=ChangeSet.Action.STATUS).order_by("id")
                 .values_list("changes__old", "changes__new"))
    assert moves[-3:] == [("Out to consultation", "Draft"), ("Draft", "Submitted"),
                          ("Submitted", "Out to consultation")]


def test_the_buttons_are_the_tables(officer, approver, ce_plan):
    p = proposal(ce_plan, "45")
    Proposal.objects.filter(pk=p.pk).update(status=Status.SUBMITTED)
    approver_buttons = buttons(approver, p)
    assert ">Put out to consultation</button>" in approver_buttons and ">Approve</button>" in approver_buttons
    assert ">Put out to consultation</button>" not in buttons(officer, p)
    assert ">Return to draft</button>" in buttons(officer, p)
