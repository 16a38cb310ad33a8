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


def source_from_argument(plan, as_at):
    """``--as-at SNAPSHOT``: the plan as at its snapshot of that slug (None or "now": as it
    stands); a CommandError naming the plan's snapshots for anything else."""
    from proposals.snapshots import SnapshotNotFound, source_for

    try:
        return source_for(plan, as_at)
    except SnapshotNotFound as error:
        known = ", ".join(plan.snapshots.values_list("slug", flat=True)) or "none"
        raise CommandError(f"{error} Its snapshots: {known}.") from None


def user_from_argument(username, decide, plan, *, what):
    """``--user USERNAME``: the active person whose change this is, allowed by
    ``decide(user, plan)`` (a permissions.can_* function); ``what`` names the change for
    the message when --user is missing."""
    from django.contrib.auth import get_user_model

    if not username:
        raise CommandError(f"Name the person {what} is recorded against with --user USERNAME.")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active user {username!r}.")
    decision = decide(user, plan)
    if not decision:
        raise CommandError(f"{username}: {decision.reason}")
    return user
