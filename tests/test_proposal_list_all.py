"""The all-councils proposal list: a regional or national view, sorted by net."""
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import Proposal, Status
from proposals.money import format_m
from tests.conftest import db_snapshot

URL = "/proposals/"


def page(client, query=""):
    response = client.get(URL + query)
    return response, unescape(response.content.decode())


def test_an_administrator_sees_every_council_sorted_by_net_descending(client_for, admin_user):
    response, html = page(client_for(admin_user))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row["council"] for row in rows} == {"Cheshire East Council", "Cheshire West and Chester Council"}
    nets = list(Proposal.objects.counted().order_by("-net_k", "-id").values_list("net_k", flat=True)[:25])
    assert [row["net"] for row in rows] == [format_m(k) if k >= 0 else f'<span class="neg">{format_m(k)}</span>'
                                            for k in nets]
    assert "47 proposals" in html
    assert "+20.500" in html  # [41] Growth in Demand for Adult Social Care, the largest net in Cheshire East


def test_a_commissioner_of_two_councils_sees_both(client_for, commissioner):
    response, _ = page(client_for(commissioner), "?per_page=100")
    assert response.context["page"].paginator.count == 47


def test_an_officer_sees_only_their_council(client_for, officer_cwac):
    response, html = page(client_for(officer_cwac), "?per_page=100")
    assert {row["council"] for row in response.context["rows"]} == {"Cheshire West and Chester Council"}
    assert response.context["page"].paginator.count == 29
    assert "Growth in Demand" not in html


def test_a_user_with_no_council_sees_an_empty_list(client_for, outsider):
    response, html = page(client_for(outsider))
    assert response.status_code == 200
    assert "0 proposals" in html and "No proposals match." in html


def test_anonymous_users_are_sent_to_sign_in(client, seed):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_search_kind_status_and_sort(client_for, admin_user, ce_plan):
    client = client_for(admin_user)
    response, _ = page(client, "?q=[33]")
    # [33] by reference, and the IRO proposal whose description mentions "a 33% increase"
    assert sorted(row["reference"] for row in response.context["rows"]) == ["[33]", "[NEW]"]
    response, _ = page(client, "?q=winter")
    assert [row["title"] for row in response.context["rows"]] == ["New Adult Social Care Winter pressures"]
    response, _ = page(client, "?kind=income_generation&per_page=100")
    assert {row["kind"] for row in response.context["rows"]} == {"Income Generation"}
    Proposal.objects.filter(plan=ce_plan, reference="33").update(status=Status.REJECTED)
    response, _ = page(client, "?q=Independent Living Fund")
    assert response.context["rows"] == []  # rejected ones are not counted by default...
    response, _ = page(client, "?q=Independent Living Fund&status=rejected")
    assert [row["reference"] for row in response.context["rows"]] == ["[33]"]  # ...but can be asked for
    response, _ = page(client, "?sort=net")
    assert response.context["rows"][0]["title"] == (
        "Ensure that care packages are designed in the most cost effective way"  # -3.183
    )


@pytest.mark.parametrize("query, message", [
    ("?status=pending", "Select a valid choice"),
    ("?kind=capital-ish", "Select a valid choice"),
    ("?sort=reference; drop table", "Select a valid choice"),
    ("?per_page=1000000", "Select a valid choice"),
])
def test_a_bad_filter_value_gets_a_message_not_an_error(client_for, admin_user, query, message):
    before = db_snapshot()
    response, html = page(client_for(admin_user), query)
    assert response.status_code == 400
    assert "There is a problem with the filters" in html and message in html
    assert db_snapshot() == before


def test_hostile_titles_are_escaped(client_for, admin_user, ce_plan):
    Proposal.objects.filter(plan=ce_plan, reference="41").update(title="<script>alert(1)</script>")
    response = client_for(admin_user).get(URL + "?q=41")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize("per_page", [25, 100])
def test_queries_do_not_grow_with_the_data(client_for, admin_user, ce_plan, per_page):
    client = client_for(admin_user)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(f"{URL}?per_page={per_page}")
    template = Proposal.objects.get(plan=ce_plan, reference="33")
    Proposal.objects.bulk_create([
        Proposal(plan=ce_plan, outcome=template.outcome, title=f"Extra {i}", kind=template.kind,
                 status=template.status, net_k=i) for i in range(150)
    ])
    with CaptureQueriesContext(connection) as large:
        client.get(f"{URL}?per_page={per_page}")
    # session, user; then the count and the page: two report queries; the administrator's
    # memberships (1), which are none, so the navigation counts nothing for them
    assert len(small) == len(large) == 5
