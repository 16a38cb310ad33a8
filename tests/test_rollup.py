"""The roll-up function: the seed documents' totals, and incremental = the year-on-year
differences of cumulative (on the seed data and, by a property test, on generated
fully-profiled plans)."""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from councils.models import Council
from outcomes.models import Outcome
from proposals.models import BudgetPlan, Kind, PlanYear, Proposal, ServiceBudget, Status, Theme
from proposals.money import to_decimal_m
from proposals.permissions import SYSTEM
from proposals.services import LineInput, create_proposal
from reports.filters import ReportChoices
from reports.rollup import rollup
from tests.conftest import proposal

CE_YEARS = ["2019/20", "2020/21", "2021/22"]


def m(amount_k):
    return to_decimal_m(amount_k)


@pytest.mark.parametrize("code, total", [("01", "+3.211"), ("02", "-4.548"), ("03", "-5.171")])
def test_cheshire_west_outcome_totals_are_the_published_totals(cwac_plan, code, total):
    result = rollup(plan=cwac_plan, proposals=Proposal.objects.for_plan(cwac_plan).counted())
    row = next(r for r in result.rows if r.key == code)
    assert m(row.years["2019/20"].net) == Decimal(total)
    assert m(row.total.net) == Decimal(total)  # nothing in the earlier, unprofiled years
    assert not row.years["2016/17"].profiled


def test_cheshire_west_grand_total_is_the_sum_of_the_outcome_totals(cwac_plan):
    result = rollup(plan=cwac_plan, proposals=Proposal.objects.for_plan(cwac_plan).counted())
    assert m(result.totals["2019/20"].net) == Decimal("3.211") - Decimal("4.548") - Decimal("5.171")
    assert result.grand_total.net == result.totals["2019/20"].net


def test_investment_and_saving_keep_cancelling_lines_apart(ce_plan):
    winter = Proposal.objects.filter(plan=ce_plan, title="New Adult Social Care Winter pressures")
    result = rollup(plan=ce_plan, proposals=winter)
    cell = result.rows[0].years["2019/20"]
    assert (m(cell.increase), m(cell.decrease), m(cell.net)) == (Decimal("1.451"), Decimal("-1.451"), 0)


def test_cheshire_east_41_cumulative_and_incremental(ce_plan):
    only_41 = Proposal.objects.filter(pk=proposal(ce_plan, "41").pk)
    cumulative = rollup(plan=ce_plan, proposals=only_41, view="cumulative")
    incremental = rollup(plan=ce_plan, proposals=only_41, view="incremental")
    assert [m(cumulative.totals[y].net) for y in CE_YEARS] == [Decimal("3.5"), Decimal("8.5"), Decimal("8.5")]
    assert [m(incremental.totals[y].net) for y in CE_YEARS] == [Decimal("3.5"), Decimal("5"), Decimal("0")]
    assert m(cumulative.full_year_effect.net) == Decimal("8.5")
    assert m(cumulative.grand_total.net) == Decimal("20.5")  # cash over the period


@pytest.mark.parametrize("by", ["outcome", "service", "theme", "kind"])
def test_seed_incremental_is_the_difference_of_cumulative(seed, by):
    for plan in seed.values():
        proposals = Proposal.objects.for_plan(plan).counted()
        cumulative = rollup(plan=plan, proposals=proposals, by=by, view="cumulative")
        incremental = rollup(plan=plan, proposals=proposals, by=by, view="incremental")
        assert [r.key for r in cumulative.rows] == [r.key for r in incremental.rows]
        for c_row, i_row in zip(cumulative.rows + [None], incremental.rows + [None], strict=True):
            c_years = c_row.years if c_row else cumulative.totals
            i_years = i_row.years if i_row else incremental.totals
            previous = 0
            for label in cumulative.year_labels:
                assert i_years[label].net == c_years[label].net - previous
                previous = c_years[label].net


def test_grouping_by_service_budget_counts_each_line_under_its_budget(ce_plan):
    result = rollup(plan=ce_plan, proposals=Proposal.objects.for_plan(ce_plan), by="service")
    grant = next(r for r in result.rows if r.key == "Additional Ringfenced Grant Funding")
    assert m(grant.years["2019/20"].net) == Decimal("-1.451")
    total = rollup(plan=ce_plan, proposals=Proposal.objects.for_plan(ce_plan), by="outcome")
    assert result.totals == total.totals


def test_rejected_and_withdrawn_are_left_out_by_counted(ce_plan):
    Proposal.objects.filter(pk=proposal(ce_plan, "41").pk).update(status=Status.REJECTED)
    result = rollup(plan=ce_plan, proposals=Proposal.objects.for_plan(ce_plan).counted())
    assert m(result.totals["2019/20"].net) == Decimal("3.588") - Decimal("3.5")


