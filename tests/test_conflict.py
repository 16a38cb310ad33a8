"""No lost edits: two people open the same proposal, the first saves, the second's save
is refused with a message saying what changed, and nothing of either edit is lost."""
from html import unescape

import pytest
from django.utils.formats import date_format
from django.utils.timezone import localtime

from proposals.models import ChangeSet, Proposal
from proposals.services import ConflictError, LineInput, save_proposal
from tests.conftest import db_snapshot, proposal
from tests.editing import current_lines, form_data, set_figure, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")


def edits(p):
    return ChangeSet.objects.filter(proposal=p, action=ChangeSet.Action.EDIT)


def figure_form(p, start_year, text, **fields):
    return form_data(p, lines=set_figure(current_lines(p), p.lines.get().service_budget_id, start_year, text), **fields)


def test_a_second_save_of_a_header_field_from_the_same_version_is_refused(client_for, officer, officer2, p41):
    first, second = client_for(officer), client_for(officer2)
    opened = form_data(p41)  # both open version 1

    assert first.post(url("edit", p41), {**opened, "title": "Growth in demand: first edit"}).status_code == 302
    before = db_snapshot()
    response = second.post(url("edit", p41), {**opened, "title": "Growth in demand: second edit"})

    assert response.status_code == 409
    assert db_snapshot() == before
    html = unescape(response.content.decode())
    saved_at = date_format(localtime(edits(p41).get().at), "j M Y H:i")
    assert f"J. Smith saved this proposal at {saved_at}, while you were editing it" in html
    assert "Your changes have not been saved yet." in html
    assert "Edited by J. Smith" in html
    assert "Title: Growth in Demand for Adult Social Care \u2192 Growth in demand: first edit" in html
    assert 'value="Growth in demand: second edit"' in html  # the second person's typing is kept
    assert "J. Smith changed this to Growth in demand: first edit. You changed it too" in html

    p41.refresh_from_db()
    assert p41.title == "Growth in demand: first edit" and p41.version == 2
    [changeset] = edits(p41)
    assert [c.describe() for c in changeset.changes.all()] == [
        "Title: Growth in Demand for Adult Social Care \u2192 Growth in demand: first edit"
    ]


def test_a_second_save_of_a_single_yearly_figure_is_refused(client_for, officer, officer2, p41):
    first, second = client_for(officer), client_for(officer2)
    assert first.post(url("edit", p41), figure_form(p41, 2020, "+8.750")).status_code == 302
    before = db_snapshot()
    response = second.post(url("edit", p41), figure_form(p41, 2020, "+9.000"))  # still from version 1

    assert response.status_code == 409
    assert db_snapshot() == before
    html = unescape(response.content.decode())
    assert "2020/21 External Care Costs: +8.500 \u2192 +8.750" in html
    assert 'value="+9.000"' in html
    # beside the figure, what the other person changed it to
    note = "J. Smith changed this to +8.750. You changed it too: your value is kept."
    assert f'<p class="conflict-note">{note}</p>' in html

    assert p41.lines.get().variations.get(year__start_year=2020).amount_k == 8750
    [changeset] = edits(p41)
    assert [c.describe() for c in changeset.changes.all()] == ["2020/21 External Care Costs: +8.500 \u2192 +8.750"]


def test_a_change_to_another_year_still_counts_as_a_conflict(client_for, officer, officer2, p41):
    client_for(officer).post(url("edit", p41), figure_form(p41, 2019, "+3.600"))
    response = client_for(officer2).post(url("edit", p41), figure_form(p41, 2021, "+9.000"))
    assert response.status_code == 409
    assert p41.lines.get().variations.get(year__start_year=2021).amount_k == 8500


def test_after_seeing_the_conflict_the_second_person_can_save_deliberately(client_for, officer, officer2, p41):
    client_for(officer).post(url("edit", p41), form_data(p41, title="First"))
    second = client_for(officer2)
    response = second.post(url("edit", p41), form_data(p41, title="Second"))
    assert 'name="version" value="2"' in response.content.decode()  # the form now names the latest version
    assert second.post(url("edit", p41), form_data(p41, title="Second", version=2)).status_code == 302
    p41.refresh_from_db()
    assert (p41.title, p41.version) == ("Second", 3)
    assert edits(p41).count() == 2  # both edits are in the history


def test_the_refused_form_takes_in_their_changes_and_keeps_mine(client_for, officer, officer2, p41):
    # Officer 1 changes the title; officer 2, from the same version, changes a figure.
    client_for(officer).post(url("edit", p41), form_data(p41, title="Growth in demand (revised)"))
    second = client_for(officer2)
    response = second.post(url("edit", p41), figure_form(p41, 2020, "+9.000"))
    assert response.status_code == 409
    html = unescape(response.content.decode())
    # The title they did not touch now shows the other person's change, not the stale one...
    assert 'value="Growth in demand (revised)"' in html
    assert "J. Smith changed this to Growth in demand (revised); their change is kept." in html
    # ...and their own figure is still as they typed it.
    assert 'value="+9.000"' in html

    # Saving the merged form (what the page now shows) keeps both edits.
    p41.refresh_from_db()
    assert second.post(url("edit", p41), figure_form(p41, 2020, "+9.000")).status_code == 302
    p41.refresh_from_db()
    assert p41.title == "Growth in demand (revised)"
    assert p41.lines.get().variations.get(year__start_year=2020).amount_k == 9000
    assert [len(cs.changes.all()) for cs in edits(p41).order_by("version")] == [1, 1]


def test_a_figure_they_changed_that_i_left_alone_comes_in(client_for, officer, officer2, p41):
    client_for(officer).post(url("edit", p41), figure_form(p41, 2021, "+9.250"))
    response = client_for(officer2).post(url("edit", p41), form_data(p41, title="Second"))
    html = unescape(response.content.decode())
    assert response.status_code == 409
    assert 'value="+9.250"' in html  # their 2021/22 figure, not the stale +8.500
    assert 'value="Second"' in html  # my title


def test_the_service_refuses_a_stale_version(officer, officer2, p41):
    line = p41.lines.select_related("service_budget").get()
    figures = {v.year: v.amount_k for v in line.variations.select_related("year")}
    save_proposal(proposal=Proposal.objects.get(pk=p41.pk), user=officer, fields={"title": "A"},
                  lines=[LineInput(line.service_budget, figures)], expected_version=1)
    with pytest.raises(ConflictError) as raised:
        save_proposal(proposal=Proposal.objects.get(pk=p41.pk), user=officer2, fields={"title": "B"},
                      lines=[LineInput(line.service_budget, figures)], expected_version=1)
    assert [cs.user for cs in raised.value.changesets] == [officer]
    assert Proposal.objects.get(pk=p41.pk).title == "A"


def test_the_same_person_in_another_tab_is_told_it_was_them(client_for, officer, p41):
    """Not "someone else": the officer saved in one tab, then saves the older form in another."""
    client = client_for(officer)
    opened = form_data(p41)
    assert client.post(url("edit", p41), {**opened, "title": "First tab"}).status_code == 302
    response = client.post(url("edit", p41), {**opened, "title": "Second tab"})
    assert response.status_code == 409
    html = unescape(response.content.decode())
    saved_at = date_format(localtime(edits(p41).get().at), "j M Y H:i")
    assert f"You saved this proposal in another tab or window at {saved_at}, while you were editing it here" in html
    assert "Someone else" not in html
