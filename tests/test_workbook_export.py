"""The cabinet-paper workbook: every figure, subtotal and total agrees with the database,
for both seed councils, and it is laid out as a finance officer would lay it out."""
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from proposals.models import COUNTED_STATUSES, Proposal, Status, Variation
from proposals.money import to_decimal_m
from reports.rollup import rollup
from tests.conftest import proposal
from tests.test_workbook_formulas import evaluate, number

MONEY_FORMAT = "#,##0.000;-#,##0.000;0.000"
HEADER_ROW = 7


def download(client, plan, query=""):
    url = reverse("workbooks:export", args=[plan.council.slug, plan.slug]) + (f"?{query}" if query else "")
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content)
    return response, load_workbook(io.BytesIO(body))


def outcome_sheets(wb):
    return [ws for ws in wb.worksheets if ws.title.startswith("Outcome ")]


def header(ws):
    return {ws.cell(HEADER_ROW, col).value: col for col in range(1, ws.max_column + 1)}


def line_rows(ws):
    """(row number, {heading: cell}) for every impact-line row of an outcome sheet."""
    cols = header(ws)
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(row, cols["Proposal id"]).value is not None:
            yield row, {name: ws.cell(row, col) for name, col in cols.items()}


def labelled_rows(ws, prefix):
    cols = header(ws)
    return [row for row in range(HEADER_ROW + 1, ws.max_row + 1)
            if str(ws.cell(row, cols["Title"]).value or "").startswith(prefix)
            and ws.cell(row, cols["Proposal id"]).value is None]


@pytest.mark.parametrize("council", ["ce", "cwac"])
def test_every_figure_in_the_workbook_is_the_databases(seed, commissioner, client_for, council):
    plan = seed[council]
    _, wb = download(client_for(commissioner), plan)
    years = [year.label for year in plan.years.all()]
    expected = {
        (v.line.proposal_id, v.line.service_budget.name, v.year.label): to_decimal_m(v.amount_k)
        for v in Variation.objects.filter(line__proposal__plan=plan, line__proposal__status__in=COUNTED_STATUSES)
        .select_related("line__service_budget", "year")
    }
    seen_lines, seen = set(), {}
    for ws in outcome_sheets(wb):
        for _row, cells in line_rows(ws):
            p = Proposal.objects.get(pk=cells["Proposal id"].value)
            assert p.plan == plan and p.status in COUNTED_STATUSES
            assert ws.title == f"Outcome {p.outcome.code}"
            assert cells["Reference"].value == p.display_reference
            assert cells["Title"].value == p.title
            assert cells["Kind"].value == p.get_kind_display()
            assert cells["Version"].value == p.version
            budget = cells["Service budget"].value
            seen_lines.add((p.pk, budget))
            for year in years:
                cell = cells[year]
                assert cell.number_format == MONEY_FORMAT
                seen[(p.pk, budget, year)] = number(cell.value)
    assert {key: value for key, value in seen.items() if value is not None} == expected
    lines = {(pk, name) for pk, name in Proposal.objects.filter(plan=plan, status__in=COUNTED_STATUSES)
             .values_list("pk", "lines__service_budget__name")}
    assert seen_lines == lines


@pytest.mark.parametrize("council", ["ce", "cwac"])
def test_subtotals_outcome_totals_and_grand_total_equal_the_databases_sums(seed, commissioner, client_for, council):
    plan = seed[council]
    _, wb = download(client_for(commissioner), plan)
    counted = Variation.objects.filter(line__proposal__plan=plan, line__proposal__status__in=COUNTED_STATUSES)
    years = list(plan.years.all())
    grand = defaultdict(Decimal)
    for ws in outcome_sheets(wb):
        cols = header(ws)
        code = ws.title.removeprefix("Outcome ")
        subtotals = labelled_rows(ws, "Subtotal \u2013 ")
        assert subtotals
        for row in subtotals:
            theme = ws.cell(row, cols["Title"]).value.removeprefix("Subtotal \u2013 ")
            figures = counted.filter(line__proposal__outcome__code=code)
            figures = figures.filter(line__proposal__theme__isnull=True) if theme == "No theme" else \
                figures.filter(line__proposal__theme__name=theme)
            for year in years:
                db = figures.filter(year=year).aggregate(total=Sum("amount_k"))["total"] or 0
                assert evaluate(wb, ws.title, ws.cell(row, cols[year.label]).coordinate) == to_decimal_m(db)
        [total_row] = labelled_rows(ws, "Total \u2013 ")
        for year in years:
            db = counted.filter(line__proposal__outcome__code=code, year=year).aggregate(t=Sum("amount_k"))["t"] or 0
            value = evaluate(wb, ws.title, ws.cell(total_row, cols[year.label]).coordinate)
            assert value == to_decimal_m(db)
            grand[year.label] += value
        # Cash over the period: the row's total column adds up its years.
        db_total = counted.filter(line__proposal__outcome__code=code).aggregate(t=Sum("amount_k"))["t"] or 0
        assert evaluate(wb, ws.title, ws.cell(total_row, cols["Total over the period"]).coordinate) == (
            to_decimal_m(db_total)
        )

    summary = wb["Summary"]
    rows = {(summary.cell(r, 1).value, summary.cell(r, 2).value): r for r in range(12, summary.max_row + 1)}
    for index, year in enumerate(years):
        db = counted.filter(year=year).aggregate(t=Sum("amount_k"))["t"] or 0
        col = 3 + index
        assert evaluate(wb, "Summary", summary.cell(rows[("All outcomes", "Net")], col).coordinate) == to_decimal_m(db)
        check = rows[("Check: the net totals of the outcome sheets", "Net")]
        assert evaluate(wb, "Summary", summary.cell(check, col).coordinate) == to_decimal_m(db) == grand[year.label]


