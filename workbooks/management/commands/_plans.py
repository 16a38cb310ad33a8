"""Finding a council's plan from the command line: the latest unless --plan names one."""
from django.core.management.base import CommandError

from proposals.models import BudgetPlan


def find_plan(council_slug, plan_slug=None):
    plans = BudgetPlan.objects.select_related("council").filter(council__slug=council_slug)
    if plan_slug:
        plans = plans.filter(slug=plan_slug)
    plan = plans.newest_first().first()
    if plan is None:
        what = (f"plan {plan_slug!r} of council {council_slug!r}" if plan_slug
                else f"council {council_slug!r} or its plans")
        raise CommandError(f"There is no {what}.")
    return plan
