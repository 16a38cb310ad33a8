"""The flat export of every council the user may see (.xlsx, a background job; and .csv):
only their councils' rows, every counted figure the database holds, the per-plan flat
list's columns, and the same bounded number of queries however much data there is."""
import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jobs.models import Job, JobStatus
from jobs.running import Progress, run_job
from proposals.models import COUNTED_STATUSES, PlanYear, Proposal, Status, Variation
from proposals.money import to_decimal_m
from tests.conftest import proposal
from tests.test_workbook_formulas import number
from tests.test_workbook_query_count import grow

LEADING = ["Council", "Plan", "Reference", "Title", "Outcome", "Theme", "Kind", "Status", "Service budget"]
TRAILING = ["Proposal id", "Version"]


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def download_xlsx(client):
    """Started as a job (run in the request by the tests' immediate backend), then downloaded."""
    status_page = client.post(reverse("jobs:start", args=["national_export"]))["Location"]
    response = client.get(status_page.rstrip("/") + "/download")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="all-councils-proposals.xlsx"'
    ws = load_workbook(io.BytesIO(body(response))).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:], ws


def download_csv(client):
    response = client.get(reverse("workbooks:export_all_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="all-councils-proposals.csv"'
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    return rows[0], rows[1:]


def expected_figures(plans):
    """{(council, plan, proposal id, service budget, year label): £m} of the counted proposals."""
    return {
        (v.line.proposal.plan.council.name, v.line.proposal.plan.name, v.line.proposal_id,
         v.line.service_budget.name, v.year.label): to_decimal_m(v.amount_k)
        for v in Variation.objects.filter(line__proposal__plan__in=plans, line__proposal__status__in=COUNTED_STATUSES)
        .select_related("line__proposal__plan__council", "line__service_budget", "year")
    }


def figures_in(header, rows):
    years = header[len(LEADING):-len(TRAILING)]
    col = {name: i for i, name in enumerate(header)}
    found = {}
    for row in rows:
        for offset, label in enumerate(years):
            value = row[len(LEADING) + offset]
            if value is not None and value != "":
                key = (row[col["Council"]], row[col["Plan"]], int(row[col["Proposal id"]]), row[col["Service budget"]],
                       label)
                found[key] = number(value).quantize(Decimal("0.001"))
    return found


def test_anonymous_is_sent_to_sign_in(client, seed):
    for response in (client.post(reverse("jobs:start", args=["national_export"])),
                     client.get(reverse("workbooks:export_all_csv"))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_columns_are_the_flat_lists_with_a_column_per_year_of_any_plan(seed, admin_user, client_for):
    header, _rows, ws = download_xlsx(client_for(admin_user))
    starts = sorted(set(PlanYear.objects.values_list("start_year", flat=True)))
    assert header == LEADING + [f"{s}/{(s + 1) % 100:02d}" for s in starts] + TRAILING
    assert ws.freeze_panes == "A2"


def test_an_administrator_gets_every_counted_figure_of_every_council(seed, admin_user, client_for):
    header, rows, _ws = download_xlsx(client_for(admin_user))
    assert figures_in(header, rows) == expected_figures([seed["ce"], seed["cwac"]])
    ids = {row[header.index("Proposal id")] for row in rows}
    assert ids == set(Proposal.objects.filter(status__in=COUNTED_STATUSES).values_list("pk", flat=True))
    # Council by council: each council's rows together.
    councils = [row[0] for row in rows]
    assert councils == sorted(councils)


def test_rejected_and_withdrawn_proposals_are_left_out(seed, admin_user, client_for):
    Proposal.objects.filter(pk=proposal(seed["ce"], "41").pk).update(status=Status.REJECTED)
    Proposal.objects.filter(pk=Proposal.objects.filter(plan=seed["cwac"]).first().pk).update(status=Status.WITHDRAWN)
    left_out = set(Proposal.objects.filter(status__in=[Status.REJECTED, Status.WITHDRAWN]).values_list("pk", flat=True))
    assert len(left_out) >= 2
    header, rows, _ws = download_xlsx(client_for(admin_user))
    assert not left_out & {row[header.index("Proposal id")] for row in rows}


def test_an_officer_sees_only_their_councils_rows(seed, officer, client_for):
    client = client_for(officer)
    header, rows, _ws = download_xlsx(client)
    assert rows
    assert {row[0] for row in rows} == {seed["ce"].council.name}
    assert figures_in(header, rows) == expected_figures([seed["ce"]])
    csv_header, csv_rows = download_csv(client)
    assert {row[0] for row in csv_rows} == {seed["ce"].council.name}
    cwac_ids = {str(pk) for pk in Proposal.objects.filter(plan=seed["cwac"]).values_list("pk", flat=True)}
    assert not cwac_ids & {row[csv_header.index("Proposal id")] for row in csv_rows}


def test_a_user_with_no_council_gets_the_header_alone(seed, outsider, client_for):
    client = client_for(outsider)
    header, rows, _ws = download_xlsx(client)
    assert header == LEADING + TRAILING
    assert rows == []
    csv_header, csv_rows = download_csv(client)
    assert csv_header == LEADING + TRAILING
    assert csv_rows == []


def test_the_csv_has_the_same_rows_as_the_workbook(seed, admin_user, client_for):
    client = client_for(admin_user)
    header, rows, _ws = download_xlsx(client)
    csv_header, csv_rows = download_csv(client)
    assert csv_header == header
    assert len(csv_rows) == len(rows)
    col = header.index("Proposal id")
    assert [int(row[col]) for row in csv_rows] == [row[col] for row in rows]
    assert [row[:9] for row in csv_rows] == [["" if v is None else v for v in row[:9]] for row in rows]


def test_formula_like_text_stays_text(seed, admin_user, client_for):
    growth = proposal(seed["ce"], "41")
    Proposal.objects.filter(pk=growth.pk).update(title='=HYPERLINK("http://evil.example","x")')
    client = client_for(admin_user)
    header, rows, _ws = download_xlsx(client)
    title = next(row[3] for row in rows if row[header.index("Proposal id")] == growth.pk)
    assert title == '=HYPERLINK("http://evil.example","x")'  # a string, not a formula
    csv_header, csv_rows = download_csv(client)
    assert next(row[3] for row in csv_rows if row[csv_header.index("Proposal id")] == str(growth.pk)) == (
        '\'=HYPERLINK("http://evil.example","x")'
    )


def request_queries(client, name):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name))
        content = body(response)
    assert response.status_code == 200 and content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["admin_user", "officer"])
def test_the_csv_costs_the_same_queries_at_two_sizes(seed, client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    # session, user, the plans' years, the streamed proposals, their lines (one query per
    # exports.CHUNK proposals: tests/test_workbook_query_count.py crosses chunks)
    small = request_queries(client, "workbooks:export_all_csv")
    grow(seed["ce"], 40)
    grow(seed["cwac"], 40)
    assert request_queries(client, "workbooks:export_all_csv") == small == 5


def job_queries(user):
    job = Job.objects.create(user=user, kind="national_export")
    with CaptureQueriesContext(connection) as ctx:
        assert run_job(job.pk) == JobStatus.DONE
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["admin_user", "officer"])
def test_the_xlsx_job_costs_the_same_queries_at_two_sizes(seed, request, who, monkeypatch):
    monkeypatch.setattr(Progress, "interval", 3600)  # progress writes are timed: only the first here
    user = request.getfixturevalue(who)
    # claim, the job, the proposals counted, the plans' years, the streamed proposals,
    # their lines (one query per exports.CHUNK proposals), the progress's total, the result
    small = job_queries(user)
    grow(seed["ce"], 40)
    grow(seed["cwac"], 40)
    assert job_queries(user) == small == 8
