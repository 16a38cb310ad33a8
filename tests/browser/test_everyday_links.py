"""Everyday journeys (issue 18): "Add a proposal" from the plan's roll-up opens the form for
that plan; a proposal returned to draft from consultation goes out to consultation again
(the workflow table's re-entry), by the buttons the table offers. Screenshots at 1280 and
375 px; axe on each page."""
import re

import pytest

from proposals.models import Status

from ..conftest import proposal
from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_add_a_proposal_from_the_rollup(open_as, officer, ce_plan):
    page = open_as(officer)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/")
    page.get_by_role("link", name="Add a proposal").first.click()
    page.get_by_label("Title").wait_for()
    assert page.url.endswith(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/new/")
    assert_accessible(page, "add-proposal-from-rollup-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "add-proposal-from-rollup-375")


def test_back_to_draft_and_out_to_consultation_again(open_as, officer, approver, ce_plan):
    target = proposal(ce_plan, "33")
    assert target.status == Status.CONSULTATION
    path = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{target.pk}/"
    author = open_as(officer)
    author.goto(path)
    author.get_by_role("button", name="Return to draft").click()
    author.locator(".messages").wait_for()
    author.get_by_role("button", name="Submit for approval").click()
    author.locator(".messages").wait_for()
    reviewer = open_as(approver)
    reviewer.goto(path)
    reviewer.get_by_role("button", name="Put out to consultation").click()
    reviewer.locator(".messages").wait_for()
    assert re.search("Out to consultation", reviewer.locator(".tag").first.inner_text())
    target.refresh_from_db()
    assert target.status == Status.CONSULTATION
    assert_accessible(reviewer, "consultation-again-1280")
    reviewer.set_viewport_size({"width": 375, "height": 800})
    screenshot(reviewer, "consultation-again-375")
