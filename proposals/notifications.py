"""E-mail to the people a proposal's move needs, sent once the move is committed.

- Submitted for approval: the council's approvers (they act next).
- Approved, rejected, put out to consultation, or returned to draft by someone else: its
  authors (who created it and who last changed it).

Never the person who made the move, never anyone without a role in the proposal's
council (site administrators aside), never a closed account, and never someone who has
turned these e-mails off (``councils.Preferences.workflow_emails``; no row means on).
Recipients are read in one query. A mail server that fails is logged and the move
stands: the e-mail is a courtesy, the record is the proposal's history.
"""
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from councils.models import Role

from .models import Status

log = logging.getLogger(__name__)

TO_APPROVERS = {Status.SUBMITTED}
TO_AUTHORS = {Status.APPROVED, Status.REJECTED, Status.CONSULTATION, Status.DRAFT}
WHAT_HAPPENED = {
    Status.SUBMITTED: "was submitted for approval and needs an approver",
    Status.APPROVED: "was approved",
    Status.REJECTED: "was rejected",
    Status.CONSULTATION: "was put out to consultation",
    Status.DRAFT: "was returned to draft",
}


def proposal_url(proposal):
    path = reverse("reports:proposal_detail", args=[proposal.plan.council.slug, proposal.plan.slug, proposal.pk])
    return settings.PORTAL_URL.rstrip("/") + path


def recipients(proposal, to_status, actor):
    """The people told of ``proposal``'s move to ``to_status`` by ``actor`` (one query)."""
    council_id = proposal.plan.council_id
    if to_status in TO_APPROVERS:
        who = Q(memberships__council_id=council_id, memberships__role=Role.APPROVER)
    elif to_status in TO_AUTHORS:
        authors = {pk for pk in (proposal.created_by_id, proposal.updated_by_id) if pk is not None}
        if not authors:
            return []
        who = Q(pk__in=authors) & (Q(memberships__council_id=council_id) | Q(is_superuser=True))
    else:
        return []
    people = (
        get_user_model().objects.filter(who, is_active=True).exclude(email="")
        .exclude(preferences__workflow_emails=False)
    )
    if getattr(actor, "pk", None) is not None:
        people = people.exclude(pk=actor.pk)
    return list(people.distinct().order_by("pk"))


def message(proposal, to_status, actor, person):
    what = WHAT_HAPPENED[to_status]
    by = "" if getattr(actor, "pk", None) is None else f" by {actor.get_full_name() or actor.get_username()}"
    subject = f"{proposal.display_reference} {proposal.title} {what}"[:200]
    body = (
        f"{proposal.display_reference} {proposal.title} ({proposal.plan.council.name}: {proposal.plan.name}) "
        f"{what}{by}.\n\n{proposal_url(proposal)}\n\n"
        "You are told because of your role in the council. To stop these e-mails, untick "
        f"\u201cE-mail me when a proposal needs me\u201d at {settings.PORTAL_URL.rstrip('/')}"
        f"{reverse('notification_settings')}\n"
    )
    return EmailMessage(subject.replace("\n", " "), body, None, [person.email])


def status_changed(proposal, from_status, to_status, actor):
    """Once the transaction commits, tell the people ``proposal``'s move needs."""
    if to_status == Status.DRAFT and from_status not in (Status.SUBMITTED, Status.CONSULTATION, Status.APPROVED,
                                                          Status.REJECTED):
        return  # back from withdrawn: the author's own doing
    transaction.on_commit(lambda: _send(proposal, to_status, actor))


def _send(proposal, to_status, actor):
    try:
        messages = [message(proposal, to_status, actor, person) for person in recipients(proposal, to_status, actor)]
        if messages:
            get_connection().send_messages(messages)
    except Exception:  # the move is committed; the e-mail is a courtesy (logged, never raised)
        log.exception("Could not send the e-mail for %s moving to %s", proposal, to_status)
