"""Who may do what to a council's budget record, decided here and nowhere else.

``proposals.services`` enforces these decisions inside every write (create, save, change
of status, import), so a caller that forgets to ask still cannot write. Pages,
templates (through ``proposal_tags``), the admin and the commands ask the same functions
to decide what to offer.

Each ``can_*`` function returns a ``Decision``: true when allowed; false with a
``reason``, a sentence a page can show. ``decision.require()`` raises: PermissionDenied
(a 403) when the user's role does not allow the action at all, WorkflowError when the
role allows it but the proposal's state or history does not, now.

A user's roles come from ``councils.access.council_roles``: read in one query, once per
user object (so once per request).

**The system actor.** ``SYSTEM`` is "the published document": the seed loader writes as
it, and so may an operator's command that writes no person's work. It is not a person:
its changes are recorded with no user (history shows "the published document"), it may
create a proposal in any status (the published one), and it never approves. Nothing
writes as nobody: a write with ``user=None`` is refused.

**Segregation of duties.** Nobody approves a proposal whose content (the create, an
edit, an import) they changed since it was created or last approved, nor one they
created or last changed. The database holds the same rule: a check constraint on the
creator and last editor, and a trigger on the history since the last approval
(migration ``approver_not_content_author``).
"""
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from councils.access import council_roles
from councils.models import Role

from . import governance
from .models import BudgetPlan, ChangeSet, Status


