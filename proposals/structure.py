"""A council's structure, written here: its outcomes, themes and service budgets.

Every create, edit, reorder and delete goes through these functions, whatever page,
import or command asks for it. Each one

- asks ``permissions.can_manage_structure(user, council).require()`` (a 403 for a role
  that may not), so a caller that forgets to ask still cannot write;
- checks the values in one place (``clean``): the code or name is required and unique
  in the council, case and surrounding spaces aside ("Adult Care" and " adult care" are
  the same theme), and no value is longer than its field allows;
- writes the record and its change set in the council's audit trail
  (``history.record_change``) in one transaction, holding the head of the council's
  chain first, so two administrators adding the same name cannot both succeed.

Bad values raise ``ValidationError`` keyed by field, with messages for users; nothing
is written. A record in use (an outcome or theme of a proposal, the service budget of
an impact line) is not deleted: the message says what uses it.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import capfirst

from outcomes.models import Outcome

from . import history
from .models import ChangeSet, ServiceBudget, Theme
from .permissions import can_change_approval_rules, can_manage_structure, recorded_user

# A text field with no max_length in the model (an outcome's "what this means", a
# theme's description) is bounded here: a hostile paste cannot store megabytes.
TEXT_LIMIT = 5000

# Per model: the field that names the record in its council (unique, case aside), the
# fields a page or import may set, and which of them must not be blank.
KEY_FIELD = {Outcome: "code", Theme: "name", ServiceBudget: "name"}
FIELDS = {
    Outcome: ("code", "title", "what_this_means"),
    Theme: ("name", "description"),
    ServiceBudget: ("name", "kind"),
}
REQUIRED = {Outcome: ("code", "title"), Theme: ("name",), ServiceBudget: ("name",)}
ORDERED = (Outcome, Theme)  # the models whose records the council puts in order (``position``)

UP, DOWN = "up", "down"
KIND_MESSAGE = "Choose whether it is a service budget or a funding line."


def key(value):
    """What two codes or names are compared by: "Adult Care" and " adult care" are one."""
    return " ".join(str(value).split()).casefold()


def noun(model):
    return model._meta.verbose_name


def field_label(model, name):
    return model._meta.get_field(name).verbose_name


def max_length(model, name):
    return model._meta.get_field(name).max_length or TEXT_LIMIT


def council_records(model, council):
    """The council's records of ``model`` in their order (by position, then code or name)."""
    return model._default_manager.filter(council=council).order_by(*model._meta.ordering[1:], "pk")


def taken_keys(model, council, *, exclude_pk=None):
    """{key: record} of the council's records of ``model`` (one query)."""
    key_field = KEY_FIELD[model]
    return {
        key(getattr(record, key_field)): record
        for record in model._default_manager.filter(council=council).exclude(pk=exclude_pk)
    }


def clean(model, council, values, *, instance=None, taken=None):
    """``values`` (field name -> text, only the fields given) checked and tidied, or a
    ValidationError {field: [message]} naming every problem. ``taken``: the council's
    codes or names already in use (``taken_keys``), when the caller has read them."""
    unknown = set(values) - set(FIELDS[model])
    if unknown:
        raise TypeError(f"{model.__name__} has no settable field {', '.join(sorted(unknown))}")
    cleaned, errors = {}, {}
    for name, value in values.items():
        if name == "kind":
            if value not in ServiceBudget.Kind.values:
                errors[name] = KIND_MESSAGE
            cleaned[name] = value
            continue
        text = " ".join(str(value or "").split()) if name in ("code", "name", "title") else str(value or "").strip()
        label = field_label(model, name)
        if not text and name in REQUIRED[model]:
            errors[name] = required_message(model, name)
        elif "\x00" in text:
            errors[name] = f"{capfirst(label)} contains a null character, which cannot be stored; remove it."
        elif len(text) > max_length(model, name):
            errors[name] = (
                f"{capfirst(label)} must be {max_length(model, name):,} characters or fewer (it is {len(text):,})."
            )
        cleaned[name] = text
    key_field = KEY_FIELD[model]
    if key_field in cleaned and key_field not in errors:
        if taken is None:
            taken = taken_keys(model, council, exclude_pk=instance.pk if instance else None)
        existing = taken.get(key(cleaned[key_field]))
        if existing is not None and (instance is None or existing.pk != instance.pk):
            errors[key_field] = duplicate_message(model, council, existing)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return cleaned


def required_message(model, name):
    return f"Enter the {noun(model)}\u2019s {field_label(model, name)}."


def duplicate_message(model, council, existing):
    key_field = KEY_FIELD[model]
    return (
        f"{council} already has {'an' if noun(model)[0] in 'aeiou' else 'a'} {noun(model)} with the "
        f"{field_label(model, key_field)} \u201c{getattr(existing, key_field)}\u201d"
        + (f": {existing}." if model is Outcome else ".")
    )


def in_use_message(record):
    """Why ``record`` cannot be deleted, or "" when nothing uses it (two queries at most)."""
    uses = record.council_uses()
    if not uses:
        return ""
    return (
        f"{record.council_record_name()} is used by {uses}; "
        f"move them to another {noun(type(record))} first."
    )


def create(model, *, council, user, **values):
    """A new outcome, theme or service budget (``model``) of ``council``, last in its
    order: permission, the council's chain held, values checked, saved and recorded in
    one transaction."""
    return _write(model, council=council, user=user, values=values, action=ChangeSet.Action.CREATE)


def update(*, record, user, **fields):
    """Change ``fields`` of ``record``, recorded from old to new (nothing is recorded
    when nothing changed)."""
    return _write(type(record), council=record.council, user=user, record=record, values=fields,
                  action=ChangeSet.Action.EDIT)


