"""Who may do what, checked on the server for every page, download and action.

Scoping is by council: anything of a council the user has no role in is a 404 (we do
not confirm it exists). Within their councils, a role that may not act gets a 403.
"""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Council, Role


def councils_for(user):
    return Council.objects.visible_to(user)


def get_council_or_404(user, slug):
    return get_object_or_404(councils_for(user), slug=slug)


def has_role(user, council, *roles):
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(council=council, role__in=roles).exists()


def can_edit(user, council):
    """Finance officers (and administrators) edit their council's proposals."""
    return has_role(user, council, Role.OFFICER)


def can_approve(user, council):
    return has_role(user, council, Role.APPROVER)


def require_edit(user, council):
    if not can_edit(user, council):
        raise PermissionDenied("Only the council's finance officers can change proposals.")


def require_approve(user, council):
    if not can_approve(user, council):
        raise PermissionDenied("Only the council's approvers can approve or reject proposals.")


def roles_for(user, council):
    """The roles ``user`` holds in ``council``, in one query (administrators hold all)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.values)
    return frozenset(user.memberships.filter(council=council).values_list("role", flat=True))


def get_plan_or_404(user, council_slug, plan_slug):
    """A plan of a council the user has a role in; anything else is a 404."""
    from proposals.models import BudgetPlan

    return get_object_or_404(
        BudgetPlan.objects.select_related("council").filter(council__in=councils_for(user)),
        council__slug=council_slug, slug=plan_slug,
    )


def display_name(user):
    """How history names a person: "J. Smith" (or their username), kept for deactivated users."""
    if user is None:
        return "the published document"
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last:
        return f"{first[0]}. {last}"
    return user.get_full_name() or user.get_username()
