"""Money never passes through a float: sums by the database equal Decimal sums exactly."""
from decimal import Decimal

from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from councils.models import Council
from outcomes.models import Outcome
from proposals.models import BudgetPlan, ImpactLine, PlanYear, Proposal, ServiceBudget, Variation
from proposals.money import MAX_ABS_K, format_m, parse_m, to_decimal_m


class DatabaseSumsAreExact(TestCase):
    @classmethod
    def setUpTestData(cls):
        council = Council.objects.create(slug="test", name="Test Council")
        cls.plan = BudgetPlan.objects.create(council=council, slug="p", name="Plan", base_year=2018)
        cls.years = [PlanYear.objects.create(plan=cls.plan, start_year=2019 + i) for i in range(3)]
        cls.outcome = Outcome.objects.create(council=council, code="1", title="Outcome")
        cls.budget = ServiceBudget.objects.create(council=council, name="Budget")

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.integers(min_value=-MAX_ABS_K, max_value=MAX_ABS_K), min_size=1, max_size=60))
    def test_summing_many_amounts_in_the_database_is_exact(self, amounts_k):
        # Go through the text people type, so the whole path is exercised.
        typed = [format_m(k) for k in amounts_k]
        variations = []
        for i, text in enumerate(typed):
            p = Proposal.objects.create(plan=self.plan, outcome=self.outcome, title=f"P{i}", kind="revenue_savings")
            line = ImpactLine.objects.create(proposal=p, service_budget=self.budget)
            variations.append(Variation(line=line, year=self.years[i % 3], amount_k=parse_m(text), increment_k=0))
        Variation.objects.bulk_create(variations)
        mine = Variation.objects.filter(line__proposal__plan=self.plan)
        total_k = mine.aggregate(total=Sum("amount_k"))["total"]
        assert isinstance(total_k, int)
        assert to_decimal_m(total_k) == sum((Decimal(t) for t in typed), Decimal(0))
        mine.delete()
        ImpactLine.objects.filter(proposal__plan=self.plan).delete()
        Proposal.objects.filter(plan=self.plan).delete()
