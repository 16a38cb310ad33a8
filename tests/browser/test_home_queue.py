"""An approver's home lists what waits for them, at 1280 px and stacked at 375 px with
nothing scrolling sideways; the e-mail settings page turns the e-mails off and on. Both
accessible (axe), screenshots kept."""
import pytest
from playwright.sync_api import expect

from councils.models import Preferences
from proposals.models import Proposal, Status

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_an_approvers_home_lists_what_waits_for_them_at_both_widths(open_as, approver, ce_plan):
    waiting = Proposal.objects.filter(status__in=[Status.SUBMITTED, Status.CONSULTATION]).count()
    page = open_as(approver)
    page.goto("/")
    expect(page.get_by_role("heading", name=f"Waiting for your approval ({waiting})")).to_be_visible()
    expect(page.get_by_role("row").nth(1).get_by_text("You may approve it")).to_be_visible()
    assert_accessible(page, "home-approver-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    table = page.locator("table.queue")
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    expect(page.locator("table.queue td[data-label='Net']").first).to_be_visible()
    screenshot(page, "home-approver-375")
    assert not page.problems


def test_the_email_settings_page_turns_them_off_and_on(open_as, officer):
    page = open_as(officer)
    page.goto("/")
    page.get_by_role("link", name="E-mail settings").click()
    page.get_by_label("E-mail me when a proposal needs me").wait_for()
    box = page.get_by_label("E-mail me when a proposal needs me")
    assert box.is_checked()
    assert_accessible(page, "email-settings")
    box.uncheck()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your e-mail settings are saved.").wait_for()
    assert not page.get_by_label("E-mail me when a proposal needs me").is_checked()
    assert Preferences.objects.get(user=officer).workflow_emails is False
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "email-settings-375")
    assert not page.problems
