"""The edit grid shows its net per year and cash over the period, added up on the server
from the figures as they stand in the form: on opening, after a refused save, and on
"Check totals", which saves nothing. Removed lines do not count; a figure that cannot be
read says so instead of a wrong total."""
import re
from html import unescape

import pytest

from proposals.models import ServiceBudget
from tests.conftest import db_snapshot, proposal
from tests.editing import current_lines, form_data, new_url, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")  # External Care Costs: +3.500, +8.500, +8.500


def footer(response):
    html = unescape(response.content.decode())
    years = re.findall(r'<output class="grid-year-total" data-year="(\d+)"[^>]*>([^<]*)</output>', html)
    period = re.search(r'<output class="grid-period-total"[^>]*>([^<]*)</output>', html).group(1)
    return dict(years), period


def test_opening_the_grid_shows_the_proposals_totals(client_for, officer, p41):
    response = client_for(officer).get(url("edit", p41))
    assert footer(response) == ({"2019": "+3.500", "2020": "+8.500", "2021": "+8.500"}, "+20.500")
    assert 'src="/static/js/grid-totals.js"' in response.content.decode()


def test_check_totals_adds_up_what_is_typed_and_saves_nothing(client_for, officer, p41, ce_plan):
    other = ServiceBudget.objects.filter(council=ce_plan.council).exclude(lines__proposal=p41).first()
    lines = current_lines(p41) + [{"service_budget": other.pk, "y2019": "(0.150)", "y2020": "No change", "y2021": ""}]
    data = form_data(p41, lines=lines, check_totals="1")
    data["lines-INITIAL_FORMS"] = "1"
    before = db_snapshot()
    response = client_for(officer).post(url("edit", p41), data)
    assert response.status_code == 200
    assert db_snapshot() == before
    assert footer(response) == ({"2019": "+3.350", "2020": "+8.500", "2021": "+8.500"}, "+20.350")
    assert "checked just now; nothing has been saved yet" in unescape(response.content.decode())
    assert 'value="(0.150)"' in response.content.decode()  # what was typed is kept


def test_a_removed_line_is_left_out_and_an_unreadable_figure_is_said(client_for, officer, p41):
    lines = current_lines(p41)
    lines[0]["DELETE"] = "on"
    response = client_for(officer).post(url("edit", p41), form_data(p41, lines=lines, check_totals="1"))
    assert footer(response) == ({"2019": "\u2013", "2020": "\u2013", "2021": "\u2013"}, "\u2013")
    lines = current_lines(p41)
    lines[0]["y2020"] = "eight and a half"
    response = client_for(officer).post(url("edit", p41), form_data(p41, lines=lines, check_totals="1"))
    assert footer(response) == ({"2019": "+3.500", "2020": "check the figures", "2021": "+8.500"},
                                "check the figures")


def test_a_refused_save_shows_the_totals_of_what_was_typed(client_for, officer, p41):
    lines = current_lines(p41)
    lines[0]["y2021"] = "+9.250"
    before = db_snapshot()
    response = client_for(officer).post(url("edit", p41), form_data(p41, lines=lines, title=""))  # title required
    assert db_snapshot() == before
    assert footer(response) == ({"2019": "+3.500", "2020": "+8.500", "2021": "+9.250"}, "+21.250")


def test_a_thousands_plans_grid_adds_up_in_thousands(client_for, officer, p41, ce_plan):
    ce_plan.unit = "thousands"
    ce_plan.save(update_fields=["unit"])
    response = client_for(officer).get(url("edit", p41))
    assert footer(response) == ({"2019": "+3,500", "2020": "+8,500", "2021": "+8,500"}, "+20,500")


def test_a_new_proposals_grid_starts_with_no_totals(client_for, officer, ce_plan):
    response = client_for(officer).get(new_url(ce_plan))
    assert footer(response) == ({"2019": "\u2013", "2020": "\u2013", "2021": "\u2013"}, "\u2013")
