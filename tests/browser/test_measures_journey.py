"""An outcome's measures, as a finance officer keeps them: the outcome page shows the
Better Care Fund's metrics with their 2018/19 Q1 values and ratings; the officer adds
Q2 to the non-elective admissions measure, is told why a Green rating on an actual worse
than plan is refused (nothing saved, focus on the message), corrects it, and reads the
trend on the outcome page. Axe on each page; screenshots at 1280 and 375 px; no page
scrolls sideways at 320 px (WCAG 1.4.10)."""
from decimal import Decimal

import pytest

from outcomes.models import MeasureValue

from .conftest import assert_accessible, screenshot
from .test_delivery_journey import fits_320

pytestmark = pytest.mark.browser


def test_an_officer_adds_a_quarter_to_a_measure(open_as, officer, ce_plan):
    outcome_path = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/outcomes/5/"
    page = open_as(officer)
    page.goto(outcome_path)
    table = page.get_by_role("table", name="Outcome 5 measures: baseline, target and the latest value")
    row = table.get_by_role("row", name="NEA - Reduction in non-elective admissions")
    assert "10,142 admissions" in row.inner_text() and "Red" in row.inner_text()
    assert_accessible(page, "measures-1-outcome-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "measures-1-outcome-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert fits_320(page)

    row.get_by_role("link", name="Change measure 5.1").click()
    page.get_by_label("New period 1", exact=True).fill("2018/19 Q2")
    page.get_by_label("New period 1: plan", exact=True).fill("9,400")
    page.get_by_label("New period 1: actual", exact=True).fill("9,650")
    page.get_by_label("New period 1: rating", exact=True).select_option("green")
    page.get_by_role("button", name="Save the measure").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "Green means on or better than plan" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert not MeasureValue.objects.filter(measure__outcome__council=ce_plan.council, quarter=2).exists()
    assert page.get_by_label("New period 1: actual", exact=True).input_value() == "9,650"  # what was typed is kept
    assert_accessible(page, "measures-2-edit-error-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "measures-2-edit-error-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert fits_320(page)

    page.get_by_label("New period 1: rating", exact=True).select_option("amber")
    page.get_by_label("New period 1: commentary", exact=True).fill("Winter pressures came early.")
    page.get_by_role("button", name="Save the measure").click()
    page.get_by_text("Measure 5.1 is saved.").wait_for()
    trend = page.get_by_role("table", name="Measure 5.1 over time (admissions): NEA - Reduction in non-elective "
                                                 "admissions")
    assert "2018/19 Q2" in trend.inner_text() and "9,650 admissions" in trend.inner_text()
    latest = page.get_by_role("table", name="Outcome 5 measures: baseline, target and the latest value")
    assert "Better than the period before" in latest.get_by_role("row", name="NEA - Reduction").inner_text()
    value = MeasureValue.objects.get(measure__outcome__council=ce_plan.council, measure__number=1, quarter=2)
    assert (value.planned, value.actual, value.rating) == (Decimal("9400"), Decimal("9650"), "amber")
    assert_accessible(page, "measures-3-trend-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "measures-3-trend-375")
