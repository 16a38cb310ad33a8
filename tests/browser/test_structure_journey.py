"""A council administrator sets up the council's structure in the browser: from the home
page to the settings, an outcome moved and added (through its error), themes pasted
from a spreadsheet and previewed, and a service budget in use refused deletion. Each
page is checked with axe (WCAG 2.2 AA) and screenshotted."""
import pytest
from playwright.sync_api import expect

from outcomes.models import Outcome
from proposals import structure
from proposals.models import ServiceBudget, Theme

from .conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_an_administrator_sets_up_the_councils_structure(open_as, council_admin, ce):
    page = open_as(council_admin)
    page.goto("/")
    page.get_by_role("link", name="Council settings of Cheshire East Council").click()
    expect(page.get_by_role("heading", name="Council settings")).to_be_visible()
    assert_accessible(page, "structure-index")

    page.get_by_role("link", name="Outcomes", exact=True).click()
    assert_accessible(page, "structure-outcomes")
    page.get_by_role("link", name="Add outcome").click()
    page.get_by_label("Title").fill("A greener borough")
    page.get_by_role("button", name="Add outcome").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page, "structure-outcome-error")
    page.get_by_role("link", name="Enter the outcome\u2019s code.").click()
    page.get_by_label("Code").fill("9")
    page.get_by_role("button", name="Add outcome").click()
    expect(page.get_by_text("Outcome 9 \u2013 A greener borough has been added.")).to_be_visible()
    added = Outcome.objects.get(council=ce, code="9")
    assert structure.council_records(Outcome, ce).last() == added
    page.get_by_role("button", name=f"Move up {added}").click()
    expect(page.get_by_text(f"{added} has been moved up.")).to_be_visible()
    assert structure.council_records(Outcome, ce).first() == added
    assert_accessible(page, "structure-outcomes-moved")

    page.goto(f"/c/{ce.slug}/settings/themes/paste/")
    assert_accessible(page, "structure-themes-paste")
    existing = structure.council_records(Theme, ce).first()
    page.get_by_label("Paste the list").fill(f"Name\tDescription\n{existing.name}\nGrowing the place\tJobs.\n"
                                             "Growing the place\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="There is a problem in the pasted list")).to_be_visible()
    assert_accessible(page, "structure-themes-preview-problem")
    page.get_by_role("link", name="Paste or upload a corrected list").click()
    page.get_by_label("Paste the list").fill(f"{existing.name}\nGrowing the place\tJobs.\n")
    page.get_by_role("button", name="Preview").click()
    assert_accessible(page, "structure-themes-preview")
    page.get_by_role("button", name="Add 1 theme").click()
    expect(page.get_by_text("1 theme has been added.")).to_be_visible()
    assert Theme.objects.get(council=ce, name="Growing the place").description == "Jobs."
    assert_accessible(page, "structure-themes")

    used = ServiceBudget.objects.filter(council=ce, lines__isnull=False).first()
    page.goto(f"/c/{ce.slug}/settings/service-budgets/")
    assert_accessible(page, "structure-service-budgets")
    page.get_by_role("link", name=f"Delete Service budget \u201c{used.name}\u201d").click()
    in_use = page.get_by_role("heading", name=f"Service budget \u201c{used.name}\u201d cannot be deleted")
    expect(in_use).to_be_visible()
    assert_accessible(page, "structure-service-budget-in-use")
