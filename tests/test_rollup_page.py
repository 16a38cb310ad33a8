"""The roll-up page: the seed documents' figures, the switches, drill-down links that
land on exactly the proposals behind a figure, and clear messages for bad filters."""
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from proposals.models import Proposal, Status
from proposals.money import parse_m
from tests.conftest import proposal


def rollup_url(the_plan, **params):
    url = reverse("reports:rollup", args=[the_plan.council.slug, the_plan.slug])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params, doseq=True)
    return url


def figure_links(html):
    """{(row label, figure, column): (shown text, href)} from the roll-up table."""
    links = {}
    for href, shown, hidden in re.findall(
        r'<a href="([^"]+)">(?:<span class="neg">)?([^<]+)(?:</span>)?'
        r'<span class="visually-hidden"> – ([^<]+): show proposals</span></a>',
        html,
    ):
        links[unescape(hidden)] = (shown, unescape(href))
    return links


def test_cheshire_west_roll_up_shows_the_published_outcome_totals(client_for, commissioner, cwac_plan):
    response = client_for(commissioner).get(rollup_url(cwac_plan))
    assert response.status_code == 200
    links = figure_links(response.content.decode())
    assert links["net, Outcome 01 – Vulnerable Adults and Older People are Compassionately Supported to Lead "
                 "Fulfilled and Independent Lives, 2019/20"][0] == "+3.211"
    assert links["net, Outcome 02 – Vulnerable Adults and Children Feel Safe and are Protected, 2019/20"][0] == "-4.548"
    assert links["net, Outcome 03 – Vibrant and Healthy Communities with Inclusive Leisure, Heritage and Culture "
                 "Opportunities, 2019/20"][0] == "-5.171"


def test_the_page_names_its_totals_and_statuses(client_for, commissioner, ce_plan):
    html = client_for(commissioner).get(rollup_url(ce_plan)).content.decode()
    assert "full-year effect" in html
    assert "cash over the period" in html
    assert "£m; minus is a saving" in html
    assert "Counting proposals that are: <strong>Draft, Submitted, Out to consultation and Approved</strong>" in html
    assert "every status but rejected and withdrawn" in html


def test_incremental_view_shows_the_year_on_year_changes(client_for, commissioner, ce_plan):
    only_41 = {"view": "incremental", "kind": "revenue_investment", "theme": proposal(ce_plan, "41").theme_id}
    response = client_for(commissioner).get(rollup_url(ce_plan, **only_41))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Incremental: each year is the change from the year before" in html
    assert "sum of the changes" in html


@pytest.mark.parametrize(
    "by, view",
    [("outcome", "cumulative"), ("outcome", "incremental"), ("service", "incremental"), ("theme", "cumulative"),
     ("kind", "incremental")],
)
def test_drill_down_links_list_exactly_the_proposals_in_their_cell(client_for, commissioner, seed, by, view):
    """Every link when grouped by outcome; a spread of about 15 links per page otherwise
    (every one is built the same way), to keep the suite fast."""
    client = client_for(commissioner)
    for plan in seed.values():
        html = client.get(rollup_url(plan, by=by, view=view)).content.decode()
        links = sorted(figure_links(html).items())
        assert links
        if by != "outcome":
            links = links[:: max(1, len(links) // 15)]
        for description, (shown, href) in links:
            query = parse_qs(urlparse(href).query)
            listed = client.get(href + "&per_page=100")
            assert listed.status_code == 200, description
            # The list's total row for that year (or the net) is the figure in the cell.
            total = _list_total(listed.content.decode(), query.get("year", [None])[0], plan)
            assert parse_m(total) == parse_m(shown), description


def _list_total(html, year, plan):
    footer = html.split("<tfoot>")[1].split("</tfoot>")[0]
    cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r'<td class="num">(.*?)</td>', footer)]
    labels = [y.label for y in plan.years.all()]
    index = labels.index(year) if year else len(labels)
    return cells[index]


