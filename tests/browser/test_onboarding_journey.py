"""A council new to the portal, set up by its administrator through the pages alone: a
budget plan created, an outcome added, two service budgets pasted from a list, then the
council's own £000 spreadsheet imported (mapping, preview, confirm) and its figures and
its total checked on the plan's pages and in the database. The mapping and preview pages
are checked with axe (WCAG 2.2 AA); the mapping page, the preview and the plan list are
screenshotted at 1280 and 375 pixels wide."""
import pytest
from playwright.sync_api import expect

from councils.models import Council, Membership, Role
from outcomes.models import Outcome
from proposals.models import BudgetPlan, PublishedTotal, ServiceBudget
from tests.conftest import make_user
from tests.council_import import lines_of, stored
from tests.council_layouts import Layout

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)


def newtown_sheet():
    """Newtown's own schedule: title rows naming £000, Ref | Service | Description and three
    year columns, a "Savings" section heading, three proposals and a SUM total row."""
    sheet = Layout("newtown", [("Ref", "reference"), ("Service", "service_budget"), ("Description", "description")],
                   [("2025/26 \u00a3000", 2025), ("2026/27 \u00a3000", 2026), ("2027/28 \u00a3000", 2027)],
                   sheet="Appendix B", unit="thousands")
    sheet.title("Newtown District Council").title("Budget proposals 2025/26 to 2027/28 (\u00a3000)").blank()
    sheet.header()
    sheet.section("Savings", kind=True)
    sheet.proposal("NT1", "Leisure", "Close the town pool on Mondays", figures=[-120, -240, -240])
    sheet.proposal("NT2", "Waste", "Collect garden waste fortnightly", figures=[-85, -170, -175])
    sheet.proposal("NT3", "Leisure", "Charge for the sports hall", figures=[-15, -30, None])
    sheet.total("Total savings")
    return sheet


