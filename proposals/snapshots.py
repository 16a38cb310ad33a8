"""Snapshots "as at" a Cabinet date, and the one place a report learns where its figures
come from: now, or a snapshot.

``take_snapshot`` freezes a plan's proposals (header, status), their lines and figures,
and its gap lines, as they stand, in one transaction: the plan's proposals are locked
for its length (on PostgreSQL), so no save lands half in and half out. The copies are
immutable (the models refuse, and so does the database: migration 0010).

``Source`` is what every report reads through: ``source.proposals()`` is a queryset of
``Proposal`` (now) or of ``SnapshotProposal`` (as at a snapshot), with the same field
names and the same queryset methods (``counted``, ``in_budget_book_order``), and
``source.figures()`` the matching ``Variation`` or ``SnapshotFigure`` queryset, so a
report's query runs unchanged over either. ``source_for(plan, as_at)`` reads ``?as_at=``
or ``--as-at``: a snapshot's slug, "" or None (or "now") for the current state.
"""
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from . import history
from .models import (
    GOVERNANCE_FIELDS,
    BudgetPlan,
    Change,
    ChangeSet,
    GapFigure,
    GapLine,
    ImpactLine,
    Proposal,
    Snapshot,
    SnapshotFigure,
    SnapshotGapFigure,
    SnapshotGapLine,
    SnapshotLine,
    SnapshotProposal,
    Variation,
)
from .permissions import can_take_snapshot, recorded_user

NOW = "now"  # what ?as_at= and --as-at / --to take for the current state
NAME_LENGTH = Snapshot._meta.get_field("name").max_length
SLUG_LENGTH = Snapshot._meta.get_field("slug").max_length

# The live model each snapshot model copies, and back.
FIGURE_MODEL = {Proposal: Variation, SnapshotProposal: SnapshotFigure}
LINE_MODEL = {Proposal: ImpactLine, SnapshotProposal: SnapshotLine}


class SnapshotInvalid(Exception):
    """Bad values for a new snapshot: ``errors`` maps a field ("name", "slug",
    "taken_on") to its message, for users."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class SnapshotNotFound(Exception):
    """``?as_at=`` or ``--as-at`` names no snapshot of the plan. The message is for users."""


def figure_model(proposal_model):
    """Variation for Proposal, SnapshotFigure for SnapshotProposal."""
    return FIGURE_MODEL[proposal_model]


@dataclass(frozen=True)
class Source:
    """Where a report's figures come from: ``plan`` now (``snapshot`` None), or as at ``snapshot``."""

    plan: BudgetPlan
    snapshot: Snapshot | None = None
    # Only proposals of these statuses (a publication's: never drafts); None for every one.
    statuses: tuple[str, ...] | None = None

    @property
    def is_now(self):
        return self.snapshot is None

    @property
    def as_at(self):
        """The ``?as_at=`` value that names this source ("" for now)."""
        return "" if self.snapshot is None else self.snapshot.slug

    @property
    def label(self):
        """ "as at Cabinet 5 February 2019 (5 February 2019)", or "as it stands now"."""
        if self.snapshot is None:
            return "as it stands now"
        return f"as at {self.snapshot.name} ({_date_text(self.snapshot.taken_on)})"

    def proposals(self):
        """The plan's proposals (or their copies in the snapshot), unfiltered, unordered."""
        model, where = self.scope("proposals")
        return model.objects.filter(**where)

    def scope(self, table):
        """(model, filter keywords) of this source's rows of ``table``: "proposals"
        (Proposal or SnapshotProposal), "figures" (its proposals' figures, Variation or
        SnapshotFigure) or "gap_lines" (GapLine or SnapshotGapLine). The one rule for
        which of those rows a source holds; ``proposals()``, ``figures()``,
        ``gap_lines()`` and ``Shape`` all apply it."""
        now = self.snapshot is None
        if table in ("proposals", "figures"):
            model, where = (Proposal, {"plan": self.plan}) if now else (SnapshotProposal, {"snapshot": self.snapshot})
            if self.statuses is not None:
                where["status__in"] = self.statuses
            if table == "proposals":
                return model, where
            # A figure belongs to the source when its line's proposal does.
            return figure_model(model), {f"line__proposal__{name}": value for name, value in where.items()}
        if table == "gap_lines":
            return (GapLine, {"plan": self.plan}) if now else (SnapshotGapLine, {"snapshot": self.snapshot})
        raise ValueError(f"Unknown table {table!r}")

    def figures(self):
        """Every figure of the plan's proposals (Variation or SnapshotFigure)."""
        model, where = self.scope("figures")
        return model.objects.filter(**where)

    def gap_lines(self):
        """The gap lines (GapLine or SnapshotGapLine), in order; each has ``figures``."""
        model, where = self.scope("gap_lines")
        return model.objects.filter(**where)


