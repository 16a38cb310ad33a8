"""Every report as at a snapshot: after a snapshot, proposals change; the roll-up, list,
proposal and outcome pages, their downloads, the cabinet workbook and the rollup command
as at the snapshot show the frozen figures (and say so), the current views the new ones.
Snapshots are immutable in the database, quick (a fixed number of queries), and taken
only by approvers and council administrators."""
import io
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from proposals.models import Snapshot, SnapshotFigure, SnapshotProposal, Status, Variation
from proposals.services import LineInput, change_status, create_proposal, save_proposal
from proposals.snapshots import SnapshotInvalid, take_snapshot
from tests.conftest import db_snapshot, proposal

CABINET = "cabinet-5-february-2019"


def lines_of(p, change=None):
    rows = []
    for line in p.lines.select_related("service_budget").prefetch_related("variations__year"):
        figures = {v.year: v.amount_k for v in line.variations.all()}
        if change:
            figures = change(line, figures)
        rows.append(LineInput(line.service_budget, figures))
    return rows


@pytest.fixture
def changed_after(ce_plan, officer, approver):
    """A snapshot of Cheshire East, then [41]'s 2019/20 figure changed (+3.500 → +4.000),
    [45] withdrawn and a new proposal added."""
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    p41 = proposal(ce_plan, "41")
    y2019 = ce_plan.years.get(start_year=2019)

    def bump(line, figures):
        return {**figures, y2019: 4_000}

    save_proposal(proposal=p41, user=officer, fields={}, lines=lines_of(p41, bump), expected_version=p41.version)
    p45 = proposal(ce_plan, "45")
    change_status(proposal=p45, user=officer, to=Status.DRAFT)
    change_status(proposal=p45, user=officer, to=Status.WITHDRAWN)
    create_proposal(plan=ce_plan, user=officer, fields={"title": "Added after the Cabinet", "kind": "pressure",
                                                        "outcome": p41.outcome},
                    lines=[LineInput(p41.lines.get().service_budget, {y2019: 1_000})])
    return snapshot


def get(client, name, plan, *extra, **params):
    return client.get(reverse(name, args=[plan.council.slug, plan.slug, *extra]), params)


def test_the_snapshot_keeps_every_figure_as_it_was(ce_plan, approver):
    before = {(v.line.proposal_id, v.line.service_budget_id, v.year_id): (v.amount_k, v.increment_k)
              for v in Variation.objects.filter(line__proposal__plan=ce_plan).select_related("line")}
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    figures = SnapshotFigure.objects.filter(line__proposal__snapshot=snapshot).select_related("line__proposal")
    copied = {(f.line.proposal.proposal_id, f.line.service_budget_id, f.year_id): (f.amount_k, f.increment_k)
              for f in figures}
    assert copied == before
    assert snapshot.proposals.count() == ce_plan.proposals.count() == 18


def test_the_rollup_as_at_the_snapshot_stays_put(client_for, commissioner, ce_plan, changed_after):
    client = client_for(commissioner)
    then = get(client, "reports:rollup_csv", ce_plan, as_at=CABINET).content.decode()
    now = get(client, "reports:rollup_csv", ce_plan).content.decode()
    assert then != now
    def net_total(csv):
        return next(row for row in csv.splitlines() if row.startswith(",Total,Net,")).split(",")[3]

    # 2019/20: the net as it was; now [41] is +0.500 more, the new proposal +1.000, and
    # [45] (-0.075 in 2019/20) withdrawn.
    assert net_total(then) == "3.588"
    assert net_total(now) == "5.163"
    page = get(client, "reports:rollup", ce_plan, as_at=CABINET).content.decode()
    assert "As at Cabinet 5 February 2019</strong>" in page
    assert "as_at=cabinet-5-february-2019" in page  # drill-downs carry it
    response = get(client, "reports:rollup_xlsx", ce_plan, as_at=CABINET)
    assert "as-at-cabinet-5-february-2019" in response["Content-Disposition"]


