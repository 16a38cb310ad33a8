"""Writing proposals: the one path every edit, import and seed load goes through.

It keeps what is derived right (each figure's increment from the year before, the
proposal's stored net), refuses a save that started from an old version, and records
every change in the audit trail, grouped per save. Its number of queries does not grow
with the number of figures: existing rows are read once and written in bulk.
"""
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max, Model, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime

from councils.access import display_name

from . import governance, history, notifications
from .models import GOVERNANCE_FIELDS, Change, ChangeSet, ImpactLine, Proposal, Status, Variation
from .money import format_m
from .permissions import can_create, can_edit, can_move, recorded_user
from .references import NEW, reference_in_use_message

HEADER_FIELDS = ("reference", "title", "kind", "theme", "outcome", "description", *GOVERNANCE_FIELDS)
FIELD_LABELS = {
    "reference": "Reference",
    "title": "Title",
    "kind": "Kind",
    "theme": "Theme",
    "outcome": "Outcome",
    "description": "Description",
    **governance.LABELS,
}


class ConflictError(Exception):
    """Someone saved since this edit started (another person, or the same one in another
    tab). ``changesets`` says what they changed."""

    def __init__(self, proposal, changesets):
        self.proposal = proposal
        self.changesets = changesets
        super().__init__(
            f"{proposal.display_reference} {proposal.title} was changed by someone else after you "
            f"opened it. Your changes have not been saved."
        )

    def heading_for(self, user):
        """Who saved, and when, as the edit page says it to ``user``: "You saved this
        proposal in another tab or window at 14:02, while you were editing it here" or
        "J. Smith saved this proposal at 14:02, while you were editing it"."""
        changesets = list(self.changesets)
        if not changesets:
            return "Someone else saved this proposal while you were editing it"
        latest = max(changesets, key=lambda changeset: (changeset.at, changeset.pk))
        when = date_format(localtime(latest.at), "j M Y H:i")
        user_ids = {changeset.user_id for changeset in changesets}
        if user_ids == {getattr(user, "pk", None)}:
            return f"You saved this proposal in another tab or window at {when}, while you were editing it here"
        others = [changeset for changeset in changesets if changeset.user_id != getattr(user, "pk", None)]
        names = list(dict.fromkeys(display_name(changeset.user) for changeset in others))
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        also = " (and you, in another tab or window)" if len(others) < len(changesets) else ""
        return f"{who}{also} saved this proposal at {when}, while you were editing it"


class ReadOnlyError(Exception):
    pass


class ReferenceInUse(Exception):
    """The reference is another proposal's in the plan: taken after the caller checked it
    (the database's unique constraint refused the write). Nothing was saved."""

    def __init__(self, reference, used_by=None):
        self.reference, self.used_by = reference, used_by
        super().__init__(reference_in_use_message(reference, used_by))


REFERENCE_CONSTRAINT = "proposal_reference_unique_per_plan"


def _reference_in_use(error, plan, reference, proposal_pk=None):
    """The ReferenceInUse an IntegrityError stands for, if it is the unique reference's; else None.

    Called after the service's atomic block has rolled back (to its savepoint when the
    caller's transaction is open), so the transaction is usable on PostgreSQL."""
    if reference is None:
        return None
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint
        if diag.constraint_name != REFERENCE_CONSTRAINT:
            return None
    elif "proposals_proposal.plan_id, proposals_proposal.reference" not in str(error):  # SQLite names its columns
        return None
    used_by = (
        Proposal.objects.filter(plan=plan, reference=reference).exclude(pk=proposal_pk)
        .values_list("title", flat=True).first()
    )
    return ReferenceInUse(reference, used_by)


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


def stored_value(value):
    """A header value as a field change keys it (Change.old_value and new_value): a
    related record by its id, anything else as stored, "" for none."""
    if value is None:
        return ""
    return str(value.pk) if isinstance(value, Model) else str(value)


def _stored(proposal, name):
    return stored_value(getattr(proposal, Proposal._meta.get_field(name).attname))  # type: ignore[union-attr]


def _field_change(proposal, name, *, old="", old_value=""):
    """The change of header field ``name`` from ``old`` (shown) and ``old_value`` (stored)
    to what ``proposal`` holds now."""
    return Change(
        kind=Change.Kind.FIELD, field=FIELD_LABELS[name], field_name=name,
        old=old, new=display_field(proposal, name), old_value=old_value, new_value=_stored(proposal, name),
    )


def display_field(proposal, name):
    """Header field ``name`` of ``proposal`` as the history shows it (Change.old and new)."""
    if name == "reference":
        return proposal.display_reference
    if name == "kind":
        return proposal.get_kind_display()
    if name in governance.LABELS:
        return governance.display(proposal, name)
    value = getattr(proposal, name)
    return "" if value is None else str(value)


