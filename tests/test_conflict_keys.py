"""The three-way merge after a conflict reads the other person's changes by key (a
header field's name and value as stored, a budget's and a year's id), so a budget or a
theme renamed between their save and mine is still matched."""
from html import unescape

import pytest

from proposals.models import Change, ServiceBudget, Theme
from tests.conftest import proposal
from tests.editing import current_lines, form_data, set_figure, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")


def rename(budget):
    ServiceBudget.objects.filter(pk=budget.pk).update(name="Care Costs (external)")


def test_their_figure_comes_in_although_the_budget_was_renamed_meanwhile(client_for, officer, officer2, p41):
    opened = form_data(p41)
    budget = p41.lines.get().service_budget
    assert client_for(officer).post(
        url("edit", p41), form_data(p41, lines=set_figure(current_lines(p41), budget.pk, 2021, "+9.250"))
    ).status_code == 302
    rename(budget)

    response = client_for(officer2).post(url("edit", p41), {**opened, "title": "Second"})
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert 'value="+9.250"' in html  # their 2021/22 figure, not the stale +8.500
    assert "J. Smith changed this to +9.250; their change is kept." in html
    assert 'value="Second"' in html


def test_their_removal_is_kept_although_the_budget_was_renamed_meanwhile(client_for, officer, officer2, p41):
    opened = form_data(p41)
    budget = p41.lines.get().service_budget
    assert client_for(officer).post(url("edit", p41), form_data(p41, lines=[])).status_code == 302
    rename(budget)

    response = client_for(officer2).post(url("edit", p41), {**opened, "title": "Second"})
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert "J. Smith removed this line; Remove is ticked to keep their removal." in html


def test_their_theme_is_kept_although_the_theme_i_saw_was_renamed(client_for, officer, officer2, p41):
    opened = form_data(p41)
    other = Theme.objects.filter(council_id=p41.plan.council_id).exclude(pk=p41.theme_id).first()
    assert client_for(officer).post(url("edit", p41), form_data(p41, theme=other.pk)).status_code == 302
    Theme.objects.filter(pk=p41.theme_id).update(name="Renamed meanwhile")

    response = client_for(officer2).post(url("edit", p41), {**opened, "title": "Second"})
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert f"J. Smith changed this to {other.name}; their change is kept." in html
    assert f'<option value="{other.pk}" selected>' in html


def test_each_change_of_a_proposal_carries_its_keys(officer, p41, client_for):
    budget = p41.lines.get().service_budget
    client_for(officer).post(
        url("edit", p41),
        form_data(p41, title="Keyed", lines=set_figure(current_lines(p41), budget.pk, 2021, "+9.250")),
    )
    changes = {c.kind: c for c in Change.objects.filter(changeset__proposal=p41, changeset__version=2)}
    assert (changes["field"].field_name, changes["field"].new_value) == ("title", "Keyed")
    year = p41.plan.years.get(start_year=2021)
    assert (changes["figure"].service_budget_id, changes["figure"].plan_year_id) == (budget.pk, year.pk)
