"""The read-only API: its OpenAPI schema served and valid; the same access as the pages
(a council's own people by session or token read everything of their plans; everyone
else only what is published, never a draft); money never a float; bad parameters a 400
with a message; nothing writes; anonymous use rate-limited; CORS off unless configured;
query counts that do not grow with the page."""
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from proposals.money import format_m
from proposals.permissions import SYSTEM
from proposals.services import LineInput, create_proposal
from proposals.snapshots import take_snapshot
from publishing.api import ClientIpAnonThrottle
from publishing.services import public_source, publish
from reports.rollup import rollup

from .conftest import db_snapshot, proposal

pytestmark = pytest.mark.django_db

DRAFT = "A draft no one outside the council may read"
PLAN_ENDPOINTS = ("outcomes", "proposals", "rollup", "gap", "delivery")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def draft(ce_plan, officer):
    p41 = proposal(ce_plan, "41")
    return create_proposal(plan=ce_plan, user=officer, fields={"title": DRAFT, "kind": "pressure",
                                                              "outcome": p41.outcome},
                           lines=[LineInput(p41.lines.get().service_budget, {ce_plan.years.first(): 4_321})])


def url(plan, endpoint, **query):
    address = reverse(f"api:{endpoint}", args=[plan.council.slug, plan.slug])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def floats_in(value):
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats_in(v)]
    return []


def get_json(client, address, **headers):
    response = client.get(address, **headers)
    return response.status_code, response.json()


def test_the_schema_is_served_and_valid():
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/api/v1/councils/", "/api/v1/councils/{council_slug}/plans/",
            "/api/v1/councils/{council_slug}/plans/{plan_slug}/proposals/"} <= paths
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)  # raises on an invalid schema


def test_a_councils_own_people_read_everything_of_their_plan_by_session(ce_plan, officer, draft, client):
    client.force_login(officer)
    status, body = get_json(client, url(ce_plan, "proposals", page_size=200))
    assert status == 200
    titles = {p["title"] for p in body["results"]}
    assert DRAFT in titles and body["count"] == ce_plan.proposals.count()
    for endpoint in PLAN_ENDPOINTS:
        status, body = get_json(client, url(ce_plan, endpoint))
        assert status in (200, 400), endpoint  # delivery: the seed plan has no periods, which it says
        assert not floats_in(body), endpoint


def test_a_proposals_lines_and_figures_are_exact(ce_plan, officer, client):
    client.force_login(officer)
    p33 = proposal(ce_plan, "33")
    type(p33).objects.filter(pk=p33.pk).update(portfolio_holder="A. Test Councillor")
    _status, body = get_json(client, url(ce_plan, "proposals", page_size=200))
    got = next(p for p in body["results"] if p["id"] == p33.pk)
    assert got["reference"] == "[33]" and got["net"] == {"k": p33.net_k, "m": format_m(p33.net_k)}
    line = p33.lines.select_related("service_budget").first()
    figures = {v.year.label: {"k": v.amount_k, "m": format_m(v.amount_k)}
               for v in line.variations.select_related("year")}
    assert got["lines"][0] == {"service_budget": line.service_budget.name, "figures": figures}
    assert got["governance"]["key_decision"] == "" and got["governance"]["consultation_start"] is None
    assert got["governance"]["portfolio_holder"] == "A. Test Councillor"