class Shape:
    """A report's query over one table of a source (see ``Source.scope``), built once per
    model by ``build(every row of the model)`` and narrowed to a source on each call
    (``shape.of(source)``): ``QuerySet.filter()`` clones the built query, so Django
    resolves its fields, joins and sums once per process, not once per call (README,
    "Why some queries are written as they are"). ``build`` must give a queryset whose
    joins the scope's filters reuse (forward foreign keys, or the table's own fields)."""

    def __init__(self, table, build):
        self.table = table
        self.build = build
        self._built = {}

    def of(self, source):
        model, where = source.scope(self.table)
        shape = self._built.get(model)
        if shape is None:
            shape = self._built[model] = self.build(model.objects.all())
        return shape.filter(**where)


def _date_text(day):
    return f"{day.day} {day:%B %Y}"


def source_for(plan, as_at=None):
    """The Source ``as_at`` names: None, "" or "now" for the plan now, else the slug of one
    of its snapshots. Raises SnapshotNotFound (one query) for anything else."""
    if as_at is None or as_at == "" or as_at == NOW:
        return Source(plan)
    snapshot = Snapshot.objects.filter(plan=plan, slug=as_at).first() if len(as_at) <= SLUG_LENGTH else None
    if snapshot is None:
        raise SnapshotNotFound(f"“{as_at[:SLUG_LENGTH]}” is not a snapshot of {plan.name}.")
    snapshot.plan = plan  # the caller's plan object: its council is loaded already
    return Source(plan, snapshot)


def parse_taken_on(text):
    """The "as at" date typed as 2019-02-05 (None when blank: today). Raises
    SnapshotInvalid for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SnapshotInvalid({"taken_on": f"“{text[:40]}” is not a date: give it as 2019-02-05."}) from None


def check_snapshot(*, plan, name, slug=None, taken_on=None):
    """{field: message} for a new snapshot's values (empty if they are good)."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the snapshot a name, such as “Cabinet 5 February 2019”."
    elif len(name) > NAME_LENGTH:
        errors["name"] = f"A snapshot's name is at most {NAME_LENGTH} characters."
    elif Snapshot.objects.filter(plan=plan, name=name).exists():
        errors["name"] = f"{plan.name} already has a snapshot called “{name}”."
    slug = slugify(name)[:SLUG_LENGTH] if slug is None else slug
    if "name" not in errors:
        if not slug or slug != slugify(slug) or len(slug) > SLUG_LENGTH:
            errors["slug"] = (f"“{slug[:SLUG_LENGTH]}” cannot name a snapshot in an address: use lower-case "
                              "letters, digits and hyphens.")
        elif slug == NOW:
            errors["slug"] = f"“{NOW}” means the plan as it stands: choose another name."
        elif Snapshot.objects.filter(plan=plan, slug=slug).exists():
            errors["slug"] = f"{plan.name} already has a snapshot with the address “{slug}”: choose another name."
    if taken_on is not None and not isinstance(taken_on, dt.date):
        errors["taken_on"] = "Give the date as a date, such as 2019-02-05."
    return errors


