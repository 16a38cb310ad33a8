"""The plan's roll-up and list offer "Add a proposal" to those who may add one (officers,
in an open plan), and to nobody else; offering it costs no query."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

PAGES = ("reports:rollup", "reports:proposal_list")


def add_link(client, plan, name):
    html = client.get(reverse(name, args=[plan.council.slug, plan.slug])).content.decode()
    return f'href="{reverse("proposals:new", args=[plan.council.slug, plan.slug])}"' in html


@pytest.mark.parametrize("name", PAGES)
def test_an_officer_is_offered_it_and_a_commissioner_is_not(client_for, officer, commissioner, approver, ce_plan,
                                                             name):
    assert add_link(client_for(officer), ce_plan, name)
    assert not add_link(client_for(commissioner), ce_plan, name)
    assert not add_link(client_for(approver), ce_plan, name)


@pytest.mark.parametrize("name", PAGES)
def test_a_closed_plan_offers_it_to_nobody(client_for, officer, ce_plan, name):
    ce_plan.is_closed = True
    ce_plan.save(update_fields=["is_closed"])
    assert not add_link(client_for(officer), ce_plan, name)


@pytest.mark.parametrize("name", PAGES)
def test_offering_it_costs_no_query(client_for, officer, commissioner, ce_plan, name):
    url = reverse(name, args=[ce_plan.council.slug, ce_plan.slug])
    counts = []
    for user in (officer, commissioner):
        client = client_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured))
    # The same but for the officer's navigation, which counts what waits for them (one
    # query, proposals.queue.counts; the commissioner has nothing to wait for).
    assert counts[0] == counts[1] + 1
