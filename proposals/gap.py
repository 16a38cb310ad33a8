"""The gap ledger's one write path: the lines the gap before a plan's proposals is built
from ("Net budget requirement", "Council tax"…), their signs, source notes and figures.

A positive gap is a shortfall. A line that adds to the gap (spending) has sign +1, one
that reduces it (funding) -1; the gap before proposals in a year is the sum of sign ×
figure over the lines with a figure that year, and a year where none has one has no
gap entered (never 0). ``set_gap_before`` enters the gap itself, as one line named
"Gap before proposals", for a council that does not build it up.

Every write: ``permissions.can_edit_gap`` inside, the plan's row locked (so a snapshot
taken at the same moment sees all of it or none), and each change in the audit trail as
the plan's ("Gap: Council tax 2020/21: (none) → -1.200"). Bad values raise GapInvalid
with {field: message} and write nothing.
"""
from django.db import IntegrityError, transaction

from . import history
from .models import BudgetPlan, Change, ChangeSet, GapFigure, GapLine
from .money import MoneyError, check_magnitude, format_in
from .permissions import can_edit_gap, recorded_user

GAP_BEFORE = "Gap before proposals"
NAME_LENGTH = GapLine._meta.get_field("name").max_length
SOURCE_LENGTH = GapLine._meta.get_field("source").max_length


class GapInvalid(Exception):
    """Bad values for the gap: ``errors`` maps a field to its message, for users."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def _check_version(plan, line, expected_version):
    """Refuse (GapInvalid, nothing written) an edit of ``line`` (locked) made from an older
    version than the one stored: someone saved it since the page was opened. The message
    says what the line holds now, so the edit can be made again over it."""
    if expected_version is None or line.version == expected_version:
        return
    now = "; ".join(f"{figure.year.label} {format_in(figure.amount_k, plan.unit)}"
                    for figure in line.figures.select_related("year").order_by("year__start_year")) or "no figures"
    raise GapInvalid({"name": (
        f"“{line.name}” was saved by someone else after you opened this page, so nothing has been saved. "
        f"It now reads: {GapLine.Sign(line.sign).label.lower()}, {now}. Your changes are still in the form: "
        "check them against theirs and save again."
    ), "version": str(line.version)})


def _locked(plan):
    """Hold the plan's row until the transaction ends (take_snapshot does the same)."""
    list(BudgetPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))


def _check_figures(plan, figures):
    years = {year.pk for year in plan.years.all()}
    errors = {}
    for year, amount in figures.items():
        if year.pk not in years:
            errors[f"year-{year.pk}"] = f"{year.label} is not a year of {plan.name}."
        elif amount is not None:
            try:
                check_magnitude(amount, unit=plan.unit)
            except MoneyError as error:
                errors[f"year-{year.start_year}"] = f"{year.label}: {error}"
    return errors


def _figure_changes(plan, line, figures, stored):
    """Change rows for ``line``'s figures going from ``stored`` to ``figures`` ({year: k})."""
    changes = []
    for year in plan.years.all():
        old = stored.get(year.pk)
        new = figures[year] if year in figures else old
        if old == new:
            continue
        changes.append(Change(
            kind=Change.Kind.FIGURE, field=f"Gap: {line.name}"[:100], year_label=year.label,
            old=format_in(old, plan.unit), new=format_in(new, plan.unit), old_k=old, new_k=new,
            plan_year_id=year.pk,
        ))
    return changes


def _write_figures(line, figures, stored):
    for year, amount in figures.items():
        if amount is None:
            if year.pk in stored:
                GapFigure.objects.filter(line=line, year=year).delete()
        elif year.pk in stored:
            if stored[year.pk] != amount:
                GapFigure.objects.filter(line=line, year=year).update(amount_k=amount)
        else:
            GapFigure.objects.create(line=line, year=year, amount_k=amount)


