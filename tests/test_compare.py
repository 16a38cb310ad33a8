"""What changed reports exactly the changes made, and nothing else: proposals added,
withdrawn, a header field, a figure, a line added; the effect on each year's net and on
the remaining gap exact; the same on the page and from the command; bad choices refused."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.gap import set_gap_before
from proposals.models import ServiceBudget, Status
from proposals.services import LineInput, change_status, create_proposal, save_proposal
from proposals.snapshots import Source, take_snapshot
from reports.compare import ADDED, FIGURES, HEADER, REMOVED, compare
from tests.conftest import db_snapshot, proposal
from tests.test_snapshot_reports import lines_of


@pytest.fixture
def made(ce_plan, officer, approver):
    """A snapshot, then exactly these changes."""
    y = {year.start_year: year for year in ce_plan.years.all()}
    set_gap_before(plan=ce_plan, user=officer, figures={y[2019]: 10_000})
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    p41, p45, p33, p34 = (proposal(ce_plan, ref) for ref in ("41", "45", "33", "34"))
    save_proposal(proposal=p41, user=officer, fields={}, expected_version=p41.version,
                  lines=lines_of(p41, lambda line, figures: {**figures, y[2019]: 4_000}))
    change_status(proposal=p45, user=officer, to=Status.DRAFT)
    change_status(proposal=p45, user=officer, to=Status.WITHDRAWN)
    save_proposal(proposal=p33, user=officer, fields={"title": "Attrition factor reductions"}, lines=lines_of(p33),
                  expected_version=p33.version)
    extra = ServiceBudget.objects.filter(council=ce_plan.council).exclude(lines__proposal=p34).first()
    save_proposal(proposal=p34, user=officer, fields={}, expected_version=p34.version,
                  lines=lines_of(p34) + [LineInput(extra, {y[2020]: -50})])
    added = create_proposal(plan=ce_plan, user=officer, fields={"title": "Added after the Cabinet",
                                                                "kind": "pressure", "outcome": p41.outcome},
                            lines=[LineInput(p41.lines.get().service_budget, {y[2019]: 1_000, y[2020]: 0})])
    return {"snapshot": snapshot, "y": y, "p41": p41, "p45": p45, "p33": p33, "p34": p34, "added": added,
            "extra": extra}


def test_compare_reports_exactly_the_changes_made(ce_plan, made):
    result = compare(Source(ce_plan, made["snapshot"]), Source(ce_plan))
    y, p41, p45, p33, p34, added = (made[k] for k in ("y", "p41", "p45", "p33", "p34", "added"))
    budget = p41.lines.get().service_budget.name
    got = {(c.what, c.proposal_pk, c.field, c.year.start_year if c.year else None, c.old, c.new)
           for c in result.changes}
    assert got == {
        (ADDED, added.pk, "", None, None, "Draft"),
        (FIGURES, added.pk, budget, 2019, None, 1_000),
        (FIGURES, added.pk, budget, 2020, None, 0),
        (FIGURES, p41.pk, budget, 2019, 3_500, 4_000),
        (REMOVED, p45.pk, "Status", None, "Out to consultation", "Withdrawn"),
        (HEADER, p33.pk, "Title", None, "Independent Living Fund - Attrition Factor Reductions",
         "Attrition factor reductions"),
        (FIGURES, p34.pk, made["extra"].name, 2020, None, -50),
    }
    assert len(result.changes) == len(got)
    p45_2019 = sum(v.amount_k for line in p45.lines.all() for v in line.variations.filter(year=y[2019]))
    p45_2020 = sum(v.amount_k for line in p45.lines.all() for v in line.variations.filter(year=y[2020]))
    effect = {year.start_year: (d, rd) for year, _a, _b, d, _ra, _rb, rd in result.effect()}
    assert effect[2019] == (500 + 1_000 - p45_2019, 500 + 1_000 - p45_2019)
    assert effect[2020] == (-50 - p45_2020, None)  # no gap entered for 2020/21


def test_an_unchanged_plan_has_no_changes(ce_plan, approver):
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet")
    result = compare(Source(ce_plan, snapshot), Source(ce_plan))
    assert result.changes == [] and all(d == 0 for _y, _a, _b, d, *_ in result.effect())


def test_two_snapshots_compare_as_the_later_one_and_the_count_is_fixed(ce_plan, made, approver):
    later = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 12 March 2019")
    with CaptureQueriesContext(connection) as captured:
        between = compare(Source(ce_plan, made["snapshot"]), Source(ce_plan, later))
    now = compare(Source(ce_plan, made["snapshot"]), Source(ce_plan))
    assert [(c.what, c.proposal_pk, c.field, c.old, c.new) for c in between.changes] == \
        [(c.what, c.proposal_pk, c.field, c.old, c.new) for c in now.changes]
    # the plan's years; each side's headers and figures (4); the budgets' names; each side's
    # gap table (4): whatever the plan's size
    assert len(captured) == 10


def test_given_the_years_and_budget_names_it_reads_only_the_two_sides(ce_plan, made, approver):
    later = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 12 March 2019")
    years = list(ce_plan.years.all())
    names = dict(ce_plan.council.service_budgets.values_list("pk", "name"))
    with CaptureQueriesContext(connection) as captured:
        given = compare(Source(ce_plan, made["snapshot"]), Source(ce_plan, later), years=years, budget_names=names)
    assert len(captured) == 8  # each side's headers and figures (4) and gap table (4), as the bench calls it
    assert given.changes == compare(Source(ce_plan, made["snapshot"]), Source(ce_plan, later)).changes


def test_the_page_filters_by_outcome_and_kind_and_says_why_it_refuses(client_for, commissioner, ce_plan, made):
    client = client_for(commissioner)
    url = reverse("reports:compare", args=[ce_plan.council.slug, ce_plan.slug])
    html = client.get(url).content.decode()
    assert "Added after the Cabinet" in html and "Attrition factor reductions" in html
    html = client.get(url, {"what": "header"}).content.decode()
    assert "Attrition factor reductions" in html and "Added after the Cabinet" not in html
    for params, message in [({"from": "nope"}, "“nope” is not a snapshot of"),
                            ({"what": "sideways"}, "“sideways” is not a kind of change."),
                            ({"outcome": "99"}, "“99” is not an outcome of Cheshire East Council."),
                            ({"to": "cabinet-5-february-2019"}, "Choose two different snapshots")]:
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert message in response.content.decode().replace("&#x27;", "'"), params


def test_a_plan_without_a_snapshot_says_how_to_get_one(client_for, commissioner, ce_plan):
    html = client_for(commissioner).get(reverse("reports:compare", args=[ce_plan.council.slug, ce_plan.slug]))
    assert html.status_code == 200
    assert "Nothing to compare yet: take a snapshot of the plan" in html.content.decode()


def test_the_command(ce_plan, made):
    out = StringIO()
    call_command("compare", "--council", "cheshire-east", "--plan", "2019-22", "--from", "cabinet-5-february-2019",
                 stdout=out)
    data = json.loads(out.getvalue())
    assert data["from"] == "cabinet-5-february-2019" and data["to"] == "now"
    assert {"what": "figures", "proposal": made["p41"].pk, "label": made["p41"].display_reference + " "
            + made["p41"].title, "outcome": "5", "field": made["p41"].lines.get().service_budget.name,
            "year": "2019/20", "old": "+3.500", "new": "+4.000"} in data["changes"]
    assert data["effect"]["2020/21"]["remaining_change"] is None
    csv = StringIO()
    call_command("compare", "--council", "cheshire-east", "--plan", "2019-22", "--from", "cabinet-5-february-2019",
                 "--format", "csv", stdout=csv)
    assert csv.getvalue().splitlines()[0] == "Proposal,Outcome,Change,What,Year,Was,Now"
    before = db_snapshot()
    for args, message in [(["--from", "nope"], "is not a snapshot of"),
                          (["--from", "cabinet-5-february-2019", "--format", "xml"], "Unknown --format"),
                          (["--from", "cabinet-5-february-2019", "--to", "cabinet-5-february-2019"],
                           "Choose two different snapshots")]:
        with pytest.raises(CommandError, match=message):
            call_command("compare", "--council", "cheshire-east", "--plan", "2019-22", *args, stdout=StringIO())
    assert db_snapshot() == before
