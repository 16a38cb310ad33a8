"""Open data in the browser: a council administrator publishes the plan as at a snapshot
from the publishing page; then, signed out, a visitor reads the published roll-up, list,
a proposal and the budget book. Every page passes axe (WCAG 2.2 AA), reflows at 320 px,
and is screenshotted at 1280 and 375 px."""
import pytest
from playwright.sync_api import expect

from proposals.permissions import SYSTEM
from proposals.snapshots import take_snapshot

from ..conftest import proposal
from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def at_widths(page, name):
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{name} scrolls sideways at 320 px"
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_publish_then_read_signed_out(open_as, council_admin, ce_plan):
    take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet 5 February 2019")
    admin = open_as(council_admin)
    admin.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/")
    admin.get_by_role("link", name="Publishing").click()
    expect(admin.get_by_role("heading", name="Publishing")).to_be_visible()
    admin.get_by_role("button", name="Publish").click()
    expect(admin.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(admin, "public-0-publish-error")
    admin.get_by_label("As at Cabinet 5 February 2019").check()
    admin.get_by_role("button", name="Publish").click()
    expect(admin.get_by_text("anyone can now read")).to_be_visible()
    assert_accessible(admin, "public-0-published")
    at_widths(admin, "public-0-published")

    visitor = open_as(None)
    visitor.goto("/public/")
    assert_accessible(visitor, "public-1-index")
    visitor.get_by_role("link", name=ce_plan.name).click()
    expect(visitor.get_by_role("heading", name="Roll-up by outcome")).to_be_visible()
    expect(visitor.get_by_text("as at Cabinet 5 February 2019")).to_be_visible()
    assert_accessible(visitor, "public-2-rollup")
    at_widths(visitor, "public-2-rollup")
    visitor.get_by_role("link", name="By service budget").click()
    expect(visitor.get_by_role("heading", name="Roll-up by service budget")).to_be_visible()
    assert_accessible(visitor, "public-2-rollup-by-service")

    visitor.get_by_role("link", name="Proposals", exact=True).click()
    expect(visitor.get_by_role("heading", name="Proposals")).to_be_visible()
    assert_accessible(visitor, "public-3-list")
    at_widths(visitor, "public-3-list")
    p33 = proposal(ce_plan, "33")
    visitor.get_by_role("link", name=p33.title).click()
    expect(visitor.get_by_role("heading", name=p33.title)).to_be_visible()
    assert_accessible(visitor, "public-4-proposal")
    at_widths(visitor, "public-4-proposal")

    visitor.get_by_role("link", name="Budget book").click()
    expect(visitor.get_by_role("heading", name="Budget book")).to_be_visible()
    assert_accessible(visitor, "public-5-book")
    at_widths(visitor, "public-5-book")
    assert visitor.get_by_text("Signed in as").count() == 0
