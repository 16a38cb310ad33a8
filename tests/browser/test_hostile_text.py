"""Hostile text stored in a proposal stays text in a real browser: no script runs, no
dialog opens, and the page's CSP reports nothing (``open_as`` fails the test if so)."""
import pytest

from ..test_security_hostile_text import IMG, SCRIPT, hostile  # noqa: F401 (fixture)
from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_hostile_text_is_shown_as_text_in_the_browser(open_as, hostile, approver):  # noqa: F811
    page = open_as(approver)
    base = f"/c/{hostile.plan.council.slug}/{hostile.plan.slug}"
    for name, url in [
        ("proposal", f"{base}/proposals/{hostile.pk}/"),
        ("history", f"{base}/proposals/{hostile.pk}/history/"),
        ("list", f"{base}/proposals/?q=Care"),
        ("rollup", f"{base}/rollup/?by=service"),
        ("outcome", f"{base}/outcomes/{hostile.outcome.code}/"),
    ]:
        page.goto(url)
        assert page.locator("img[src=x]").count() == 0
        assert page.locator("main script").count() == 0
        screenshot(page, f"hostile-{name}")
    page.goto(f"{base}/proposals/{hostile.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().endswith(f"Care {SCRIPT}")
    assert IMG in page.locator("main").inner_text()
