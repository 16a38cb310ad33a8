"""The export's queries do not grow with the plan: pinned at two data sizes."""
import io
import math

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outcomes.models import Outcome
from proposals.models import BudgetPlan, Proposal, ServiceBudget, Theme
from proposals.permissions import SYSTEM
from proposals.services import LineInput, create_proposal
from workbooks import exports
from workbooks.exports import Export, write_flat_csv, write_flat_export, write_workbook


def grow(plan, count):
    """Add ``count`` proposals, each with two lines, spread over new themes and outcomes."""
    council = plan.council
    years = list(plan.years.all())
    budgets = list(ServiceBudget.objects.filter(council=council)[:2])
    outcome = Outcome.objects.create(council=council, code="9", title="Grown outcome", position=9)
    theme = Theme.objects.create(council=council, name="Grown theme", position=99)
    for n in range(count):
        create_proposal(
            plan=plan, user=SYSTEM, status="draft",
            fields={"reference": f"G{n}", "title": f"Grown {n}", "kind": "revenue_savings",
                    "outcome": outcome if n % 2 else Outcome.objects.filter(council=council).first(),
                    "theme": theme if n % 3 else None},
            lines=[LineInput(service_budget=b, figures={y: -(n + 1) for y in years}) for b in budgets],
        )


def export_queries(plan):
    plan = BudgetPlan.objects.select_related("council").get(pk=plan.pk)
    proposals = Proposal.objects.for_plan(plan).counted()
    with CaptureQueriesContext(connection) as ctx:
        write_workbook(export=Export(plan=plan, proposals=proposals, included="all"), out=io.BytesIO())
    return len(ctx.captured_queries)


def request_queries(client, plan):
    url = reverse("workbooks:export", args=[plan.council.slug, plan.slug])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_workbook_costs_six_queries_at_any_size(ce_plan):
    # the plan's years, the summary's grouped sum, the proposals in order and their lines
    # and figures, and the Gap sheet's two (the proposals by status and year, the gap's
    # figures)
    assert export_queries(ce_plan) == 6
    grow(ce_plan, 40)
    assert Proposal.objects.filter(plan=ce_plan).count() == 58
    assert export_queries(ce_plan) == 6


def test_the_whole_download_request_is_pinned_at_two_sizes(ce_plan, commissioner, client_for):
    client = client_for(commissioner)
    # session and user; then the plan with its filter choices and years (one UNION
    # query), the user's memberships (the access check), the summary's grouped sum, the
    # proposals and their lines and figures, and the Gap sheet's two.
    small = request_queries(client, ce_plan)
    grow(ce_plan, 40)
    assert request_queries(client, ce_plan) == small == 9


def test_the_flat_download_request_is_pinned_at_two_sizes(ce_plan, commissioner, client_for):
    client = client_for(commissioner)
    url = reverse("workbooks:export_flat", args=[ce_plan.council.slug, ce_plan.slug, "xlsx"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    small = count()
    grow(ce_plan, 40)
    # session, user, the plan with its choices, the user's memberships, the streamed
    # proposals, their lines
    assert count() == small == 6


@pytest.mark.parametrize("writer", [write_flat_export, write_flat_csv])
def test_the_flat_list_costs_two_queries_per_chunk_of_proposals(ce_plan, writer, monkeypatch):
    """The proposals in one streamed query, their lines in one per exports.CHUNK of them:
    with chunks of 7, the same file in 1 + ceil(proposals / 7) queries, rows in the same
    order across every chunk boundary."""
    years = list(ce_plan.years.all())

    def written():
        out = io.StringIO() if writer is write_flat_csv else io.BytesIO()
        with CaptureQueriesContext(connection) as ctx:
            writer(proposals=Proposal.objects.for_plan(ce_plan), years=years, out=out)
        return len(ctx.captured_queries), rows_of(out)

    def rows_of(out):
        if writer is write_flat_csv:
            return out.getvalue().splitlines()
        book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
        return [row for row in book.worksheets[0].iter_rows(values_only=True)]

    queries, rows = written()
    assert queries == 2
    grow(ce_plan, 40)
    queries, rows = written()
    assert queries == 2
    proposals = Proposal.objects.for_plan(ce_plan).count()
    assert proposals > 7 * 3 and len(rows) > proposals  # a header row, a row per line
    monkeypatch.setattr(exports, "CHUNK", 7)
    chunked_queries, chunked_rows = written()
    assert chunked_rows == rows
    assert chunked_queries == 1 + math.ceil(proposals / 7)


def test_with_a_snapshot_the_changes_sheet_adds_a_fixed_number_of_queries(ce_plan, commissioner, client_for):
    from proposals.snapshots import take_snapshot

    client = client_for(commissioner)
    take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet 5 February 2019")
    small = request_queries(client, ce_plan)
    grow(ce_plan, 40)
    # the 9 above (the filter choices name the snapshot), and the Changes sheet against
    # it: both sides' proposals and figures (4), the service budgets' names (1) and the
    # snapshot's gap (2). The current gap is the Gap sheet's, and the years the export's.
    assert request_queries(client, ce_plan) == small == 9 + 7
