"""A council new to the portal, for the import of its own spreadsheets: the council, a plan
with its years and the people, made directly with the ORM."""
from dataclasses import dataclass

from councils.models import Council, Role
from outcomes.models import Outcome
from proposals import years as fy
from proposals.models import BudgetPlan, ImpactLine, PlanYear, ServiceBudget, Variation
from tests.conftest import make_user


@dataclass
class NewCouncil:
    council: Council
    plan: BudgetPlan
    officer: object  # a finance officer
    admin: object  # a finance officer who is also the council's administrator


def new_council(slug, *, base_year, years, outcomes=(), budgets=()):
    council = Council.objects.create(slug=slug, name=f"{slug.replace('-', ' ').title()} Council")
    plan = BudgetPlan.objects.create(council=council, slug="round-1", name="First round", base_year=base_year)
    for start in years:
        PlanYear.objects.create(plan=plan, start_year=start)
    for position, (code, title) in enumerate(outcomes):
        Outcome.objects.create(council=council, code=code, title=title, position=position)
    for name in budgets:
        ServiceBudget.objects.create(council=council, name=name)
    officer = make_user(f"{slug}-officer", memberships=[(slug, Role.OFFICER)])
    admin = make_user(f"{slug}-admin", memberships=[(slug, Role.OFFICER), (slug, Role.COUNCIL_ADMIN)])
    return NewCouncil(council=council, plan=plan, officer=officer, admin=admin)


def stored(plan):
    """{reference (or title): {year label: £k}} of every figure the plan holds."""
    out = {}
    for reference, title, year, amount_k in Variation.objects.filter(line__proposal__plan=plan).values_list(
        "line__proposal__reference", "line__proposal__title", "year__start_year", "amount_k"
    ):
        out.setdefault(reference or title, {})[fy.label(year)] = amount_k
    return out


def lines_of(plan):
    return {
        (line.proposal.reference or line.proposal.title): line.service_budget.name
        for line in ImpactLine.objects.filter(proposal__plan=plan).select_related("proposal", "service_budget")
    }
