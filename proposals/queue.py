"""What needs me? The work waiting for a user, for their home page.

Whose work it is: ``CouncilRoles.own_council_ids_with`` (a site administrator's queues are
those of the councils they are a member of, not every council's).

- **Approvers**: the proposals submitted for approval (or out to consultation) in the
  open plans of the councils where they approve, oldest first, each with when it was
  submitted, who wrote it, its net and whether this approver may approve it
  (``permissions.approval_decisions``: one query for the lot, never one per proposal).
- **Finance officers**: their own drafts (created or last changed by them) in open plans,
  those returned to draft by someone else first, saying from what.

Each list is cut at ``LIMIT`` rows (a national administrator approves everywhere) with
the total counted by the database. A fixed number of queries whatever the data's size.
"""
from dataclasses import dataclass

from django.db.models import Case, Count, OuterRef, Q, Subquery, When

from councils.access import council_roles
from councils.models import Role

from .models import Change, ChangeSet, Proposal, Status
from .permissions import approval_decisions

LIMIT = 50
AWAITING = (Status.SUBMITTED, Status.CONSULTATION)


@dataclass
class Queue:
    items: list
    total: int

    @property
    def more(self):
        return self.total - len(self.items)


def _last_move(field):
    """The proposal's latest status change's ``field``: its time ("at"), who made it
    ("user"), or the status it left ("old")."""
    moves = ChangeSet.objects.filter(proposal=OuterRef("pk"), action=ChangeSet.Action.STATUS).order_by("-id")
    if field in ("at", "user"):
        return Subquery(moves.values(field)[:1])
    return Subquery(Change.objects.filter(
        changeset__proposal=OuterRef("pk"), changeset__action=ChangeSet.Action.STATUS, kind=Change.Kind.STATUS,
    ).order_by("-changeset_id").values(field)[:1])


def _queue(queryset, order):
    total = queryset.count()
    items = list(queryset.select_related("plan__council", "outcome", "created_by", "updated_by")
                 .order_by(*order)[:LIMIT]) if total else []
    return Queue(items, total)


def _awaiting(council_ids):
    """What waits for approval in those councils: the one rule the queue and its count share."""
    return Q(plan__council_id__in=council_ids, plan__is_closed=False, status__in=AWAITING)


def _drafts(user, council_ids):
    """``user``'s drafts in those councils' open plans: the one rule the queue and its count share."""
    return (Q(created_by=user) | Q(updated_by=user)) & Q(plan__council_id__in=council_ids, plan__is_closed=False,
                                                         status=Status.DRAFT)


@dataclass
class Counts:
    awaiting: int = 0
    drafts: int = 0

    @property
    def total(self):
        return self.awaiting + self.drafts


def counts(user):
    """How many proposals wait for ``user``'s approval and how many drafts are theirs, for
    the navigation: one query for an approver or officer, none for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return Counts()
    roles = council_roles(user)
    approving, drafting = roles.own_council_ids_with(Role.APPROVER), roles.own_council_ids_with(Role.OFFICER)
    if not approving and not drafting:
        return Counts()
    wanted = {}
    if approving:
        wanted["awaiting"] = Count("pk", filter=_awaiting(approving))
    if drafting:
        wanted["drafts"] = Count("pk", filter=_drafts(user, drafting))
    either = (_awaiting(approving) if approving else Q(pk__in=[])) | (_drafts(user, drafting) if drafting
                                                                        else Q(pk__in=[]))
    return Counts(**Proposal.objects.filter(either).aggregate(**wanted))


def awaiting_approval(user):
    """The proposals waiting for ``user``'s approval: a Queue whose items carry
    ``submitted_at`` and ``approval`` (the Decision: allowed, or why not)."""
    council_ids = council_roles(user).own_council_ids_with(Role.APPROVER)
    if not council_ids:
        return Queue([], 0)
    waiting = Proposal.objects.filter(_awaiting(council_ids)).annotate(submitted_at=_last_move("at"))
    queue = _queue(waiting, ("submitted_at", "pk"))
    decisions = approval_decisions(user, queue.items)
    for proposal in queue.items:
        proposal.approval = decisions[proposal.pk]
    return queue


def my_drafts(user):
    """``user``'s drafts in the open plans of councils where they are an officer, those
    returned to draft by someone else first: a Queue whose items carry ``returned_from``
    (the label of the status another person returned it from, or None), ``moved_by`` (their
    id) and ``moved_at``."""
    council_ids = council_roles(user).own_council_ids_with(Role.OFFICER)
    if not council_ids or not user.is_authenticated:
        return Queue([], 0)
    returned_from = [Status(s).label for s in (Status.SUBMITTED, Status.CONSULTATION, Status.APPROVED)]
    drafts = Proposal.objects.filter(_drafts(user, council_ids)).annotate(
        left=_last_move("old"), moved_at=_last_move("at"), moved_by=_last_move("user"))
    returned = Q(left__in=returned_from) & ~Q(moved_by=user.pk) & Q(moved_by__isnull=False)
    queue = _queue(drafts, (Case(When(returned, then=0), default=1), "-updated_at", "pk"))
    for proposal in queue.items:
        by_someone_else = proposal.moved_by is not None and proposal.moved_by != user.pk
        proposal.returned_from = proposal.left if by_someone_else and proposal.left in returned_from else None
    return queue
