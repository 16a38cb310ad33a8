"""Everything works from the keyboard, and you can always see where you are.

The first Tab lands on the skip link, which takes you to the main content; every stop
after it shows a focus indicator; and the actions people take (opening the filters,
applying them, approving a proposal, signing in) work with Enter or Space alone.
"""
import re

import pytest

from proposals.models import Status

from ..conftest import proposal
from .conftest import screenshot

pytestmark = pytest.mark.browser

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName, text: (el.innerText || el.value || el.name || '').trim().slice(0, 60), id: el.id,
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !s.outlineColor.endsWith(', 0)')
             && s.outlineColor !== 'transparent',
    shadow: s.boxShadow !== 'none', background: s.backgroundColor,
    visible: r.width > 0 && r.height > 0,
  };
}"""
FOCUS_YELLOW = "rgb(255, 221, 0)"


def focus(page):
    return page.evaluate(FOCUS_STYLE)


def tab_to(page, pattern=None, *, element_id=None, limit=80):
    """Press Tab until the focused element's text matches ``pattern`` (or its id is
    ``element_id``), and return what is focused."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focus(page)
        if now and (now["id"] == element_id if element_id else re.search(pattern, now["text"])):
            return now
    pytest.fail(f"{pattern or element_id!r} cannot be reached with Tab on {page.url}")


def test_skip_link_comes_first_and_moves_focus_to_the_main_content(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/")
    page.keyboard.press("Tab")
    first = focus(page)
    assert first["text"] == "Skip to main content" and first["visible"]
    assert first["background"] == FOCUS_YELLOW
    screenshot(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside = page.evaluate("document.querySelector('main').contains(document.activeElement)")
    assert inside, "after the skip link, Tab goes on inside the main content"


@pytest.mark.parametrize("where", ["rollup/", "proposals/", "proposal", "edit"])
def test_every_tab_stop_shows_where_the_focus_is(open_as, officer, ce_plan, where):
    growth = proposal(ce_plan, "41")
    base = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/"
    url = {"proposal": f"{base}proposals/{growth.pk}/",
           "edit": f"{base}proposals/{growth.pk}/edit/"}.get(where, base + where)
    page = open_as(officer)
    page.goto(url)
    page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")  # reach the filters too
    seen, invisible = [], []
    for _ in range(150):
        page.keyboard.press("Tab")
        now = focus(page)
        if now is None:
            break
        key = (now["tag"], now["id"], now["text"])
        if seen and key == seen[0]:
            break  # back at the start
        seen.append(key)
        if not (now["outline"] or now["shadow"] or now["background"] == FOCUS_YELLOW):
            invisible.append(f"{now['tag']} {now['text']!r}")
    assert len(seen) > 5, f"only {len(seen)} tab stops on {url}"
    assert not invisible, f"no visible focus on {url}: {invisible}"


def test_filters_open_and_apply_with_the_keyboard(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/")
    tab_to(page, r"^Filters$")
    page.keyboard.press("Enter")
    assert page.locator("details.filter-panel").evaluate("d => d.open")
    tab_to(page, element_id="id_kind")
    page.keyboard.press("ArrowDown")  # All kinds -> Revenue Savings
    assert page.get_by_label("Kind").input_value() == "revenue_savings"
    tab_to(page, r"^Apply filters$")
    screenshot(page, "keyboard-filters")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"kind=revenue_savings"))


def test_an_approver_approves_with_the_keyboard(open_as, approver, ce_plan):
    growth = proposal(ce_plan, "41")
    page = open_as(approver)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{growth.pk}/")
    now = tab_to(page, r"^Approve$")
    assert now["background"] == FOCUS_YELLOW or now["shadow"]
    screenshot(page, "keyboard-approve-focused")
    page.keyboard.press("Enter")
    page.locator(".messages").filter(has_text="approved").wait_for()
    growth.refresh_from_db()
    assert growth.status == Status.APPROVED


def test_signing_in_with_the_keyboard(open_as, officer):
    page = open_as(None)
    page.goto("/accounts/login/")
    tab_to(page, element_id="id_username")
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type("test-password-123")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Councils and plans").wait_for()


def test_an_officer_edits_a_figure_and_saves_with_the_keyboard(open_as, officer, ce_plan):
    growth = proposal(ce_plan, "41")
    page = open_as(officer)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{growth.pk}/")
    tab_to(page, r"^Edit")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Save changes").wait_for()
    field_id = page.get_by_label("Line 1: 2020/21, £m").get_attribute("id")
    tab_to(page, element_id=field_id, limit=150)
    page.keyboard.press("Control+A")
    page.keyboard.type("+8.750")
    now = tab_to(page, r"^Save changes$")
    assert now["background"] == FOCUS_YELLOW or now["shadow"] or now["outline"]
    page.keyboard.press("Enter")
    page.locator(".messages").wait_for()
    screenshot(page, "keyboard-edit-saved")
    assert growth.lines.get().variations.get(year__start_year=2020).amount_k == 8750