def create_proposal(*, plan, user, fields, lines, status=Status.DRAFT, action=ChangeSet.Action.CREATE, note="",
                    plan_years=None):
    """Create a proposal with its lines and figures, recorded as one save.

    ``user`` must be allowed to (``permissions.can_create``); ``permissions.SYSTEM`` for
    the published document. Raises ReferenceInUse if the reference was taken meanwhile.
    Without a ``position`` in ``fields`` it goes after the plan's others (``next_position``).
    ``plan_years``: the plan's years if the caller has already read them (saves a query)."""
    [proposal] = create_proposals(plan=plan, user=user, items=[(fields, lines)], status=status, action=action,
                                  note=note, plan_years=plan_years)
    return proposal


def create_proposals(*, plan, user, items, status=Status.DRAFT, action=ChangeSet.Action.CREATE, note="",
                     plan_years=None):
    """Create many proposals of ``plan`` (``items``: [(fields, lines)], as create_proposal
    takes them), each recorded as its own save exactly as create_proposal records one, in
    a fixed number of queries whatever their number: one bulk insert each for the
    proposals, their lines, their figures, the change sets and their changes. Each net is
    added up here from the figures it stores (no UPDATE after). Those without a
    ``position`` follow the plan's others in order. Returns the proposals, in order."""
    can_create(user, plan, status).require()
    if not items:
        return []
    author = recorded_user(user)
    years = _years(plan, plan_years)
    in_plan = {year.pk for year in years}
    position = None
    proposals = []
    for fields, lines in items:
        fields = dict(fields)
        if "position" not in fields:
            position = next_position(plan) if position is None else position + 1
            fields["position"] = position
        net = sum(amount for line in lines for year, amount in line.figures.items()
                  if amount is not None and year.pk in in_plan)
        proposals.append(Proposal(plan=plan, status=status, version=1, created_by=author, updated_by=author,
                                  net_k=net, **fields))
        governance.require_valid(governance.values_of(proposals[-1]))
    try:
        with transaction.atomic():
            Proposal.objects.bulk_create(proposals)
            new_lines: list[ImpactLine] = []
            variations: list[Variation] = []
            entries = []
            for proposal, (_fields, lines) in zip(proposals, items, strict=True):
                changes = [_field_change(proposal, name) for name in HEADER_FIELDS
                           if display_field(proposal, name) not in ("", NEW)]
                changes += _new_line_changes(proposal, lines, years, new_lines, variations)
                entries.append((proposal, changes, note))
            ImpactLine.objects.bulk_create(new_lines, batch_size=2000)
            for variation in variations:
                variation.line_id = variation.line.pk  # the line's id, known once it is inserted
            Variation.objects.bulk_create(variations, batch_size=5000)
            history.append_many(council_id=plan.council_id, user=author, action=action, entries=entries)
    except IntegrityError as error:
        for fields, _lines in items:
            in_use = _reference_in_use(error, plan, fields.get("reference"))
            if in_use is not None:
                raise in_use from error
        raise
    return proposals


def _new_line_changes(proposal, lines, plan_years, new_lines, variations):
    """The lines and figures of a new proposal, added to ``new_lines`` and ``variations``
    (unsaved), and their changes as a save records them: each line added (with its
    figures as its value), then each figure from "not profiled"."""
    changes, made = [], []
    for position, line_input in enumerate(lines):
        line = ImpactLine(proposal=proposal, service_budget=line_input.service_budget, position=position)
        made.append((line, line_input))
        new_lines.append(line)
        changes.append(Change(
            kind=Change.Kind.LINE, field=line_input.service_budget.name, old="", new="added",
            service_budget_id=line_input.service_budget.pk, new_value=history.line_value({
                year.pk: line_input.figures[year] for year in plan_years if line_input.figures.get(year) is not None
            }),
        ))
    for line, line_input in made:
        profiled = {year.start_year: line_input.figures[year] for year in plan_years
                    if line_input.figures.get(year) is not None}
        steps = increments(profiled)
        for year in plan_years:
            amount = line_input.figures.get(year)
            if amount is None:
                continue
            changes.append(Change(
                kind=Change.Kind.FIGURE, field=line.service_budget.name, year_label=year.label,
                old=format_m(None, blank="not profiled"), new=format_m(amount, blank="not profiled"),
                old_k=None, new_k=amount, service_budget_id=line.service_budget_id, plan_year_id=year.pk,
            ))
            variations.append(Variation(line=line, year=year, amount_k=amount, increment_k=steps[year.start_year]))
    return changes


