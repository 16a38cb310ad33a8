"""The edit grid's totals move while the officer types (our own script from static/, under
the page's CSP), and agree with what the server adds up on "Check totals" with script off;
at 375 px the grid and its totals are on the page."""
import pytest
from django.conf import settings
from playwright.sync_api import expect

from ..conftest import proposal
from .conftest import screenshot, session_cookie_for

pytestmark = pytest.mark.browser

TYPED = {"Line 1: 2019/20, £m": "(0.150)", "Line 1: 2020/21, £m": "+3.5", "Line 1: 2021/22, £m": "No change"}


def footer(page):
    years = page.locator("output.grid-year-total").all_inner_texts()
    return years, page.locator("output.grid-period-total").inner_text()


def test_the_totals_move_while_typing_and_agree_with_the_server(open_as, browser, live_server, officer, ce_plan):
    p41 = proposal(ce_plan, "41")
    edit = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{p41.pk}/edit/"
    page = open_as(officer)
    page.goto(edit)
    assert footer(page) == (["+3.500", "+8.500", "+8.500"], "+20.500")
    for label, text in TYPED.items():
        page.get_by_label(label).fill(text)
    live = footer(page)
    assert live == (["-0.150", "+3.500", "0.000"], "+3.350")
    page.get_by_label("Line 1: 2020/21, £m").fill("3.5 million")
    assert footer(page) == (["-0.150", "check the figures", "0.000"], "check the figures")
    page.get_by_label("Line 1: 2020/21, £m").fill("+3.5")
    screenshot(page, "grid-totals-live-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.locator("output.grid-period-total").scroll_into_view_if_needed()
    screenshot(page, "grid-totals-live-375")
    assert not page.problems

    # The same figures with script off: the server's "Check totals" gives the same footer.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_for(officer),
                          "url": live_server.url}])
    plain = context.new_page()
    plain.goto(edit)
    for label, text in TYPED.items():
        plain.get_by_label(label).fill(text)
    assert footer(plain) == (["+3.500", "+8.500", "+8.500"], "+20.500")  # no script: nothing moves yet
    plain.get_by_role("button", name="Check totals").click()
    plain.get_by_text("checked just now; nothing has been saved yet").wait_for()
    assert footer(plain) == live
    expect(plain.get_by_text("checked just now; nothing has been saved yet")).to_be_visible()
    p41.refresh_from_db()
    assert p41.version == 1
    context.close()