def save_gap_line(*, plan, user, name, sign=GapLine.Sign.ADDS, source="", figures=None, line=None,
                  expected_version=None):
    """Create (``line`` None) or change a gap line of ``plan``: its name, sign, source note
    and ``figures`` {PlanYear: £k or None (no figure)}; years not given keep theirs.
    ``expected_version``: the version the edit started from (refused if another save
    came in between); None to skip the check (a command's own change). Returns the line."""
    can_edit_gap(user, plan).require()
    figures = dict(figures or {})
    name = (name or "").strip()
    source = (source or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Give the line a name, such as “Council tax”."
    elif len(name) > NAME_LENGTH:
        errors["name"] = f"A line's name is at most {NAME_LENGTH} characters."
    elif GapLine.objects.filter(plan=plan, name=name).exclude(pk=getattr(line, "pk", None)).exists():
        errors["name"] = f"{plan.name} already has a gap line called “{name}”."
    if sign not in (GapLine.Sign.ADDS, GapLine.Sign.REDUCES):
        errors["sign"] = "Say whether the line adds to the gap (spending) or reduces it (funding)."
    if len(source) > SOURCE_LENGTH:
        errors["source"] = f"A source note is at most {SOURCE_LENGTH} characters."
    if line is not None and line.plan_id != plan.pk:
        errors["line"] = "That line is another plan's."
    errors.update(_check_figures(plan, figures))
    if errors:
        raise GapInvalid(errors)
    created = line is None
    with transaction.atomic():
        _locked(plan)
        changes = []
        if created:
            position = (GapLine.objects.filter(plan=plan).order_by("-position").values_list("position", flat=True)
                        .first() or 0) + 1
            line = GapLine(plan=plan, name=name, sign=sign, source=source, position=position)
            try:
                with transaction.atomic():
                    line.save(force_insert=True)
            except IntegrityError:
                raise GapInvalid({"name": f"{plan.name} already has a gap line called “{name}”."}) from None
            changes.append(Change(kind=Change.Kind.FIELD, field="Gap line", new=name))
            changes.append(Change(kind=Change.Kind.FIELD, field=f"Gap: {name}: sign"[:100],
                                  new=GapLine.Sign(sign).label))
            if source:
                changes.append(Change(kind=Change.Kind.FIELD, field=f"Gap: {name}: source"[:100], new=source))
            stored = {}
        else:
            line = GapLine.objects.select_for_update().get(pk=line.pk)
            _check_version(plan, line, expected_version)
            for label, old, new in (("name", line.name, name), ("sign", GapLine.Sign(line.sign).label,
                                                                GapLine.Sign(sign).label),
                                    ("source", line.source, source)):
                if old != new:
                    changes.append(Change(kind=Change.Kind.FIELD, field=f"Gap: {line.name}: {label}"[:100],
                                          old=old, new=new))
            line.name, line.sign, line.source = name, sign, source
            stored = dict(line.figures.values_list("year_id", "amount_k"))
        changes += _figure_changes(plan, line, figures, stored)
        if not created:
            if changes:
                line.version += 1  # a save that changed nothing leaves the version as it was
            line.save(update_fields=["name", "sign", "source", "version"])
        _write_figures(line, figures, stored)
        if changes:
            history.append(council_id=plan.council_id, user=recorded_user(user), action=ChangeSet.Action.EDIT,
                           changes=changes, subject=plan, note=f"Gap before proposals: {name}"[:300])
    return line


def delete_gap_line(*, plan, user, line, expected_version=None):
    """Take a line (and its figures) out of the gap, recorded in the audit trail; refused
    if the line was saved since ``expected_version`` (as save_gap_line)."""
    can_edit_gap(user, plan).require()
    if line.plan_id != plan.pk:
        raise GapInvalid({"line": "That line is another plan's."})
    with transaction.atomic():
        _locked(plan)
        line = GapLine.objects.select_for_update().get(pk=line.pk)
        _check_version(plan, line, expected_version)
        stored = dict(line.figures.values_list("year_id", "amount_k"))
        changes = [Change(kind=Change.Kind.FIELD, field="Gap line", old=line.name)]
        changes += _figure_changes(plan, line, {year: None for year in plan.years.all()}, stored)
        history.append(council_id=plan.council_id, user=recorded_user(user), action=ChangeSet.Action.EDIT,
                       changes=changes, subject=plan, note=f"Gap line removed: {line.name}"[:300])
        line.delete()


def set_gap_before(*, plan, user, figures):
    """Enter the gap before proposals directly, {PlanYear: £k or None}: the figures of the
    plan's single line "Gap before proposals" (made on first use). Refused if the plan's
    gap is built from other lines: changing one total would hide what it is made of."""
    built = list(GapLine.objects.filter(plan=plan).exclude(name=GAP_BEFORE).values_list("name", flat=True))
    if built:
        raise GapInvalid({"set": (
            f"{plan.name}'s gap is built from its lines ({', '.join(built[:5])}"
            f"{'…' if len(built) > 5 else ''}): change those lines instead."
        )})
    line = GapLine.objects.filter(plan=plan, name=GAP_BEFORE).first()
    return save_gap_line(plan=plan, user=user, name=GAP_BEFORE, sign=GapLine.Sign.ADDS,
                         source=line.source if line else "", figures=figures, line=line)
