"""The people a proposal's move needs are e-mailed once it is committed (Django's locmem
backend): approvers when it is submitted, its authors when it is approved, rejected, put
out to consultation or returned; never the mover, nobody of another council, nobody who
turned them off, and a failing mail server leaves the move standing."""
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from councils.models import Preferences, Role
from proposals.models import Proposal, Status
from proposals.services import LineInput, change_status, create_proposal
from tests.conftest import db_snapshot, make_user, proposal


@pytest.fixture
def cast(officer, approver, commissioner, officer_cwac, seed):
    """Everyone with an address; a second approver in Cheshire East, one only in Cheshire West."""
    ce_approver = make_user("ce-approver", memberships=[("cheshire-east", Role.APPROVER)])
    cwac_approver = make_user("cwac-approver", memberships=[("cheshire-west-and-chester", Role.APPROVER)])
    closed = make_user("closed-approver", memberships=[("cheshire-east", Role.APPROVER)])
    closed.is_active = False
    closed.save()
    people = [officer, approver, commissioner, officer_cwac, ce_approver, cwac_approver, closed]
    for person in people:
        get_user_model().objects.filter(pk=person.pk).update(email=f"{person.username}@example.invalid")
        person.refresh_from_db()
    return {p.username: p for p in people}


@pytest.fixture
def draft(ce_plan, officer):
    p41 = proposal(ce_plan, "41")
    line = p41.lines.select_related("service_budget").get()
    return create_proposal(plan=ce_plan, user=officer,
                           fields={"title": "Extra care housing", "kind": "revenue_savings", "outcome": p41.outcome},
                           lines=[LineInput(line.service_budget, {ce_plan.years.first(): -250})])


def moved(django_capture_on_commit_callbacks, p, user, to):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(proposal=p, user=user, to=to)
    return {tuple(m.to)[0]: m for m in mail.outbox}


def test_submitting_tells_the_councils_approvers_only(cast, draft, django_capture_on_commit_callbacks):
    sent = moved(django_capture_on_commit_callbacks, draft, cast["officer"], Status.SUBMITTED)
    assert set(sent) == {"approver@example.invalid", "ce-approver@example.invalid"}
    message = sent["approver@example.invalid"]
    assert message.subject == "[NEW] Extra care housing was submitted for approval and needs an approver"
    assert f"http://127.0.0.1:8000/c/cheshire-east/{draft.plan.slug}/proposals/{draft.pk}/" in message.body
    assert message.body.startswith("[NEW] Extra care housing (Cheshire East Council: ")
    assert "needs an approver by Jo Smith." in message.body


def test_approving_rejecting_and_returning_tell_the_author(cast, draft, django_capture_on_commit_callbacks):
    moved(django_capture_on_commit_callbacks, draft, cast["officer"], Status.SUBMITTED)
    sent = moved(django_capture_on_commit_callbacks, draft, cast["approver"], Status.APPROVED)
    assert set(sent) == {"officer@example.invalid"}
    assert sent["officer@example.invalid"].subject.endswith("was approved")
    sent = moved(django_capture_on_commit_callbacks, draft, cast["approver"], Status.DRAFT)
    assert set(sent) == {"officer@example.invalid"}
    assert sent["officer@example.invalid"].subject.endswith("was returned to draft")
    moved(django_capture_on_commit_callbacks, draft, cast["officer"], Status.SUBMITTED)
    sent = moved(django_capture_on_commit_callbacks, draft, cast["approver"], Status.CONSULTATION)
    assert set(sent) == {"officer@example.invalid"}
    sent = moved(django_capture_on_commit_callbacks, draft, cast["approver"], Status.REJECTED)
    assert sent["officer@example.invalid"].subject.endswith("was rejected")


def test_the_mover_and_their_own_moves_send_nothing_to_themselves(cast, draft, django_capture_on_commit_callbacks):
    assert moved(django_capture_on_commit_callbacks, draft, cast["officer"], Status.WITHDRAWN) == {}
    assert moved(django_capture_on_commit_callbacks, draft, cast["officer"], Status.DRAFT) == {}


def test_a_person_who_turned_them_off_is_not_told(cast, draft, client_for, django_capture_on_commit_callbacks):
    client = client_for(cast["approver"])
    assert 'name="workflow_emails"' in client.get(reverse("notification_settings")).content.decode()
    response = client.post(reverse("notification_settings"), {})  # the box unticked
    assert response.status_code == 302
    assert Preferences.objects.get(user=cast["approver"]).workflow_emails is False
    sent = moved(django_capture_on_commit_callbacks, draft, cast["officer"], Status.SUBMITTED)
    assert set(sent) == {"ce-approver@example.invalid"}
    client.post(reverse("notification_settings"), {"workflow_emails": "on"})
    assert Preferences.objects.get(user=cast["approver"]).workflow_emails is True


def test_the_settings_page_needs_a_signed_in_person(client, seed):
    before = db_snapshot()
    response = client.post(reverse("notification_settings"), {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert db_snapshot() == before and not Preferences.objects.exists()


def test_a_failing_mail_server_leaves_the_move_standing(cast, draft, settings, caplog,
                                                          django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_notifications.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        change_status(proposal=draft, user=cast["officer"], to=Status.SUBMITTED)
    assert Proposal.objects.get(pk=draft.pk).status == Status.SUBMITTED
    assert "Could not send the e-mail" in caplog.text


def test_nothing_is_sent_for_a_move_that_is_rolled_back(cast, draft, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_status(proposal=draft, user=cast["officer"], to=Status.SUBMITTED)
    assert len(callbacks) == 1 and mail.outbox == []  # waits for the commit


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")
