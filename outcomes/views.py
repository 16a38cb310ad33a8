from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from councils.access import get_plan_or_404
from proposals.models import COUNTED_STATUSES, Proposal
from reports.figures import with_year_figures, year_key, year_totals
from reports.filters import counted_statuses_text
from reports.tables import money_html

from .models import Outcome


@require_safe
def outcome_detail(request, council_slug, plan_slug, code):
    """What an outcome means, how it is measured, and its proposals by theme with
    subtotals per year (cumulative, the statuses every report counts by default)."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    outcome = get_object_or_404(Outcome.objects.filter(council=plan.council), code=code)
    measures = list(outcome.measures.all())
    years = list(plan.years.all())
    counted = Proposal.objects.for_plan(plan).counted().filter(outcome=outcome)
    proposals = with_year_figures(
        counted.select_related("theme").order_by("theme__position", "theme__name", "position", "id"), years
    )

    groups = []
    for proposal in proposals:
        theme = proposal.theme.name if proposal.theme else "No theme"
        if not groups or groups[-1]["theme"] != theme:
            groups.append({"theme": theme, "proposals": [], "sums": [None] * (len(years) + 1)})
        group = groups[-1]
        figures = [getattr(proposal, year_key(y)) for y in years] + [proposal.net]
        group["proposals"].append({
            "proposal": proposal,
            "url": reverse("reports:proposal_detail", args=[plan.council.slug, plan.slug, proposal.pk]),
            "figures": [money_html(f) for f in figures],
        })
        # Subtotals over the grouped rows (the rows' figures are the database's sums).
        group["sums"] = [s if f is None else (s or 0) + f for s, f in zip(group["sums"], figures)]
    for group in groups:
        group["subtotals"] = [money_html(s) for s in group["sums"]]

    totals = year_totals(counted, years)
    list_url = reverse("reports:proposal_list", args=[plan.council.slug, plan.slug])
    context = {
        "plan": plan, "council": plan.council, "outcome": outcome, "measures": measures, "years": years,
        "groups": groups,
        "totals": [money_html(totals[year_key(y)]) for y in years] + [money_html(totals["net"])],
        "statuses_text": counted_statuses_text(COUNTED_STATUSES),
        "list_url": f"{list_url}?{urlencode({'outcome': outcome.pk})}",
        "rollup_url": reverse("reports:rollup", args=[plan.council.slug, plan.slug]) + "?"
        + urlencode({"outcome": outcome.pk, "by": "theme"}),
    }
    return render(request, "outcomes/outcome_detail.html", context)
