"""Which councils a user may see, and the roles they hold in each.

Scoping is by council: anything of a council the user has no role in is a 404 (we do
not confirm it exists). What a role may do there is decided by ``proposals.permissions``
(a role that may not act gets a 403).
"""
from django.shortcuts import get_object_or_404

from .models import Council, Role


def councils_for(user):
    return Council.objects.visible_to(user)


def get_council_or_404(user, slug):
    return get_object_or_404(councils_for(user), slug=slug)


class CouncilRoles:
    """The roles one user holds, council by council: every membership read in one query,
    the first time any is asked for. Administrators hold every role everywhere.

    ``council_roles(user)`` keeps one of these on the user object, as Django's
    ModelBackend keeps a user's permissions on it: a request's user is loaded once per
    request, so roles are read once per request (and once per command)."""

    def __init__(self, user):
        self.user = user
        self._by_council = None
        self._all_council_ids = None

    @property
    def signed_in(self):
        return bool(self.user.is_authenticated and self.user.is_active)

    def _memberships(self):
        if self._by_council is None:
            by_council = {}
            if self.signed_in:
                for council_id, role in self.user.memberships.values_list("council_id", "role"):
                    by_council.setdefault(council_id, set()).add(role)
            self._by_council = {council_id: frozenset(roles) for council_id, roles in by_council.items()}
        return self._by_council

    def in_council(self, council_id):
        """The roles held in the council with id ``council_id``."""
        if not self.signed_in:
            return frozenset()
        if self.user.is_superuser:
            return frozenset(Role.values)
        return self._memberships().get(council_id, frozenset())

    def may_see(self, council_id):
        """Whether the user may see the council with id ``council_id``'s data: the same
        rule as ``Council.objects.visible_to`` (an administrator, or any role in it), from
        the memberships already read."""
        return bool(self.in_council(council_id))

    def council_ids_with(self, *roles):
        """Ids of the councils where one of ``roles`` is held (for an administrator, every council)."""
        if self.signed_in and self.user.is_superuser:
            if self._all_council_ids is None:
                self._all_council_ids = frozenset(Council.objects.values_list("pk", flat=True))
            return self._all_council_ids
        return frozenset(council_id for council_id, held in self._memberships().items() if held & set(roles))

    def own_council_ids_with(self, *roles):
        """Ids of the councils whose waiting work is this user's (the home page's queues and
        the navigation's count): where one of ``roles`` is held. A site administrator may act
        in every council, but only the councils they are a member of (in any role) are
        theirs: counting every council's queue for them would be a national count on every
        page, and no use to them (README, Performance)."""
        if self.signed_in and self.user.is_superuser:
            return frozenset(self._memberships())
        return self.council_ids_with(*roles)


def council_roles(user):
    """The user's CouncilRoles, kept on the user object as ``user.council_roles``."""
    roles = getattr(user, "council_roles", None)
    if not isinstance(roles, CouncilRoles):
        roles = CouncilRoles(user)
        user.council_roles = roles
    return roles


def roles_for(user, council):
    """The roles ``user`` holds in ``council`` (administrators hold all)."""
    return council_roles(user).in_council(council.pk)


def display_name(user):
    """How history names a person: "J. Smith" (or their username), kept for deactivated users."""
    if user is None:
        return "the published document"
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last:
        return f"{first[0]}. {last}"
    return user.get_full_name() or user.get_username()