def next_position(plan):
    """Where a new proposal of ``plan`` goes: after the plan's others, 0 for its first."""
    top = Proposal.objects.filter(plan=plan).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def save_proposal(*, proposal, user, fields, lines, expected_version, action=ChangeSet.Action.EDIT, note="",
                  plan_years=None):
    """Apply an edit made from ``expected_version``. Returns the ChangeSet, or None if
    nothing changed. Raises ValidationError({field: message}) for governance values
    ``governance.check`` refuses, ConflictError if the proposal moved on meanwhile,
    ReadOnlyError if it is approved, PermissionDenied unless ``permissions.can_edit``
    allows it, and ReferenceInUse if its new reference was taken meanwhile.
    ``plan_years``: the plan's years if the caller has already read them (the plan itself
    is reused if the caller's proposal has it loaded)."""
    try:
        return _save_proposal(proposal, user, fields, lines, expected_version, action, note, plan_years)
    except IntegrityError as error:
        in_use = _reference_in_use(error, proposal.plan, fields.get("reference"), proposal.pk)
        if in_use is None:
            raise
        raise in_use from error


def _save_proposal(proposal, user, fields, lines, expected_version, action, note, plan_years):
    with transaction.atomic():
        current = (
            Proposal.objects.select_for_update(of=("self",)).select_related("theme", "outcome").get(pk=proposal.pk)
        )
        if Proposal.plan.is_cached(proposal):  # the caller already has the plan (and maybe its years)
            current.plan = proposal.plan
        if current.version != expected_version:
            raise ConflictError(current, changes_since(current, expected_version))
        if current.is_read_only:
            raise ReadOnlyError("An approved proposal cannot be changed until it is returned to draft.")
        can_edit(user, current).require()
        author = recorded_user(user)

        changes = []
        for name in HEADER_FIELDS:
            if name not in fields:
                continue
            before, before_value = display_field(current, name), _stored(current, name)
            setattr(current, name, fields[name])
            if (before, before_value) != (display_field(current, name), _stored(current, name)):
                changes.append(_field_change(current, name, old=before, old_value=before_value))
        governance.require_valid(governance.values_of(current))  # ValidationError: nothing is written

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
        current.updated_by = author
        current.updated_at = timezone.now()
        # The header, the new version and the net in one UPDATE.
        _refresh_net(current, **{name: getattr(current, name) for name in (*HEADER_FIELDS, "version", "updated_by",
                                                                          "updated_at")})
        changeset = _record(current, author, action, changes, note)
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
            changes.append(Change(
                kind=Change.Kind.LINE, field=line_input.service_budget.name, old="", new="added",
                service_budget_id=sb_id, new_value=history.line_value({
                    year.pk: line_input.figures[year] for year in plan_years if line_input.figures.get(year) is not None
                }),
            ))
        elif line.position != position:
            line.position = position
            moved_lines.append(line)
    if new_lines:
        ImpactLine.objects.bulk_create(new_lines)
    if moved_lines:
        ImpactLine.objects.bulk_update(moved_lines, ["position"])

    removed = [line for sb_id, line in existing_lines.items() if sb_id not in wanted]
    for line in removed:
        figures = {
            year: existing_figures[(line.pk, year.pk)].amount_k for year in plan_years
            if (line.pk, year.pk) in existing_figures
        }
        old = ", ".join(f"{year.label} {format_m(amount)}" for year, amount in figures.items())
        changes.append(Change(
            kind=Change.Kind.LINE, field=line.service_budget.name, old=old or "no figures", new="removed",
            service_budget_id=line.service_budget_id,
            old_value=history.line_value({year.pk: amount for year, amount in figures.items()}),
        ))
    if removed:
        ImpactLine.objects.filter(pk__in=[line.pk for line in removed]).delete()

    to_create, to_update, to_delete = [], [], []
    for sb_id, (_position, line_input) in wanted.items():
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
                        old_k=old_amount, new_k=new_amount, service_budget_id=sb_id, plan_year_id=year.pk,
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


def change_status(*, proposal, user, to, expected_version=None, note=""):
    """Move a proposal along the workflow, recorded in its history.

    Refuses (``permissions.can_move``) a move the user's role does not make
    (PermissionDenied), and one the workflow does not allow now or an approval of the
    approver's own work (WorkflowError; the database refuses the latter too)."""
    with transaction.atomic():
        current = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if expected_version is not None and current.version != expected_version:
            raise ConflictError(current, changes_since(current, expected_version))
        can_move(user, current, to).require()
        old_status, old_label = current.status, current.get_status_display()
        current.status = to
        current.version += 1
        if to == Status.APPROVED:
            current.approved_by, current.approved_at = user, timezone.now()
            current.approved_version = current.version
        elif current.approved_by_id:
            current.approved_by, current.approved_at = None, None
        current.save(update_fields=["status", "approved_by", "approved_at", "approved_version", "version",
                                    "updated_at"])
        changeset = _record(
            current, recorded_user(user), ChangeSet.Action.STATUS,
            [Change(kind=Change.Kind.STATUS, field="Status", old=old_label, new=current.get_status_display())],
            note,
        )
        proposal.status, proposal.version = current.status, current.version
        proposal.approved_by_id, proposal.approved_version = current.approved_by_id, current.approved_version
        notifications.status_changed(proposal, old_status, to, recorded_user(user))  # sent once committed
    return changeset
