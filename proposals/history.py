"""The audit trail: its one write path, its hash chain, and the check of the chain.

Every change set is written by ``append``, at the head of its council's chain: it
stores the SHA-256 of its own content and changes (``digest``) and the hash of the
council's change set before it. The database refuses UPDATE and DELETE on the history
tables (migration ``history_append_only``), so an altered or missing row means someone
went around the database's own rules; ``verify`` recomputes each council's chain and
names the first change set that does not match.

Proposals are recorded by ``proposals.services``; structural records (plans and their
years, outcomes and their measures, themes, service budgets, councils and memberships)
by ``record_change``, the one function every write path for them calls, with the values
before and after from ``snapshot`` and ``changes_between``.
"""
import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from councils.models import Council

from .models import Change, ChangeSet

# What each change contributes to its change set's hash. Migration history_append_only
# chains the history already written with these columns, so each must exist by then.
CHANGE_COLUMNS = (
    "kind", "field", "year_label", "old", "new", "old_k", "new_k",
    "field_name", "service_budget_id", "plan_year_id", "old_value", "new_value",
)
CHANGESET_COLUMNS = (
    "id", "previous_hash", "hash", "council_id", "proposal_id", "subject_type_id", "subject_id", "subject_label",
    "user_id", "at", "action", "version", "note",
)
LABEL_LENGTH = 60  # of a related row's name within a change's field name


def line_value(figures):
    """A line's figures {PlanYear id: £k} as a line change's old_value or new_value."""
    return json.dumps({str(year_id): amount for year_id, amount in figures.items()}, sort_keys=True)


def line_figures(value):
    """The figures {PlanYear id: £k} a line change's old_value or new_value holds."""
    return {int(year_id): amount for year_id, amount in json.loads(value).items()} if value else {}


