"""The story of a round, as users walk it: an officer enters the gap before proposals, an
approver takes a snapshot as at the Cabinet, two proposals are edited, What changed shows
exactly those edits with their effect on the gap, and the cabinet workbook downloaded
from the page has a Gap sheet and a "Changes since" sheet that LibreOffice recalculates
to the page's figures. Screenshots at 1280 and 375 px; axe on each new page."""
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from proposals.money import to_decimal_m
from proposals.snapshots import Source
from reports.compare import compare
from reports.gap import gap_table
from tests.test_workbook_libreoffice import exact, recalculated, soffice  # noqa: F401 - the fixture

from ..conftest import proposal
from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_gap_snapshot_edits_what_changed_and_the_workbook(open_as, officer, approver, ce_plan, soffice,  # noqa: F811
                                                          tmp_path):
    plan_path = f"/c/{ce_plan.council.slug}/{ce_plan.slug}"
    page = open_as(officer)

    # 1. The officer enters the gap before proposals for 2019/20.
    page.goto(f"{plan_path}/gap/")
    expect(page.get_by_text("No gap entered").first).to_be_visible()
    page.get_by_role("link", name="Enter the gap before proposals").click()
    page.get_by_label("New line: name").wait_for()
    page.get_by_label("New line: name").fill("Net budget requirement")
    page.get_by_label("New line: 2019/20, £m").fill("12.500")
    page.get_by_label("New line: source note").fill("MTFS report, table 2")
    page.get_by_role("button", name="Save the gap").click()
    page.get_by_text("The gap before proposals is saved.").wait_for()
    row = page.get_by_role("row", name=re.compile("^Remaining gap: if everything counted is agreed"))
    assert "+16.088" in row.inner_text()  # 12.500 + the proposals' +3.588
    assert_accessible(page, "round-1-gap-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "round-1-gap-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    # 2. The approver takes a snapshot as at the Cabinet.
    reviewer = open_as(approver)
    reviewer.goto(f"{plan_path}/snapshots/")
    reviewer.get_by_label("Name").fill("Cabinet 5 February 2019")
    reviewer.get_by_label("As at").fill("2019-02-05")
    reviewer.get_by_role("button", name="Take the snapshot").click()
    reviewer.get_by_text("Snapshot “Cabinet 5 February 2019” taken").wait_for()
    assert_accessible(reviewer, "round-2-snapshots-1280")

    # 3. The officer edits two proposals.
    for reference, label, text in (("41", "Line 1: 2019/20, £m", "+4.000"), ("45", "Line 1: 2020/21, £m", "-0.200")):
        page.goto(f"{plan_path}/proposals/{proposal(ce_plan, reference).pk}/edit/")
        page.get_by_label(label).fill(text)
        page.get_by_role("button", name="Save changes").click()
        page.locator(".messages").wait_for()

    # 4. What changed shows exactly those two figures, and the gap moving by 2019/20's +0.500.
    page.goto(f"{plan_path}/changes/")
    changes = page.locator("table.compare-changes tbody tr")
    assert changes.count() == 2
    text = page.locator("table.compare-changes").inner_text()
    assert "+3.500" in text and "+4.000" in text and "-0.150" in text and "-0.200" in text
    effect = page.locator("table.compare-effect tbody tr").first.inner_text()
    assert effect.startswith("2019/20")
    assert "+0.500" in effect and "+16.588" in effect
    assert_accessible(page, "round-4-what-changed-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "round-4-what-changed-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not page.problems and not reviewer.problems

    # 5. The cabinet workbook from the roll-up page: its Gap and Changes sheets recalculate.
    page.goto(f"{plan_path}/rollup/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("cabinet", re.I)).first.click()
    data = open(download.value.path(), "rb").read()
    theirs = recalculated(soffice, tmp_path, {"book": data})["book"]
    names = load_workbook(io.BytesIO(data)).sheetnames
    assert "Gap" in names and "Changes since Cabinet 5 Februar" in names
    gap = gap_table(Source(ce_plan)).years[0]
    gap_ws = theirs["Gap"]
    rows = {gap_ws.cell(r, 1).value: r for r in range(1, gap_ws.max_row + 1)}
    assert exact(gap_ws.cell(rows["Remaining gap: if everything counted is agreed"], 2).value) == \
        to_decimal_m(gap.remaining_all) == to_decimal_m(16_588)
    changes_ws = theirs["Changes since Cabinet 5 Februar"]
    snapshot = ce_plan.snapshots.get()
    effect = compare(Source(ce_plan, snapshot), Source(ce_plan)).effect()
    assert exact(changes_ws.cell(5, 4).value) == to_decimal_m(effect[0][3]) == to_decimal_m(500)
    assert exact(changes_ws.cell(5, 7).value) == to_decimal_m(effect[0][6]) == to_decimal_m(500)
