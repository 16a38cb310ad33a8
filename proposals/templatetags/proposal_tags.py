"""What the proposal pages need from the request: who the person is, what they may do.

What a user may do is ``proposals.permissions``' decision; this only lays out the buttons."""
from django import template
from django.urls import reverse
from django.utils.html import format_html

from councils.access import display_name
from proposals import textdiff
from proposals.forms import error_summary as form_error_summary
from proposals.models import Change, Status
from proposals.money import format_in
from proposals.permissions import (
    awaits_approval,
    can_create,
    can_edit,
    can_import,
    can_publish,
    move_label,
    moves_for,
)

register = template.Library()


@register.filter
def error_summary(form, non_field_target=""):
    """``{% include "_error_summary.html" with errors=form|error_summary:"id_username" %}``."""
    return form_error_summary(form, non_field_target)

# What the buttons that move a proposal say, by target status.


@register.filter
def person(user):
    """ "J. Smith" for the history; deactivated people keep their name, marked as such."""
    name = display_name(user)
    if user is not None and not user.is_active:
        name += " (account closed)"
    return name


@register.filter
def money_in(amount_k, unit):
    """£ thousands as the plan's pages show them: "+3.500" in £m, "+3,500" in £000."""
    return format_in(amount_k, unit)


@register.filter
def change_html(change):
    """A change as the history reads it: "Title: old → new", or for a long text changed on
    both sides (a description), its field and a word-level difference."""
    if change.kind == Change.Kind.FIELD and textdiff.worth_diffing(change.old, change.new):
        return format_html("{}: {}", change.field, textdiff.diff_html(change.old, change.new))
    return change.describe()


@register.filter
def may_create(user, plan):
    """Whether ``user`` may add a proposal to ``plan`` now (the roll-up and list offer it)."""
    return bool(can_create(user, plan))


@register.filter
def may_import(user, plan):
    """Whether ``user`` may import spreadsheets into ``plan`` (the plan's pages link to the import)."""
    return bool(can_import(user, plan))


@register.filter
def may_publish(user, plan):
    """Whether ``user`` may publish ``plan`` (its pages link to the publishing page)."""
    return bool(can_publish(user, plan))


@register.simple_tag(takes_context=True)
def proposal_actions(context, proposal):
    """The buttons the proposal page shows: only what this user may do to it now, and why
    an approver who may not approve it cannot (``approval_refused``)."""
    user = context["request"].user
    plan = proposal.plan
    args = [plan.council.slug, plan.slug, proposal.pk]
    moves = moves_for(user, proposal)
    approval = moves[Status.APPROVED]
    return {
        "can_edit": bool(can_edit(user, proposal)),
        "edit_url": reverse("proposals:edit", args=args),
        "status_url": reverse("proposals:status", args=args),
        "history_url": reverse("proposals:history", args=args),
        "transitions": [(to, move_label(proposal.status, to)) for to, decision in moves.items() if decision],
        # Shown to an approver only: their role approves, this proposal's history does not let them.
        "approval_refused": approval.reason if awaits_approval(proposal) and not approval.by_role else "",
    }
