"""The cabinet workbook of a plan with no proposals is a template to fill: a sheet with
the import's header row and the plan's years, and a note saying how to fill it, which
the import reads back."""
import io

from openpyxl import load_workbook

from outcomes.models import Outcome
from proposals.models import Proposal, ServiceBudget, Variation
from proposals.plans import create_plan
from tests.test_import_helpers import edit_workbook, exported_workbook
from workbooks.importing.apply import apply_import
from workbooks.importing.portal import KNOWN_COLUMNS, REQUIRED_COLUMNS, preview_import
from workbooks.xlsx import FILL_SHEET, OUTCOME_HEADER_ROW


def empty_plan(council, user):
    return create_plan(council=council, user=user, name="MTFS 2025/26 to 2027/28", slug="mtfs-2025",
                       base_year=2024, years=[2025, 2026, 2027], unit="millions")


def header(ws):
    return [cell.value for cell in ws[OUTCOME_HEADER_ROW] if cell.value is not None]


def test_an_empty_plans_workbook_has_a_sheet_to_fill_with_the_imports_headings(ce_plan, council_admin, officer,
                                                                               client_for):
    plan = empty_plan(ce_plan.council, council_admin)
    wb = load_workbook(io.BytesIO(exported_workbook(client_for(officer), plan)))
    assert wb.sheetnames == ["Summary", "Incremental", "Gap", FILL_SHEET]
    ws = wb[FILL_SHEET]
    headings = header(ws)
    assert set(REQUIRED_COLUMNS) <= set(headings)
    assert {"2025/26", "2026/27", "2027/28"} == set(headings) - KNOWN_COLUMNS
    assert ws.freeze_panes == f"A{OUTCOME_HEADER_ROW + 1}"
    note = ws["A2"].value
    assert note.startswith("To add proposals, fill in one row per impact line under the header row")
    assert "Revenue Savings" in note and "upload this workbook on the plan's Import page" in note
    assert ws.max_row == OUTCOME_HEADER_ROW  # nothing under the header


def test_a_plan_with_proposals_has_no_sheet_to_fill(ce_plan, officer, client_for):
    wb = load_workbook(io.BytesIO(exported_workbook(client_for(officer), ce_plan)))
    assert FILL_SHEET not in wb.sheetnames


def test_a_selection_matching_no_proposal_has_the_sheet_to_fill(ce_plan, officer, client_for):
    wb = load_workbook(io.BytesIO(exported_workbook(client_for(officer), ce_plan, "q=nothing-matches-this")))
    assert FILL_SHEET in wb.sheetnames and header(wb[FILL_SHEET])[-4] == "2021/22"


def test_the_filled_template_imports_with_its_figures(ce_plan, council_admin, officer, client_for):
    plan = empty_plan(ce_plan.council, council_admin)
    outcome = Outcome.objects.filter(council=plan.council).first()
    first, second = ServiceBudget.objects.filter(council=plan.council).order_by("name")[:2]

    def fill(wb):
        ws = wb[FILL_SHEET]
        columns = {cell.value: cell.column for cell in ws[OUTCOME_HEADER_ROW] if cell.value}
        rows = [
            {"Reference": "[NEW]", "Title": "Library opening hours", "Kind": "Revenue Savings",
             "Outcome": outcome.code, "Service budget": first.name, "2025/26": -0.15, "2026/27": -0.3,
             "2027/28": -0.3},
            {"Reference": "R2", "Title": "Winter pressures", "Kind": "Pressure", "Outcome": outcome.code,
             "Service budget": second.name, "2025/26": 1.451, "2027/28": 0},
        ]
        for offset, row in enumerate(rows, start=1):
            for name, value in row.items():
                ws.cell(OUTCOME_HEADER_ROW + offset, columns[name], value)

    data = edit_workbook(exported_workbook(client_for(officer), plan), fill)
    preview = preview_import(plan=plan, file=io.BytesIO(data), filename="template.xlsx")
    assert preview.problems == [] and len(preview.created) == 2
    assert apply_import(plan=plan, plan_of_changes=preview.plan_of_changes(), user=officer) == (2, 0)
    figures = {
        (title, year): amount for title, year, amount in Variation.objects.filter(line__proposal__plan=plan)
        .values_list("line__proposal__title", "year__start_year", "amount_k")
    }
    assert figures == {
        ("Library opening hours", 2025): -150, ("Library opening hours", 2026): -300,
        ("Library opening hours", 2027): -300, ("Winter pressures", 2025): 1451, ("Winter pressures", 2027): 0,
    }
    winter = Proposal.objects.get(plan=plan, reference="R2")
    assert (winter.kind, winter.status, winter.lines.get().service_budget) == ("pressure", "draft", second)
