"""WCAG 1.4.10 on every page: at 320 px (what 400% zoom on a 1280 px screen gives) no page
scrolls sideways (only a data table may, inside its own wrapper), and axe finds no
violation. Opened as a site administrator, who sees every link and form a page has."""
import datetime

import pytest

from delivery.services import open_period
from proposals.models import Proposal, Status
from proposals.permissions import SYSTEM

from ..conftest import proposal
from .conftest import assert_accessible

pytestmark = pytest.mark.browser

SITE = ["/", "/proposals/", "/accessibility/", "/accounts/password/", "/accounts/notifications/"]
COUNCIL = ["changes/", "settings/", "settings/people/", "settings/people/add/", "settings/plans/",
           "settings/plans/new/", "settings/plans/{plan}/", "settings/plans/{plan}/roll-forward/",
           "settings/outcomes/", "settings/outcomes/add/", "settings/outcomes/paste/", "settings/themes/",
           "settings/themes/add/", "settings/service-budgets/", "settings/service-budgets/add/"]
PLAN = ["rollup/", "rollup/?by=theme", "rollup/?by=service", "proposals/", "proposals/new/",
        "proposals/{pk}/", "proposals/{pk}/edit/", "proposals/{pk}/history/", "outcomes/5/", "reconciliation/", "book/",
        "gap/", "gap/edit/", "snapshots/", "changes/", "delivery/", "delivery/2019-20-q2/",
        "delivery/2019-20-q2/returns/", "import/", "publishing/"]


def pages(plan, pk):
    council = f"/c/{plan.council.slug}/"
    return (SITE + [council + path.format(plan=plan.slug) for path in COUNCIL]
            + [f"{council}{plan.slug}/{path.format(pk=pk)}" for path in PLAN])


def test_every_page_reflows_at_320_pixels_and_passes_axe(open_as, admin_user, ce_plan):
    Proposal.objects.filter(plan=ce_plan, reference__in=["33", "36"]).update(status=Status.APPROVED)
    open_period(plan=ce_plan, user=SYSTEM, year=ce_plan.years.get(start_year=2019), quarter=2,
                reporting_date=datetime.date(2019, 9, 30))
    page = open_as(admin_user)
    wide = []
    for path in pages(ce_plan, proposal(ce_plan, "41").pk):
        page.set_viewport_size({"width": 320, "height": 640})
        response = page.goto(path)
        assert response.status == 200, path
        page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")
        if page.evaluate("document.documentElement.scrollWidth") > 320:
            wide.append((path, page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > 321 && !e.closest('.table-wrap'))
                     .slice(0, 3).map(e => e.tagName + '.' + e.className)""")))
        page.set_viewport_size({"width": 1280, "height": 900})
        assert_accessible(page, "every-page-" + path.strip("/").replace("/", "-").replace("?", "-") or "home")
    assert wide == []
    assert not page.problems
