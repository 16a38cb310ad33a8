"""The council a settings page is for, checked: a 404 for a council the user has no role
in (whether it exists is not confirmed), a 403 when ``can`` (one of
``proposals.permissions``' can_manage_*) does not allow the user."""
from councils.access import get_council_or_404


def managed_council(request, council_slug, can):
    council = get_council_or_404(request.user, council_slug)
    can(request.user, council).require()
    return council