@pytest.mark.parametrize("council", ["ce", "cwac"])
@pytest.mark.parametrize("view,sheet", [("cumulative", "Summary"), ("incremental", "Incremental")])
def test_summary_sheets_equal_the_roll_up(seed, commissioner, client_for, council, view, sheet):
    plan = seed[council]
    _, wb = download(client_for(commissioner), plan)
    ws = wb[sheet]
    result = rollup(plan=plan, proposals=Proposal.objects.for_plan(plan).counted(), by="outcome", view=view)
    assert [ws.cell(11, col).value for col in range(3, 3 + len(result.years))] == result.year_labels
    rows = {(ws.cell(r, 1).value, ws.cell(r, 2).value): r for r in range(12, ws.max_row + 1)}
    for row in result.rows:
        for index, label in enumerate(result.year_labels):
            cell = row.years[label]
            col = 3 + index
            if not cell.profiled:  # no figure that year: blank, and its net "–", as on the page
                assert ws.cell(rows[(row.label, "Investment")], col).value is None
                assert ws.cell(rows[(row.label, "Saving")], col).value is None
                assert ws.cell(rows[(row.label, "Net")], col).value == "\u2013"
                continue
            assert evaluate(wb, sheet, ws.cell(rows[(row.label, "Investment")], col).coordinate) == (
                to_decimal_m(cell.increase)
            )
            assert evaluate(wb, sheet, ws.cell(rows[(row.label, "Saving")], col).coordinate) == (
                to_decimal_m(cell.decrease)
            )
            assert evaluate(wb, sheet, ws.cell(rows[(row.label, "Net")], col).coordinate) == to_decimal_m(cell.net)
    for index, label in enumerate(result.year_labels):
        total = result.totals[label]
        col = 3 + index
        assert evaluate(wb, sheet, ws.cell(rows[("All outcomes", "Investment")], col).coordinate) == (
            to_decimal_m(total.increase)
        )
        assert evaluate(wb, sheet, ws.cell(rows[("All outcomes", "Saving")], col).coordinate) == (
            to_decimal_m(total.decrease)
        )
    last = 3 + len(result.years)
    assert evaluate(wb, sheet, ws.cell(rows[("All outcomes", "Net")], last).coordinate) == (
        to_decimal_m(result.grand_total.net)
    )


def test_cheshire_west_outcome_totals_reconcile_to_the_published_totals(cwac_plan, commissioner, client_for):
    _, wb = download(client_for(commissioner), cwac_plan)
    published = {"Outcome 01": "3.211", "Outcome 02": "-4.548", "Outcome 03": "-5.171"}
    for title, total in published.items():
        ws = wb[title]
        cols = header(ws)
        [row] = labelled_rows(ws, "Total \u2013 ")
        assert evaluate(wb, title, ws.cell(row, cols["2019/20"]).coordinate) == Decimal(total)


def test_no_change_is_zero_and_an_unprofiled_year_is_an_empty_cell(seed, commissioner, client_for):
    _, wb = download(client_for(commissioner), seed["ce"])
    rows = {cells["Title"].value: cells for _, cells in line_rows(wb["Outcome 5"])}
    # [44] 0-19 Healthy Child Programme: "No change" in 2019/20.
    assert rows["0-19 Healthy Child Programme"]["2019/20"].value == 0
    assert rows["0-19 Healthy Child Programme"]["2019/20"].data_type == "n"
    _, wb = download(client_for(commissioner), seed["cwac"])
    for _, cells in line_rows(wb["Outcome 01"]):
        assert cells["2016/17"].value is None  # the document profiles only 2019/20
        assert cells["2019/20"].data_type == "n"


