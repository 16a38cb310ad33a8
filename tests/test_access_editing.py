"""Every editing page and action checks access on the server: another council's
proposal is a 404, a commissioner's POST is a 403, anonymous people are sent to sign
in, and CSRF is enforced."""
import pytest
from django.test import Client
from django.urls import reverse

from proposals.models import Status
from tests.conftest import db_snapshot, proposal
from tests.editing import form_data, new_url, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")


def pages(p):
    """Every editing URL for proposal ``p``: (method, path, POST data)."""
    council = p.plan.council.slug
    return [
        ("get", url("edit", p), None),
        ("get", new_url(p.plan), None),
        ("get", url("history", p), None),
        ("get", reverse("proposals:recent_changes", args=[council]), None),
        ("post", url("edit", p), form_data(p, title="Changed")),
        ("post", new_url(p.plan), form_data(title="New", kind="revenue_savings", outcome=p.outcome_id)),
        ("post", url("status", p), {"to": Status.APPROVED, "version": p.version}),
        ("post", url("status", p), {"to": Status.WITHDRAWN, "version": p.version}),
    ]


POSTS = [4, 5, 6, 7]


@pytest.mark.parametrize("index", range(8))
def test_another_councils_officer_gets_404(client_for, officer_cwac, p41, index):
    method, path, data = pages(p41)[index]
    before = db_snapshot()
    assert getattr(client_for(officer_cwac), method)(path, data).status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize("index", range(8))
def test_someone_with_no_council_gets_404(client_for, outsider, p41, index):
    method, path, data = pages(p41)[index]
    assert getattr(client_for(outsider), method)(path, data).status_code == 404


@pytest.mark.parametrize("index", POSTS)
def test_commissioner_gets_403_on_every_post(client_for, commissioner, p41, index):
    method, path, data = pages(p41)[index]
    before = db_snapshot()
    assert client_for(commissioner).post(path, data).status_code == 403
    assert db_snapshot() == before


def test_commissioner_cannot_open_the_edit_forms_but_reads_the_history(client_for, commissioner, p41):
    client = client_for(commissioner)
    assert client.get(url("edit", p41)).status_code == 403
    assert client.get(new_url(p41.plan)).status_code == 403
    assert client.get(url("history", p41)).status_code == 200
    assert client.get(reverse("proposals:recent_changes", args=["cheshire-east"])).status_code == 200


def test_an_approver_does_not_edit(client_for, approver, p41):
    before = db_snapshot()
    assert client_for(approver).post(url("edit", p41), form_data(p41, title="Changed")).status_code == 403
    assert db_snapshot() == before


def test_an_officer_cannot_approve(client_for, officer, p41):
    before = db_snapshot()
    response = client_for(officer).post(url("status", p41), {"to": Status.APPROVED, "version": p41.version})
    assert response.status_code == 403
    assert db_snapshot() == before


@pytest.mark.parametrize("index", range(8))
def test_anonymous_people_are_sent_to_sign_in(client, p41, index):
    method, path, data = pages(p41)[index]
    before = db_snapshot()
    response = getattr(client, method)(path, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert db_snapshot() == before


@pytest.mark.parametrize("index", POSTS)
def test_csrf_is_enforced(officer, approver, p41, index):
    method, path, data = pages(p41)[index]
    for user in (officer, approver):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        before = db_snapshot()
        response = client.post(path, data)
        assert response.status_code == 403
        assert "This form has expired" in response.content.decode()  # refused for CSRF, not for the role
        assert db_snapshot() == before


def test_the_forms_carry_a_csrf_token(officer, p41):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    html = client.get(url("edit", p41)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_proposal_is_only_found_under_its_own_plan(client_for, officer, p41, cwac_plan):
    wrong = reverse("proposals:edit", args=["cheshire-east", cwac_plan.slug, p41.pk])
    assert client_for(officer).get(wrong).status_code == 404
    other = cwac_plan.proposals.first()
    wrong = reverse("proposals:history", args=["cheshire-east", "2019-22", other.pk])
    assert client_for(officer).get(wrong).status_code == 404


def test_an_administrator_may_do_everything(client_for, admin_user, p41):
    assert client_for(admin_user).get(url("edit", p41)).status_code == 200
    assert client_for(admin_user).post(url("edit", p41), form_data(p41, title="By admin")).status_code == 302
