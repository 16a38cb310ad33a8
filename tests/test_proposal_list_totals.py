"""The proposal list's total row adds up every figure of the matching proposals, even
where two lines of one proposal carry the same figure in the same year (a DISTINCT over
the joined rows once collapsed those into one)."""
from django.urls import reverse

from outcomes.models import Outcome
from proposals.models import ServiceBudget, Variation
from proposals.money import format_m
from proposals.permissions import SYSTEM
from proposals.services import LineInput, create_proposal


def test_two_lines_with_the_same_figure_both_count_in_the_total(client_for, commissioner, ce_plan):
    years = list(ce_plan.years.all())
    first, second = ServiceBudget.objects.filter(council=ce_plan.council).order_by("pk")[:2]
    create_proposal(
        plan=ce_plan, user=SYSTEM, status="draft",
        fields={"reference": "TWIN", "title": "Two lines, same figures", "kind": "revenue_savings",
                "outcome": Outcome.objects.filter(council=ce_plan.council).first(), "theme": None},
        lines=[LineInput(service_budget=b, figures={y: -250 for y in years}) for b in (first, second)],
    )
    url = reverse("reports:proposal_list", args=[ce_plan.council.slug, ce_plan.slug]) + "?q=TWIN&status=draft"
    response = client_for(commissioner).get(url)
    assert response.status_code == 200
    assert [str(t) for t in response.context["totals"]] == ['<span class="neg">-0.500</span>'] * len(years) + [
        f'<span class="neg">{format_m(-500 * len(years))}</span>'
    ]
    every = client_for(commissioner).get(url.replace("q=TWIN&", ""))
    for year, total in zip(years, every.context["totals"], strict=False):  # the last total is the net column
        expected = sum(
            Variation.objects.filter(line__proposal__plan=ce_plan, line__proposal__status="draft", year=year)
            .values_list("amount_k", flat=True)
        )
        assert format_m(expected) in str(total)
