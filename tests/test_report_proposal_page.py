"""The proposal page, laid out like the budget book: each "Impact on … =" line with its
yearly figures, the proposal's net per year, and "No change" kept apart from unprofiled."""
from html import unescape

from django.urls import reverse

from proposals.models import Proposal
from tests.conftest import proposal


def page(client, p):
    return client.get(reverse("reports:proposal_detail", args=[p.plan.council.slug, p.plan.slug, p.pk]))


def text(response):
    import re

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_41_reads_like_the_budget_book(client_for, commissioner, ce_plan):
    response = page(client_for(commissioner), proposal(ce_plan, "41"))
    assert response.status_code == 200
    shown = text(response)
    assert "[41] Growth in Demand for Adult Social Care" in shown
    assert "Impact on External Care Costs Service Budget = +3.500 +8.500 +8.500 +20.500" in shown
    assert "Net impact of this proposal (variation to 2018/19) +3.500 +8.500 +8.500 +20.500" in shown
    assert "Change from the year before (incremental) +3.500 +5.000 0.000 No change" in shown
    assert "Revenue Investment" in shown and "Investment in services" in shown
    assert "Outcome 5 – People live well and for longer" in shown
    assert "Values represent a +/− variation to the Cheshire East Council approved budget for 2018/19" in shown


def test_winter_pressures_shows_both_lines_and_a_zero_net(client_for, commissioner, ce_plan):
    winter = Proposal.objects.get(plan=ce_plan, title="New Adult Social Care Winter pressures")
    shown = text(page(client_for(commissioner), winter))
    assert "[NEW] New Adult Social Care Winter pressures" in shown
    assert "Impact on External Care Costs Service Budget = +1.451 0.000 No change 0.000 No change +1.451" in shown
    assert "Impact on Additional Ringfenced Grant Funding = -1.451 0.000 No change 0.000 No change -1.451" in shown
    assert "Net impact of this proposal (variation to 2018/19) 0.000 No change" in shown


def test_no_change_is_not_the_same_as_not_profiled(client_for, commissioner, seed):
    client = client_for(commissioner)
    shown = text(page(client, proposal(seed["ce"], "44")))
    assert "Impact on Public Health Service Budget = 0.000 No change -0.150 -0.150" in shown
    cwac = text(page(client, proposal(seed["cwac"], "01-1")))
    assert "= – not profiled – not profiled – not profiled +4.727 +4.727" in cwac


def test_hostile_text_is_escaped(client_for, commissioner, ce_plan):
    Proposal.objects.filter(pk=proposal(ce_plan, "41").pk).update(
        title="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>"
    )
    html = page(client_for(commissioner), proposal(ce_plan, "41")).content.decode()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_proposal_of_another_plan_is_not_found_under_this_one(client_for, commissioner, seed):
    other = proposal(seed["cwac"], "01-1")
    url = reverse("reports:proposal_detail", args=["cheshire-east", seed["ce"].slug, other.pk])
    assert client_for(commissioner).get(url).status_code == 404
