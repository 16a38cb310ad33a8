"""The proposal list: Cheshire East's per-proposal yearly figures, sorting on every column
(year figures included), pagination, search, filters and clear messages for bad ones."""
from html import unescape
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from proposals.models import Proposal, Status
from proposals.money import parse_m
from tests.conftest import proposal

CE_41 = {"y2019": "+3.500", "y2020": "+8.500", "y2021": "+8.500"}
CE_41_INCREMENTAL = {"y2019": "+3.500", "y2020": "+5.000", "y2021": "0.000"}


def list_url(the_plan, **params):
    url = reverse("reports:proposal_list", args=[the_plan.council.slug, the_plan.slug])
    return url + ("?" + urlencode(params, doseq=True) if params else "")


def rows(response):
    return list(response.context["table"].data.data)


def test_cheshire_east_41_shows_its_published_figures(client_for, commissioner, ce_plan):
    listed = {p.reference: p for p in rows(client_for(commissioner).get(list_url(ce_plan)))}
    assert {key: getattr(listed["41"], key) for key in CE_41} == {k: parse_m(v) for k, v in CE_41.items()}
    assert listed["41"].net == parse_m("20.500") == listed["41"].net_k


def test_incremental_view_shows_41_as_3_5_then_5_then_0(client_for, commissioner, ce_plan):
    listed = {p.reference: p for p in rows(client_for(commissioner).get(list_url(ce_plan, view="incremental")))}
    assert {key: getattr(listed["41"], key) for key in CE_41} == {k: parse_m(v) for k, v in CE_41_INCREMENTAL.items()}


def test_every_cheshire_east_proposal_matches_its_lines(client_for, commissioner, ce_plan):
    from proposals.models import Variation

    listed = rows(client_for(commissioner).get(list_url(ce_plan, per_page=100)))
    assert len(listed) == 18
    for p in listed:
        for year in ce_plan.years.all():
            figures = list(Variation.objects.filter(line__proposal=p, year=year).values_list("amount_k", flat=True))
            assert getattr(p, f"y{year.start_year}") == (sum(figures) if figures else None)


def test_the_page_shows_signed_figures_and_the_unit(client_for, commissioner, ce_plan):
    html = client_for(commissioner).get(list_url(ce_plan)).content.decode()
    assert "£m; minus is a saving" in html
    assert '<span class="neg">-0.500</span>' in html
    assert "+8.500" in html
    assert "Counting proposals that are: <strong>Draft, Submitted, Out to consultation and Approved</strong>" in html


def test_unprofiled_years_are_not_shown_as_zero(client_for, commissioner, cwac_plan):
    html = client_for(commissioner).get(list_url(cwac_plan)).content.decode()
    assert "not profiled" in html
    first = rows(client_for(commissioner).get(list_url(cwac_plan)))[0]
    assert first.y2016 is None and first.y2019 is not None


@pytest.mark.parametrize(
    "column", ["reference", "title", "outcome", "theme", "kind", "status", "y2019", "y2020", "y2021", "net"]
)
def test_every_column_sorts_both_ways(client_for, commissioner, ce_plan, column):
    client = client_for(commissioner)
    ascending = rows(client.get(list_url(ce_plan, sort=column, per_page=100)))
    descending = rows(client.get(list_url(ce_plan, sort="-" + column, per_page=100)))
    key = {
        "outcome": lambda p: p.outcome.code, "theme": lambda p: p.theme.name if p.theme else "",
    }.get(column, lambda p: getattr(p, column))
    values = [key(p) for p in ascending]
    assert values == sorted(values, key=lambda v: (v is None, v)) or values == sorted(
        values, key=lambda v: (v is not None, v)
    ), column
    assert [key(p) for p in descending] == sorted(values, key=lambda v: (v is None, v), reverse=True) or [
        key(p) for p in descending
    ] == sorted(values, key=lambda v: (v is not None, v), reverse=True)


def test_sorting_by_a_year_puts_the_biggest_investment_first(client_for, commissioner, ce_plan):
    listed = rows(client_for(commissioner).get(list_url(ce_plan, sort="-y2020")))
    assert listed[0].reference == "41"


def test_the_year_headings_are_sort_links(client_for, commissioner, ce_plan):
    html = client_for(commissioner).get(list_url(ce_plan)).content.decode()
    assert "sort=y2020" in html and "sort=net" in html and "sort=reference" in html


