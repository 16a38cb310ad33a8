"""A quarter's savings delivery, as users walk it: a council administrator opens 2019/20 Q2
for returns; a finance officer enters the quarter's returns in the grid, is told why a
Green rating on a short forecast is refused (nothing saved), corrects it, and reads the
summary: the headline percentage, the ratings, the drill-down to the Amber returns, and
the proposal's page with its rating over time. Axe on each page; screenshots at 1280 and
375 px; no page scrolls sideways at 320 px (WCAG 1.4.10)."""
import re

import pytest

from delivery.models import DeliveryReturn
from proposals.models import Proposal, Status

from ..conftest import proposal
from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def fits_320(page):
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    return width <= 320


def test_a_quarters_returns_and_the_summary(open_as, council_admin, officer, ce_plan):
    Proposal.objects.filter(plan=ce_plan, reference__in=["33", "36", "40"]).update(status=Status.APPROVED)
    plan_path = f"/c/{ce_plan.council.slug}/{ce_plan.slug}"

    # 1. The council administrator opens 2019/20 Q2 for returns.
    admin = open_as(council_admin)
    admin.goto(f"{plan_path}/delivery/")
    admin.get_by_label("Year").select_option(label="2019/20")
    admin.get_by_label("Quarter").select_option(label="Q2")
    admin.get_by_label("Reporting date").fill("30/09/2019")
    admin.get_by_role("button", name="Add the period").click()
    admin.get_by_text("2019/20 Q2 is open for returns.").wait_for()
    assert_accessible(admin, "delivery-1-periods-1280")

    # 2. The officer enters the returns; a Green rating on a short forecast is refused.
    page = open_as(officer)
    page.goto(f"{plan_path}/delivery/")
    page.get_by_role("link", name="Enter returns for 2019/20 Q2").click()
    first = page.get_by_role("group", name=re.compile(r"^\[33\]"))
    first.wait_for()
    first.get_by_label("Forecast, £m").fill("-0.020")
    first.get_by_label("Rating").select_option("green")
    first.get_by_label("Lead officer").fill("J. Smith")
    second = page.get_by_role("group", name=re.compile(r"^\[36\]"))
    second.get_by_label("Forecast, £m").fill("-0.030")
    second.get_by_label("Rating").select_option("amber")
    second.get_by_label("Mitigation (Amber and Red)").fill("Agency staff cut from October")
    second.get_by_label("Commentary").fill("Recruitment to the new structure is three months late.")
    page.get_by_role("button", name="Save the returns").click()
    summary_box = page.locator(".error-summary")
    summary_box.wait_for()
    assert "Green means the full target (-0.027) is on track, but the forecast is -0.020" in summary_box.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert not DeliveryReturn.objects.exists()
    assert_accessible(page, "delivery-2-returns-error-1280")
    # What was typed is kept; the officer corrects the rating.
    first = page.get_by_role("group", name=re.compile(r"^\[33\]"))
    assert first.get_by_label("Forecast, £m").input_value() == "-0.020"
    first.get_by_label("Rating").select_option("amber")
    first.get_by_label("Mitigation (Amber and Red)").fill("Second phase brought forward")
    page.get_by_role("button", name="Save the returns").click()
    page.get_by_text("2 returns saved for 2019/20 Q2.").wait_for()

    # 3. The summary: 50 of 77 forecast, both Amber; the drill-down shows the two returns.
    headline = page.locator(".headline").inner_text()
    assert "64.9%" in headline and "-0.050 of -0.077" in headline
    amber = page.get_by_role("row", name=re.compile("Amber"))
    assert "-0.050" in amber.first.inner_text()
    assert dict(DeliveryReturn.objects.values_list("proposal__reference", "forecast_k")) == {"33": -20, "36": -30}
    assert_accessible(page, "delivery-3-summary-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "delivery-3-summary-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert fits_320(page)
    page.locator("table.delivery-summary").first.get_by_role("link", name=re.compile("Amber")).click()
    page.get_by_role("heading", name=re.compile("^Returns: Amber")).wait_for()
    returns = page.locator("table.delivery-returns").inner_text()
    assert "[33]" in returns and "[36]" in returns and "Agency staff cut from October" in returns

    # 4. The proposal's page shows its rating and forecast for the quarter.
    page.goto(f"{plan_path}/proposals/{proposal(ce_plan, '36').pk}/")
    history = page.locator("table.delivery-history").inner_text()
    assert "2019/20 Q2" in history and "Amber" in history and "-0.030" in history
    assert_accessible(page, "delivery-4-proposal-1280")

    # The grid at narrow widths: stacked, no sideways scrolling.
    page.goto(f"{plan_path}/delivery/2019-20-q2/returns/")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "delivery-2-returns-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert fits_320(page)
    assert not page.problems and not admin.problems