def take_snapshot(*, plan, user, name, taken_on=None, slug=None):
    """Freeze ``plan`` as it stands, as ``name`` (as at ``taken_on``, today by default).
    Returns the Snapshot. Raises PermissionDenied unless ``user`` may take one
    (``permissions.can_take_snapshot``), SnapshotInvalid for bad values (nothing written).

    Queries: a fixed number whatever the plan's size (one read and one bulk insert per
    table copied, and the audit trail's)."""
    can_take_snapshot(user, plan).require()
    name = (name or "").strip()
    errors = check_snapshot(plan=plan, name=name, slug=slug, taken_on=taken_on)
    if errors:
        raise SnapshotInvalid(errors)
    slug = slugify(name)[:SLUG_LENGTH] if slug is None else slug
    taken_on = taken_on or dt.date.today()
    with transaction.atomic():
        # The plan's row, as the gap's writes lock it: its gap is copied whole or not at all.
        list(BudgetPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))
        snapshot = Snapshot(plan=plan, name=name, slug=slug, taken_on=taken_on, taken_by=recorded_user(user))
        snapshot.save(force_insert=True)
        # The header, status and governance each copy keeps: what the paper evidenced as at the date.
        copied = ("outcome_id", "theme_id", "reference", "title", "kind", "description", "status", "position",
                  "net_k", "version", *GOVERNANCE_FIELDS)
        proposals = list(Proposal.objects.filter(plan=plan).select_for_update().order_by("pk").values("pk", *copied))
        copies = SnapshotProposal.objects.bulk_create([
            SnapshotProposal(snapshot=snapshot, proposal_id=row["pk"], plan=plan,
                             **{name: row[name] for name in copied})
            for row in proposals
        ])
        copy_of_proposal = {copy.proposal_id: copy.pk for copy in copies}
        lines = [
            (pk, copy_of_proposal[proposal_id], budget_id, position)
            for pk, proposal_id, budget_id, position in ImpactLine.objects.filter(proposal__plan=plan)
            .order_by("pk").values_list("pk", "proposal_id", "service_budget_id", "position")
            if proposal_id in copy_of_proposal  # not one created since the lock was taken
        ]
        line_copies = SnapshotLine.objects.bulk_create([
            SnapshotLine(proposal_id=copy_id, service_budget_id=budget_id, position=position)
            for _pk, copy_id, budget_id, position in lines
        ])
        copy_of_line = {pk: copy.pk for (pk, *_rest), copy in zip(lines, line_copies, strict=True)}
        SnapshotFigure.objects.bulk_create([
            SnapshotFigure(line_id=copy_of_line[line_id], year_id=year_id, amount_k=amount_k, increment_k=increment_k)
            for line_id, year_id, amount_k, increment_k in Variation.objects.filter(line__proposal__plan=plan)
            .order_by("pk").values_list("line_id", "year_id", "amount_k", "increment_k")
            if line_id in copy_of_line
        ], batch_size=5000)
        gap_lines = list(GapLine.objects.filter(plan=plan).order_by("position", "pk"))
        gap_copies = SnapshotGapLine.objects.bulk_create([
            SnapshotGapLine(snapshot=snapshot, name=line.name, sign=line.sign, source=line.source,
                            position=line.position)
            for line in gap_lines
        ])
        copy_of_gap_line = {line.pk: copy.pk for line, copy in zip(gap_lines, gap_copies, strict=True)}
        SnapshotGapFigure.objects.bulk_create([
            SnapshotGapFigure(line_id=copy_of_gap_line[line_id], year_id=year_id, amount_k=amount_k)
            for line_id, year_id, amount_k in GapFigure.objects.filter(line__plan=plan)
            .values_list("line_id", "year_id", "amount_k")
        ])
        history.append(
            council_id=plan.council_id, user=recorded_user(user), action=ChangeSet.Action.CREATE, subject=snapshot,
            note=f"Snapshot of {plan.name}"[:300],
            changes=[
                Change(kind=Change.Kind.FIELD, field="Snapshot", new=name),
                Change(kind=Change.Kind.FIELD, field="As at", new=taken_on.isoformat()),
                Change(kind=Change.Kind.FIELD, field="Proposals", new=str(len(copies))),
            ],
        )
    return snapshot