def test_layout_title_block_frozen_header_years_as_text_no_merged_table_cells(ce_plan, commissioner, client_for):
    response, wb = download(client_for(commissioner), ce_plan)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "cheshire-east-2019-22-cabinet-workbook.xlsx" in response["Content-Disposition"]
    assert wb.sheetnames == ["Summary", "Incremental", "Gap", "Outcome 5"]
    summary = wb["Summary"]
    block = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(3, 10)}
    assert block["Council"] == "Cheshire East Council"
    assert block["Plan"] == "Budget proposals 2019/20 to 2021/22"
    assert block["Base year"] == "Approved 2018/19 budget"
    assert block["Proposals included"] == "statuses Draft, Submitted, Out to consultation and Approved"
    assert block["As at"].endswith("(UK time)")
    assert "saving" in block["Sign convention"] and "not profiled" in block["Sign convention"]
    assert summary.freeze_panes == "A12"
    for ws in wb.worksheets:
        # Only a title block's long notes are merged (across the printed width, to wrap):
        # never a cell of a table.
        header = 11 if ws.title in ("Summary", "Incremental") else 7 if ws.title.startswith("Outcome") else 6
        assert all(merged.max_row < header and merged.min_row == merged.max_row for merged in ws.merged_cells.ranges)
        if ws.title == "Gap":  # its own layout: tests/test_gap_workbook.py
            continue
        header_row = 11 if ws.title in ("Summary", "Incremental") else HEADER_ROW
        assert ws.freeze_panes == f"A{header_row + 1}"
        labels = [ws.cell(header_row, col).value for col in range(1, ws.max_column + 1)]
        for label in ("2019/20", "2020/21", "2021/22"):
            cell = ws.cell(header_row, labels.index(label) + 1)
            assert cell.data_type == "s" and cell.value == label
    ws = wb["Outcome 5"]
    assert ws.column_dimensions["B"].width >= 36  # titles are readable (and wrap, their rows growing to fit)
    assert ws["A1"].value == "Outcome 5 \u2013 People live well and for longer"
    assert "As at" in ws["A2"].value


def test_the_workbook_follows_the_report_filters(seed, commissioner, client_for):
    plan = seed["ce"]
    p = proposal(plan, "41")
    _, wb = download(client_for(commissioner), plan, f"kind=revenue_investment&theme={p.theme_id}")
    titles = {cells["Title"].value for _, cells in line_rows(wb["Outcome 5"])}
    assert titles == set(Proposal.objects.filter(plan=plan, kind="revenue_investment", theme=p.theme)
                         .values_list("title", flat=True))
    assert "kind Revenue Investment" in wb["Summary"]["B6"].value


def test_rejected_and_withdrawn_proposals_are_left_out_unless_asked_for(seed, commissioner, client_for):
    plan = seed["ce"]
    Proposal.objects.filter(pk=proposal(plan, "33").pk).update(status=Status.WITHDRAWN)
    _, wb = download(client_for(commissioner), plan)
    assert "[33]" not in {cells["Reference"].value for _, cells in line_rows(wb["Outcome 5"])}
    _, wb = download(client_for(commissioner), plan, "status=withdrawn")
    assert {cells["Reference"].value for _, cells in line_rows(wb["Outcome 5"])} == {"[33]"}


def test_a_bad_filter_is_refused_with_its_message(ce_plan, commissioner, client_for):
    url = reverse("workbooks:export", args=[ce_plan.council.slug, ce_plan.slug])
    response = client_for(commissioner).get(url + "?kind=lottery")
    assert response.status_code == 400
    assert "not a kind of proposal" in response.content.decode()


def test_the_download_streams_from_a_file(ce_plan, commissioner, client_for):
    url = reverse("workbooks:export", args=[ce_plan.council.slug, ce_plan.slug])
    response = client_for(commissioner).get(url)
    assert response.streaming


def test_anyone_who_may_see_the_plan_may_download_it(seed, client_for, commissioner, approver, officer, admin_user):
    plan = seed["ce"]
    url = reverse("workbooks:export", args=[plan.council.slug, plan.slug])
    for user in (commissioner, approver, officer, admin_user):
        assert client_for(user).get(url).status_code == 200


def test_another_councils_workbook_is_not_found(seed, client_for, officer_cwac, outsider):
    plan = seed["ce"]
    url = reverse("workbooks:export", args=[plan.council.slug, plan.slug])
    assert client_for(officer_cwac).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(ce_plan, client):
    url = reverse("workbooks:export", args=[ce_plan.council.slug, ce_plan.slug])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_service_budget_filter_keeps_whole_proposals_and_says_so(seed, commissioner, client_for):
    plan = seed["ce"]
    winter = Proposal.objects.get(plan=plan, title="New Adult Social Care Winter pressures")
    grant = winter.lines.get(service_budget__name="Additional Ringfenced Grant Funding").service_budget
    _, wb = download(client_for(commissioner), plan, f"service={grant.pk}")
    budgets = sorted(cells["Service budget"].value for _, cells in line_rows(wb["Outcome 5"]))
    assert budgets == ["Additional Ringfenced Grant Funding", "External Care Costs"]
    assert "shown with all its lines" in wb["Summary"]["B6"].value
