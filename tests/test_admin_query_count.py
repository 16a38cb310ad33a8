"""The admin's proposal pages cost a fixed number of queries (SQLite and PostgreSQL alike),
counted once the process's caches (content types) are warm, as a running server's are."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import proposal
from tests.test_admin import change_url, form_data, staff


def counted(fn):
    with CaptureQueriesContext(connection) as captured:
        response = fn()
    assert response.status_code in (200, 302)
    return len(captured)


def test_the_proposal_admin_pages_query_counts(client_for, officer, ce_plan):
    client = client_for(staff(officer))
    p33, p34 = proposal(ce_plan, "33"), proposal(ce_plan, "34")
    removed_line = {**form_data(client.get(change_url(p33))), "lines-0-DELETE": "on", "title": "Renamed"}
    counts = {"change page": counted(lambda: client.get(change_url(p33)))}
    counts["save, a line removed"] = counted(lambda: client.post(change_url(p33), removed_line))
    new_figure = {**form_data(client.get(change_url(p34))), "lines-0-figure_2020": "-1.000"}
    counts["save, a figure changed"] = counted(lambda: client.post(change_url(p34), new_figure))
    counts["add"] = counted(lambda: client.post(reverse("admin:proposals_proposal_add"), {
        "plan": ce_plan.pk, "title": "Shared Lives expansion", "kind": "revenue_savings",
        "outcome": p33.outcome_id, "theme": p33.theme_id,
    }))
    # Each save includes the audit trail's two: the lock on the council's chain and its head.
    # add: a new proposal is written in one batch (services.create_proposals), its net added up before the insert
    assert counts == {"change page": 14, "save, a line removed": 38, "save, a figure changed": 35, "add": 27}
