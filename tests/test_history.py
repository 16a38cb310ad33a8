"""The audit trail: every save, newest first, each change in words a finance officer
reads, in UK time; never editable through the app; kept when a user is deactivated."""
import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Change, ChangeSet, Status
from proposals.services import change_status
from tests.conftest import proposal
from tests.editing import current_lines, form_data, set_figure, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")


def edit_figure(client, p, start_year, text):
    p.refresh_from_db()
    lines = set_figure(current_lines(p), p.lines.get().service_budget_id, start_year, text)
    assert client.post(url("edit", p), form_data(p, lines=lines)).status_code == 302


def history_text(client, p):
    response = client.get(url("history", p))
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_each_change_is_shown_in_words_with_who_and_when_in_uk_time(client_for, officer, p41, monkeypatch):
    client = client_for(officer)
    # stored in UTC; 3 Dec is GMT and 14 June is BST (UTC+1)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: dt.datetime(2018, 6, 14, 13, 2, tzinfo=dt.timezone.utc))
        edit_figure(client, p41, 2020, "+8.750")
    html = history_text(client, p41)
    assert "2020/21 External Care Costs: +8.500 \u2192 +8.750, J. Smith, 14 Jun 2018 14:02" in html


def test_history_is_newest_first_and_names_the_approver(client_for, officer, officer2, approver, p41):
    edit_figure(client_for(officer), p41, 2020, "+8.750")
    edit_figure(client_for(officer2), p41, 2021, "+9.000")
    p41.refresh_from_db()
    change_status(proposal=p41, user=approver, to=Status.APPROVED)
    html = history_text(client_for(officer), p41)
    approved = html.index("Status: Out to consultation \u2192 Approved, A. Morgan")
    second = html.index("2021/22 External Care Costs: +8.500 \u2192 +9.000, L. Brown")
    first = html.index("2020/21 External Care Costs: +8.500 \u2192 +8.750, J. Smith")
    loaded = html.index("Loaded from the published document")
    assert approved < second < first < loaded
    assert "<dt>Approved by</dt><dd>A. Morgan," in html


def test_history_and_its_changes_cannot_be_changed_or_deleted(p41):
    changeset = p41.changesets.first()
    change = Change.objects.filter(changeset=changeset).first()
    for record in (changeset, change):
        with pytest.raises(PermissionError):
            record.save()
        with pytest.raises(PermissionError):
            record.delete()


def test_the_app_has_no_way_to_change_history(client_for, officer, p41):
    client = client_for(officer)
    before = list(ChangeSet.objects.values_list())
    assert client.post(url("history", p41), {}).status_code == 405
    assert client.delete(url("history", p41)).status_code == 405
    assert list(ChangeSet.objects.values_list()) == before


def test_deactivating_a_user_keeps_their_history(client_for, officer, approver, p41):
    edit_figure(client_for(officer), p41, 2020, "+8.750")
    officer.is_active = False
    officer.save()
    assert ChangeSet.objects.filter(user=officer).count() == 1
    html = history_text(client_for(approver), p41)
    assert "2020/21 External Care Costs: +8.500 \u2192 +8.750, J. Smith (account closed)" in html
    # and a deactivated user can no longer use the app
    assert client_for(officer).get(url("history", p41)).status_code == 302


def test_recent_changes_lists_the_latest_saves_across_the_council(client_for, officer, p41, ce_plan):
    client = client_for(officer)
    edit_figure(client, p41, 2020, "+8.750")
    html = unescape(client.get(reverse("proposals:recent_changes", args=["cheshire-east"])).content.decode())
    newest = html.index("[41] Growth in Demand for Adult Social Care")
    assert newest < html.index("[33] Independent Living Fund")
    assert "2020/21 External Care Costs: +8.500 \u2192 +8.750" in html
    assert "Cheshire West" not in html.split("<main", 1)[1].split("</main>")[0]


def toggle(p, user, times):
    """Record ``times`` more saves: draft and back again."""
    for _ in range(times):
        change_status(proposal=p, user=user, to=Status.DRAFT if p.status != Status.DRAFT else Status.SUBMITTED)


def test_recent_changes_are_paginated(client_for, officer, ce_plan):
    client = client_for(officer)
    toggle(proposal(ce_plan, "33"), officer, 12)
    path = reverse("proposals:recent_changes", args=["cheshire-east"])
    total = ChangeSet.objects.filter(council=ce_plan.council).count()
    assert total == 18 + 4 + 12  # the seed: its proposals and its four measures; then the twelve saves
    first = client.get(path).content.decode()
    assert f"Saves 1 to 25 of {total}" in first and "Older changes" in first
    second = client.get(path + "?page=2").content.decode()
    assert f"Saves 26 to {total} of {total}" in second and "Newer changes" in second


def test_recent_changes_uses_a_fixed_number_of_queries(client_for, officer, ce_plan, django_assert_num_queries):
    client = client_for(officer)
    path = reverse("proposals:recent_changes", args=["cheshire-east"])
    client.get(path)
    # session, user, council, the people of the "Who" filter, count, page of saves, their
    # changes; the navigation's count of what waits for the officer, with their roles (2):
    # the same for 18 saves or 60
    with django_assert_num_queries(9):
        client.get(path)
    toggle(proposal(ce_plan, "33"), officer, 42)
    with django_assert_num_queries(9):
        client.get(path)


def test_a_user_with_history_cannot_be_deleted_only_deactivated(client_for, officer, p41):
    from django.db.models import ProtectedError

    edit_figure(client_for(officer), p41, 2020, "+8.750")
    with pytest.raises(ProtectedError):
        officer.delete()
    assert ChangeSet.objects.filter(user=officer).count() == 1
