"""Two people giving proposals the same reference at once: the one who saves second gets
the form back with "Reference [R07] is already used …" and everything they typed, never
a server error. Deterministic on both databases (the reference is taken between the
form's check and the save); with real threads on PostgreSQL."""
import threading
from html import unescape

import pytest
from django.db import connection, transaction
from django.test import Client

from proposals.forms import ProposalEditor
from proposals.models import Proposal
from proposals.services import ReferenceInUse, create_proposal
from tests.conftest import db_snapshot, proposal
from tests.editing import current_lines, form_data, new_url, url

TAKEN = "Reference [R07] is already used in this plan by \u201c{}\u201d; choose another, or leave it blank for [NEW]"


def new_proposal_data(p41, **fields):
    """A new proposal as typed into the form: a title, a line and a figure."""
    lines = [{"service_budget": p41.lines.get().service_budget_id, "y2019": "-0.321"}]
    typed = {"reference": "R07", "title": "Shared reablement hub", "kind": "revenue_savings",
             "outcome": p41.outcome_id, "description": "Typed with care"}
    return form_data(lines=lines, **{**typed, **fields})


def taken_after_validation(monkeypatch, p, reference="R07"):
    """After the form's check, ``p`` takes ``reference``; returns the database as it is then."""
    state = {}
    is_valid = ProposalEditor.is_valid

    def validate_then_lose_the_race(editor):
        valid = is_valid(editor)
        Proposal.objects.filter(pk=p.pk).update(reference=reference)
        state["after"] = db_snapshot()
        return valid

    monkeypatch.setattr(ProposalEditor, "is_valid", validate_then_lose_the_race)
    return state


def assert_form_back_with_everything_typed(response, winner_title):
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert TAKEN.format(winner_title) in html
    assert 'value="R07"' in html and "Typed with care" in html and 'value="-0.321"' in html


def test_a_create_whose_reference_is_taken_meanwhile_gets_the_form_back(client_for, officer, ce_plan, monkeypatch):
    p41, p33 = proposal(ce_plan, "41"), proposal(ce_plan, "33")
    state = taken_after_validation(monkeypatch, p33)
    response = client_for(officer).post(new_url(ce_plan), new_proposal_data(p41))
    assert_form_back_with_everything_typed(response, p33.title)
    assert db_snapshot() == state["after"]


def test_an_edit_whose_reference_is_taken_meanwhile_gets_the_form_back(client_for, officer, ce_plan, monkeypatch):
    p41, p33 = proposal(ce_plan, "41"), proposal(ce_plan, "33")
    state = taken_after_validation(monkeypatch, p33)
    lines = current_lines(p41)
    lines[0]["y2019"] = "-0.321"
    response = client_for(officer).post(
        url("edit", p41), form_data(p41, lines=lines, reference="R07", description="Typed with care")
    )
    assert_form_back_with_everything_typed(response, p33.title)
    assert db_snapshot() == state["after"]


def test_the_service_says_the_reference_is_in_use_and_the_transaction_stays_usable(officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    before = db_snapshot()
    with transaction.atomic():
        with pytest.raises(ReferenceInUse) as raised:
            create_proposal(plan=ce_plan, user=officer, lines=[],
                            fields={"reference": "33", "title": "Again", "kind": "revenue_savings",
                                    "outcome": p33.outcome})
        assert Proposal.objects.filter(plan=ce_plan, reference="33").count() == 1  # still usable
    assert str(raised.value) == TAKEN.replace("R07", "33").format(p33.title)
    assert db_snapshot() == before


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")


def race(monkeypatch, officer, requests):
    """Send ``requests`` [(path, data)] at once, each from its own thread (and connection),
    all past the form's check before any saves. Returns [(status, html)]."""
    barrier = threading.Barrier(len(requests), timeout=30)
    is_valid = ProposalEditor.is_valid

    def validate_then_wait(editor):
        valid = is_valid(editor)
        barrier.wait()
        return valid

    monkeypatch.setattr(ProposalEditor, "is_valid", validate_then_wait)
    clients = []
    for _ in requests:
        client = Client(raise_request_exception=False)
        client.force_login(officer)
        clients.append(client)
    results = [None] * len(requests)

    def send(index, path, data):
        try:
            response = clients[index].post(path, data)
            results[index] = (response.status_code, unescape(response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, path, data)) for i, (path, data) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def outcome_of(results):
    codes = sorted(status for status, _ in results)
    refused = [html for status, html in results if status == 200]
    return codes, refused


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_creates_with_one_reference(postgresql_only, seed, officer, ce_plan, monkeypatch):
    p41 = proposal(ce_plan, "41")
    data = [new_proposal_data(p41, title=f"Shared reablement hub {n}") for n in range(8)]
    codes, refused = outcome_of(race(monkeypatch, officer, [(new_url(ce_plan), d) for d in data]))
    assert codes == [200] * 7 + [302]
    winner = Proposal.objects.get(plan=ce_plan, reference="R07")
    for html in refused:
        assert TAKEN.format(winner.title) in html and "Typed with care" in html
    assert Proposal.objects.filter(plan=ce_plan, title__startswith="Shared reablement hub").count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_edits_to_one_reference(postgresql_only, seed, officer, ce_plan, monkeypatch):
    targets = list(Proposal.objects.filter(plan=ce_plan, reference__in=[str(n) for n in range(33, 41)]))
    requests = [(url("edit", p), form_data(p, reference="R07", description="Typed with care")) for p in targets]
    codes, refused = outcome_of(race(monkeypatch, officer, requests))
    assert codes == [200] * 7 + [302]
    winner = Proposal.objects.get(plan=ce_plan, reference="R07")
    for html in refused:
        assert TAKEN.format(winner.title) in html and "Typed with care" in html