def test_the_list_proposal_and_outcome_pages_as_at_the_snapshot(client_for, commissioner, ce_plan, changed_after):
    client = client_for(commissioner)
    listing = get(client, "reports:proposal_list", ce_plan, as_at=CABINET).content.decode()
    assert "Added after the Cabinet" not in listing and "18 proposals" in listing
    assert "Added after the Cabinet" in get(client, "reports:proposal_list", ce_plan).content.decode()
    p41 = proposal(ce_plan, "41")
    then = get(client, "reports:proposal_detail", ce_plan, p41.pk, as_at=CABINET).content.decode()
    now = get(client, "reports:proposal_detail", ce_plan, p41.pk).content.decode()
    assert "+3.500" in then and "+4.000" not in then and "+4.000" in now
    assert ">Edit" not in then  # nothing is edited as at a snapshot
    p45 = proposal(ce_plan, "45")
    assert "Out to consultation" in get(client, "reports:proposal_detail", ce_plan, p45.pk, as_at=CABINET
                                        ).content.decode()
    added = ce_plan.proposals.get(title="Added after the Cabinet")
    assert get(client, "reports:proposal_detail", ce_plan, added.pk, as_at=CABINET).status_code == 404
    outcome = get(client, "reports:outcome_detail", ce_plan, p41.outcome.code, as_at=CABINET).content.decode()
    assert "As at Cabinet 5 February 2019" in outcome and "Added after the Cabinet" not in outcome


@pytest.mark.parametrize("name", ["reports:rollup", "reports:proposal_list", "reports:gap"])
def test_an_unknown_snapshot_is_a_400_that_says_so(client_for, commissioner, ce_plan, name):
    response = get(client_for(commissioner), name, ce_plan, as_at="cabinet-1999")
    assert response.status_code == 400
    assert "“cabinet-1999” is not a snapshot of Budget proposals 2019/20 to 2021/22." in response.content.decode()


