"""A council's people: the one write path for adding users to a council, giving and
taking their roles in it, and deactivating or reactivating them.

Every function asks ``proposals.permissions.can_manage_people`` itself (a caller that
forgets still cannot write) and records each role given or taken (a Membership created
or deleted) and each deactivation or reactivation (the User edited) in the council's
audit trail, in the same transaction as the write.

The rules a council administrator keeps to:

- They see and change only this council's memberships. A person who also has roles in
  another council is not theirs to lock out: "deactivating" such a person takes away
  only their roles here, and their account stays open for the other council. For the
  same reason only a site administrator reactivates a closed account that has roles
  elsewhere, or deactivates a site administrator.
- The council keeps at least one active council administrator, and nobody deactivates
  themselves.
- A username already in use is refused without saying whose it is; a site administrator
  may add an existing user to the council instead.
- Nobody chooses or sees a password: a new user gets an unusable one and sets their own
  through a one-time link (``set_password_link``).
"""
import logging
import smtplib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from councils.models import Membership, Role
from proposals.history import changes_between, lock_chain, record_change, snapshot
from proposals.models import ChangeSet
from proposals.permissions import can_manage_people

logger = logging.getLogger(__name__)

# Roles in the order the pages offer them.
ROLES = (Role.OFFICER, Role.APPROVER, Role.COMMISSIONER, Role.COUNCIL_ADMIN)

OWN_ACCOUNT = "You cannot deactivate your own account. Another council administrator can."
LAST_ADMIN = (
    "{name} is {council}’s only council administrator, so their council administrator role cannot be taken "
    "away. Make someone else a council administrator first."
)
USERNAME_TAKEN = "The username {username} is already taken. Choose another username."
ALREADY_HERE = "{name} already has a role in {council}. Change their roles on their page instead."
NO_ROLES = "Choose at least one role."
UNKNOWN_ROLE = "“{role}” is not a role. Choose from the roles listed."
SITE_ADMIN_ONLY_DEACTIVATE = "{name} is a site administrator; only a site administrator can deactivate them."
SITE_ADMIN_ONLY_ACTIVATE = (
    "{name} also has roles in another council, so only a site administrator can reopen their account."
)
NOT_A_MEMBER = "{name} has no role in {council}."


class PeopleError(Exception):
    """A change to the council's people refused for a reason the user can act on; nothing
    was written. ``field`` names the form field the message belongs to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def person_name(user):
    return user.get_full_name() or user.get_username()


def user_label(user):
    """How the audit trail names a user record: the username (never the e-mail address:
    the trail is append-only)."""
    return user.get_username()


def account_values(user):
    """What the audit trail records of a user's account: no password, no e-mail address."""
    return {
        "Username": user.get_username(), "First name": user.first_name, "Last name": user.last_name,
        "Active": "Yes" if user.is_active else "No",
    }


def clean_roles(roles):
    """The roles given, as Role members in the pages' order; a PeopleError for none or an unknown one."""
    roles = set(roles)
    for role in sorted(roles - set(Role.values)):
        raise PeopleError(UNKNOWN_ROLE.format(role=role), field="roles")
    if not roles:
        raise PeopleError(NO_ROLES, field="roles")
    return [role for role in ROLES if role in roles]


def roles_here(person, council):
    return set(Membership.objects.filter(user=person, council=council).values_list("role", flat=True))


def has_roles_elsewhere(person, council):
    return Membership.objects.filter(user=person).exclude(council=council).exists()


def _refuse_losing_last_admin(person, council, roles_after):
    """Refuse a change that leaves the council with no active council administrator."""
    if Role.COUNCIL_ADMIN in roles_after or not person.is_active:
        return
    if Role.COUNCIL_ADMIN not in roles_here(person, council):
        return
    others = (
        Membership.objects.filter(council=council, role=Role.COUNCIL_ADMIN, user__is_active=True)
        .exclude(user=person).exists()
    )
    if not others:
        raise PeopleError(LAST_ADMIN.format(name=person_name(person), council=council.name))


def _give(actor, council, person, role):
    membership = Membership.objects.create(user=person, council=council, role=role)
    record_change(user=actor, subject=membership, action=ChangeSet.Action.CREATE,
                  changes=changes_between(None, snapshot(membership)), council_id=council.pk)
    return membership


def _take(actor, council, membership, note=""):
    record_change(user=actor, subject=membership, action=ChangeSet.Action.DELETE,
                  changes=changes_between(snapshot(membership), None), council_id=council.pk, note=note)
    membership.delete()


@dataclass
class Added:
    user: object
    created: bool  # a new account (False: an existing user added to the council by a site administrator)
    roles: list = field(default_factory=list)


def add_person(*, actor, council, username, first_name="", last_name="", email="", roles):
    """Add a user to ``council`` with ``roles``: a new account (with no usable password),
    or, for a site administrator, an existing user. Returns ``Added``."""
    can_manage_people(actor, council).require()
    roles = clean_roles(roles)
    User = get_user_model()
    with transaction.atomic():
        lock_chain(council.pk)
        existing = User.objects.filter(username=username).first()
        if User.objects.filter(username__iexact=username).exists():  # "Officer" is taken by "officer" too
            if existing is None or not actor.is_superuser:
                raise PeopleError(USERNAME_TAKEN.format(username=username), field="username")
            if Membership.objects.filter(user=existing, council=council).exists():
                raise PeopleError(ALREADY_HERE.format(name=person_name(existing), council=council.name),
                                  field="username")
            for role in roles:
                _give(actor, council, existing, role)
            return Added(existing, created=False, roles=roles)
        try:
            with transaction.atomic():
                user = User(username=username, first_name=first_name, last_name=last_name, email=email)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # the same username, taken meanwhile
            raise PeopleError(USERNAME_TAKEN.format(username=username), field="username") from None
        record_change(user=actor, subject=user, action=ChangeSet.Action.CREATE,
                      changes=changes_between(None, account_values(user)), council_id=council.pk)
        for role in roles:
            _give(actor, council, user, role)
    return Added(user, created=True, roles=roles)


