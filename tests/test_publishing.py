"""Publishing a plan for anyone to read: the publish command and write path (council
administrators only, recorded in the audit trail), the public pages and downloads
(only what was published: never a draft, never a name from the audit trail; anything
unpublished, withdrawn or another council's is a 404), and bad input refused with a
message and nothing changed."""
import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from proposals.models import ChangeSet, Status
from proposals.money import to_decimal_m
from proposals.permissions import SYSTEM
from proposals.services import LineInput, create_proposal
from proposals.snapshots import Source, take_snapshot
from publishing.models import Publication
from publishing.services import PublishError, public_source, publish, withdraw
from reports.rollup import rollup

from .conftest import db_snapshot, proposal

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Close every library on Sundays (draft, never published)"


def base(plan):
    return f"/public/{plan.council.slug}/{plan.slug}/"


def public_urls(plan, pk):
    b = base(plan)
    return [f"{b}rollup/", f"{b}rollup/?by=service&view=incremental", f"{b}rollup/download.csv",
            f"{b}rollup/download.xlsx", f"{b}proposals/", f"{b}proposals/download.csv",
            f"{b}proposals/download.xlsx", f"{b}proposals/{pk}/", f"{b}book/", f"{b}budget-book.docx",
            f"{b}datapackage.json",
            f"{b}budget.csv"]


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing"):
        from docx import Document

        document = Document(io.BytesIO(content))
        return "\n".join([p.text for p in document.paragraphs]
                         + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    return content.decode()


@pytest.fixture
def draft(ce_plan, officer):
    """A draft with figures, added after the snapshot below: never on a public page."""
    p41 = proposal(ce_plan, "41")
    return create_proposal(plan=ce_plan, user=officer, fields={"title": DRAFT_TITLE, "kind": "revenue_savings",
                                                              "outcome": p41.outcome},
                           lines=[LineInput(p41.lines.get().service_budget, {ce_plan.years.first(): -7_777})])


@pytest.fixture
def cabinet(ce_plan, officer):
    """A snapshot holding a draft of its own (taken while it was a draft)."""
    p41 = proposal(ce_plan, "41")
    create_proposal(plan=ce_plan, user=officer, fields={"title": "Draft at the Cabinet", "kind": "pressure",
                                                       "outcome": p41.outcome},
                    lines=[LineInput(p41.lines.get().service_budget, {ce_plan.years.first(): 5_555})])
    return take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet 5 February 2019")


def test_an_unpublished_plan_is_a_404_for_everyone_anonymous(ce_plan, client):
    pk = proposal(ce_plan, "33").pk
    for url in public_urls(ce_plan, pk):
        assert client.get(url).status_code == 404, url
    assert "No council has published" in client.get("/public/").content.decode()


def test_published_as_at_a_snapshot_shows_it_without_signing_in_and_never_a_draft(ce_plan, cabinet, draft,
                                                                                  council_admin, client):
    publish(plan=ce_plan, user=council_admin, snapshot=cabinet)
    p33 = proposal(ce_plan, "33")
    for url in public_urls(ce_plan, p33.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        assert DRAFT_TITLE not in text and "Draft at the Cabinet" not in text, url
        assert "Jo Smith" not in text and "J. Smith" not in text and "Signed in" not in text, url
    page = client.get(f"{base(ce_plan)}proposals/{p33.pk}/").content.decode()
    assert p33.title in page and "as at Cabinet 5 February 2019" in page
    assert client.get(f"{base(ce_plan)}proposals/{draft.pk}/").status_code == 404
    assert "Cabinet 5 February 2019" in client.get("/public/").content.decode()


def test_the_public_rollup_adds_up_to_the_published_proposals_exactly(ce_plan, cabinet, council_admin, client):
    publication = publish(plan=ce_plan, user=council_admin, snapshot=cabinet)
    source = public_source(publication)
    assert set(source.proposals().values_list("status", flat=True)) <= {Status.SUBMITTED, Status.CONSULTATION,
                                                                       Status.APPROVED}
    expected = rollup(plan=ce_plan, proposals=source.proposals(), by="outcome")
    every = rollup(plan=ce_plan, proposals=Source(ce_plan, cabinet).proposals().counted(), by="outcome")
    year = expected.year_labels[0]
    assert expected.totals[year].net == every.totals[year].net - 5_555  # all but the snapshot's draft
    rows = list(csv.reader(io.StringIO(client.get(f"{base(ce_plan)}rollup/download.csv").content.decode())))
    header, total_net = rows[0], rows[-1]
    assert total_net[:3] == ["", "Total", "Net"]
    assert Decimal(total_net[header.index(year)]) == to_decimal_m(expected.totals[year].net)


def test_published_approved_proposals_show_only_approved_ones(ce_plan, council_admin, client):
    publication = publish(plan=ce_plan, user=council_admin)
    assert publication.snapshot is None
    listed = client.get(f"{base(ce_plan)}proposals/download.csv").content.decode()
    statuses = {row["Status"] for row in csv.DictReader(io.StringIO(listed))}
    assert statuses == {"Approved"} or not statuses
    not_approved = ce_plan.proposals.exclude(status=Status.APPROVED).first()
    assert client.get(f"{base(ce_plan)}proposals/{not_approved.pk}/").status_code == 404


def test_withdrawing_takes_the_pages_down_and_is_recorded(ce_plan, cabinet, council_admin, client):
    publish(plan=ce_plan, user=council_admin, snapshot=cabinet)
    url = f"{base(ce_plan)}rollup/"
    assert client.get(url).status_code == 200
    withdraw(plan=ce_plan, user=council_admin)
    assert client.get(url).status_code == 404
    recorded = list(ChangeSet.objects.filter(council=ce_plan.council, subject_type__model="publication")
                    .order_by("pk").values_list("action", "note", "user__username"))
    assert recorded == [
        ("create", "Published as at Cabinet 5 February 2019", "council_admin"),
        ("edit", "Withdrew the publication as at Cabinet 5 February 2019", "council_admin"),
    ]


def test_publishing_again_replaces_the_current_publication(ce_plan, cabinet, council_admin):
    first = publish(plan=ce_plan, user=council_admin)
    second = publish(plan=ce_plan, user=council_admin, snapshot=cabinet)
    first.refresh_from_db()
    assert first.withdrawn_at is not None and second.withdrawn_at is None
    assert list(Publication.objects.current()) == [second]


def test_another_councils_address_is_a_404(ce_plan, cwac_plan, council_admin, client):
    publish(plan=ce_plan, user=council_admin)
    assert client.get(f"/public/{cwac_plan.council.slug}/{ce_plan.slug}/rollup/").status_code == 404
    assert client.get(f"/public/{ce_plan.council.slug}/{cwac_plan.slug}/rollup/").status_code == 404
    p = proposal(cwac_plan, cwac_plan.proposals.values_list("reference", flat=True).first())
    assert client.get(f"{base(ce_plan)}proposals/{p.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["officer", "approver", "commissioner", "outsider"])
def test_only_a_council_administrator_publishes(ce_plan, who, request):
    user = request.getfixturevalue(who)
    before = db_snapshot()
    with pytest.raises(PermissionDenied, match="Only the council's administrators can publish"):
        publish(plan=ce_plan, user=user)
    assert db_snapshot() == before


def test_a_snapshot_of_another_plan_is_refused(ce_plan, cwac_plan, council_admin):
    other = take_snapshot(plan=cwac_plan, user=SYSTEM, name="Their Cabinet")
    before = db_snapshot()
    with pytest.raises(PublishError, match="is not a snapshot of"):
        publish(plan=ce_plan, user=council_admin, snapshot=other)
    assert db_snapshot() == before


@pytest.mark.parametrize("query, message", [
    ("by=colour", "“colour” is not a grouping: use outcome or service or theme or kind."),
    ("view=weekly", "“weekly” is not a view: use cumulative or incremental."),
])
def test_bad_rollup_parameters_get_a_message(ce_plan, council_admin, client, query, message):
    publish(plan=ce_plan, user=council_admin)
    page = client.get(f"{base(ce_plan)}rollup/?{query}")
    assert page.status_code == 400
    assert message in page.content.decode()
    download = client.get(f"{base(ce_plan)}rollup/download.csv?{query}")
    assert download.status_code == 400 and message in download.content.decode()


def test_a_long_hostile_parameter_is_cut_short_in_the_message(ce_plan, council_admin, client):
    publish(plan=ce_plan, user=council_admin)
    page = client.get(f"{base(ce_plan)}rollup/", {"by": "<script>" + "x" * 10_000})
    assert page.status_code == 400
    text = page.content.decode()
    assert "<script>" not in text and "x" * 100 not in text


def test_public_pages_only_answer_get_and_head(ce_plan, council_admin):
    publish(plan=ce_plan, user=council_admin)
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(f"{base(ce_plan)}rollup/").status_code in (403, 405)


# The publish command

def test_publish_command_publishes_and_withdraws(ce_plan, cabinet, council_admin, capsys):
    call_command("publish", "--council", "cheshire-east", "--plan", ce_plan.slug, "--as-at", cabinet.slug,
                 "--user", "council_admin")
    assert "Published" in capsys.readouterr().out
    current = Publication.objects.current().get()
    assert (current.snapshot, current.published_by) == (cabinet, council_admin)
    call_command("publish", "--council", "cheshire-east", "--plan", ce_plan.slug, "--withdraw")
    assert not Publication.objects.current().exists()


@pytest.mark.parametrize("arguments, message", [
    (["--council", "nowhere", "--plan", "x"], "No council 'nowhere'"),
    (["--council", "cheshire-east", "--plan", "nope"], "No plan 'nope' for Cheshire East Council"),
    (["--council", "cheshire-east", "--plan", "{plan}", "--as-at", "no-such-cabinet"],
     "is not a snapshot of"),
    (["--council", "cheshire-east", "--plan", "{plan}", "--as-at", "now"], "'now' is not a snapshot"),
    (["--council", "cheshire-east", "--plan", "{plan}", "--withdraw"], "is not published, so there is nothing"),
    (["--council", "cheshire-east", "--plan", "{plan}", "--withdraw", "--as-at", "x"], "cannot be combined"),
    (["--council", "cheshire-east", "--plan", "{plan}", "--user", "officer"],
     "Only the council's administrators can publish"),
    (["--council", "cheshire-east", "--plan", "{plan}", "--user", "ghost"], "There is no active user 'ghost'"),
])
def test_publish_command_refuses_bad_arguments(ce_plan, officer, arguments, message):
    before = db_snapshot()
    with pytest.raises(CommandError, match=message):
        call_command("publish", *[a.replace("{plan}", ce_plan.slug) for a in arguments])
    assert db_snapshot() == before


def test_every_public_page_published_answers_everyone_and_refuses_a_post(ce_plan, cwac_plan, council_admin,
                                                                          officer_cwac, outsider):
    """The same walk as the signed-in pages (tests/test_security_url_walk.py), published:
    every public page answers anonymous visitors and signed-in people of any council alike,
    refuses a POST (405) changing nothing, and another council's proposal is a 404."""
    from .test_security_url_walk import PUBLIC_PLAN_PAGES

    publish(plan=ce_plan, user=council_admin)
    approved = ce_plan.proposals.filter(status=Status.APPROVED).first()
    if approved is None:  # the seed's Cheshire East proposals are out to consultation
        snapshot = take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet")
        publish(plan=ce_plan, user=council_admin, snapshot=snapshot)
    shown = public_source(Publication.objects.current().get()).proposals().first()
    other = cwac_plan.proposals.first()
    wrong = []
    for who in (None, officer_cwac, outsider, council_admin):
        client = Client()
        if who is not None:
            client.force_login(who)
        for name in PUBLIC_PLAN_PAGES:
            kwargs = {"council_slug": ce_plan.council.slug, "plan_slug": ce_plan.slug}
            if name == "proposal_detail":
                kwargs["pk"] = shown.proposal_pk
            url = reverse(f"public:{name}", kwargs=kwargs)
            before = db_snapshot()
            got = (client.get(url).status_code, client.post(url).status_code, db_snapshot() == before)
            if got != (200, 405, True):
                wrong.append(f"{who}: {url} gave {got}")
        swapped = reverse("public:proposal_detail", args=[ce_plan.council.slug, ce_plan.slug, other.pk])
        if client.get(swapped).status_code != 404:
            wrong.append(f"{who}: {swapped} is not a 404")
    assert not wrong, "\n".join(wrong)


# The publishing page

def test_a_council_administrator_publishes_and_withdraws_from_the_page(ce_plan, cabinet, council_admin, client):
    client.force_login(council_admin)
    page = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/publishing/"
    assert "This plan is not published" in client.get(page).content.decode()
    response = client.post(page, {"action": "publish", "as_at": cabinet.slug}, follow=True)
    text = response.content.decode()
    assert "Published as at Cabinet 5 February 2019" in text and "anyone can now read" in text
    assert Publication.objects.current().get().snapshot == cabinet
    assert Client().get(f"{base(ce_plan)}rollup/").status_code == 200
    response = client.post(page, {"action": "withdraw"}, follow=True)
    assert "is withdrawn" in response.content.decode()
    assert not Publication.objects.current().exists()
    assert Client().get(f"{base(ce_plan)}rollup/").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"action": "publish"}, "Choose what to publish: the approved proposals or a snapshot."),
    ({"action": "publish", "as_at": "no-such-snapshot"}, "Choose what to publish"),
    ({"action": "explode"}, "Choose Publish or Withdraw."),
    ({"action": "withdraw"}, "is not published, so there is nothing to withdraw."),
])
def test_the_page_refuses_bad_input_with_a_message(ce_plan, council_admin, client, data, message):
    client.force_login(council_admin)
    before = db_snapshot()
    response = client.post(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/publishing/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert db_snapshot() == before


def test_only_administrators_see_the_publishing_tab(ce_plan, council_admin, officer, client):
    rollup_page = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/"
    client.force_login(officer)
    assert ">Publishing</a>" not in client.get(rollup_page).content.decode()
    client.force_login(council_admin)
    assert ">Publishing</a>" in client.get(rollup_page).content.decode()


def test_the_recent_changes_page_shows_a_publication_and_its_withdrawal(ce_plan, cabinet, council_admin, officer,
                                                                        client):
    publish(plan=ce_plan, user=council_admin, snapshot=cabinet)
    withdraw(plan=ce_plan, user=council_admin)
    client.force_login(officer)
    page = client.get(f"/c/{ce_plan.council.slug}/changes/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Published as at Cabinet 5 February 2019" in text
    assert "Withdrew the publication as at Cabinet 5 February 2019" in text