def at_widths(page, name):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_new_councils_administrator_sets_up_a_plan_and_imports_the_councils_spreadsheet(
        open_as, seed, tmp_path):
    council = Council.objects.create(slug="newtown", name="Newtown District Council")
    admin = make_user("newtown-admin")
    Membership.objects.create(user=admin, council=council, role=Role.COUNCIL_ADMIN)
    page = open_as(admin)

    # 1. A budget plan, from the home page through the council's settings.
    page.goto("/")
    page.get_by_role("link", name="Council settings of Newtown District Council").click()
    page.get_by_role("link", name="Budget plans", exact=True).click()
    expect(page.get_by_text("Newtown District Council has no budget plans yet.")).to_be_visible()
    page.get_by_role("link", name="Create a budget plan").click()
    page.get_by_label("Name", exact=True).fill("Budget 2025/26")
    page.get_by_label("Address name").fill("budget-2025-26")
    page.get_by_label("Base year").fill("2024/25")
    page.get_by_label("From", exact=True).fill("2025/26")
    page.get_by_label("To", exact=True).fill("2027/28")
    page.get_by_label("\u00a3000 (whole thousands)").check()
    page.get_by_role("button", name="Create the plan").click()
    row = page.get_by_role("row", name="Budget 2025/26")
    row.wait_for()  # the plan list, loaded
    assert row.get_by_role("cell").all_inner_texts()[:5] == [
        "budget-2025-26", "2024/25", "2025/26 to 2027/28 (3 years)", "\u00a3000", "0"]
    plan = BudgetPlan.objects.get(council=council, slug="budget-2025-26")
    assert (plan.base_year, plan.unit, [y.start_year for y in plan.years.all()]) == (
        2024, BudgetPlan.Unit.THOUSANDS, [2025, 2026, 2027])
    at_widths(page, "onboarding-plan-list-empty")

    # 2. An outcome, and two service budgets pasted from a list.
    page.get_by_role("link", name="Council settings").first.click()
    page.get_by_role("link", name="Outcomes", exact=True).click()
    page.get_by_role("link", name="Add outcome").click()
    page.get_by_label("Code").fill("1")
    page.get_by_label("Title").fill("A healthy, clean town")
    page.get_by_role("button", name="Add outcome").click()
    expect(page.get_by_text("Outcome 1 \u2013 A healthy, clean town has been added.")).to_be_visible()
    page.get_by_role("link", name="Council settings").first.click()
    page.get_by_role("link", name="Service budgets", exact=True).click()
    page.get_by_role("link", name="Add several from a list").click()
    page.get_by_label("Paste the list").fill("Name\nLeisure\nWaste\n")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("table", name="Service budgets to add")
    preview.wait_for()  # the preview, loaded
    to_add = preview.locator("tbody tr").all_inner_texts()
    assert [cells.split("\t")[:2] for cells in to_add] == [["2", "Leisure"], ["3", "Waste"]]
    page.get_by_role("button", name="Add 2 service budgets").click()
    expect(page.get_by_text("2 service budgets have been added.")).to_be_visible()
    assert set(ServiceBudget.objects.filter(council=council).values_list("name", flat=True)) == {"Leisure", "Waste"}

    # 3. The council's own spreadsheet, from the plan's roll-up. Importing proposals is a
    # finance officer's work (proposals.permissions.can_import): the administrator gives
    # themself that role on the People page first.
    page.get_by_role("link", name="Council settings").first.click()
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Newtown-Admin Tester").click()
    page.get_by_label("Finance officer").check()
    page.get_by_role("button", name="Save roles").click()
    changed = "Newtown-Admin Tester\u2019s roles in Newtown District Council have been changed"
    expect(page.get_by_text(changed)).to_be_visible()
    assert set(admin.memberships.values_list("role", flat=True)) == {Role.COUNCIL_ADMIN, Role.OFFICER}
    sheet = newtown_sheet()
    workbook = tmp_path / "newtown-savings.xlsx"
    workbook.write_bytes(sheet.xlsx())
    page.goto(f"/c/{council.slug}/{plan.slug}/rollup/")
    page.get_by_role("link", name="Import a spreadsheet").click()
    page.get_by_label("Workbook (.xlsx) or CSV file").set_input_files(workbook)
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="How to read newtown-savings.xlsx")).to_be_visible()
    found = dict(zip(page.locator("dl.summary-list dt").all_inner_texts(),
                     page.locator("dl.summary-list dd").all_inner_texts(), strict=True))
    assert found["Sheet"] == "Appendix B"
    assert found["Header row"].startswith("Row 4 (below the title \u201cNewtown District Council\u201d")
    assert found["Unit"].startswith("\u00a3000")
    assert (found["Proposal rows"], found["Sections"], found["Total rows"]) == ("3", "Savings", "1")
    expect(page.get_by_role("cell", name="Close the town pool on Mondays")).to_be_visible()
    page.get_by_label("One outcome for the whole sheet").fill("1")
    assert_accessible(page, "onboarding-import-mapping")
    at_widths(page, "onboarding-import-mapping")
    page.get_by_role("button", name="Preview the import").click()

    page.get_by_role("heading", name="Check the import of newtown-savings.xlsx").wait_for()  # the next page, loaded
    summary = dict(zip(page.locator("dl.summary-list dt").all_inner_texts(),
                       page.locator("dl.summary-list dd").all_inner_texts(), strict=True))
    assert (summary["Proposals to create"], summary["Problems"]) == ("3", "0")
    assert summary["Totals in the sheet"] == "1, 0 not adding up"
    # The preview shows figures in £m, whatever the plan's unit.
    read_as = "Read as \u00a3000: (120) \u2192 -120 \u00a3000 (the heading \u201c2025/26 \u00a3000\u201d)"
    expect(page.get_by_text(read_as, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Row 9: Total savings \u2013 adds up")).to_be_visible()
    expect(page.get_by_text("2027/28: (415) adds up")).to_be_visible()
    assert_accessible(page, "onboarding-import-preview")
    at_widths(page, "onboarding-import-preview")
    page.get_by_role("button", name="Import these changes").click()
    expect(page.get_by_text("Imported newtown-savings.xlsx").first).to_be_visible()
    # 4. The proposals on the plan's pages, in £000 as the plan is kept, and the sheet's total.
    page.goto(f"/c/{council.slug}/{plan.slug}/proposals/")
    rows = {}
    for reference in ("NT1", "NT2", "NT3"):
        rows[reference] = page.get_by_role("row").filter(has_text=f"[{reference}]").inner_text().split("\t")
        rows[reference] = [" ".join(cell.split()) for cell in rows[reference]]
    # Each year in £000, then the plan's total over its years.
    assert {reference: cells[-4:] for reference, cells in rows.items()} == {
        "NT1": ["-120", "-240", "-240", "-600"], "NT2": ["-85", "-170", "-175", "-430"],
        "NT3": ["-15", "-30", "\u2013 not profiled", "-45"]}
    page.get_by_role("link", name="Published totals").click()
    expect(page.get_by_role("heading", name="Total savings")).to_be_visible()
    assert page.locator("#headline").inner_text().strip() == "1 of 1 published totals agree with the lines."
    expect(page.get_by_text("Imported from newtown-savings.xlsx, sheet \u2018Appendix B\u2019, row 9")).to_be_visible()
    # This page is in £m whatever the plan's unit.
    printed = page.get_by_role("table", name="Total savings: as printed and as the lines add up, \u00a3m")
    assert [" ".join(r.split()) for r in printed.locator("tbody tr").all_inner_texts()] == [
        "2025/26 -0.220 -0.220 0.000 Agrees", "2026/27 -0.440 -0.440 0.000 Agrees",
        "2027/28 -0.415 -0.415 0.000 Agrees"]

    page.goto(f"/c/{council.slug}/settings/plans/")
    assert page.get_by_role("row", name="Budget 2025/26").get_by_role("cell").nth(4).inner_text() == "3"
    at_widths(page, "onboarding-plan-list")

    assert stored(plan) == {
        "NT1": {"2025/26": -120, "2026/27": -240, "2027/28": -240},
        "NT2": {"2025/26": -85, "2026/27": -170, "2027/28": -175},
        "NT3": {"2025/26": -15, "2026/27": -30},
    }
    assert lines_of(plan) == {"NT1": "Leisure", "NT2": "Waste", "NT3": "Leisure"}
    assert set(plan.proposals.values_list("outcome__code", flat=True)) == {"1"}
    assert Outcome.objects.filter(council=council).count() == 1
    [total] = PublishedTotal.objects.filter(plan=plan)
    assert total.label == "Total savings"
