"""Writing proposals: the one path every edit, import and seed load goes through.

It keeps what is derived right (each figure's increment from the year before, the
proposal's stored net), refuses a save that started from an old version, and records
every change in the audit trail, grouped per save. Its number of queries does not grow
with the number of figures: existing rows are read once and written in bulk.
"""
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from councils.models import Role

from . import history
from .models import Change, ChangeSet, ImpactLine, Proposal, Status, Variation
from .money import format_m

HEADER_FIELDS = ("reference", "title", "kind", "theme", "outcome", "description")
FIELD_LABELS = {
    "reference": "Reference",
    "title": "Title",
    "kind": "Kind",
    "theme": "Theme",
    "outcome": "Outcome",
    "description": "Description",
}


class ConflictError(Exception):
    """Someone else saved since this edit started. ``changesets`` says what they changed."""

    def __init__(self, proposal, changesets):
        self.proposal = proposal
        self.changesets = changesets
        super().__init__(
            f"{proposal.display_reference} {proposal.title} was changed by someone else after you "
            f"opened it. Your changes have not been saved."
        )


class ReadOnlyError(Exception):
    pass


class WorkflowError(Exception):
    pass


@dataclass
class LineInput:
    """A line as the user (or a workbook) says it should be: its budget and figures.

    ``figures`` maps a PlanYear to whole £ thousands; a year left out, or None, is
    unprofiled."""

    service_budget: object
    figures: dict = field(default_factory=dict)


def increments(figures):
    """Cumulative figures {start_year: k} -> incremental {start_year: k}.

    Each year's increment is its change from the line's previous *profiled* year, or
    from the base year (0) for the first; an unprofiled year has no increment, so the
    increments always add back up to the cumulative figure."""
    previous = 0
    out = {}
    for year in sorted(figures):
        out[year] = figures[year] - previous
        previous = figures[year]
    return out


def _display(proposal, name):
    if name == "reference":
        return proposal.display_reference
    if name == "kind":
        return proposal.get_kind_display()
    value = getattr(proposal, name)
    return "" if value is None else str(value)


def create_proposal(*, plan, user, fields, lines, status=Status.DRAFT, action=ChangeSet.Action.CREATE, note="",
                    plan_years=None):
    """Create a proposal with its lines and figures, recorded as one save.

    ``plan_years``: the plan's years if the caller has already read them (saves a query)."""
    with transaction.atomic():
        proposal = Proposal.objects.create(
            plan=plan, status=status, version=1, created_by=user, updated_by=user, **fields
        )
        changes = [
            Change(kind=Change.Kind.FIELD, field=FIELD_LABELS[name], old="", new=_display(proposal, name))
            for name in HEADER_FIELDS
            if _display(proposal, name) not in ("", "[NEW]")
        ]
        changes += _write_lines(proposal, lines, {}, {}, _years(plan, plan_years))
        _refresh_net(proposal)
        _record(proposal, user, action, changes, note)
    return proposal


def save_proposal(*, proposal, user, fields, lines, expected_version, action=ChangeSet.Action.EDIT, note="",
                  plan_years=None):
    """Apply an edit made from ``expected_version``. Returns the ChangeSet, or None if
    nothing changed. Raises ConflictError if the proposal moved on meanwhile, and
    ReadOnlyError if it is approved. ``plan_years``: the plan's years if the caller has
    already read them (the plan itself is reused if the caller's proposal has it loaded)."""
    with transaction.atomic():
        current = Proposal.objects.select_for_update(of=("self",)).select_related("theme", "outcome").get(pk=proposal.pk)
        if Proposal.plan.is_cached(proposal):  # the caller already has the plan (and maybe its years)
            current.plan = proposal.plan
        if current.version != expected_version:
            raise ConflictError(current, changes_since(current, expected_version))
        if current.is_read_only:
            raise ReadOnlyError("An approved proposal cannot be changed until it is returned to draft.")

        changes = []
        for name in HEADER_FIELDS:
            if name not in fields:
                continue
            before = _display(current, name)
            setattr(current, name, fields[name])
            after = _display(current, name)
            if before != after:
                changes.append(Change(kind=Change.Kind.FIELD, field=FIELD_LABELS[name], old=before, new=after))

        existing_lines = {
            line.service_budget_id: line
            for line in ImpactLine.objects.filter(proposal=current).select_related("service_budget")
        }
        existing_figures = {}
        for variation in Variation.objects.filter(line__proposal=current):
            existing_figures[(variation.line_id, variation.year_id)] = variation
        changes += _write_lines(current, lines, existing_lines, existing_figures, _years(current.plan, plan_years))

        if not changes:
            return None
        current.version += 1
        current.updated_by = user
        current.updated_at = timezone.now()
        # The header, the new version and the net in one UPDATE (a save() then the net was two).
        _refresh_net(current, **{name: getattr(current, name) for name in (*HEADER_FIELDS, "version", "updated_by",
                                                                          "updated_at")})
        changeset = _record(current, user, action, changes, note)
    proposal.version = current.version
    return changeset