def digest(*, previous_hash, council_id, proposal_id, subject_type, subject_id, subject_label, user_id, at, action,
           version, note, changes):
    """The hex SHA-256 a change set stores: over the hash before it, its content and its
    changes (tuples in ``CHANGE_COLUMNS`` order, in the order written). ``subject_type``
    is the model's label ("outcomes.outcome"), which does not depend on the database's ids."""
    payload = [
        previous_hash, council_id, proposal_id, subject_type, subject_id, subject_label, user_id,
        at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"), action, version, note,
        [list(change) for change in changes],
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _type_label(content_type):
    return f"{content_type.app_label}.{content_type.model}" if content_type else None


def lock_chain(council_id):
    """Hold the head of ``council_id``'s chain until the transaction ends, so two saves
    cannot both chain onto the same predecessor.

    PostgreSQL: a FOR NO KEY UPDATE lock on the council's row (rows that only refer to the
    council, a new plan say, are not held up). SQLite runs the same SELECT without a lock:
    it has one writer and its transactions are serialisable, so a transaction that read
    an older head cannot commit. The unique (council, previous_hash) constraint refuses
    a fork on both, whatever the caller did."""
    list(Council.objects.select_for_update(no_key=True).filter(pk=council_id).values_list("pk", flat=True))


def head_hash(council_id):
    return ChangeSet.objects.filter(council_id=council_id).order_by("-id").values_list("hash", flat=True).first() or ""


def _chained(*, council_id, user, action, changes, note, previous_hash, at, proposal=None, subject=None):
    """An unsaved change set for ``proposal`` (at its version) or ``subject``, chained onto
    ``previous_hash``: the one place a change set's hash is made."""
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    changeset = ChangeSet(
        council_id=council_id, proposal=proposal, version=proposal.version if proposal is not None else None,
        subject_type=subject_type, subject_id=subject.pk if subject is not None else None,
        subject_label=str(subject)[:300] if subject is not None else "",
        user=user, at=at, action=action, note=note, previous_hash=previous_hash,
    )
    changeset.hash = digest(
        previous_hash=previous_hash, council_id=council_id, proposal_id=changeset.proposal_id,
        subject_type=_type_label(subject_type), subject_id=changeset.subject_id, subject_label=changeset.subject_label,
        user_id=changeset.user_id, at=at, action=action, version=changeset.version, note=note,
        changes=[tuple(getattr(change, name) for name in CHANGE_COLUMNS) for change in changes],
    )
    changeset.recorded_changes = changes
    return changeset


def append(*, council_id, user, action, changes, note="", proposal=None, subject=None):
    """Write a change set with ``changes`` (unsaved Change rows) at the head of the
    council's chain, for ``proposal`` (at its current version) or ``subject``. Runs inside
    the caller's transaction, whose end releases the chain."""
    lock_chain(council_id)
    changeset = _chained(council_id=council_id, user=user, action=action, changes=changes, note=note,
                         previous_hash=head_hash(council_id), at=timezone.now(), proposal=proposal, subject=subject)
    changeset.save(force_insert=True)
    for change in changes:
        change.changeset = changeset
    Change.objects.bulk_create(changes)
    return changeset


def append_many(*, council_id, user, action, entries):
    """Write a change set for each of ``entries`` ([(proposal, changes, note)], proposals
    at their current version) at the head of the council's chain, in order, exactly as
    ``append`` called once for each would: the chain locked once, its head read once, each
    change set chained onto the one before it here, then every change set and every
    change written in one bulk insert each. Runs inside the caller's transaction."""
    if not entries:
        return []
    lock_chain(council_id)
    previous = head_hash(council_id)
    now = timezone.now()
    changesets = []
    for proposal, changes, note in entries:
        changeset = _chained(council_id=council_id, user=user, action=action, changes=changes, note=note,
                             previous_hash=previous, at=now, proposal=proposal)
        previous = changeset.hash
        changesets.append(changeset)
    ChangeSet.objects.bulk_create(changesets)  # ids in this order: the chain's order
    rows = []
    for changeset in changesets:
        for change in changeset.recorded_changes:
            change.changeset = changeset
            rows.append(change)
    Change.objects.bulk_create(rows, batch_size=2000)
    return changesets


# Structural records: plans, outcomes, themes, service budgets, councils, memberships.

def council_of(record):
    return record.pk if isinstance(record, Council) else record.council_id


def snapshot(record, *, without=()):
    """``record``'s values as a reader sees them, {field label: text}: every editable
    field but the id (and the fields named in ``without``), a related record by its name,
    a choice by its label."""
    values = {}
    for model_field in record._meta.concrete_fields:
        if model_field.primary_key or not model_field.editable or model_field.name in without:
            continue
        if model_field.is_relation:
            value = getattr(record, model_field.name)
        elif model_field.choices:
            value = getattr(record, f"get_{model_field.name}_display")()
        else:
            value = getattr(record, model_field.attname)
        values[capfirst(model_field.verbose_name)] = "" if value is None else str(value)
    return values


def changes_between(before, after, *, row=None):
    """Change rows from ``before`` to ``after`` (snapshots; None for a record created, or
    deleted). ``row`` names a related row (a plan's year, an outcome's measure, a council's
    membership) whose fields these are: "Plan year 2020/21: Start year"."""
    before, after = before or {}, after or {}
    prefix = f"{capfirst(row._meta.verbose_name)} {str(row)[:LABEL_LENGTH]}: " if row is not None else ""
    return [
        Change(kind=Change.Kind.FIELD, field=f"{prefix}{label}"[:100], old=before.get(label, ""),
               new=after.get(label, ""))
        for label in {**before, **after}
        if before.get(label, "") != after.get(label, "")
    ]


def record_change(*, user, subject, action, changes, council_id=None, note=""):
    """Record a structural record's creation, change or deletion (``action``) by ``user``,
    with ``changes`` from ``changes_between``, in the chain of its council (or of
    ``council_id``). Call it in the same transaction as the write, and before a deletion
    (the record is named by its id and label). Returns the ChangeSet, or None for an
    edit that changed nothing."""
    if action == ChangeSet.Action.EDIT and not changes:
        return None
    with transaction.atomic():
        return append(
            council_id=council_of(subject) if council_id is None else council_id, user=user, action=action,
            changes=changes, note=note, subject=subject,
        )


# Checking the chain.

@dataclass
class ChainReport:
    """One council's chain: how long it is, its head, and its first broken link if any."""

    council: Council
    changesets: int = 0
    changes: int = 0
    head: str = ""
    broken_at: int | None = None  # the first change set that does not match
    problem: str = ""


def verify(councils):
    """A ChainReport for each of ``councils``, in the order given."""
    return [verify_council(council) for council in councils]


def verify_council(council):
    report = ChainReport(council=council)
    changes = defaultdict(list)
    for changeset_id, *values in (
        Change.objects.filter(changeset__council=council).order_by("changeset_id", "id")
        .values_list("changeset_id", *CHANGE_COLUMNS).iterator(chunk_size=10_000)
    ):
        changes[changeset_id].append(values)
    previous_id, previous_hash = None, ""
    rows = ChangeSet.objects.filter(council=council).order_by("id").values_list(*CHANGESET_COLUMNS)
    for row in rows.iterator(chunk_size=10_000):
        values = dict(zip(CHANGESET_COLUMNS, row, strict=True))
        mine = changes.pop(values["id"], [])
        if values["previous_hash"] != previous_hash:
            report.broken_at = values["id"]
            report.problem = (
                f"its previous_hash does not match the hash of change set {previous_id}, the council's one "
                "before it: a change set between them was removed, or one of them was altered"
                if previous_id is not None else
                "it is the council's first change set but names a previous one: change sets before it were removed"
            )
            return report
        computed = digest(
            previous_hash=values["previous_hash"], council_id=values["council_id"],
            proposal_id=values["proposal_id"], subject_id=values["subject_id"],
            subject_type=_type_label(ContentType.objects.get_for_id(values["subject_type_id"]))
            if values["subject_type_id"] else None,
            subject_label=values["subject_label"], user_id=values["user_id"], at=values["at"],
            action=values["action"], version=values["version"], note=values["note"], changes=mine,
        )
        if computed != values["hash"]:
            report.broken_at = values["id"]
            report.problem = (
                f"its hash does not match its content and its {len(mine)} changes (stored {values['hash'][:12]}…, "
                f"computed {computed[:12]}…): the change set, or one of its changes, was altered, added or removed"
            )
            return report
        report.changesets += 1
        report.changes += len(mine)
        previous_id, previous_hash = values["id"], values["hash"]
    report.head = previous_hash
    return report
