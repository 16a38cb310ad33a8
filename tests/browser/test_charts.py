"""The roll-up chart as the browser draws it: by every grouping, no two of its texts
overlap on the rendered page (their real boxes), and at 375 px it gives way to its table."""
import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser

OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('figure.chart svg text')].map(e => {
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; });
  const found = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) found.push(a[4] + ' | ' + b[4]);
  }
  return [boxes.length, found];
}"""


@pytest.mark.parametrize("by", ["outcome", "theme", "service", "kind"])
def test_chart_labels_never_collide_and_give_way_at_375(open_as, commissioner, ce_plan, by):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/?by={by}")
    count, found = page.evaluate(OVERLAPS)
    assert count > 5 and found == []
    svg = page.locator("figure.chart svg[role=img]").bounding_box()
    for right in page.evaluate("[...document.querySelectorAll('figure.chart svg text')]"
                               ".map(e => e.getBoundingClientRect().right)"):
        assert right <= svg["x"] + svg["width"] + 1
    assert_accessible(page, f"chart-{by}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.locator("figure.chart svg[role=img]")).not_to_be_visible()
    expect(page.get_by_text("On a narrow screen the chart gives way to the table below")).to_be_visible()
    screenshot(page, f"chart-{by}-375")
