"""The journeys people take, end to end in a real browser, with screenshots of each page
(artifacts/screenshots/journey-*.png).

1. A finance officer changes a yearly figure and sees the outcome roll-up move by exactly
   that amount.
2. A commissioner filters the roll-up, drills from a figure to its proposals, opens one,
   and downloads the cabinet-paper workbook.
3. Two officers edit the same proposal; the second is told of the conflict and keeps
   what they typed.
4. An approver approves a submitted proposal; its author, though also an approver, cannot.
"""
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from councils.models import Role
from proposals.models import Status, Variation

from ..conftest import make_user, proposal
from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser

FIGURE = re.compile(r"[+\-\u2212]?\(?\d+\.\d{3}\)?")


def as_decimal(text):
    """A £m figure as the pages print it ("+3.588", "-2.954", "−2.954", "(2.954)")."""
    match = FIGURE.search(text)
    assert match, f"no figure in {text!r}"
    figure = match.group(0).replace("\u2212", "-")
    if figure.startswith("(") or figure.startswith("-("):
        return -Decimal(figure.strip("-()"))
    return Decimal(figure)


def rollup_url(plan):
    return f"/c/{plan.council.slug}/{plan.slug}/rollup/"


def proposal_url(p, suffix=""):
    return f"/c/{p.plan.council.slug}/{p.plan.slug}/proposals/{p.pk}/{suffix}"


def rollup_figures(page, group_text, measure):
    """{year label: Decimal} for one measure ("increase", "decrease", "net") of one group."""
    table = page.locator("table.rollup")
    expect(table.locator("tbody.group").first).to_be_visible()  # .all() below does not wait for the page
    years = [th.inner_text().split("\n")[0].strip() for th in table.locator("thead th.num").all()]
    group = table.locator("tbody.group").filter(has_text=group_text)
    cells = group.locator(f"tr.measure-{measure} td.num").all()
    return {year: as_decimal(cell.inner_text()) for year, cell in zip(years, cells, strict=True)}


def figure_k(p, year_label):
    return Variation.objects.get(line__proposal=p, line__position=p.lines.first().position,
                                 year__start_year=int(year_label[:4])).amount_k


