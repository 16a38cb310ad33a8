"""Recent changes filtered in the browser: by proposal, with a changed description shown
as a word difference; accessible (axe), at 1280 and 375 px."""
import pytest
from playwright.sync_api import expect

from proposals.services import save_proposal
from tests.test_recent_changes_filters import lines_of

from ..conftest import proposal
from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_recent_changes_filtered_to_one_proposal_show_its_word_difference(open_as, officer, commissioner, ce_plan):
    p45 = proposal(ce_plan, "45")
    save_proposal(proposal=p45, user=officer, lines=lines_of(p45), expected_version=p45.version,
                  fields={"description": p45.description.replace("Adopters", "adoptive parents", 1)})
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/")
    page.goto(f"/c/{ce_plan.council.slug}/changes/")
    page.get_by_label("Proposal").fill("[45]")
    page.get_by_label("Who").select_option(label="J. Smith")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_text("Proposal: [45]").wait_for()
    assert page.locator("del").first.text_content() == "[removed: Adopters]"
    expect(page.locator("ins").first).to_be_visible()
    assert_accessible(page, "recent-changes-filtered-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "recent-changes-filtered-375")
    page.get_by_label("From").fill("2019-03-01")
    page.get_by_label("To").fill("2019-02-01")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("heading", name="There is a problem with the filters").wait_for()
    assert_accessible(page, "recent-changes-bad-filter")
    assert not page.problems
