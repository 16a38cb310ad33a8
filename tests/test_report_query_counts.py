"""Each report page and download runs a fixed number of queries, pinned here, and the
same number with 200 more proposals (totals are the database's, never a loop)."""
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import ImpactLine, Kind, Proposal, ServiceBudget, Status, Variation
from proposals.services import increments


def add_generated_proposals(plan, count):
    """``count`` fully-profiled proposals with two lines each, written in bulk (with
    their increments and stored net kept right, as proposals.services would)."""
    years = list(plan.years.all())
    outcomes = list(plan.council.outcomes.all())
    themes = list(plan.council.themes.all()) or [None]
    budgets = list(ServiceBudget.objects.filter(council=plan.council)[:2])
    kinds = itertools.cycle([Kind.REVENUE_SAVINGS, Kind.REVENUE_INVESTMENT, Kind.PRESSURE])
    statuses = itertools.cycle([Status.DRAFT, Status.APPROVED, Status.CONSULTATION, Status.REJECTED])
    proposals = Proposal.objects.bulk_create(
        Proposal(
            plan=plan, outcome=outcomes[n % len(outcomes)], theme=themes[n % len(themes)],
            reference=f"G{n}", title=f"Generated proposal {n}", kind=next(kinds), status=next(statuses),
            description="Generated for a test.", position=1000 + n,
        )
        for n in range(count)
    )
    lines = ImpactLine.objects.bulk_create(
        ImpactLine(proposal=p, service_budget=budget, position=i)
        for p in proposals for i, budget in enumerate(budgets)
    )
    variations, nets = [], {}
    for number, line in enumerate(lines):
        cumulative = {y.start_year: ((number * 37 + i * 11) % 200 - 100) * (i + 1) for i, y in enumerate(years)}
        steps = increments(cumulative)
        for year in years:
            variations.append(Variation(line=line, year=year, amount_k=cumulative[year.start_year],
                                        increment_k=steps[year.start_year]))
        nets[line.proposal_id] = nets.get(line.proposal_id, 0) + sum(cumulative.values())
    Variation.objects.bulk_create(variations)
    for p in proposals:
        p.net_k = nets[p.pk]
    Proposal.objects.bulk_update(proposals, ["net_k"])
    return proposals


AUTH_TABLES = ('"django_session"', '"auth_user"', "`django_session`", "`auth_user`")
ROLES_TABLE = ('"councils_membership"', "`councils_membership`")


def count_queries(client, url):
    return count_both(client, url)[0]


