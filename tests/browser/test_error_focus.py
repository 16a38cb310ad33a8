"""After a failed save the keyboard focus is on the error summary (GOV.UK's pattern), with
script or without it: the summary carries ``autofocus``, which the browser honours on load."""
import pytest
from django.conf import settings

from ..conftest import proposal
from .conftest import screenshot, session_cookie_for

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("script", [True, False], ids=["with-script", "without-script"])
def test_a_failed_save_puts_the_focus_on_the_error_summary(browser, live_server, officer, ce_plan, script):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  java_script_enabled=script)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_for(officer),
                          "url": live_server.url}])
    page = context.new_page()
    p41 = proposal(ce_plan, "41")
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{p41.pk}/edit/")
    page.get_by_label("Line 1: 2019/20, £m").fill("three and a half")
    page.get_by_role("button", name="Save changes").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    # Playwright reads the focus through the DevTools protocol, with the page's own script off too.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    screenshot(page, f"error-focus-{'script' if script else 'no-script'}")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, f"error-focus-{'script' if script else 'no-script'}-375")
    context.close()
