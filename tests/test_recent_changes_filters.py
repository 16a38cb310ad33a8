"""Recent changes filter by date, person and proposal (bookmarkable GET), say which
filters are in force, refuse bad values with a message and no rows, and show a changed
description as a word-level difference rather than both whole texts."""
import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from proposals.models import ChangeSet
from proposals.services import LineInput, save_proposal
from tests.conftest import db_snapshot, proposal


def page(client, council, **params):
    return client.get(reverse("proposals:recent_changes", args=[council.slug]), params)


def rows(response):
    return unescape(response.content.decode()).split("<tbody>")[1].split("</tbody>")[0]


def lines_of(p):
    return [LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.all()})
            for line in p.lines.select_related("service_budget").prefetch_related("variations__year")]


@pytest.fixture
def edited(officer, ce_plan):
    """[41]'s title changed by the officer, and [45]'s description (a long text) changed."""
    p41, p45 = proposal(ce_plan, "41"), proposal(ce_plan, "45")
    save_proposal(proposal=p41, user=officer, fields={"title": "Growth in demand (revised)"}, lines=lines_of(p41),
                  expected_version=p41.version)
    description = p45.description.replace("Adopters", "adoptive parents", 1)
    assert description != p45.description
    save_proposal(proposal=p45, user=officer, fields={"description": description}, lines=lines_of(p45),
                  expected_version=p45.version)
    return p41, p45


def test_by_person_the_officers_saves_and_not_the_published_documents(client_for, commissioner, officer, ce, edited):
    client = client_for(commissioner)
    mine = rows(page(client, ce, person=str(officer.pk)))
    assert "Growth in demand (revised)" in mine and mine.count("<tr>") == 2
    published = rows(page(client, ce, person="published"))
    assert "Loaded from the published document" in published
    assert "Title: Growth in Demand for Adult Social Care → Growth in demand (revised)" not in published
    assert "Title: Growth in Demand for Adult Social Care → Growth in demand (revised)" in mine


def test_by_proposal_reference_or_title(client_for, commissioner, ce, edited):
    client = client_for(commissioner)
    by_reference = rows(page(client, ce, proposal="[41]"))
    assert by_reference.count("<tr>") == 2  # its seed load and the edit
    assert all("[41]" in row for row in by_reference.split("<tr>")[1:])
    assert rows(page(client, ce, proposal="revised")).count("<tr>") == 2  # [41] by its title now


def test_by_dates(client_for, commissioner, ce, edited):
    client = client_for(commissioner)
    today = dt.date.today()
    assert rows(page(client, ce, since=today.isoformat())).count("<tr>") >= 2
    assert "No changes match these filters." in rows(page(client, ce, until=(today - dt.timedelta(days=3650))
                                                           .isoformat()))
    response = page(client, ce, since=today.isoformat(), person="published")
    assert "From: <strong>" in unescape(response.content.decode())


@pytest.mark.parametrize(("params", "message"), [
    ({"since": "yesterday"}, "Enter the “From” date as a date, such as 2019-02-05."),
    ({"since": "2019-03-01", "until": "2019-02-01"}, "The “To” date is before the “From” date."),
    ({"person": "99999"}, "“99999” is not someone who works on Cheshire East Council’s record."),
    ({"proposal": "x" * 101}, "Type at most 100 characters to find a proposal."),
])
def test_a_bad_filter_says_why_and_shows_no_rows(client_for, commissioner, ce, params, message):
    before = db_snapshot()
    response = page(client_for(commissioner), ce, **params)
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert message in html and "<tbody>" not in html
    assert db_snapshot() == before


def test_a_changed_description_is_a_word_difference(client_for, commissioner, ce, edited):
    _p41, p45 = edited
    html = page(client_for(commissioner), ce, proposal="[45]").content.decode()
    assert "<del><span class=\"visually-hidden\">[removed: </span>Adopters" in html
    assert "<ins><span class=\"visually-hidden\">[added: </span>adoptive" in html
    change = ChangeSet.objects.filter(proposal=p45, action=ChangeSet.Action.EDIT).get().changes.get()
    assert change.old not in unescape(html)  # not the whole old text


def test_the_history_page_shows_it_the_same_way(client_for, commissioner, edited):
    _p41, p45 = edited
    plan = p45.plan
    html = client_for(commissioner).get(
        reverse("proposals:history", args=[plan.council.slug, plan.slug, p45.pk])).content.decode()
    assert "[added: </span>adoptive" in html
