"""axe-core finds no WCAG 2.2 AA violation on the pages people use, including their
error states. Journeys check the pages in the middle of a task; this file checks
each page on its own, as the accessibility statement promises."""
import pytest

from proposals.models import Status

from ..conftest import proposal
from .conftest import assert_accessible, axe_violations

pytestmark = pytest.mark.browser


def test_sign_in_page_and_its_errors_are_accessible(open_as, officer):
    page = open_as(None)
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_accessible(page, "a11y-sign-in")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page, "a11y-sign-in-error")
    page.get_by_label("Password").fill("test-password-123")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Councils and plans").is_visible()
    assert_accessible(page, "a11y-home")


def test_accessibility_statement_is_public_and_accessible(open_as, seed):
    page = open_as(None)
    page.goto("/accessibility/")
    assert page.get_by_role("heading", name="Accessibility statement for Budget Portal").is_visible()
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
    assert page.get_by_role("heading", name="There is a problem").is_visible()
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
    changed = content.replace(b"Growth in Demand for Adult Social Care", b"Growth in Demand for Adult Social Care (imported)")
    assert changed != content

    page = open_as(officer)
    page.goto(f"{base}/import/")
    assert_accessible(page, "a11y-import")
    page.locator("input[type=file]").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a spreadsheet"}
    )
    page.get_by_role("button", name="Upload and preview").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page, "a11y-import-errors")
    page.locator("input[type=file]").set_input_files(
        {"name": "proposals.csv", "mimeType": "text/csv", "buffer": changed}
    )
    page.get_by_role("button", name="Upload and preview").click()
    assert page.get_by_text("Growth in Demand for Adult Social Care (imported)").first.is_visible()
    assert_accessible(page, "a11y-import-preview")
