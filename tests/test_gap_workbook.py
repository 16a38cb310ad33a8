"""The cabinet workbook's Gap sheet: its sums are formulas, and LibreOffice recalculates
them to the gap table's figures exactly; a year with no gap entered says so."""
import io

from openpyxl import load_workbook

from proposals.gap import save_gap_line
from proposals.models import BudgetPlan, GapLine, Proposal, Status
from proposals.money import to_decimal_m
from proposals.snapshots import Source
from reports.gap import GROUPS, gap_table
from tests.conftest import proposal
from tests.test_workbook_libreoffice import exact, recalculated, soffice  # noqa: F401 - the fixture
from workbooks.exports import Export, write_workbook


def workbook(plan):
    out = io.BytesIO()
    write_workbook(export=Export(plan=plan, proposals=Proposal.objects.for_plan(plan).counted(), included="all"),
                   out=out)
    return out.getvalue()


def rows_of(ws):
    return {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def test_libreoffice_recalculates_the_gap_sheet_to_the_gap_table(officer, ce_plan, soffice, tmp_path):  # noqa: F811
    years = list(ce_plan.years.all())
    Proposal.objects.filter(pk=proposal(ce_plan, "33").pk).update(status=Status.APPROVED)
    Proposal.objects.filter(pk=proposal(ce_plan, "34").pk).update(status=Status.DRAFT)
    save_gap_line(plan=ce_plan, user=officer, name="Net budget requirement", figures={years[0]: 12_500,
                                                                                    years[1]: 14_000})
    save_gap_line(plan=ce_plan, user=officer, name="Council tax", sign=GapLine.Sign.REDUCES,
                  figures={years[0]: 2_500, years[1]: 3_000})
    plan = BudgetPlan.objects.select_related("council").get(pk=ce_plan.pk)
    data = workbook(plan)
    ws = load_workbook(io.BytesIO(data))["Gap"]
    rows = rows_of(ws)
    assert ws.cell(rows["Remaining gap: if everything counted is agreed"], 2).data_type == "f"
    assert ws.cell(rows["Gap before proposals"], 4).value == "no gap entered"
    theirs = recalculated(soffice, tmp_path, {"ce": data})["ce"]["Gap"]
    table = gap_table(Source(plan))
    for index, row in enumerate(table.years):
        col = 2 + index

        def value(measure, col=col):
            return theirs.cell(rows[measure], col).value

        if row.gap_before is None:
            assert value("Remaining gap: approved only") == "no gap entered"
            continue
        assert exact(value("Gap before proposals")) == to_decimal_m(row.gap_before)
        for key, label, _statuses in GROUPS:
            assert exact(value(f"Proposals: {label.lower()}")) == to_decimal_m(row.groups[key])
        assert exact(value("Net of the proposals counted")) == to_decimal_m(row.net)
        assert exact(value("Remaining gap: approved only")) == to_decimal_m(row.remaining_approved)
        assert exact(value("Remaining gap: if everything counted is agreed")) == to_decimal_m(row.remaining_all)
    assert table.years[0].remaining_all == 10_000 + table.years[0].net


def test_a_plan_with_no_gap_says_so_on_every_year(ce_plan):
    ws = load_workbook(io.BytesIO(workbook(ce_plan)))["Gap"]
    rows = rows_of(ws)
    for col in range(2, 5):
        assert ws.cell(rows["Gap before proposals"], col).value == "no gap entered"
        assert ws.cell(rows["Remaining gap: approved only"], col).value == "no gap entered"
