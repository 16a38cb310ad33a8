"""What the proposal pages need from the request: who the person is, what they may do."""
from django import template
from django.urls import reverse

from councils.access import display_name, roles_for
from councils.models import Role
from proposals.services import available_transitions

register = template.Library()


@register.filter
def person(user):
    """ "J. Smith" for the history; deactivated people keep their name, marked as such."""
    name = display_name(user)
    if user is not None and not user.is_active:
        name += " (account closed)"
    return name


@register.simple_tag(takes_context=True)
def proposal_actions(context, proposal):
    """The buttons the proposal page shows: only what this user may do to it now."""
    request = context["request"]
    plan = proposal.plan
    cache = request.__dict__.setdefault("_roles_by_council", {})
    if plan.council_id not in cache:
        cache[plan.council_id] = roles_for(request.user, plan.council)
    roles = cache[plan.council_id]
    args = [plan.council.slug, plan.slug, proposal.pk]
    transitions = available_transitions(request.user, proposal, roles)
    is_author = request.user.pk in (proposal.created_by_id, proposal.updated_by_id)
    return {
        "can_edit": Role.OFFICER in roles and not proposal.is_read_only,
        "edit_url": reverse("proposals:edit", args=args),
        "status_url": reverse("proposals:status", args=args),
        "history_url": reverse("proposals:history", args=args),
        "transitions": transitions,
        "approval_blocked": Role.APPROVER in roles and is_author and proposal.status in ("submitted", "consultation"),
    }
