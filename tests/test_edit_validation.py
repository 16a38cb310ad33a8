"""Bad input gets a clear message in an error summary linking to the field, and nothing
is saved while any error remains."""
import re
from html import unescape

import pytest

from proposals.models import ServiceBudget
from tests.conftest import db_snapshot, proposal
from tests.editing import current_lines, form_data, new_url, set_figure, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")


def summary_links(html):
    """[(href, text)] of the error summary at the top of the page."""
    match = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert match, "no error summary"
    return [(href, unescape(text)) for href, text in
            re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', match.group(0), re.S)]


def refused(client, path, data):
    before = db_snapshot()
    response = client.post(path, data)
    assert response.status_code == 200
    assert db_snapshot() == before
    html = response.content.decode()
    assert html.count("There is a problem") == 1
    assert "<title>Error: " in html
    return summary_links(html), html


def with_figure(p, start_year, text):
    return form_data(p, lines=set_figure(current_lines(p), p.lines.get().service_budget_id, start_year, text))


def test_it_rejects_a_fourth_decimal_place(client_for, officer, p41):
    links, html = refused(client_for(officer), url("edit", p41), with_figure(p41, 2020, "8.5001"))
    assert links == [(
        "id_lines-0-y2020",
        "Line 1, 2020/21: \u201c8.5001\u201d has more than three decimal places; "
        "figures are in \u00a3m to the nearest \u00a31,000.",
    )]
    assert 'id="id_lines-0-y2020"' in html and 'value="8.5001"' in html  # what was typed stays
    # the field says it is in error and points at its message
    field = re.search(r'<input[^>]*id="id_lines-0-y2020"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_lines-0-y2020_error"' in field
    assert '<p class="error-message" id="id_lines-0-y2020_error">' in html


def test_it_rejects_text_as_a_figure(client_for, officer, p41):
    links, _ = refused(client_for(officer), url("edit", p41), with_figure(p41, 2019, "about three"))
    assert links == [(
        "id_lines-0-y2019",
        "Line 1, 2019/20: \u201cabout three\u201d is not a figure in \u00a3m (for example -0.027, +3.5 or (0.150)).",
    )]


def test_it_rejects_an_absurd_magnitude(client_for, officer, p41):
    links, _ = refused(client_for(officer), url("edit", p41), with_figure(p41, 2021, "8500000"))
    assert links[0][0] == "id_lines-0-y2021"
    assert "is more than \u00a310,000m; check the figure is in \u00a3m, not \u00a3 or \u00a3k." in links[0][1]


def test_it_rejects_a_reference_already_used_in_the_plan(client_for, officer, p41):
    links, html = refused(client_for(officer), url("edit", p41), form_data(p41, reference="[33]"))
    field = re.search(r'<input[^>]*id="id_reference"[^>]*>', html).group(0)
    assert 'aria-describedby="id_reference_helptext id_reference_error"' in field
    assert links == [(
        "id_reference",
        "Reference [33] is already used in this plan by \u201cIndependent Living Fund - Attrition Factor "
        "Reductions\u201d; choose another, or leave it blank for [NEW]",
    )]


def test_the_same_reference_in_another_plan_is_fine(client_for, officer_cwac, cwac_plan, ce_plan):
    # Cheshire West's plan has its own numbering; "41" there does not clash with Cheshire East's.
    p = cwac_plan.proposals.exclude(reference="41").first()
    response = client_for(officer_cwac).post(url("edit", p), form_data(p, reference="41"))
    assert response.status_code == 302


def test_it_rejects_a_line_with_no_service_budget(client_for, officer, p41):
    lines = current_lines(p41) + [{"service_budget": "", "y2019": "-0.100"}]
    links, _ = refused(client_for(officer), url("edit", p41), form_data(p41, lines=lines))
    assert links == [
        ("id_lines-1-service_budget", "Line 2: Choose the service budget this line varies, or tick Remove")
    ]


def test_it_rejects_the_same_budget_twice(client_for, officer, p41):
    lines = current_lines(p41)
    lines.append({**lines[0], "y2019": "+1.000"})
    links, _ = refused(client_for(officer), url("edit", p41), form_data(p41, lines=lines))
    assert links == [(
        "id_lines-1-service_budget",
        "Line 2: External Care Costs is already on line 1; put all its figures on one line",
    )]


def test_it_rejects_another_councils_budget_and_outcome(client_for, officer, p41, cwac_plan):
    foreign_budget = ServiceBudget.objects.filter(council=cwac_plan.council).first()
    foreign_outcome = cwac_plan.council.outcomes.first()
    lines = current_lines(p41)
    lines[0]["service_budget"] = foreign_budget.pk
    links, _ = refused(client_for(officer), url("edit", p41),
                       form_data(p41, lines=lines, outcome=foreign_outcome.pk))
    assert ("id_outcome", "Choose one of this council's outcomes") in links
    assert ("id_lines-0-service_budget", "Line 1: Choose one of this council's service budgets") in links


def test_it_requires_a_title(client_for, officer, p41):
    links, _ = refused(client_for(officer), url("edit", p41), form_data(p41, title="  "))
    assert links == [("id_title", "Enter a title")]


def test_every_error_is_listed_and_one_bad_figure_stops_the_good_ones(client_for, officer, p41):
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2019, "+4.000")
    lines = set_figure(lines, p41.lines.get().service_budget_id, 2020, "x")
    lines.append({"service_budget": "", "y2021": "1.23456"})
    links, _ = refused(client_for(officer), url("edit", p41), form_data(p41, lines=lines, title="Changed"))
    assert [href for href, _ in links] == ["id_lines-0-y2020", "id_lines-1-y2021", "id_lines-1-service_budget"]


def test_a_removed_line_with_a_bad_figure_does_not_block_the_save(client_for, officer, p41):
    lines = current_lines(p41)
    lines[0].update({"y2019": "rubbish", "DELETE": "on"})
    response = client_for(officer).post(url("edit", p41), form_data(p41, lines=lines))
    assert response.status_code == 302
    assert p41.lines.count() == 0


def test_a_new_proposal_with_errors_creates_nothing(client_for, officer, ce_plan):
    data = form_data(title="", kind="revenue_savings", outcome="",
                     lines=[{"service_budget": "", "y2019": "-0.1"}])
    links, _ = refused(client_for(officer), new_url(ce_plan), data)
    assert [href for href, _ in links] == ["id_title", "id_outcome", "id_lines-0-service_budget"]


@pytest.mark.parametrize("tamper", [
    lambda d: d.pop("lines-TOTAL_FORMS"),
    lambda d: d.update({"lines-TOTAL_FORMS": "1000"}),
    lambda d: d.update({"version": "not a number"}),
    lambda d: d.update({"kind": "bribe"}),
    lambda d: d.update({"lines-0-service_budget": "999999"}),
])
def test_a_tampered_form_is_refused_without_saving(client_for, officer, p41, tamper):
    data = form_data(p41, title="Changed")
    tamper(data)
    before = db_snapshot()
    response = client_for(officer).post(url("edit", p41), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert db_snapshot() == before


def test_a_form_without_its_version_is_a_bad_request(client_for, officer, p41):
    data = form_data(p41, title="Changed")
    del data["version"]
    before = db_snapshot()
    assert client_for(officer).post(url("edit", p41), data).status_code == 400
    assert db_snapshot() == before
