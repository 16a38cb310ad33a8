"""A council's people, for its council administrators (and site administrators):
the list, adding a user, changing a user's roles here, deactivating and reactivating.

Anything of a council the user has no role in is a 404; a role other than council
administrator gets a 403 (``proposals.permissions.can_manage_people``). The pages only
ask; ``administration.people_services`` decides again and writes.
"""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from councils.models import Membership, Role
from proposals.forms import error_summary
from proposals.permissions import can_manage_people

from . import people_services as service
from .access import managed_council

ROLE_CHOICES = [(role.value, role.label) for role in service.ROLES]
ROLE_HINTS = {
    Role.OFFICER: "Creates and edits the council’s proposals and moves them through the workflow.",
    Role.APPROVER: "Approves or rejects proposals (never their own work).",
    Role.COMMISSIONER: "Reads the council’s pages, reports and history; changes nothing.",
    Role.COUNCIL_ADMIN: "Manages the council’s people, budget plans and structure.",
}


def _too_long(label, limit):
    return f"{label} must be {limit} characters or fewer."


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=ROLE_CHOICES, label="Roles in this council", error_messages={
            "required": service.NO_ROLES,
            "invalid_choice": service.UNKNOWN_ROLE.replace("{role}", "%(value)s"),
        }, **kwargs)


class AddPersonForm(forms.Form):
    username = forms.CharField(
        label="Username", max_length=150, validators=[UnicodeUsernameValidator()],
        help_text="What they sign in with: letters, digits and @ . + - _ only, 150 characters at most.",
        error_messages={"required": "Enter a username.", "max_length": _too_long("Username", 150)},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label="First name", max_length=150,
        error_messages={"required": "Enter their first name.", "max_length": _too_long("First name", 150)},
    )
    last_name = forms.CharField(
        label="Last name", max_length=150,
        error_messages={"required": "Enter their last name.", "max_length": _too_long("Last name", 150)},
    )
    email = forms.EmailField(
        label="Email address", max_length=254, required=False,
        help_text="Their set-password link is e-mailed here. Without an address, you pass the link on yourself.",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.gov.uk.",
                        "max_length": _too_long("Email address", 254)},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()


def _council(request, council_slug):
    return managed_council(request, council_slug, can_manage_people)


def _person(council, user_id):
    """A user with a role in ``council`` (a deactivated one too); anyone else is a 404."""
    return get_object_or_404(get_user_model().objects.filter(memberships__council=council).distinct(), pk=user_id)


def _context(council, **extra):
    return {"council": council, "role_hints": ROLE_HINTS, **extra}


@require_safe
def people(request, council_slug):
    council = _council(request, council_slug)
    rows = {}
    memberships = (
        Membership.objects.filter(council=council).select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "user_id")
    )
    order = {role: index for index, role in enumerate(service.ROLES)}
    for membership in memberships:
        rows.setdefault(membership.user_id, (membership.user, []))[1].append(membership)
    people_rows = [
        {"user": user, "roles": [m.get_role_display() for m in sorted(held, key=lambda m: order[m.role])]}
        for user, held in rows.values()
    ]
    return render(request, "administration/people/list.html", _context(council, people=people_rows))


@require_http_methods(["GET", "POST"])
def add_person(request, council_slug):
    council = _council(request, council_slug)
    form = AddPersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = service.add_person(
                actor=request.user, council=council, username=data["username"], first_name=data["first_name"],
                last_name=data["last_name"], email=data["email"], roles=data["roles"],
            )
        except service.PeopleError as error:
            form.add_error(error.field, str(error))
        else:
            name = service.person_name(added.user)
            if not added.created:
                messages.success(request, f"{name} (an existing user) now has roles in {council.name}. "
                                          "Their name, e-mail address and password were not changed.")
                return redirect("administration:person", council.slug, added.user.pk)
            return _link_page(request, council, added.user, created=True)
    return render(request, "administration/people/add.html", _context(
        council, form=form, errors=error_summary(form, "main-form"),
    ))