class WorkflowError(Exception):
    """The user's role allows the action, but not for this proposal now. The message is for users."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    by_role: bool = False  # refused for the user's role (403), not for the proposal's state

    def __bool__(self):
        return self.allowed

    def require(self):
        if self.allowed:
            return
        if self.by_role:
            raise PermissionDenied(self.reason)
        raise WorkflowError(self.reason)


ALLOWED = Decision(True)


def _no_role(reason):
    return Decision(False, reason, by_role=True)


def _not_now(reason):
    return Decision(False, reason)


class _System:
    """The published document (see the module's docstring)."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = False

    def __str__(self):
        return "the published document"

    __repr__ = __str__


SYSTEM = _System()

# The workflow, as one table: which status may follow which, whose role makes the move,
# and the words of its button. The service (``can_move``), the proposal page's buttons
# (``moves_for``) and the tests read this and nothing else.
@dataclass(frozen=True)
class Move:
    from_status: str
    to_status: str
    role: str  # Role.OFFICER or Role.APPROVER
    label: str


WORKFLOW = (
    Move(Status.DRAFT, Status.SUBMITTED, Role.OFFICER, "Submit for approval"),
    Move(Status.DRAFT, Status.WITHDRAWN, Role.OFFICER, "Withdraw"),
    Move(Status.SUBMITTED, Status.CONSULTATION, Role.APPROVER, "Put out to consultation"),
    Move(Status.SUBMITTED, Status.APPROVED, Role.APPROVER, "Approve"),
    Move(Status.SUBMITTED, Status.REJECTED, Role.APPROVER, "Reject"),
    Move(Status.SUBMITTED, Status.DRAFT, Role.OFFICER, "Return to draft"),
    Move(Status.SUBMITTED, Status.WITHDRAWN, Role.OFFICER, "Withdraw"),
    Move(Status.CONSULTATION, Status.APPROVED, Role.APPROVER, "Approve"),
    Move(Status.CONSULTATION, Status.REJECTED, Role.APPROVER, "Reject"),
    Move(Status.CONSULTATION, Status.DRAFT, Role.OFFICER, "Return to draft"),
    Move(Status.CONSULTATION, Status.WITHDRAWN, Role.OFFICER, "Withdraw"),
    Move(Status.APPROVED, Status.DRAFT, Role.APPROVER, "Return to draft"),
    Move(Status.REJECTED, Status.DRAFT, Role.OFFICER, "Return to draft"),
    Move(Status.WITHDRAWN, Status.DRAFT, Role.OFFICER, "Return to draft"),
)
MOVE_BY_PAIR = {(move.from_status, move.to_status): move for move in WORKFLOW}
# Which status may follow which (derived from WORKFLOW).
TRANSITIONS: dict[str, set[str]] = {status: set() for status in Status.values}
for _move in WORKFLOW:
    TRANSITIONS[_move.from_status].add(_move.to_status)

# What a history entry of these actions changed: the proposal's content (a status move is not).
CONTENT_ACTIONS = (ChangeSet.Action.CREATE, ChangeSet.Action.EDIT, ChangeSet.Action.IMPORT, ChangeSet.Action.SEED)

NOBODY = "A change must be made by a signed-in person, or by the system for the published document."
OFFICERS_ONLY = "Only the council's finance officers can change proposals."
IMPORT_OFFICERS_ONLY = "Only the council's finance officers can import proposals."
COUNCIL_ADMINS_ONLY = "Only the council's administrators can manage its people, budget plans and structure."
APPROVERS_ONLY = "Only the council's approvers can approve or reject proposals."
ROLE_FOR_MOVE = "Your role does not allow this change of status."
NO_ROLE = "You have no role in this council."
CLOSED = "{plan} is closed, so its proposals cannot change. A council administrator can reopen it."
CLOSED_PLAN_FIXED = "{plan} is closed, so it cannot be changed. Reopen it first."
READ_ONLY = "This proposal is approved, so it cannot be changed. An approver can return it to draft first."
NEW_IS_DRAFT = "A new proposal starts as a draft; it moves on through the approval workflow."
ROLL_FORWARD_PEOPLE = ("Rolling a plan forward creates a plan and its proposals: only a council administrator "
                       "who is also one of its finance officers can do it.")
SNAPSHOT_TAKERS_ONLY = "Only the council's approvers and administrators can take a snapshot of a plan."
GAP_EDITORS_ONLY = "Only the council's finance officers and administrators can change the gap before proposals."
MONITORING_ADMINS_ONLY = "Only the council's administrators can open, close and change monitoring periods."
RETURN_MAKERS_ONLY = "Only the council's finance officers and administrators can make delivery returns."
PUBLISHERS_ONLY = "Only the council's administrators can publish a plan or withdraw its publication."
JOB_OWNERS_ONLY = "Only the person who started a job, or an administrator of its council, can see it."
MEASURE_EDITORS_ONLY = "Only the council's finance officers and administrators can change its outcome measures."
PERIOD_CLOSED = "{period} is closed for returns. A council administrator can reopen it."
SYSTEM_DOES_NOT_APPROVE = "Approval is a person's decision; the system does not approve proposals."
OWN_WORK = (
    "You cannot approve this proposal because you created it or changed it since it was last approved; "
    "another approver must."
)


def recorded_user(user):
    """The user a write is recorded against: None for the system actor."""
    return None if user is SYSTEM else user


def roles_in(user, council_id):
    return council_roles(user).in_council(council_id)


def _officer(user, council_id, reason=OFFICERS_ONLY):
    if user is None:
        return _no_role(NOBODY)
    if user is SYSTEM or Role.OFFICER in roles_in(user, council_id):
        return ALLOWED
    return _no_role(reason)


def can_view(user, council):
    """Anyone with a role in the council (administrators in all) reads all of its record."""
    if user is SYSTEM or roles_in(user, council.pk):
        return ALLOWED
    return _no_role(NO_ROLE)


def plan_closed(plan):
    """A closed plan is read-only for everyone (the system too): nothing in it is created,
    edited, moved or imported until a council administrator reopens it."""
    return _not_now(CLOSED.format(plan=plan.name))


def can_create(user, plan, status=Status.DRAFT):
    """A finance officer creates drafts in an open plan; only the system loads a proposal
    in its published status."""
    decision = _officer(user, plan.council_id)
    if decision and plan.is_closed:
        return plan_closed(plan)
    if decision and status != Status.DRAFT and user is not SYSTEM:
        return _not_now(NEW_IS_DRAFT)
    return decision


def can_edit(user, proposal):
    """A finance officer changes the content of a proposal that is not approved, in an open plan."""
    decision = _officer(user, proposal.plan.council_id)
    if decision and proposal.plan.is_closed:
        return plan_closed(proposal.plan)
    if decision and proposal.is_read_only:
        return _not_now(READ_ONLY)
    return decision


def can_edit_in(user, council):
    """Whether ``user`` edits proposals of ``council`` at all (the edit and new-proposal pages)."""
    return _officer(user, council.pk)


def can_import(user, plan):
    decision = _officer(user, plan.council_id, IMPORT_OFFICERS_ONLY)
    if decision and plan.is_closed:
        return plan_closed(plan)
    return decision


def _council_admin(user, council):
    if user is None:
        return _no_role(NOBODY)
    if user is SYSTEM or Role.COUNCIL_ADMIN in roles_in(user, council.pk):
        return ALLOWED
    return _no_role(COUNCIL_ADMINS_ONLY)


def can_see_job(user, job):
    """A background job (its page, progress and file): the person who started it, and the
    administrators of its council (site administrators: every job, including the
    all-councils ones, which have no council)."""
    if user is SYSTEM or not (user.is_authenticated and user.is_active):
        return _no_role(JOB_OWNERS_ONLY)
    if user.pk == job.user_id or user.is_superuser:
        return ALLOWED
    if job.council_id is not None and Role.COUNCIL_ADMIN in roles_in(user, job.council_id):
        return ALLOWED
    return _no_role(JOB_OWNERS_ONLY)


def can_manage_people(user, council):
    """A council administrator adds the council's users, gives and takes their roles in
    it and deactivates them (site administrators everywhere). The system manages nobody."""
    if user is SYSTEM:
        return _no_role(NOBODY)
    return _council_admin(user, council)


def can_manage_plans(user, council):
    """A council administrator creates, edits, closes and reopens the council's budget plans."""
    return _council_admin(user, council)


def can_change_plan(user, plan):
    """A council administrator changes an open plan (its name, years, unit…); a closed one
    is reopened first."""
    decision = can_manage_plans(user, plan.council)
    if decision and plan.is_closed:
        return _not_now(CLOSED_PLAN_FIXED.format(plan=plan.name))
    return decision


def can_manage_structure(user, council):
    """Outcomes, themes and service budgets: the council's administrators."""
    return _council_admin(user, council)


def can_change_approval_rules(user, council):
    """The council's rules for approval (a completed impact assessment first): its administrators."""
    return _council_admin(user, council)


def can_take_snapshot(user, plan):
    """An approver or a council administrator freezes a plan "as at" a Cabinet date (the
    system too, for an operator's command). A closed plan can still be snapshotted: a
    snapshot changes nothing in it."""
    if user is None:
        return _no_role(NOBODY)
    if user is SYSTEM or roles_in(user, plan.council_id) & {Role.APPROVER, Role.COUNCIL_ADMIN}:
        return ALLOWED
    return _no_role(SNAPSHOT_TAKERS_ONLY)


def can_edit_gap(user, plan):
    """A finance officer or council administrator enters the gap before proposals (its
    lines and figures) of an open plan."""
    if user is None:
        return _no_role(NOBODY)
    if not (user is SYSTEM or roles_in(user, plan.council_id) & {Role.OFFICER, Role.COUNCIL_ADMIN}):
        return _no_role(GAP_EDITORS_ONLY)
    if plan.is_closed:
        return _not_now(CLOSED_PLAN_FIXED.format(plan=plan.name))
    return ALLOWED


def can_roll_forward(user, plan):
    """Starting the next round from ``plan`` creates a plan (a council administrator's
    to do) and its proposals (a finance officer's): a person who holds both roles in the
    council (site administrators do). Never the system: the carried proposals are a
    person's work. ``plan`` itself may be open or closed."""
    if user is SYSTEM:
        return _no_role(ROLL_FORWARD_PEOPLE)
    decision = can_manage_plans(user, plan.council)
    if decision and Role.OFFICER not in roles_in(user, plan.council_id):
        return _no_role(ROLL_FORWARD_PEOPLE)
    return decision


def can_manage_monitoring(user, plan):
    """A council administrator sets up a plan's monitoring periods and opens and closes
    them for returns, closed plan or not: monitoring follows a budget once it is set."""
    decision = _council_admin(user, plan.council)
    return decision if decision else _no_role(MONITORING_ADMINS_ONLY) if user is not None else decision


def can_make_returns(user, period):
    """A finance officer or council administrator makes a period's delivery returns (the
    system too, for generated demo data) while the period is open. The plan may be closed:
    its approved proposals are monitored after the budget is set."""
    if user is None:
        return _no_role(NOBODY)
    if not (user is SYSTEM or roles_in(user, period.plan.council_id) & {Role.OFFICER, Role.COUNCIL_ADMIN}):
        return _no_role(RETURN_MAKERS_ONLY)
    if not period.is_open:
        return _not_now(PERIOD_CLOSED.format(period=period.label))
    return ALLOWED


def can_edit_measures(user, council):
    """A finance officer or council administrator keeps the council's outcome measures
    (their figures and a value per period); the system too, for the seed documents.
    Measures belong to the council's outcomes, not to one plan, so no plan closes them."""
    if user is None:
        return _no_role(NOBODY)
    if not (user is SYSTEM or roles_in(user, council.pk) & {Role.OFFICER, Role.COUNCIL_ADMIN}):
        return _no_role(MEASURE_EDITORS_ONLY)
    return ALLOWED


def can_publish(user, plan):
    """A council administrator publishes a plan (as at a snapshot, or its approved
    proposals) for anyone to read, and withdraws it; the system too, for an operator's
    command. Open or closed plan: publishing changes nothing in it."""
    decision = _council_admin(user, plan.council)
    return decision if decision else _no_role(PUBLISHERS_ONLY) if user is not None else decision


def role_for_move(from_status, to_status):
    """The role that makes this move (WORKFLOW): approvers put out to consultation, approve,
    reject and return approved proposals to draft; officers do the rest. A move the
    workflow does not have is the role's it would be if it had (so the refusal names the
    workflow, not the role): an approver's into approved, rejected or consultation, or out
    of approved."""
    move = MOVE_BY_PAIR.get((from_status, to_status))
    if move is not None:
        return move.role
    if to_status in (Status.APPROVED, Status.REJECTED, Status.CONSULTATION) or from_status == Status.APPROVED:
        return Role.APPROVER
    return Role.OFFICER


def _workflow_allows(proposal, to):
    if to in TRANSITIONS.get(proposal.status, set()):
        return ALLOWED
    return _not_now(
        f"A proposal that is {proposal.get_status_display().lower()} cannot be moved to {Status(to).label.lower()}."
    )


def can_move(user, proposal, to):
    """The user's role moves the proposal to ``to``, the workflow allows it now, and an
    approval is not of the approver's own work (``can_approve``)."""
    if user is None:
        return _no_role(NOBODY)
    if user is SYSTEM:
        if to == Status.APPROVED:
            return _no_role(SYSTEM_DOES_NOT_APPROVE)
        return plan_closed(proposal.plan) if proposal.plan.is_closed else _workflow_allows(proposal, to)
    roles = roles_in(user, proposal.plan.council_id)
    if not roles & {Role.OFFICER, Role.APPROVER}:
        return _no_role("Your role does not allow changing proposals.")
    if role_for_move(proposal.status, to) not in roles:
        return _no_role(ROLE_FOR_MOVE)
    if proposal.plan.is_closed:
        return plan_closed(proposal.plan)
    if to == Status.APPROVED:
        return can_approve(user, proposal)
    return _workflow_allows(proposal, to)


def can_approve(user, proposal, *, changed_since_approval=None):
    """An approver approves a proposal awaiting approval, unless its council requires a
    completed equality impact assessment it does not have (``governance.approval_refusal``),
    or they created it or changed its content since it was created or last approved (one query, asked only
    when everything else allows it, unless the caller has the answer: ``changed_since_approval``,
    as ``approval_decisions`` reads it for many proposals at once)."""
    if user is None or user is SYSTEM:
        return _no_role(NOBODY if user is None else SYSTEM_DOES_NOT_APPROVE)
    if Role.APPROVER not in roles_in(user, proposal.plan.council_id):
        return _no_role(APPROVERS_ONLY)
    if not awaits_approval(proposal):
        return _workflow_allows(proposal, Status.APPROVED)
    missing = governance.approval_refusal(proposal, proposal.plan.council)
    if missing:
        return _not_now(missing)
    if user.pk in (proposal.created_by_id, proposal.updated_by_id):
        return _not_now(OWN_WORK)
    if changed_since_approval is None:
        changed_since_approval = changed_content_since_approval(user, proposal)
    if changed_since_approval:
        return _not_now(OWN_WORK)
    return ALLOWED


def approval_decisions(user, proposals):
    """{proposal id: can_approve's Decision} for many ``proposals`` (with their plans), in
    one query for the lot: which of them ``user`` changed the content of since their last
    approval."""
    ids = [proposal.pk for proposal in proposals]
    changed = set()
    if ids and user is not None and user is not SYSTEM:
        changed = set(ChangeSet.objects.filter(
            proposal_id__in=ids, user_id=user.pk, action__in=CONTENT_ACTIONS,
            version__gt=Coalesce(F("proposal__approved_version"), 0),
        ).values_list("proposal_id", flat=True))
    return {proposal.pk: can_approve(user, proposal, changed_since_approval=proposal.pk in changed)
            for proposal in proposals}


def changed_content_since_approval(user, proposal):
    """Whether ``user`` created, edited or imported ``proposal`` after its last approval
    (or ever, if it was never approved)."""
    return ChangeSet.objects.filter(
        proposal_id=proposal.pk, user_id=user.pk, action__in=CONTENT_ACTIONS,
        version__gt=proposal.approved_version or 0,
    ).exists()


# The order the workflow's buttons are offered in.
MOVES = (Status.SUBMITTED, Status.CONSULTATION, Status.APPROVED, Status.REJECTED, Status.DRAFT, Status.WITHDRAWN)


def move_label(from_status, to_status):
    """The button's words for a move the workflow has ("Put out to consultation")."""
    return MOVE_BY_PAIR[(from_status, to_status)].label


def moves_for(user, proposal):
    """{status: Decision} for every move, in workflow order: whether ``user`` may move
    ``proposal`` there now, and if not, why."""
    return {to: can_move(user, proposal, to) for to in MOVES}


def awaits_approval(proposal):
    return Status.APPROVED in TRANSITIONS.get(proposal.status, set())


def get_plan_or_404(user, council_slug, plan_slug):
    """A plan of a council the user has a role in; anything else is a 404 (whether it
    exists is not confirmed)."""
    return get_object_or_404(BudgetPlan.objects.visible_to(user), council__slug=council_slug, slug=plan_slug)
