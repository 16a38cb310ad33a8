"""The ``--council SLUG [--plan SLUG]`` choice the report commands share."""
from django.core.management.base import CommandError

from councils.models import Council


def plan_from_arguments(council, plan):
    """The council's plan named ``plan``, or its newest; a CommandError naming what
    exists when there is no such council or plan."""
    found = Council.objects.filter(slug=council).first()
    if found is None:
        known = ", ".join(Council.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"No council {council!r}. Councils: {known}.")
    plans = found.plans.newest_first()
    chosen = plans.filter(slug=plan).first() if plan else plans.first()
    if chosen is None:
        known = ", ".join(plans.values_list("slug", flat=True)) or "none"
        raise CommandError(f"No plan {plan!r} for {found.name}. Plans: {known}." if plan
                           else f"{found.name} has no budget plans.")
    return chosen