def test_officer_changes_a_figure_and_the_rollup_moves_by_exactly_that(open_as, officer, ce_plan):
    growth = proposal(ce_plan, "41")  # +3.500, +8.500, +8.500 on External Care Costs
    page = open_as(officer)

    page.goto(rollup_url(ce_plan))
    before = rollup_figures(page, "Outcome 5", "net")
    screenshot(page, "journey-1-rollup-before")

    page.goto(proposal_url(growth))
    page.get_by_role("link", name=re.compile(r"^Edit")).click()
    field = page.get_by_label("Line 1: 2019/20, £m")
    assert as_decimal(field.input_value()) == Decimal("3.500")
    field.fill("+3.750")
    screenshot(page, "journey-1-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name=re.compile("Growth in Demand for Adult Social Care"))).to_be_visible()
    expect(page.locator(".messages")).to_be_visible()
    screenshot(page, "journey-1-saved")

    page.get_by_role("link", name="Roll-up").click()
    after = rollup_figures(page, "Outcome 5", "net")
    screenshot(page, "journey-1-rollup-after")
    assert after["2019/20"] - before["2019/20"] == Decimal("0.250")
    assert after["2020/21"] == before["2020/21"] and after["2021/22"] == before["2021/22"]
    assert figure_k(growth, "2019/20") == 3750


def test_commissioner_filters_drills_down_opens_a_proposal_and_downloads_the_workbook(open_as, commissioner, ce_plan):
    page = open_as(commissioner)
    page.goto(rollup_url(ce_plan))
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Kind").select_option(label="Revenue Savings")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile("kind=revenue_savings"))
    expect(page.locator(".report-facts").get_by_text("Revenue Savings")).to_be_visible()
    screenshot(page, "journey-2-rollup-filtered")

    saving = rollup_figures(page, "Outcome 5", "decrease")["2019/20"]
    assert saving < 0
    page.locator("table.rollup tbody.group").filter(has_text="Outcome 5").locator(
        "tr.measure-decrease td.num a"
    ).first.click()
    page.wait_for_url(re.compile(r"/proposals/.*kind=revenue_savings"))
    rows = page.locator("table.proposal-list tbody tr")
    assert rows.count() >= 1
    # The proposals behind the figure add up to it.
    assert as_decimal(page.locator("table.proposal-list tfoot td.num").first.inner_text()) == saving
    screenshot(page, "journey-2-drilled-list")

    first = rows.first.locator("a").first
    title = first.inner_text().strip()
    first.click()
    expect(page.get_by_role("heading", level=1).filter(has_text=title.split("]")[-1].strip())).to_be_visible()
    screenshot(page, "journey-2-proposal")

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the cabinet-paper workbook")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    text = " ".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "Cheshire East" in text
    assert title.split("]")[-1].strip() in text


def test_two_officers_edit_at_once_and_the_second_keeps_what_they_typed(open_as, officer, officer2, ce_plan):
    growth = proposal(ce_plan, "41")
    first, second = open_as(officer), open_as(officer2)
    first.goto(proposal_url(growth, "edit/"))
    second.goto(proposal_url(growth, "edit/"))

    first.get_by_label("Line 1: 2019/20, £m").fill("+3.600")
    first.get_by_role("button", name="Save changes").click()
    expect(first.locator(".messages")).to_be_visible()
    screenshot(first, "journey-3-first-saved")

    second.get_by_label("Title").fill("Growth in Demand for Adult Social Care (revised)")
    second.get_by_label("Line 1: 2020/21, £m").fill("+9.125")
    second.get_by_role("button", name="Save changes").click()
    conflict = second.get_by_role("alert").filter(has_text="J. Smith saved this proposal at")
    expect(conflict).to_be_visible()
    assert "3.600" in conflict.inner_text()  # what the first officer changed is shown
    assert second.get_by_label("Title").input_value() == "Growth in Demand for Adult Social Care (revised)"
    assert second.get_by_label("Line 1: 2020/21, £m").input_value() == "+9.125"
    assert_accessible(second, "journey-3-second-conflict")
    second.set_viewport_size({"width": 375, "height": 800})
    screenshot(second, "journey-3-second-conflict-375")  # the notes stack with their lines
    second.set_viewport_size({"width": 1280, "height": 900})

    growth.refresh_from_db()
    assert growth.title == "Growth in Demand for Adult Social Care"
    assert figure_k(growth, "2019/20") == 3600 and figure_k(growth, "2020/21") == 8500

    # The form now takes in the first officer's figure, so saving it keeps both edits.
    assert second.get_by_label("Line 1: 2019/20, £m").input_value() == "+3.600"
    second.get_by_role("button", name="Save changes").click()
    expect(second.locator(".messages")).to_be_visible()
    screenshot(second, "journey-3-second-saved-both")
    growth.refresh_from_db()
    assert growth.title == "Growth in Demand for Adult Social Care (revised)"
    assert figure_k(growth, "2019/20") == 3600 and figure_k(growth, "2020/21") == 9125


def test_approver_approves_a_submitted_proposal_and_its_author_cannot(open_as, approver, ce_plan):
    author = make_user("author", memberships=[("cheshire-east", Role.OFFICER), ("cheshire-east", Role.APPROVER)])
    growth = proposal(ce_plan, "41")
    page = open_as(author)
    page.goto(proposal_url(growth, "edit/"))
    page.get_by_label("Line 1: 2021/22, £m").fill("+8.400")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Return to draft").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".messages").filter(has_text="submitted")).to_be_visible()
    assert page.get_by_role("button", name="Approve").count() == 0
    expect(page.get_by_text("You cannot approve this proposal because you created it or changed it")).to_be_visible()
    screenshot(page, "journey-4-author-cannot-approve")

    # Nor by sending the form the button would have sent.
    growth.refresh_from_db()
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        proposal_url(growth, "status/"),
        form={"csrfmiddlewaretoken": token, "to": "approved", "version": str(growth.version)},
        headers={"Referer": page.url},
    )
    assert response.status == 403 or "You cannot approve this proposal because you created it" in response.text()
    growth.refresh_from_db()
    assert growth.status == Status.SUBMITTED and growth.approved_by is None

    page = open_as(approver)
    page.goto(proposal_url(growth))
    screenshot(page, "journey-4-approver-sees-approve")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages").filter(has_text="approved")).to_be_visible()
    screenshot(page, "journey-4-approved")
    growth.refresh_from_db()
    assert growth.status == Status.APPROVED and growth.approved_by == approver
