"""A council administrator's people pages in the browser: a new colleague added (with
the form's errors first), their set-password link followed by them, a colleague with
roles in another council taken off this council; axe-core finds no WCAG 2.2 AA
violation on any of the pages, error states included."""
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from councils.models import Membership

from .conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_a_council_administrator_adds_a_colleague_who_then_chooses_a_password(open_as, council_admin, approver):
    page = open_as(council_admin)
    page.goto("/")
    page.get_by_role("link", name="Council settings of Cheshire East Council").click()
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    assert_accessible(page, "a11y-people-list")

    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Username").fill("officer_cwac")
    page.get_by_label("First name").fill("Kim")
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("Email address").fill("kim@")
    page.get_by_role("button", name="Add this person").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Choose at least one role.")).to_be_visible()
    assert_accessible(page, "a11y-people-add-errors")

    page.get_by_role("link", name="Choose at least one role.").click()
    assert page.evaluate("document.activeElement.id") == "id_roles_0"
    page.get_by_label("Email address").fill("kim.lee@example.gov.uk")
    page.get_by_label("Username").fill("kim.lee")
    page.get_by_label("Finance officer").check()
    page.get_by_role("button", name="Add this person").click()
    expect(page.get_by_role("heading", name="Kim Lee has been added")).to_be_visible()
    assert_accessible(page, "a11y-people-added")
    link = page.locator(".set-password-link").get_attribute("href")

    newcomer = open_as(None)
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Choose your password")).to_be_visible()
    newcomer.get_by_label("New password", exact=True).fill("short")
    newcomer.get_by_label("New password confirmation").fill("short")
    newcomer.get_by_role("button", name="Save my password").click()
    expect(newcomer.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(newcomer, "a11y-set-password-errors")
    newcomer.get_by_label("New password", exact=True).fill("a long walk by the river")
    newcomer.get_by_label("New password confirmation").fill("a long walk by the river")
    newcomer.get_by_role("button", name="Save my password").click()
    expect(newcomer.get_by_role("heading", name="Your password has been saved")).to_be_visible()
    assert get_user_model().objects.get(username="kim.lee").has_usable_password()

    page.goto(f"/c/cheshire-east/settings/people/{approver.pk}/")
    assert_accessible(page, "a11y-person")
    page.get_by_role("link", name=re.compile("Deactivate in Cheshire East Council")).click()
    assert_accessible(page, "a11y-person-deactivate")
    page.get_by_role("button", name="Take away their roles in Cheshire East Council").click()
    expect(page.get_by_text("stays open because they have roles in another council")).to_be_visible()
    assert not Membership.objects.filter(user=approver, council__slug="cheshire-east").exists()
    assert Membership.objects.filter(user=approver, council__slug="cheshire-west-and-chester").exists()