def test_a_token_signs_in_and_a_bad_one_is_refused(ce_plan, officer):
    token = Token.objects.create(user=officer)
    status, _body = get_json(Client(), url(ce_plan, "gap"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert status == 200
    status, body = get_json(Client(), url(ce_plan, "gap"), HTTP_AUTHORIZATION="Token not-a-token")
    assert status == 401 and body["detail"] == "Invalid token."


def test_an_unpublished_plan_is_a_404_for_anyone_else(ce_plan, officer_cwac, outsider):
    for who in (None, officer_cwac, outsider):
        client = Client()
        if who is not None:
            client.force_login(who)
        for endpoint in PLAN_ENDPOINTS:
            status, body = get_json(client, url(ce_plan, endpoint))
            assert (status, body) == (404, {"detail": "No budget plan you may read at this address."}), endpoint
        assert get_json(client, reverse("api:plans", args=[ce_plan.council.slug]))[0] == 404
        names = {c["slug"] for c in get_json(client, reverse("api:councils"))[1]["results"]}
        assert ce_plan.council.slug not in names


def test_crawl_as_everyone_else_finds_only_what_is_published(ce_plan, draft, officer, officer_cwac, outsider):
    """Every endpoint, anonymously and as another council's token: the published snapshot's
    proposals and figures and nothing more (no draft, no gap, no delivery)."""
    snapshot = take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet 5 February 2019")
    publication = publish(plan=ce_plan, user=SYSTEM, snapshot=snapshot)
    expected_ids = set(public_source(publication).proposals().values_list("proposal_id", flat=True))
    token = Token.objects.create(user=officer_cwac)
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Token {token.key}"}):
        client = Client()
        status, body = get_json(client, url(ce_plan, "proposals", page_size=200), **headers)
        assert status == 200
        assert {p["id"] for p in body["results"]} == expected_ids
        assert DRAFT not in json.dumps(body) and all(p["status"] != "draft" for p in body["results"])
        status, body = get_json(client, url(ce_plan, "rollup"), **headers)
        expected = rollup(plan=ce_plan, proposals=public_source(publication).proposals())
        assert body["totals"] == {y: {"increase": format_m(c.increase), "decrease": format_m(c.decrease),
                                      "net": format_m(c.net)} for y, c in expected.totals.items()}
        for private in ("gap", "delivery"):
            assert get_json(client, url(ce_plan, private), **headers)[0] == 404
        status, body = get_json(client, reverse("api:plans", args=[ce_plan.council.slug]), **headers)
        assert [p["published"] for p in body["results"]] == [snapshot.slug]
        status, body = get_json(client, url(ce_plan, "proposals", as_at="now"), **headers)
        assert status == 400 and "only what Cheshire East Council has published" in body["as_at"][0]


@pytest.mark.parametrize("endpoint, query, field, message", [
    ("rollup", {"by": "colour"}, "by", "“colour” is not one of: outcome, service, theme, kind."),
    ("rollup", {"view": "weekly"}, "view", "“weekly” is not one of: cumulative, incremental."),
    ("gap", {"view": "x" * 500}, "view", "“" + "x" * 80 + "” is not one of: cumulative, incremental."),
    ("proposals", {"as_at": "no-such-cabinet"}, "as_at", "“no-such-cabinet” is not a snapshot of"),
    ("delivery", {"period": "2019/20-Q9"}, "period", "is not a period"),
])
def test_bad_parameters_get_a_400_with_a_message(ce_plan, officer, client, endpoint, query, field, message):
    client.force_login(officer)
    status, body = get_json(client, url(ce_plan, endpoint, **query))
    assert status == 400
    assert message in body[field][0]


def test_a_bad_page_is_a_404_and_a_huge_page_size_is_capped(ce_plan, officer, client):
    client.force_login(officer)
    status, body = get_json(client, url(ce_plan, "proposals", page="abc"))
    assert status == 404 and body["detail"] == "Invalid page."
    status, body = get_json(client, url(ce_plan, "proposals", page_size="100000"))
    assert status == 200 and len(body["results"]) == min(200, body["count"])


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nothing_writes(ce_plan, officer, method):
    before = db_snapshot()
    for client in (Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)):
        response = getattr(client, method)(url(ce_plan, "proposals"), data="{}", content_type="application/json")
        assert response.status_code in (403, 405)
        client.force_login(officer)
    assert db_snapshot() == before


def test_the_proposal_list_costs_the_same_queries_whatever_its_page_size(ce_plan, officer, client,
                                                                        django_assert_num_queries):
    client.force_login(officer)
    client.get(url(ce_plan, "proposals"))  # the session's user, loaded once
    with django_assert_num_queries(8) as small:
        client.get(url(ce_plan, "proposals", page_size=2))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url(ce_plan, "proposals", page_size=200))