def set_roles(*, actor, council, person, roles):
    """Give and take ``person``'s roles in ``council`` so that they hold exactly ``roles``.
    Returns (roles given, roles taken)."""
    can_manage_people(actor, council).require()
    roles = set(clean_roles(roles))
    with transaction.atomic():
        lock_chain(council.pk)
        held = {m.role: m for m in Membership.objects.filter(user=person, council=council)}
        if not held:
            raise PeopleError(NOT_A_MEMBER.format(name=person_name(person), council=council.name))
        _refuse_losing_last_admin(person, council, roles)
        given = [role for role in ROLES if role in roles and role not in held]
        taken = [role for role in ROLES if role in held and role not in roles]
        for role in taken:
            _take(actor, council, held[role])
        for role in given:
            _give(actor, council, person, role)
    return given, taken


def deactivation_takes_roles_only(person, council):
    """Whether deactivating ``person`` here takes away only their roles in ``council``
    (they have roles in another council, whose access this council does not close)."""
    return has_roles_elsewhere(person, council)


def deactivate(*, actor, council, person):
    """Close ``person``'s account (is_active False; never deleted), or, when they have roles
    in another council, take away only their roles here. Returns True when the account
    was closed, False when only the roles here were taken away."""
    can_manage_people(actor, council).require()
    name = person_name(person)
    if person.pk == actor.pk:
        raise PeopleError(OWN_ACCOUNT)
    if person.is_superuser and not actor.is_superuser:
        raise PeopleError(SITE_ADMIN_ONLY_DEACTIVATE.format(name=name))
    with transaction.atomic():
        lock_chain(council.pk)
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        memberships = list(Membership.objects.filter(user=person, council=council))
        if not memberships:
            raise PeopleError(NOT_A_MEMBER.format(name=name, council=council.name))
        _refuse_losing_last_admin(person, council, roles_after=set())
        if has_roles_elsewhere(person, council):
            for membership in memberships:
                _take(actor, council, membership,
                      note="Deactivated here: their roles in this council were taken away; "
                           "their account stays open for another council.")
            return False
        if not person.is_active:
            return True
        _set_active(actor, council, person, active=False)
    return True


def activate(*, actor, council, person):
    """Reopen the closed account of a person with roles in ``council``."""
    can_manage_people(actor, council).require()
    name = person_name(person)
    with transaction.atomic():
        lock_chain(council.pk)
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        if not Membership.objects.filter(user=person, council=council).exists():
            raise PeopleError(NOT_A_MEMBER.format(name=name, council=council.name))
        if person.is_active:
            return
        if has_roles_elsewhere(person, council) and not actor.is_superuser:
            raise PeopleError(SITE_ADMIN_ONLY_ACTIVATE.format(name=name))
        _set_active(actor, council, person, active=True)


def _set_active(actor, council, person, *, active):
    """Open or close ``person``'s account, recorded in ``council``'s audit trail."""
    before = account_values(person)
    person.is_active = active
    person.save(update_fields=["is_active"])
    record_change(user=actor, subject=person, action=ChangeSet.Action.EDIT,
                  changes=changes_between(before, account_values(person)), council_id=council.pk,
                  note="Account reactivated" if active else "Account deactivated")


NO_NEW_LINK = "{name} has already chosen a password, so there is no set-password link to give."
NO_NEW_LINK_INACTIVE = "{name}’s account is deactivated; reactivate it before giving them a set-password link."
NO_NEW_LINK_ELSEWHERE = (
    "{name} also has roles in another council, so only a site administrator can give them a new set-password link."
)


def may_have_new_link(actor, council, person):
    """Whether ``actor`` may give ``person`` a new set-password link: only someone who has
    never chosen a password (an unused or expired link), whose account is open, and,
    unless a site administrator asks, who has no roles in another council. Returns
    (allowed, the reason when not)."""
    can_manage_people(actor, council).require()
    name = person_name(person)
    if person.has_usable_password():
        return False, NO_NEW_LINK.format(name=name)
    if not person.is_active:
        return False, NO_NEW_LINK_INACTIVE.format(name=name)
    if has_roles_elsewhere(person, council) and not actor.is_superuser:
        return False, NO_NEW_LINK_ELSEWHERE.format(name=name)
    return True, ""


def set_password_link(request, user):
    """The one-time address where ``user`` chooses their password (Django's password-reset
    token: it stops working once a password is set, or after PASSWORD_RESET_TIMEOUT)."""
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    })
    return request.build_absolute_uri(path)


def email_set_password_link(user, council, link, valid_days):
    """E-mail ``link`` to ``user`` through Django's e-mail backend (the console in
    development). Returns whether it was sent: a mail server that refuses is reported
    to the administrator, who has the link to pass on anyway."""
    if not user.email:
        return False
    body = render_to_string("administration/people/set_password_email.txt", {
        "user": user, "council": council, "link": link, "valid_days": valid_days,
    })
    try:
        send_mail(f"Your Budget Portal account for {council.name}", body, None, [user.email])
    except (OSError, smtplib.SMTPException):
        logger.exception("The set-password e-mail to user %s could not be sent", user.pk)
        return False
    return True