@pytest.mark.parametrize("by", ["outcome", "service", "theme"])
def test_labels_from_the_callers_groups_cost_no_query_and_give_the_same_roll_up(seed, by, django_assert_num_queries):
    for plan in seed.values():
        proposals = Proposal.objects.for_plan(plan).counted()
        years = list(plan.years.all())
        groups = ReportChoices.for_plan(plan).groups(by)
        queried = rollup(plan=plan, proposals=proposals, by=by, years=years)  # the labels queried
        with django_assert_num_queries(1):  # the grouped sum alone
            given = rollup(plan=plan, proposals=proposals, by=by, years=years, groups=groups)
        assert queried.rows and given.rows == queried.rows and given.totals == queried.totals


def test_a_group_missing_from_the_callers_groups_is_still_shown(ce_plan, django_assert_num_queries):
    proposals = Proposal.objects.for_plan(ce_plan).counted()
    years = list(ce_plan.years.all())
    groups = ReportChoices.for_plan(ce_plan).groups("service")
    with django_assert_num_queries(2):  # the list lacks a budget with figures: the labels are queried
        result = rollup(plan=ce_plan, proposals=proposals, by="service", years=years, groups=groups[1:])
    assert result.rows == rollup(plan=ce_plan, proposals=proposals, by="service", years=years).rows


@pytest.mark.parametrize("by", ["outcome", "service", "theme", "kind"])
def test_proposals_and_lines_without_figures_add_no_group_and_nothing(ce_plan, by):
    before = rollup(plan=ce_plan, proposals=Proposal.objects.for_plan(ce_plan).counted(), by=by)
    outcome = Outcome.objects.create(council=ce_plan.council, code="9", title="Nothing yet", position=9)
    theme = Theme.objects.create(council=ce_plan.council, name="Empty theme", position=99)
    budget = ServiceBudget.objects.create(council=ce_plan.council, name="Unprofiled budget")
    common = {"title": "Not profiled", "kind": Kind.PRESSURE, "outcome": outcome, "theme": theme}
    create_proposal(plan=ce_plan, user=SYSTEM, fields={**common, "reference": "N1"}, lines=[])
    create_proposal(plan=ce_plan, user=SYSTEM, fields={**common, "reference": "N2"},
                    lines=[LineInput(service_budget=budget, figures={})])
    after = rollup(plan=ce_plan, proposals=Proposal.objects.for_plan(ce_plan).counted(), by=by)
    assert after.rows == before.rows and after.totals == before.totals
    assert not any(row.label in ("Outcome 9 – Nothing yet", "Empty theme", "Unprofiled budget") for row in after.rows)


# Property: on any fully-profiled plan, incremental is the difference of cumulative.

figures = st.lists(st.integers(min_value=-50_000, max_value=50_000), min_size=3, max_size=3)
lines_strategy = st.lists(figures, min_size=1, max_size=2)
proposals_strategy = st.lists(
    st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["revenue_savings", "pressure"]), lines_strategy),
    min_size=1, max_size=5,
)


class IncrementalIsTheDifferenceOfCumulative(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(proposals_strategy)
    def test_on_generated_fully_profiled_plans(self, generated):
        council = Council.objects.create(slug="gen", name="Generated Council")
        plan = BudgetPlan.objects.create(council=council, slug="p", name="P", base_year=2020)
        years = PlanYear.objects.bulk_create(PlanYear(plan=plan, start_year=y) for y in (2021, 2022, 2023))
        outcomes = {code: Outcome.objects.create(council=council, code=code, title=code) for code in "AB"}
        theme = Theme.objects.create(council=council, name="T")
        budgets = [ServiceBudget.objects.create(council=council, name=f"Budget {i}") for i in range(2)]
        for number, (code, kind, lines) in enumerate(generated):
            create_proposal(
                plan=plan, user=SYSTEM,
                fields={"reference": str(number), "title": f"P{number}", "kind": Kind(kind), "theme": theme,
                        "outcome": outcomes[code]},
                lines=[LineInput(budgets[i], dict(zip(years, amounts, strict=True)))
                       for i, amounts in enumerate(lines)],
            )
        for by in ("outcome", "kind", "service"):
            cumulative = rollup(plan=plan, proposals=Proposal.objects.for_plan(plan), by=by, view="cumulative")
            incremental = rollup(plan=plan, proposals=Proposal.objects.for_plan(plan), by=by, view="incremental")
            for c_years, i_years in [
                (c.years, i.years) for c, i in zip(cumulative.rows, incremental.rows, strict=True)
            ] + [(cumulative.totals, incremental.totals)]:
                previous = 0
                for label in cumulative.year_labels:
                    self.assertEqual(i_years[label].net, c_years[label].net - previous)
                    previous = c_years[label].net
            # Summing the changes gives back the full-year effect.
            self.assertEqual(incremental.grand_total.net, cumulative.full_year_effect.net)