def test_anonymous_use_is_rate_limited(ce_plan, officer, monkeypatch):
    publish(plan=ce_plan, user=SYSTEM)
    monkeypatch.setattr(ClientIpAnonThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    anonymous = Client()
    statuses = [anonymous.get(url(ce_plan, "rollup")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    signed_in = Client()
    signed_in.force_login(officer)
    assert [signed_in.get(url(ce_plan, "rollup")).status_code for _ in range(4)] == [200] * 4


def test_cors_is_off_unless_configured(ce_plan):
    publish(plan=ce_plan, user=SYSTEM)
    origin = "https://data.example.gov.uk"
    response = Client().get(url(ce_plan, "rollup"), HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in response
    with override_settings(CORS_ALLOWED_ORIGINS=[origin]):
        response = Client().get(url(ce_plan, "rollup"), HTTP_ORIGIN=origin)
        assert response["Access-Control-Allow-Origin"] == origin
        public_page = Client().get(f"/public/{ce_plan.council.slug}/{ce_plan.slug}/rollup/", HTTP_ORIGIN=origin)
        assert "Access-Control-Allow-Origin" not in public_page


@pytest.mark.parametrize("endpoint", ["councils", "plans", "outcomes", "proposals"])
def test_every_list_endpoint_refuses_a_bad_page(ce_plan, officer, client, endpoint):
    client.force_login(officer)
    if endpoint == "councils":
        address = reverse("api:councils")
    elif endpoint == "plans":
        address = reverse("api:plans", args=[ce_plan.council.slug])
    else:
        address = url(ce_plan, endpoint)
    for page in ("abc", "0", "999999", "1" * 400):
        status, body = get_json(client, f"{address}?page={page}")
        assert (status, body) == (404, {"detail": "Invalid page."}), (endpoint, page)
    status, body = get_json(client, f"{address}?page_size=abc")
    assert status == 200  # an unreadable page size is the default one, as DRF reads it


@pytest.mark.parametrize("endpoint", ["outcomes", "rollup", "gap"])
def test_an_unknown_snapshot_is_a_400_on_every_plan_endpoint(ce_plan, officer, client, endpoint):
    client.force_login(officer)
    status, body = get_json(client, url(ce_plan, endpoint, as_at="no-such-cabinet"))
    assert status == 400 and "is not a snapshot of" in body["as_at"][0]


def test_the_council_list_costs_the_same_queries_whatever_the_number_of_councils(admin_user, client, seed,
                                                                              django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user)
    client.get(reverse("api:councils"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("api:councils")).json()["count"] == 2
    call_command("generate_demo", councils=5, outcomes=2, proposals=1, lines=1, years=2, seed=3,
                 stdout=io.StringIO())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("api:councils")).json()["count"] == 7


def test_the_api_token_command_makes_replaces_and_revokes_a_token(ce_plan, officer):
    out = io.StringIO()
    call_command("api_token", "--user", "officer", stdout=out)
    key = out.getvalue().strip()
    assert Token.objects.get(user=officer).key == key
    assert get_json(Client(), url(ce_plan, "gap"), HTTP_AUTHORIZATION=f"Token {key}")[0] == 200
    out = io.StringIO()
    call_command("api_token", "--user", "officer", "--new", stdout=out)
    assert out.getvalue().strip() != key
    assert get_json(Client(), url(ce_plan, "gap"), HTTP_AUTHORIZATION=f"Token {key}")[0] == 401
    call_command("api_token", "--user", "officer", "--revoke", stdout=io.StringIO())
    assert not Token.objects.filter(user=officer).exists()


@pytest.mark.parametrize("arguments, message", [
    (["--user", "ghost"], "There is no active user 'ghost'."),
    (["--user", "officer", "--new", "--revoke"], "Give --new or --revoke, not both."),
])
def test_the_api_token_command_refuses_bad_arguments(officer, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("api_token", *arguments, stdout=io.StringIO())
    assert not Token.objects.exists()
