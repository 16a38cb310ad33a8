"""Nobody who changed a proposal's content (created, edited or imported it) since it was
created or last approved may approve it: not on the page, not on the server, not in the
database. Status moves are not content."""
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from councils.models import Role
from proposals.models import Proposal, Status
from tests.conftest import db_snapshot, make_user, proposal
from tests.editing import current_lines, form_data, set_figure, shown_message, url

OWN_WORK = (
    "You cannot approve this proposal because you created it or changed it since it was last approved; "
    "another approver must."
)


def officer_and_approver(username, first):
    return make_user(username, memberships=[("cheshire-east", Role.OFFICER), ("cheshire-east", Role.APPROVER)],
                     first=first, last="Both")


@pytest.fixture
def a(seed):
    return officer_and_approver("a", "Ann")


@pytest.fixture
def b(seed):
    return officer_and_approver("b", "Ben")


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")  # out to consultation: awaiting approval


def edit(client, p, **changes):
    p.refresh_from_db()
    response = client.post(url("edit", p), form_data(p, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]


def change_a_figure(client, p):
    p.refresh_from_db()
    lines = set_figure(current_lines(p), p.lines.get().service_budget_id, 2020, "8.123")
    edit(client, p, lines=lines)


def move(client, p, to):
    p.refresh_from_db()
    return client.post(url("status", p), {"to": to, "version": p.version})


def proposal_page(client, p):
    return client.get(reverse("reports:proposal_detail", args=[p.plan.council.slug, p.plan.slug, p.pk]))


def test_a_changes_a_figure_b_adds_a_full_stop_and_a_cannot_approve(client_for, a, b, p41):
    client_a, client_b = client_for(a), client_for(b)
    change_a_figure(client_a, p41)
    edit(client_b, p41, description=p41.description + ".")
    before = db_snapshot()
    assert move(client_a, p41, Status.APPROVED).status_code == 302
    assert db_snapshot() == before
    assert OWN_WORK in shown_message(client_a, p41)
    p41.refresh_from_db()
    assert p41.status == Status.CONSULTATION and p41.approved_by is None


def test_a_has_no_approve_button_and_the_page_says_why(client_for, a, b, p41):
    change_a_figure(client_for(a), p41)
    edit(client_for(b), p41, description=p41.description + ".")
    html = proposal_page(client_for(a), p41).content.decode()
    assert ">Approve</button>" not in html and ">Reject</button>" in html
    assert OWN_WORK in html


def test_another_approver_approves(client_for, a, b, approver, p41):
    change_a_figure(client_for(a), p41)
    edit(client_for(b), p41, description=p41.description + ".")
    assert ">Approve</button>" in proposal_page(client_for(approver), p41).content.decode()
    move(client_for(approver), p41, Status.APPROVED)
    p41.refresh_from_db()
    assert p41.status == Status.APPROVED and p41.approved_by == approver


def test_changes_before_the_last_approval_do_not_count(client_for, a, b, approver, p41):
    change_a_figure(client_for(a), p41)
    move(client_for(approver), p41, Status.APPROVED)
    move(client_for(approver), p41, Status.DRAFT)
    edit(client_for(b), p41, description=p41.description + ".")
    move(client_for(b), p41, Status.SUBMITTED)
    # A's figure was approved by someone else; since then only B changed the content.
    assert ">Approve</button>" in proposal_page(client_for(a), p41).content.decode()
    assert ">Approve</button>" not in proposal_page(client_for(b), p41).content.decode()
    move(client_for(a), p41, Status.APPROVED)
    p41.refresh_from_db()
    assert p41.status == Status.APPROVED and p41.approved_by == a


def test_a_status_move_is_not_content(client_for, a, b, p41):
    edit(client_for(b), p41, description=p41.description + ".")
    move(client_for(a), p41, Status.DRAFT)
    move(client_for(a), p41, Status.SUBMITTED)
    move(client_for(a), p41, Status.APPROVED)
    p41.refresh_from_db()
    assert p41.status == Status.APPROVED and p41.approved_by == a


def test_the_database_refuses_a_raw_approval_by_a_content_author(client_for, a, b, p41):
    change_a_figure(client_for(a), p41)
    edit(client_for(b), p41, description=p41.description + ".")
    before = db_snapshot()
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=p41.pk).update(status=Status.APPROVED, approved_by=a)
    assert db_snapshot() == before


def test_the_database_refuses_moving_the_approval_window_by_hand(client_for, a, b, p41):
    change_a_figure(client_for(a), p41)
    edit(client_for(b), p41, description=p41.description + ".")
    before = db_snapshot()
    p41.refresh_from_db()
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=p41.pk).update(approved_version=p41.version)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=p41.pk).update(approved_version=p41.version, approved_by=a,
                                                  status=Status.APPROVED)
    assert db_snapshot() == before


def test_the_database_allows_a_raw_approval_by_someone_else(client_for, a, b, approver, p41):
    change_a_figure(client_for(a), p41)
    Proposal.objects.filter(pk=p41.pk).update(status=Status.APPROVED, approved_by=approver)
    assert Proposal.objects.get(pk=p41.pk).approved_by == approver
