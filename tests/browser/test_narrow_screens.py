"""At 375 px: the edit grid stacks (one line at a time, each year a labelled field, the
conflict notes and totals in view, nothing off to the side), and a wide table's caption
wraps inside the screen and stays in view while the table scrolls sideways."""
import pytest

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_the_edit_grid_stacks_at_375(open_as, officer, ce_plan):
    page = open_as(officer)
    page.set_viewport_size({"width": 375, "height": 800})
    winter = ce_plan.proposals.get(lines__service_budget__name__startswith="Additional")
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{winter.pk}/edit/")
    label = page.get_by_text("Line 2: 2019/20, £m", exact=True)
    assert label.bounding_box()["width"] > 50  # shown, no longer visually hidden
    for field in page.locator("table.line-grid input, table.line-grid select").all():
        if field.is_visible():
            box = field.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, field.get_attribute("name")
    net = page.locator("output.grid-year-total").first.bounding_box()
    assert net["x"] + net["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_text("Line 2: 2019/20, £m", exact=True).scroll_into_view_if_needed()
    screenshot(page, "narrow-edit-grid-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    # A table again, its labels for screen readers only (the column headings show the years).
    assert page.get_by_text("Line 2: 2019/20, £m", exact=True).bounding_box()["width"] <= 1
    assert_accessible(page, "narrow-edit-grid-1280")


def test_a_wide_tables_caption_wraps_and_stays_in_view(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/")
    caption = page.locator("table.rollup caption")
    caption.scroll_into_view_if_needed()
    before = caption.bounding_box()
    assert before["x"] >= 0 and before["x"] + before["width"] <= 375
    page.locator(".table-wrap:has(table.rollup)").evaluate("wrap => wrap.scrollLeft = 300")
    after = caption.bounding_box()
    assert after["x"] == before["x"]  # it does not scroll away with the figures
    screenshot(page, "narrow-caption-375")