def test_pages_of_25_and_100(client_for, commissioner, seed):
    from tests.test_report_query_counts import add_generated_proposals

    plan = seed["ce"]
    add_generated_proposals(plan, 40)  # a quarter of them rejected, so not counted
    client = client_for(commissioner)
    first = client.get(list_url(plan))
    assert len(first.context["table"].page.object_list) == 25
    assert first.context["table"].paginator.count == 18 + 30
    assert len(client.get(list_url(plan, page=2)).context["table"].page.object_list) == 23
    assert len(client.get(list_url(plan, per_page=100)).context["table"].page.object_list) == 48


def test_a_page_number_that_is_not_a_page_shows_a_page_not_an_error(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    assert client.get(list_url(ce_plan, page="abc")).context["table"].page.number == 1
    assert client.get(list_url(ce_plan, page="99")).context["table"].page.number == 1  # the last page


@pytest.mark.parametrize(
    "query, expected",
    [("41", {"41"}), ("[41]", {"41"}), ("winter", {None}), ("direct payment policy", {"35"}), ("LEISURE", {"46"})],
)
def test_search_covers_reference_title_and_description(client_for, commissioner, ce_plan, query, expected):
    listed = rows(client_for(commissioner).get(list_url(ce_plan, q=query)))
    assert {p.reference for p in listed} == expected


def test_filters_by_kind_theme_and_status(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    income = rows(client.get(list_url(ce_plan, kind="income_generation")))
    assert [p.reference for p in income] == ["40"]
    theme = proposal(ce_plan, "46").theme
    assert {p.reference for p in rows(client.get(list_url(ce_plan, theme=theme.pk)))} == {"46", "47"}
    Proposal.objects.filter(pk=proposal(ce_plan, "33").pk).update(status=Status.WITHDRAWN)
    assert "33" not in {p.reference for p in rows(client.get(list_url(ce_plan, per_page=100)))}
    assert [p.reference for p in rows(client.get(list_url(ce_plan, status="withdrawn")))] == ["33"]


def test_year_filter_lists_proposals_with_a_figure_in_that_year(client_for, commissioner, cwac_plan):
    client = client_for(commissioner)
    assert rows(client.get(list_url(cwac_plan, year="2016/17"))) == []
    assert len(rows(client.get(list_url(cwac_plan, year="2019/20", per_page=100)))) == 29


def test_service_budget_filter_shows_only_that_budgets_lines(client_for, commissioner, ce_plan):
    from proposals.models import ServiceBudget

    grant = ServiceBudget.objects.get(council=ce_plan.council, name="Additional Ringfenced Grant Funding")
    listed = rows(client_for(commissioner).get(list_url(ce_plan, service=grant.pk)))
    assert [(p.title, p.y2019, p.net) for p in listed] == [("New Adult Social Care Winter pressures", -1451, -1451)]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"outcome": "424242"}, "“424242” is not an outcome of Cheshire East Council."),
        ({"year": "2030/31"}, "“2030/31” is not a year of this plan (2019/20 to 2021/22)."),
        ({"year": "next year"}, "“next year” is not a year of this plan (2019/20 to 2021/22)."),
        ({"per_page": "lots"}, "“lots” is not a number of rows per page: choose 25 or 100."),
        ({"per_page": "1000000"}, "“1000000” is not a number of rows per page: choose 25 or 100."),
        ({"sign": "both"}, "“both” is not a choice of figures: use increase or decrease."),
        ({"theme": "-1"}, "“-1” is not a theme of Cheshire East Council."),
    ],
)
def test_a_bad_filter_value_gets_a_clear_message(client_for, commissioner, ce_plan, params, message):
    response = client_for(commissioner).get(list_url(ce_plan, **params))
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert "table" not in response.context


def test_an_unknown_sort_column_is_ignored(client_for, commissioner, ce_plan):
    response = client_for(commissioner).get(list_url(ce_plan, sort="password"))
    assert response.status_code == 200


def test_hostile_titles_are_escaped(client_for, commissioner, ce_plan):
    Proposal.objects.filter(pk=proposal(ce_plan, "41").pk).update(title="<script>alert(1)</script>")
    html = client_for(commissioner).get(list_url(ce_plan)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