def count_both(client, url):
    """(queries of the whole request, the report's own: beyond the session, the user and
    the user's roles, which the plan's tabs ask for to decide whether to link to the import)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    auth = [q for q in queries.captured_queries if q["sql"].split(" WHERE ")[0].endswith(AUTH_TABLES)]
    assert len(auth) == 2, [q["sql"][:80] for q in auth]
    roles = [q for q in queries.captured_queries if q["sql"].split(" WHERE ")[0].endswith(ROLES_TABLE)]
    assert len(roles) <= 1, [q["sql"][:80] for q in roles]
    return len(queries), len(queries) - len(auth) - len(roles)


def pages(plan):
    args = [plan.council.slug, plan.slug]
    some = Proposal.objects.filter(plan=plan).order_by("pk").first()
    outcome = plan.council.outcomes.first()
    return {
        "rollup": reverse("reports:rollup", args=args),
        "rollup_incremental_by_service": reverse("reports:rollup", args=args) + "?view=incremental&by=service",
        "rollup_csv": reverse("reports:rollup_csv", args=args),
        "rollup_xlsx": reverse("reports:rollup_xlsx", args=args),
        "list_25": reverse("reports:proposal_list", args=args),
        "list_100": reverse("reports:proposal_list", args=args) + "?per_page=100&sort=-y2020",
        "list_filtered": reverse("reports:proposal_list", args=args) + "?year=2020/21&sign=decrease&q=e",
        "list_csv": reverse("reports:proposal_list_csv", args=args),
        "list_xlsx": reverse("reports:proposal_list_xlsx", args=args) + "?view=incremental",
        "proposal": reverse("reports:proposal_detail", args=[*args, some.pk]),
        "outcome": reverse("reports:outcome_detail", args=[*args, outcome.code]),
    }


# Whole request: session + user (2), then per page below.
# Roll-up: the plan with its council, years and the filters' choices (one UNION ALL:
# ReportChoices.load), access checked from the user's memberships, which the page reads
# once for its navigation too, and the grouped sum (2): the groups' labels come from
# the choices already loaded (rollup(groups=...)), not from the sum, because grouping by
# them made the sum ~2x slower at national size (see reports/rollup.py); and the gap's
# figures the totals are set against (1).
# List: the plan and choices (1), count, page, totals (3). Downloads: the plan and
# choices, the user's memberships (a download has no navigation to share them with), and
# the figures (3). Proposal page: plan, proposal, years, lines, their
# figures, the net per year (6), its delivery returns (1), plus whatever the shared actions
# include asks for.
# Outcome page: plan, outcome, measures and their values (2), years, proposals with their figures, the totals (7),
# and the latest monitoring period of its savings (1; its ratings' sums, 1, once it has one).
# Pages with the plan's tabs read the user's roles once more (1): whether to link to the import.
PINNED = {
    "rollup": 6,
    "rollup_incremental_by_service": 6,
    "rollup_csv": 5,
    "rollup_xlsx": 5,
    "list_25": 7,
    "list_100": 7,
    "list_filtered": 7,
    "list_csv": 5,
    "list_xlsx": 5,
    "proposal": None,  # pinned in test_the_proposal_page_query_count_does_not_grow
    "outcome": 11,
}
# The budgets for the report's own queries (beyond session and user).
BUDGET = {"rollup": 3, "list": 4, "download": 3}


def budget(page):
    if page.endswith(("_csv", "_xlsx")):
        return BUDGET["download"]
    return BUDGET["rollup"] if page.startswith("rollup") else BUDGET["list"] if page.startswith("list") else None


@pytest.mark.parametrize("page", sorted(PINNED))
def test_query_count_is_pinned_and_does_not_grow_with_the_data(client_for, commissioner, ce_plan, page):
    client = client_for(commissioner)
    url = pages(ce_plan)[page]
    client.get(url)  # warm anything cached per process (content types, etc.)
    small, small_own = count_both(client, url)
    add_generated_proposals(ce_plan, 200)
    large, large_own = count_both(client, url)
    assert small == large, f"{page}: {small} queries with the seed, {large} with 200 more proposals"
    assert small_own == large_own and small - 3 <= small_own <= small - 2
    if PINNED[page] is not None:
        assert small == PINNED[page], f"{page}: {small} queries"
    if budget(page) is not None:
        assert small_own <= budget(page), f"{page}: {small_own} report queries, the budget is {budget(page)}"


def test_the_list_pages_really_hold_25_and_100_rows_at_the_larger_size(client_for, commissioner, ce_plan):
    add_generated_proposals(ce_plan, 200)
    client = client_for(commissioner)
    urls = pages(ce_plan)
    assert len(client.get(urls["list_25"]).context["table"].page.object_list) == 25
    assert len(client.get(urls["list_100"]).context["table"].page.object_list) == 100


def test_the_proposal_page_query_count_does_not_grow(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    url = pages(ce_plan)["proposal"]
    client.get(url)
    small = count_queries(client, url)
    add_generated_proposals(ce_plan, 200)
    assert count_queries(client, url) == small
    # Session, user, plan, proposal, years, lines, figures, net per year (8), its delivery
    # returns (1), and the roles the shared actions include asks for
    # (proposals/_proposal_actions.html: 1).
    assert small == 10


def test_an_approver_pays_one_query_more_for_the_approve_button(client_for, approver, ce_plan):
    client = client_for(approver)
    url = pages(ce_plan)["proposal"]
    client.get(url)
    # The commissioner's 10, and whether the approver changed its content since the last
    # approval (proposals.permissions.can_approve), asked only of an approver; and the
    # navigation's count of what waits for them.
    assert count_queries(client, url) == 12
