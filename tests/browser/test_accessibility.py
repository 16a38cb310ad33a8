"""axe-core finds no WCAG 2.2 AA violation on the pages people use, including their
error states. Journeys check the pages in the middle of a task; this file checks
each page on its own, as the accessibility statement promises."""
import re

import pytest
from playwright.sync_api import expect

from ..conftest import proposal
from .conftest import assert_accessible, axe_violations, screenshot

pytestmark = pytest.mark.browser


def test_sign_in_page_and_its_errors_are_accessible(open_as, officer):
    page = open_as(None)
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_accessible(page, "a11y-sign-in")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page, "a11y-sign-in-error")
    page.get_by_label("Password").fill("test-password-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Councils and plans")).to_be_visible()
    assert_accessible(page, "a11y-home")


def test_accessibility_statement_is_public_and_accessible(open_as, seed):
    page = open_as(None)
    page.goto("/accessibility/")
    expect(page.get_by_role("heading", name="Accessibility statement for Budget Portal")).to_be_visible()
    assert_accessible(page, "a11y-accessibility-statement")


def test_not_found_page_is_accessible(open_as, officer):
    page = open_as(officer)
    response = page.goto("/c/no-such-council/no-such-plan/rollup/")
    assert response.status == 404
    assert_accessible(page, "a11y-404")


def test_forbidden_page_is_accessible(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    response = page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/new/")
    assert response.status == 403
    assert_accessible(page, "a11y-403")


def test_rollup_page_is_accessible(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/rollup/")
    assert_accessible(page, "a11y-rollup")


def test_proposal_list_is_accessible(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/")
    assert_accessible(page, "a11y-proposal-list")


def test_all_councils_list_and_its_bad_filter_page_are_accessible(open_as, commissioner):
    page = open_as(commissioner)
    page.goto("/proposals/?sort=-net")
    assert_accessible(page, "a11y-proposal-list-all")
    page.goto("/proposals/?status=pending")
    assert_accessible(page, "a11y-proposal-list-all-bad-filter")


def test_proposal_page_is_accessible(open_as, approver, ce_plan):
    growth = proposal(ce_plan, "41")
    page = open_as(approver)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{growth.pk}/")
    assert_accessible(page, "a11y-proposal")


def test_edit_form_with_errors_is_accessible(open_as, officer, ce_plan):
    growth = proposal(ce_plan, "41")
    page = open_as(officer)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{growth.pk}/edit/")
    assert_accessible(page, "a11y-edit")
    page.get_by_label("Title").fill("")
    page.get_by_label("Line 1: 2019/20, £m").fill("lots")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page, "a11y-edit-errors")


def test_history_page_is_accessible(open_as, officer, ce_plan):
    growth = proposal(ce_plan, "41")
    page = open_as(officer)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/proposals/{growth.pk}/history/")
    assert_accessible(page, "a11y-history")


def test_recent_changes_page_is_accessible(open_as, officer, ce_plan):
    page = open_as(officer)
    page.goto(f"/c/{ce_plan.council.slug}/changes/")
    assert_accessible(page, "a11y-recent-changes")


def test_the_checks_themselves_catch_a_violation_and_a_csp_breach(open_as, seed):
    """axe really runs under our CSP, and an inline style is really reported."""
    page = open_as(None)
    page.goto("/accounts/login/")
    page.evaluate("document.querySelector('label[for=id_username]').remove()")
    assert "label" in {violation["id"] for violation in axe_violations(page)}
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p><img src=x onerror=\"document.title=1\"></p>')"
    )
    page.wait_for_timeout(200)  # the blocked handler is reported asynchronously
    assert any("Content Security Policy" in problem for problem in page.problems)
    assert page.title() != "1"
    page.problems.clear()


def test_import_upload_its_errors_and_its_preview_are_accessible(open_as, officer, ce_plan, client):
    base = f"/c/{ce_plan.council.slug}/{ce_plan.slug}"
    client.force_login(officer)
    flat = client.get(f"{base}/proposals-flat.csv")
    content = b"".join(flat.streaming_content) if flat.streaming else flat.content
    changed = content.replace(b"Growth in Demand for Adult Social Care",
                              b"Growth in Demand for Adult Social Care (imported)")
    assert changed != content

    page = open_as(officer)
    page.goto(f"{base}/import/")
    assert_accessible(page, "a11y-import")
    page.locator("input[type=file]").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a spreadsheet"}
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page, "a11y-import-errors")
    page.locator("input[type=file]").set_input_files(
        {"name": "proposals.csv", "mimeType": "text/csv", "buffer": changed}
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("Growth in Demand for Adult Social Care (imported)").first).to_be_visible()
    assert_accessible(page, "a11y-import-preview")


def test_server_error_page_is_accessible(open_as, seed):
    """The 500 page as Django's handler renders it, served at an address of the app so
    it gets the real stylesheet."""
    from django.template.loader import render_to_string

    html = render_to_string("errors/500.html")
    page = open_as(None)
    page.route("**/boom/", lambda route: route.fulfill(status=500, body=html, content_type="text/html; charset=utf-8"))
    response = page.goto("/boom/")
    assert response.status == 500
    expect(page.get_by_role("heading", name="Sorry, there is a problem with the service")).to_be_visible()
    assert_accessible(page, "a11y-500")


def test_expired_form_page_is_accessible(open_as, officer):
    page = open_as(None)
    page.goto("/accounts/login/")
    page.context.clear_cookies()  # the CSRF cookie goes, as when a session expires
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("test-password-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    assert_accessible(page, "a11y-403-csrf")


@pytest.mark.parametrize("where", ["rollup/", "proposals/", "outcomes/5/"])
def test_negative_figures_never_rely_on_colour_alone(open_as, commissioner, ce_plan, where):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/{where}")
    figures = page.locator("td.num, th.num, td .neg, .neg").all_inner_texts()
    negatives = page.locator(".neg").all_inner_texts()
    assert negatives, "the seed has savings: some figure must be negative"
    for text in negatives:
        assert text.strip().startswith(("-", "\u2212", "(")), f"{text!r} is shown as negative by colour only"
    coloured = page.evaluate("""() => [...document.querySelectorAll('main td, main th, main span')]
        .filter(el => getComputedStyle(el).color === 'rgb(164, 18, 14)' && el.children.length === 0)
        .map(el => el.innerText.trim())""")
    for text in coloured:
        assert not re.fullmatch(r"\+?\d[\d,]*\.\d{3}", text), f"{text!r} is red but has no minus sign"
    assert figures


@pytest.mark.parametrize("where", ["rollup/", "proposals/", "proposal", "edit", "history", "import/"])
def test_pages_reflow_at_320_pixels_without_scrolling_sideways(open_as, officer, ce_plan, where):
    """WCAG 1.4.10 (what 400% zoom on a 1280 px screen gives): only data tables may scroll,
    inside their own wrapper; the page itself never does."""
    growth = proposal(ce_plan, "41")
    base = f"/c/{ce_plan.council.slug}/{ce_plan.slug}/"
    url = {"proposal": f"{base}proposals/{growth.pk}/", "edit": f"{base}proposals/{growth.pk}/edit/",
           "history": f"{base}proposals/{growth.pk}/history/"}.get(where, base + where)
    page = open_as(officer)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)
    page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, page.evaluate(
        """() => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > 321 && !e.closest('.table-wrap'))
             .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    screenshot(page, f"a11y-reflow-{where.strip('/')}")
