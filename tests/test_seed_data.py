"""The seed data reproduces the published documents exactly.

The expected figures below are typed here from the documents in ../shared/seeds/, a
second transcription independent of fixtures/, so a slip in either one fails."""
from decimal import Decimal

import pytest
from django.db.models import Sum

from proposals.models import ChangeSet, ImpactLine, Proposal, Status, Variation
from proposals.money import to_decimal_m
from reports.rollup import rollup

# Cheshire East, Outcome 5, 2019/20, 2020/21, 2021/22 (None: no figure printed).
CHESHIRE_EAST = {
    ("33", "External Care Costs"): ("-0.027", "-0.027", "-0.027"),
    ("34", "Operations – Support to Social Work"): ("-0.100", "-0.100", "-0.100"),
    ("35", "Commissioning – External Care Costs"): ("-0.500", "-0.500", "-0.500"),
    ("36", "Public Health"): ("-0.050", "-0.100", "-0.100"),
    ("37", "Commissioning - Other"): ("-0.050", "-0.100", "-0.100"),
    ("38", "People – Children and Families"): ("-0.500", "-0.500", "-0.500"),
    ("39", "People – Commissioning Early Intervention & Prevention"): ("-0.015", "-0.015", "-0.015"),
    ("40", "Client Contributions"): ("-0.100", "-0.100", "-0.100"),
    ("41", "External Care Costs"): ("+3.500", "+8.500", "+8.500"),
    ("42", "Commissioning – Social Care – Cared for Children"): ("+0.700", "+1.200", "+1.200"),
    ("43", "Children in Need and Child Protection"): ("+0.300", "+0.300", "+0.300"),
    ("44", "Public Health"): ("0.000", "-0.150", "-0.150"),  # "No change" in 2019/20
    ("45", "Cared for Children and Care Leavers"): ("-0.075", "-0.150", "-0.300"),
    ("46", "Leisure"): ("-0.086", "-0.125", "-0.163"),
    ("47", "Care Costs, Client Income and Healthwatch"): ("+0.065", "+0.065", "+0.065"),
    ("NEW Winter pressures", "External Care Costs"): ("+1.451", "0.000", "0.000"),
    ("NEW Winter pressures", "Additional Ringfenced Grant Funding"): ("-1.451", "0.000", "0.000"),
    ("NEW IRO", "Children's Social Care"): ("+0.126", "+0.126", "+0.126"),
    ("NEW Social Workers", "Children's Social Care"): ("+0.400", "+0.400", "+0.400"),
}
NEW_TITLES = {
    "NEW Winter pressures": "New Adult Social Care Winter pressures",
    "NEW IRO": "Independent Reviewing Officer (IRO) Service",
    "NEW Social Workers": "Funding of Social Workers",
}


def figures_of(plan, key, budget):
    if key.startswith("NEW"):
        proposal = Proposal.objects.get(plan=plan, reference=None, title=NEW_TITLES[key])
    else:
        proposal = Proposal.objects.get(plan=plan, reference=key)
    line = ImpactLine.objects.get(proposal=proposal, service_budget__name=budget)
    amounts = {v.year.label: v.amount_k for v in line.variations.select_related("year")}
    return tuple(
        None if label not in amounts else _signed(amounts[label]) for label in ("2019/20", "2020/21", "2021/22")
    )


def _signed(amount_k):
    value = to_decimal_m(amount_k)
    return f"{value:+.3f}" if value else "0.000"


def test_cheshire_east_has_all_eighteen_proposals_in_nineteen_lines(ce_plan):
    assert Proposal.objects.filter(plan=ce_plan).count() == 18
    assert Proposal.objects.filter(plan=ce_plan, reference__isnull=True).count() == 3
    assert ImpactLine.objects.filter(proposal__plan=ce_plan).count() == 19
    assert ce_plan.base_year_label == "2018/19"
    assert [y.label for y in ce_plan.years.all()] == ["2019/20", "2020/21", "2021/22"]


@pytest.mark.parametrize("key, budget", list(CHESHIRE_EAST))
def test_each_cheshire_east_figure_is_as_printed(ce_plan, key, budget):
    assert figures_of(ce_plan, key, budget) == CHESHIRE_EAST[(key, budget)]


def test_no_change_is_a_zero_not_a_missing_year(ce_plan):
    line = ImpactLine.objects.get(proposal__plan=ce_plan, proposal__reference="44")
    first = line.variations.get(year__start_year=2019)
    assert first.amount_k == 0


def test_winter_pressures_lines_cancel_but_both_are_kept(ce_plan):
    winter = Proposal.objects.get(plan=ce_plan, title=NEW_TITLES["NEW Winter pressures"])
    assert winter.lines.count() == 2
    assert winter.net_k == 0
    assert winter.kind == "revenue_investment"


def test_cheshire_east_proposals_were_put_to_consultation(ce_plan):
    assert set(Proposal.objects.filter(plan=ce_plan).values_list("status", flat=True)) == {Status.CONSULTATION}


@pytest.mark.parametrize("code, total", [("01", "+3.211"), ("02", "-4.548"), ("03", "-5.171")])
def test_cheshire_west_outcome_totals_reconcile_to_the_published_total(cwac_plan, code, total):
    summed = Variation.objects.filter(
        line__proposal__plan=cwac_plan, line__proposal__outcome__code=code
    ).aggregate(total=Sum("amount_k"))["total"]
    assert to_decimal_m(summed) == Decimal(total)
    result = rollup(plan=cwac_plan, proposals=Proposal.objects.filter(plan=cwac_plan))
    row = next(r for r in result.rows if r.key == code)
    assert to_decimal_m(row.years["2019/20"].net) == Decimal(total)


def test_cheshire_west_has_every_numbered_line_and_no_invented_split(cwac_plan):
    assert Proposal.objects.filter(plan=cwac_plan).count() == 29
    assert set(Proposal.objects.filter(plan=cwac_plan).values_list("outcome__code", flat=True)) == {"01", "02", "03"}
    # The impact "by 2020" is the final year's figure; earlier years stay unprofiled.
    years = set(Variation.objects.filter(line__proposal__plan=cwac_plan).values_list("year__start_year", flat=True))
    assert years == {2019}
    assert set(Proposal.objects.filter(plan=cwac_plan).values_list("status", flat=True)) == {Status.APPROVED}


def test_cheshire_west_outcome_measures_are_loaded(cwac_plan):
    from outcomes.models import OutcomeMeasure

    assert OutcomeMeasure.objects.filter(outcome__council=cwac_plan.council).count() == 19
    measure = OutcomeMeasure.objects.get(outcome__council=cwac_plan.council, outcome__code="01", number=1)
    assert (measure.current, measure.target) == ("1,810", "3,000")


def test_seed_load_is_recorded_in_history(ce_plan):
    assert ChangeSet.objects.filter(proposal__plan=ce_plan, action=ChangeSet.Action.SEED).count() == 18