def test_drill_down_from_cheshire_east_2019_20_net_lists_every_counted_proposal(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    links = figure_links(client.get(rollup_url(ce_plan)).content.decode())
    shown, href = links["net, Outcome 5 – People live well and for longer, 2019/20"]
    assert shown == "+3.588"
    listed = client.get(href)
    table = listed.context["table"]
    assert {p.pk for p in table.data.data} == set(Proposal.objects.for_plan(ce_plan).values_list("pk", flat=True))
    assert sum(p.y2019 for p in table.data.data) == 3588


def test_drill_down_from_investment_lists_only_proposals_with_an_increase(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    links = figure_links(client.get(rollup_url(ce_plan)).content.decode())
    shown, href = links["investment, Outcome 5 – People live well and for longer, 2019/20"]
    listed = client.get(href).context["table"].data.data
    assert all(p.y2019 > 0 for p in listed)
    assert sum(p.y2019 for p in listed) == parse_m(shown)
    # Winter pressures shows its +1.451 spend line only, not its net of 0.
    winter = next(p for p in listed if p.title == "New Adult Social Care Winter pressures")
    assert winter.y2019 == 1451


def test_a_rejected_proposal_drops_out_of_the_roll_up_unless_asked_for(client_for, commissioner, ce_plan):
    Proposal.objects.filter(pk=proposal(ce_plan, "41").pk).update(status=Status.REJECTED)
    client = client_for(commissioner)
    links = figure_links(client.get(rollup_url(ce_plan)).content.decode())
    assert links["net, Outcome 5 – People live well and for longer, 2019/20"][0] == "+0.088"
    every_status = [s for s in Status.values]
    links = figure_links(client.get(rollup_url(ce_plan, status=every_status)).content.decode())
    assert links["net, Outcome 5 – People live well and for longer, 2019/20"][0] == "+3.588"


def test_service_budget_filter_counts_only_that_budgets_lines(client_for, commissioner, ce_plan):
    from proposals.models import ServiceBudget

    grant = ServiceBudget.objects.get(council=ce_plan.council, name="Additional Ringfenced Grant Funding")
    response = client_for(commissioner).get(rollup_url(ce_plan, service=grant.pk))
    result = response.context["result"]
    assert result.totals["2019/20"].net == parse_m("-1.451")
    assert result.totals["2019/20"].increase == 0


@pytest.mark.parametrize(
    "params, message",
    [
        ({"outcome": "999999"}, "“999999” is not an outcome of Cheshire East Council."),
        ({"outcome": "abc"}, "“abc” is not an outcome of Cheshire East Council."),
        ({"theme": "12.5"}, "“12.5” is not a theme of Cheshire East Council."),
        ({"service": "x"}, "“x” is not a service budget of Cheshire East Council."),
        ({"kind": "lottery"}, "“lottery” is not a kind of proposal."),
        ({"status": "sleeping"}, "“sleeping” is not a status."),
        ({"by": "colour"}, "“colour” is not a grouping: use outcome, service, theme or kind."),
        ({"view": "sideways"}, "“sideways” is not a view: use cumulative or incremental."),
        ({"plan": "1066-67"}, "“1066-67” is not a budget plan of Cheshire East Council."),
    ],
)
def test_a_bad_filter_value_gets_a_clear_message_not_a_server_error(client_for, commissioner, ce_plan, params, message):
    response = client_for(commissioner).get(rollup_url(ce_plan, **params))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in unescape(html)
    assert "There is a problem with the filters" in html
    assert "result" not in response.context or response.context.get("result") is None


def test_an_outcome_of_another_council_is_refused(client_for, commissioner, seed):
    other = seed["cwac"].council.outcomes.first()
    response = client_for(commissioner).get(rollup_url(seed["ce"], outcome=other.pk))
    assert response.status_code == 400
    assert "is not an outcome of Cheshire East Council" in unescape(response.content.decode())


def test_choosing_another_plan_keeps_the_filters(client_for, commissioner, ce_plan):
    from proposals.models import BudgetPlan, PlanYear

    older = BudgetPlan.objects.create(council=ce_plan.council, slug="2018-21", name="Older", base_year=2017)
    PlanYear.objects.create(plan=older, start_year=2018)
    response = client_for(commissioner).get(rollup_url(ce_plan, plan="2018-21", view="incremental"))
    assert response.status_code == 302
    assert response["Location"] == rollup_url(older) + "?view=incremental"


def test_hostile_labels_are_escaped(client_for, commissioner, ce_plan):
    outcome = ce_plan.council.outcomes.get(code="5")
    outcome.title = "<script>alert(1)</script>"
    outcome.save()
    html = client_for(commissioner).get(rollup_url(ce_plan)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_chart_is_inline_svg_with_the_table_as_its_equivalent(client_for, commissioner, cwac_plan):
    html = client_for(commissioner).get(rollup_url(cwac_plan)).content.decode()
    assert '<svg viewBox="0 0 960 ' in html
    assert 'role="img"' in html and "The table below gives every figure in the chart." in html
    assert "<script" not in html and "style=" not in html
    assert html.count('class="bar-decrease"') >= 3  # one saving bar per outcome in 2019/20


def test_the_council_address_goes_to_its_latest_plan(client_for, commissioner, ce_plan):
    response = client_for(commissioner).get("/c/cheshire-east/")
    assert response.status_code == 302
    assert response["Location"] == rollup_url(ce_plan)


def test_totals_are_stated_as_decimals_of_pounds_million(client_for, commissioner, ce_plan):
    result = client_for(commissioner).get(rollup_url(ce_plan)).context["result"]
    assert Decimal(result.grand_total.net) / 1000 == Decimal("20.848")