def _years(plan, plan_years):
    return list(plan.years.all()) if plan_years is None else list(plan_years)


def _write_lines(proposal, lines, existing_lines, existing_figures, plan_years):
    changes = []
    wanted = {}
    for position, line_input in enumerate(lines):
        wanted[line_input.service_budget.pk] = (position, line_input)

    new_lines, moved_lines = [], []
    for sb_id, (position, line_input) in wanted.items():
        line = existing_lines.get(sb_id)
        if line is None:
            line = ImpactLine(proposal=proposal, service_budget=line_input.service_budget, position=position)
            new_lines.append(line)
            changes.append(Change(kind=Change.Kind.LINE, field=line_input.service_budget.name, old="", new="added"))
        elif line.position != position:
            line.position = position
            moved_lines.append(line)
    if new_lines:
        ImpactLine.objects.bulk_create(new_lines)
    if moved_lines:
        ImpactLine.objects.bulk_update(moved_lines, ["position"])

    removed = [line for sb_id, line in existing_lines.items() if sb_id not in wanted]
    for line in removed:
        old = ", ".join(
            f"{year.label} {format_m(existing_figures[(line.pk, year.pk)].amount_k)}"
            for year in plan_years
            if (line.pk, year.pk) in existing_figures
        )
        changes.append(Change(kind=Change.Kind.LINE, field=line.service_budget.name, old=old or "no figures", new="removed"))
    if removed:
        ImpactLine.objects.filter(pk__in=[line.pk for line in removed]).delete()

    to_create, to_update, to_delete = [], [], []
    for sb_id, (position, line_input) in wanted.items():
        line = existing_lines.get(sb_id) or next(nl for nl in new_lines if nl.service_budget_id == sb_id)
        figures = {year: line_input.figures.get(year) for year in plan_years}
        profiled = {year.start_year: amount for year, amount in figures.items() if amount is not None}
        steps = increments(profiled)
        for year in plan_years:
            new_amount = figures[year]
            variation = existing_figures.get((line.pk, year.pk))
            old_amount = variation.amount_k if variation else None
            if old_amount != new_amount:
                changes.append(
                    Change(
                        kind=Change.Kind.FIGURE, field=line.service_budget.name, year_label=year.label,
                        old=format_m(old_amount, blank="not profiled"), new=format_m(new_amount, blank="not profiled"),
                        old_k=old_amount, new_k=new_amount,
                    )
                )
            if new_amount is None:
                if variation:
                    to_delete.append(variation.pk)
            elif variation is None:
                to_create.append(
                    Variation(line=line, year=year, amount_k=new_amount, increment_k=steps[year.start_year])
                )
            elif variation.amount_k != new_amount or variation.increment_k != steps[year.start_year]:
                variation.amount_k = new_amount
                variation.increment_k = steps[year.start_year]
                to_update.append(variation)
    if to_delete:
        Variation.objects.filter(pk__in=to_delete).delete()
    if to_update:
        Variation.objects.bulk_update(to_update, ["amount_k", "increment_k"])
    if to_create:
        Variation.objects.bulk_create(to_create)
    return changes


