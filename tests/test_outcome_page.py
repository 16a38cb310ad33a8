"""The outcome page: what it means, its measures, and its proposals by theme with
subtotals per year that add up to the outcome's total."""
import re
from html import unescape

from django.urls import reverse

from proposals.models import Proposal, Status
from tests.conftest import proposal


def outcome_page(client, plan, code):
    return client.get(reverse("reports:outcome_detail", args=[plan.council.slug, plan.slug, code]))


def text(response):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_cheshire_east_outcome_5_by_theme_with_subtotals(client_for, commissioner, ce_plan):
    response = outcome_page(client_for(commissioner), ce_plan, "5")
    assert response.status_code == 200
    shown = text(response)
    assert "What this means" in shown and "Local people have healthy lifestyles" in shown
    assert "Subtotal: Changing the way we work -1.242 -1.342 -1.342 -3.926" in shown
    assert "Subtotal: Investment in services +3.626 +8.626 +8.626 +20.878" in shown
    assert "Total: Outcome 5 +3.588 +8.724 +8.536 +20.848" in shown
    assert "Counting proposals that are: Draft, Submitted, Out to consultation and Approved" in shown
    groups = response.context["groups"]
    assert [g["theme"] for g in groups] == [
        "Changing the way we work", "Income generation", "Investment in services",
        "Looking after young children", "Reducing subsidy",
    ]


def test_subtotals_add_up_to_the_databases_total(client_for, commissioner, ce_plan):
    response = outcome_page(client_for(commissioner), ce_plan, "5")
    groups = response.context["groups"]
    summed = [sum(g["sums"][i] or 0 for g in groups) for i in range(4)]
    assert summed == [3588, 8724, 8536, 20848]


def test_cheshire_west_outcome_01_with_its_measures_and_published_total(client_for, commissioner, cwac_plan):
    shown = text(outcome_page(client_for(commissioner), cwac_plan, "01"))
    assert "How we will measure it" in shown
    assert "1,810" in shown and "3,000" in shown
    assert "Total: Outcome 01 – not profiled – not profiled – not profiled +3.211 +3.211" in shown


def test_rejected_proposals_are_left_out(client_for, commissioner, ce_plan):
    Proposal.objects.filter(pk=proposal(ce_plan, "41").pk).update(status=Status.REJECTED)
    shown = text(outcome_page(client_for(commissioner), ce_plan, "5"))
    assert "Growth in Demand for Adult Social Care" not in shown
    assert "Total: Outcome 5 +0.088" in shown


def test_unknown_outcome_and_other_councils_outcomes_are_not_found(client_for, commissioner, officer_cwac, seed):
    client = client_for(commissioner)
    assert outcome_page(client, seed["ce"], "99").status_code == 404
    assert outcome_page(client, seed["ce"], "01").status_code == 404  # Cheshire West's code
    assert outcome_page(client_for(officer_cwac), seed["ce"], "5").status_code == 404


def test_hostile_outcome_text_is_escaped(client_for, commissioner, ce_plan):
    ce_plan.council.outcomes.filter(code="5").update(what_this_means="<script>alert(1)</script>")
    html = outcome_page(client_for(commissioner), ce_plan, "5").content.decode()
    assert "<script>alert(1)</script>" not in html