@require_http_methods(["GET", "POST"])
def person(request, council_slug, user_id):
    council = _council(request, council_slug)
    someone = _person(council, user_id)
    held = service.roles_here(someone, council)
    form = RolesForm(request.POST if request.method == "POST" else None,
                     initial={"roles": [role for role in service.ROLES if role in held]})
    if request.method == "POST" and form.is_valid():
        try:
            given, taken = service.set_roles(actor=request.user, council=council, person=someone,
                                             roles=form.cleaned_data["roles"])
        except service.PeopleError as error:
            form.add_error(error.field, str(error))
        else:
            name = service.person_name(someone)
            if not given and not taken:
                messages.info(request, f"{name}’s roles were not changed.")
            else:
                said = [f"given {', '.join(Role(r).label.lower() for r in given)}"] if given else []
                said += [f"taken away {', '.join(Role(r).label.lower() for r in taken)}"] if taken else []
                messages.success(request, f"{name}’s roles in {council.name} have been changed: {'; '.join(said)}.")
            if someone.pk == request.user.pk and not can_manage_people(_fresh(request.user), council):
                return redirect("home")
            return redirect("administration:person", council.slug, someone.pk)
    return render(request, "administration/people/person.html", _context(
        council, person=someone, form=form, errors=error_summary(form, "main-form"),
        roles_elsewhere=service.has_roles_elsewhere(someone, council), is_self=someone.pk == request.user.pk,
        may_have_new_link=service.may_have_new_link(request.user, council, someone)[0],
    ))


def _fresh(user):
    """The user again, with their roles read anew (they may have just changed their own)."""
    return get_user_model().objects.get(pk=user.pk)


@require_http_methods(["GET", "POST"])
def deactivate(request, council_slug, user_id):
    council = _council(request, council_slug)
    someone = _person(council, user_id)
    roles_only = service.deactivation_takes_roles_only(someone, council)
    problem = None
    if request.method == "POST":
        try:
            closed = service.deactivate(actor=request.user, council=council, person=someone)
        except service.PeopleError as error:
            problem = str(error)
        else:
            name = service.person_name(someone)
            if closed:
                messages.success(request, f"{name}’s account has been deactivated. They can no longer sign in; "
                                          "their name stays in the history.")
                return redirect("administration:person", council.slug, someone.pk)
            messages.success(request, f"{name}’s roles in {council.name} have been taken away. Their account "
                                      "stays open because they have roles in another council.")
            return redirect("administration:people", council.slug)
    return render(request, "administration/people/deactivate.html", _context(
        council, person=someone, roles_only=roles_only, problem=problem,
        is_self=someone.pk == request.user.pk,
    ))


def _link_page(request, council, someone, *, created):
    """The page that shows ``someone``'s set-password link once (and e-mails it)."""
    valid_days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    link = service.set_password_link(request, someone)
    emailed = service.email_set_password_link(someone, council, link, valid_days)
    roles = [role.label for role in service.ROLES if role in service.roles_here(someone, council)]
    return render(request, "administration/people/added.html", _context(
        council, person=someone, link=link, emailed=emailed, valid_days=valid_days, roles=roles, created=created,
    ))


@require_POST
def new_link(request, council_slug, user_id):
    council = _council(request, council_slug)
    someone = _person(council, user_id)
    allowed, reason = service.may_have_new_link(request.user, council, someone)
    if not allowed:
        messages.error(request, reason)
        return redirect("administration:person", council.slug, someone.pk)
    return _link_page(request, council, someone, created=False)


@require_POST
def activate(request, council_slug, user_id):
    council = _council(request, council_slug)
    someone = _person(council, user_id)
    name = service.person_name(someone)
    if someone.is_active:
        messages.info(request, f"{name}’s account is already active.")
    else:
        try:
            service.activate(actor=request.user, council=council, person=someone)
        except service.PeopleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{name}’s account has been reactivated. They can sign in again.")
    return redirect(reverse("administration:person", args=[council.slug, someone.pk]))


urlpatterns = [
    path("", people, name="people"),
    path("add/", add_person, name="people_add"),
    path("<int:user_id>/", person, name="person"),
    path("<int:user_id>/deactivate/", deactivate, name="person_deactivate"),
    path("<int:user_id>/activate/", activate, name="person_activate"),
    path("<int:user_id>/link/", new_link, name="person_link"),
]