def test_the_workbook_and_the_command_as_at_the_snapshot(client_for, commissioner, ce_plan, changed_after):
    response = client_for(commissioner).get(reverse("workbooks:export", args=[ce_plan.council.slug, ce_plan.slug]),
                                            {"as_at": CABINET})
    assert "as-at-cabinet-5-february-2019" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    texts = [cell.value for row in wb["Summary"].iter_rows(max_row=10) for cell in row if cell.value]
    assert any("Cabinet 5 February 2019" in str(text) for text in texts)
    titles = [cell.value for ws in wb.worksheets if ws.title.startswith("Outcome") for row in ws.iter_rows()
              for cell in row[:2]]
    assert "Added after the Cabinet" not in titles
    out = StringIO()
    call_command("rollup", "--council", "cheshire-east", "--as-at", CABINET, stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_at"] == CABINET and data["totals"]["2019/20"]["net"] == "+3.588"
    out = StringIO()
    call_command("rollup", "--council", "cheshire-east", stdout=out)
    assert "as_at" not in json.loads(out.getvalue())
    with pytest.raises(CommandError, match="is not a snapshot of"):
        call_command("rollup", "--council", "cheshire-east", "--as-at", "nope", stdout=StringIO())


def test_the_flat_downloads_as_at_the_snapshot_are_the_plans_flat_list_when_it_was_taken(
        client_for, commissioner, approver, officer, ce_plan):
    """Every line and figure of the snapshot's copies, under the live proposals' ids (as
    an import matches them), byte for byte the flat list of the moment it was taken."""
    client = client_for(commissioner)

    def flat(fmt, **params):
        response = get(client, "workbooks:export_flat", ce_plan, fmt, **params)
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    def cells(content):
        book = load_workbook(io.BytesIO(content), read_only=True)
        return [row for row in book.worksheets[0].iter_rows(values_only=True)]

    # An earlier snapshot first: the second's copies then have ids no live proposal has.
    take_snapshot(plan=ce_plan, user=approver, name="Draft budget")
    before_csv, before_xlsx = flat("csv"), cells(flat("xlsx"))
    p41 = proposal(ce_plan, "41")
    take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    assert not SnapshotProposal.objects.filter(snapshot__slug=CABINET, pk=p41.pk).exists()
    y2019 = ce_plan.years.get(start_year=2019)
    save_proposal(proposal=p41, user=officer, fields={}, lines=lines_of(p41, lambda line, f: {**f, y2019: 4_000}),
                  expected_version=p41.version)
    assert flat("csv") != before_csv
    assert flat("csv", as_at=CABINET) == before_csv
    assert cells(flat("xlsx", as_at=CABINET)) == before_xlsx
    assert str(p41.pk) in before_csv.decode("utf-8-sig") and "3.500" in before_csv.decode("utf-8-sig")


def test_the_database_refuses_to_change_or_delete_a_snapshot(ce_plan, approver):
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    for statement in ("UPDATE proposals_snapshotfigure SET amount_k = 1",
                      "DELETE FROM proposals_snapshotproposal",
                      f"UPDATE proposals_snapshot SET name = 'x' WHERE id = {snapshot.pk}"):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(PermissionError):
        snapshot.delete()
    assert SnapshotProposal.objects.filter(snapshot=snapshot).count() == 18


def test_only_approvers_and_council_administrators_take_one(ce_plan, officer, commissioner, council_admin,
                                                            officer_cwac):
    for user in (officer, commissioner, officer_cwac):
        before = db_snapshot()
        with pytest.raises(PermissionDenied):
            take_snapshot(plan=ce_plan, user=user, name="Cabinet")
        assert db_snapshot() == before
    take_snapshot(plan=ce_plan, user=council_admin, name="Cabinet")


@pytest.mark.parametrize(("name", "message"), [
    ("", "Give the snapshot a name"),
    ("Now", "“now” means the plan as it stands"),
    ("x" * 201, "at most 200 characters"),
    ("!!!", "cannot name a snapshot in an address"),
])
def test_a_bad_name_is_refused_and_nothing_written(ce_plan, approver, name, message):
    before = db_snapshot()
    with pytest.raises(SnapshotInvalid, match=message):
        take_snapshot(plan=ce_plan, user=approver, name=name)
    assert db_snapshot() == before and not Snapshot.objects.exists()


def test_taking_one_costs_the_same_queries_at_any_size(ce_plan, approver, officer):
    take_snapshot(plan=ce_plan, user=approver, name="Warm")  # the approver's roles, the content type: cached
    with CaptureQueriesContext(connection) as small:
        take_snapshot(plan=ce_plan, user=approver, name="Small")
    outcome = proposal(ce_plan, "41").outcome
    budget = proposal(ce_plan, "41").lines.get().service_budget
    for n in range(30):
        create_proposal(plan=ce_plan, user=officer, fields={"title": f"Extra {n}", "kind": "pressure",
                                                            "outcome": outcome},
                        lines=[LineInput(budget, {y: n for y in ce_plan.years.all()})])
    with CaptureQueriesContext(connection) as large:
        take_snapshot(plan=ce_plan, user=approver, name="Large")
    # SQLite takes at most 999 parameters a statement, so Django splits a bulk insert of
    # wide rows (a proposal's copy has its governance too: 24 columns, 41 rows a batch);
    # PostgreSQL inserts each table in one statement.
    def batches(queries):
        return sum(1 for query in queries if query["sql"].startswith('INSERT INTO "proposals_snapshotproposal"'))
    assert len(large) - batches(large) == len(small) - batches(small)
    if connection.vendor != "sqlite":
        assert batches(large) == batches(small) == 1


def test_the_snapshots_page_takes_one_and_lists_it(client_for, approver, commissioner, ce_plan):
    url = reverse("reports:snapshots", args=[ce_plan.council.slug, ce_plan.slug])
    assert "Take a snapshot" not in client_for(commissioner).get(url).content.decode()
    assert client_for(commissioner).post(url, {"name": "Cabinet"}).status_code == 403
    client = client_for(approver)
    before = db_snapshot()
    response = client.post(url, {"name": "Cabinet 5 February 2019", "taken_on": "5 Feb"})
    assert response.status_code == 400 and "“5 Feb” is not a date" in response.content.decode()
    assert db_snapshot() == before
    response = client.post(url, {"name": "Cabinet 5 February 2019", "taken_on": "2019-02-05"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Cabinet 5 February 2019" in page and "5 February 2019" in page
    assert f"?as_at={CABINET}" in page


def test_the_snapshot_command(ce_plan, approver):
    out = StringIO()
    call_command("snapshot", "--council", "cheshire-east", "--plan", "2019-22", "--name", "Cabinet 5 February 2019",
                 "--date", "2019-02-05", "--user", "approver", stdout=out)
    assert "Snapshot 'cabinet-5-february-2019'" in out.getvalue() and "18 proposals" in out.getvalue()
    assert Snapshot.objects.get().taken_on.isoformat() == "2019-02-05"
    for args, message in [
        (["--date", "5/2/2019"], "is not a date"),
        (["--user", "nobody"], "There is no active user 'nobody'"),
        ([], "already has a snapshot called"),
    ]:
        before = db_snapshot()
        with pytest.raises(CommandError, match=message):
            call_command("snapshot", "--council", "cheshire-east", "--plan", "2019-22", "--name",
                         "Cabinet 5 February 2019", *args, stdout=StringIO())
        assert db_snapshot() == before
