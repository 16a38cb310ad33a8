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