def delete(*, record, user):
    """Delete ``record``, unless something uses it (a ValidationError saying what); an
    outcome's measures go with it, and are recorded with it."""
    can_manage_structure(user, record.council).require()
    with transaction.atomic():
        history.lock_chain(record.council_id)
        message = in_use_message(record)
        if message:
            raise ValidationError(message, code="in_use")
        changes = history.changes_between(history.snapshot(record), None)
        if isinstance(record, Outcome):
            for measure in record.measures.all():
                changes += history.changes_between(history.snapshot(measure, without=("outcome",)), None, row=measure)
        history.record_change(user=recorded_user(user), subject=record, action=ChangeSet.Action.DELETE,
                              changes=changes)
        record.delete()


def _write(model, *, council, user, values, action, record=None):
    can_manage_structure(user, council).require()
    with transaction.atomic():
        history.lock_chain(council.pk)
        cleaned = clean(model, council, values, instance=record)
        before = history.snapshot(model._default_manager.get(pk=record.pk)) if record is not None else None
        if record is None:
            record = model(council=council, **cleaned)
            if model in ORDERED:
                last = model._default_manager.filter(council=council).aggregate(last=Max("position"))["last"]
                record.position = 0 if last is None else last + 1
        else:
            for name, value in cleaned.items():
                setattr(record, name, value)
        record.save()
        history.record_change(
            user=recorded_user(user), subject=record, action=action,
            changes=history.changes_between(before, history.snapshot(record)),
        )
    return record


# The same, by name, for each kind of record.

def create_outcome(*, council, user, code, title, what_this_means=""):
    return create(Outcome, council=council, user=user, code=code, title=title, what_this_means=what_this_means)


def update_outcome(*, outcome, user, **fields):
    return update(record=outcome, user=user, **fields)


def delete_outcome(*, outcome, user):
    delete(record=outcome, user=user)


def create_theme(*, council, user, name, description=""):
    return create(Theme, council=council, user=user, name=name, description=description)


def update_theme(*, theme, user, **fields):
    return update(record=theme, user=user, **fields)


def delete_theme(*, theme, user):
    delete(record=theme, user=user)


def create_service_budget(*, council, user, name, kind=ServiceBudget.Kind.SERVICE):
    return create(ServiceBudget, council=council, user=user, name=name, kind=kind)


def update_service_budget(*, service_budget, user, **fields):
    return update(record=service_budget, user=user, **fields)


def delete_service_budget(*, service_budget, user):
    delete(record=service_budget, user=user)


# Order (outcomes and themes)

def set_order(*, council, user, model, records):
    """Put the council's outcomes or themes (``model``) in the order of ``records``, which
    must be all of them: positions 0, 1, 2…; each record whose position changes is
    recorded as an edit. Returns the records in their new order."""
    if model not in ORDERED:
        raise TypeError(f"{model.__name__} has no order")
    can_manage_structure(user, council).require()
    with transaction.atomic():
        history.lock_chain(council.pk)
        stored = {record.pk: record for record in council_records(model, council)}
        wanted = [record.pk for record in records]
        if sorted(wanted) != sorted(stored):
            raise ValidationError(
                f"The order must list each of {council}\u2019s {model._meta.verbose_name_plural} once; "
                "the list has changed since the page was loaded, so reload it and try again.",
                code="stale",
            )
        ordered = [stored[pk] for pk in wanted]
        for position, record in enumerate(ordered):
            if record.position == position:
                continue
            before = history.snapshot(record)
            record.position = position
            record.save(update_fields=["position"])
            history.record_change(user=recorded_user(user), subject=record, action=ChangeSet.Action.EDIT,
                                  changes=history.changes_between(before, history.snapshot(record)))
    return ordered


def move(*, record, user, direction):
    """Move an outcome or theme one place ``UP`` or ``DOWN`` in its council's order."""
    model = type(record)
    if model not in ORDERED:
        raise TypeError(f"{model.__name__} has no order")
    if direction not in (UP, DOWN):
        raise ValueError(f"direction is {UP!r} or {DOWN!r}, not {direction!r}")
    council = record.council
    can_manage_structure(user, council).require()
    with transaction.atomic():
        history.lock_chain(council.pk)
        records = list(council_records(model, council))
        index = next((i for i, other in enumerate(records) if other.pk == record.pk), None)
        if index is None:
            raise ValidationError(f"{capfirst(noun(model))} \u201c{record}\u201d no longer exists.", code="gone")
        other = index - 1 if direction == UP else index + 1
        if not 0 <= other < len(records):
            raise ValidationError(
                f"{record.council_record_name()} is already {'first' if direction == UP else 'last'}.",
                code="edge",
            )
        records[index], records[other] = records[other], records[index]
        return set_order(council=council, user=user, model=model, records=records)


# The council's approval rules: one setting on the council, recorded in its chain.

def set_approval_rules(*, council, user, require_completed_eia):
    """Turn on or off the council's rule that a proposal's equality impact assessment is
    completed (or marked not needed) before it is approved (``governance.approval_refusal``).
    Returns the ChangeSet, or None when nothing changed."""
    can_change_approval_rules(user, council).require()
    with transaction.atomic():
        history.lock_chain(council.pk)
        stored = type(council)._default_manager.select_for_update().get(pk=council.pk)
        before = history.snapshot(stored)
        stored.require_completed_eia = bool(require_completed_eia)
        stored.save(update_fields=["require_completed_eia"])
        council.require_completed_eia = stored.require_completed_eia
        return history.record_change(
            user=recorded_user(user), subject=stored, action=ChangeSet.Action.EDIT,
            changes=history.changes_between(before, history.snapshot(stored)),
        )