def _refresh_net(proposal, **fields):
    """Store the proposal's net (sum of its figures), summed by the database, and any
    other ``fields`` given, in the same UPDATE."""
    total = (
        Variation.objects.filter(line__proposal=OuterRef("pk"))
        .order_by()
        .values("line__proposal")
        .annotate(total=Sum("amount_k"))
        .values("total")
    )
    Proposal.objects.filter(pk=proposal.pk).update(net_k=Coalesce(Subquery(total), Value(0)), **fields)


def _record(proposal, user, action, changes, note=""):
    return history.append(
        council_id=proposal.plan.council_id, user=user, action=action, changes=changes, note=note, proposal=proposal,
    )


def changes_since(proposal, version):
    """The saves made to ``proposal`` after ``version``, with their changes, oldest first."""
    return list(
        ChangeSet.objects.filter(proposal=proposal, version__gt=version)
        .select_related("user")
        .prefetch_related("changes")
        .order_by("version")
    )


# Workflow: which status may follow which, and which role moves it there.
TRANSITIONS = {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.DRAFT, Status.WITHDRAWN},
    Status.CONSULTATION: {Status.APPROVED, Status.REJECTED, Status.DRAFT, Status.WITHDRAWN},
    Status.APPROVED: {Status.DRAFT},
    Status.REJECTED: {Status.DRAFT},
    Status.WITHDRAWN: {Status.DRAFT},
}


def role_for_transition(from_status, to_status):
    """Approvers approve, reject and return approved proposals to draft; officers do the rest."""
    if to_status in (Status.APPROVED, Status.REJECTED) or from_status == Status.APPROVED:
        return Role.APPROVER
    return Role.OFFICER


def change_status(*, proposal, user, to, expected_version=None, note=""):
    """Move a proposal along the workflow, recorded in its history.

    The caller checks the user's role (``role_for_transition``); this refuses a move the
    workflow does not allow and an approval by the proposal's author or last editor
    (which the database refuses too)."""
    with transaction.atomic():
        current = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if expected_version is not None and current.version != expected_version:
            raise ConflictError(current, changes_since(current, expected_version))
        if to not in TRANSITIONS.get(current.status, set()):
            raise WorkflowError(
                f"A proposal that is {current.get_status_display().lower()} cannot be moved to "
                f"{Status(to).label.lower()}."
            )
        if to == Status.APPROVED and user.pk in (current.created_by_id, current.updated_by_id):
            raise WorkflowError("You cannot approve a proposal you wrote or last changed; another approver must.")
        old_label = current.get_status_display()
        current.status = to
        if to == Status.APPROVED:
            current.approved_by, current.approved_at = user, timezone.now()
        elif current.approved_by_id:
            current.approved_by, current.approved_at = None, None
        current.version += 1
        current.save(update_fields=["status", "approved_by", "approved_at", "version", "updated_at"])
        changeset = _record(
            current, user, ChangeSet.Action.STATUS,
            [Change(kind=Change.Kind.STATUS, field="Status", old=old_label, new=current.get_status_display())],
            note,
        )
    proposal.status, proposal.version = current.status, current.version
    proposal.approved_by_id = current.approved_by_id
    return changeset


# What the buttons that move a proposal say, by target status.
TRANSITION_LABELS = {
    Status.SUBMITTED: "Submit for approval",
    Status.APPROVED: "Approve",
    Status.REJECTED: "Reject",
    Status.WITHDRAWN: "Withdraw",
    Status.DRAFT: "Return to draft",
}


def may_change_status(user, proposal, to, roles):
    """Whether ``user`` (holding ``roles`` in the proposal's council) may move it to ``to``.

    The same rule the server enforces: the workflow allows the move, the user holds the
    role it needs, and nobody approves a proposal they created or last changed."""
    if to not in TRANSITIONS.get(proposal.status, set()):
        return False
    if role_for_transition(proposal.status, to) not in roles:
        return False
    if to == Status.APPROVED and user.pk in (proposal.created_by_id, proposal.updated_by_id):
        return False
    return True


def available_transitions(user, proposal, roles):
    """[(status, button label)] the user may apply to ``proposal`` now, in workflow order."""
    order = [Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.DRAFT, Status.WITHDRAWN]
    return [(to, TRANSITION_LABELS[to]) for to in order if may_change_status(user, proposal, to, roles)]
