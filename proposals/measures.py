"""Outcome measures' one write path, and the rules for their figures.

A measure (``outcomes.OutcomeMeasure``) has a unit, which way is better, a baseline and a
target, and a value per period (``MeasureValue``: a financial year or a quarter of one,
with its plan, actual, rating, commentary and action). Figures are exact decimals to
three places (a percentage, a rate, a count), read by ``parse_figure`` wherever a person
types or imports one, and shown by ``format_figure``.

A rating must agree with the figures (``rating_problem``): Green with an actual worse
than its plan, or Red with an actual on or better than plan, is refused, as a delivery
return's rating is.

Every write: ``permissions.can_edit_measures`` inside, the measures' rows locked and
their versions checked (an edit made from an older version is refused with what the
measure holds now), one change set per measure in the audit trail, all or nothing. Bad
values raise MeasuresInvalid with {key: message} and write nothing.
"""
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from outcomes.models import MEASURE_DIGITS, MEASURE_PLACES, Better, MeasureRating, MeasureValue, OutcomeMeasure

from . import history
from . import years as fy
from .models import Change, ChangeSet
from .permissions import can_edit_measures, recorded_user

FIGURE_LIMIT = Decimal(10) ** (MEASURE_DIGITS - MEASURE_PLACES)
PLACES = Decimal(1).scaleb(-MEASURE_PLACES)
TEXT_LIMIT = 2000
MEASURE_TEXT_LIMIT = 1000
HEADER_FIELDS = ("measure", "unit", "better", "baseline", "baseline_label", "target_value", "target_label",
                 "current", "target", "source")
VALUE_FIELDS = ("planned", "actual", "rating", "commentary", "action")
LABELS = {"planned": "Plan", "actual": "Actual", "rating": "Rating", "commentary": "Commentary",
          "action": "Action"}


class MeasureError(ValueError):
    """A figure that cannot be a measure's; the message is for users."""


class MeasuresInvalid(Exception):
    """Bad values: ``errors`` maps a key (a field, or a value row's key) to its message."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class MeasureConflict(MeasuresInvalid):
    """A measure saved by someone else since the edit began; nothing was written."""


_FIGURE = re.compile(r"^[+-]?(\d{1,15}(\.\d{1,15})?|\.\d{1,15})$", re.ASCII)
NOT_A_FIGURE = "“{text}” is not a figure such as 1,810, 88% or 5.5."


def parse_figure(value):
    """A measure's figure from what a person typed or a cell holds: "1,810", "88%",
    "−0.5", 1810, a cell's 5.3 → Decimal to three places; "" or None → None. Raises
    MeasureError with the message for users."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MeasureError(NOT_A_FIGURE.format(text=value))
    if isinstance(value, float):  # a spreadsheet's number: the shortest text that is exactly this float
        value = repr(value) if math.isfinite(value) else "not a number"
    text = str(value).strip()[:40]
    cleaned = text.replace(",", "").replace("\u2212", "-").removesuffix("%").strip()
    if not cleaned:
        return None
    if not _FIGURE.match(cleaned):
        raise MeasureError(NOT_A_FIGURE.format(text=text))
    figure = Decimal(cleaned)
    if figure != figure.quantize(PLACES):
        raise MeasureError(f"“{text}” has more than {MEASURE_PLACES} decimal places.")
    if abs(figure) >= FIGURE_LIMIT:
        raise MeasureError(f"“{text}” is too large for a measure.")
    return figure.quantize(PLACES)


def format_figure(value, unit=""):
    """1810.000 → "1,810"; 88.000 with unit "%" → "88%"; 126 per 100,000 → "126 per 100,000"."""
    if value is None:
        return "–"
    text = f"{Decimal(value).normalize():,f}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text


def rating_problem(better, planned, actual, rating):
    """Why ``rating`` contradicts the figures, or None: Green needs the actual on or better
    than plan, Red an actual worse than plan (which way is better decides)."""
    if not rating or planned is None or actual is None or better not in Better.values:
        return None
    met = actual >= planned if better == Better.HIGHER else actual <= planned
    if rating == MeasureRating.GREEN and not met:
        return (f"Green means on or better than plan, but the actual {format_figure(actual)} is worse than the "
                f"plan {format_figure(planned)} ({Better(better).label.lower()}). Rate it Amber or Red.")
    if rating == MeasureRating.RED and met:
        return (f"Red means off plan, but the actual {format_figure(actual)} is on or better than the plan "
                f"{format_figure(planned)} ({Better(better).label.lower()}). Rate it Green or Amber.")
    return None


@dataclass
class ValueInput:
    """A measure's value for a period, as a form or a sheet gives it: ``period`` as
    written ("2018/19 Q1"), figures already read by ``parse_figure``. ``remove`` takes the
    period's value out."""

    period: str
    planned: Decimal | None = None
    actual: Decimal | None = None
    rating: str = ""
    commentary: str = ""
    action: str = ""
    remove: bool = False
    key: str = ""  # how messages name the row ("Row 7"), and errors are keyed


def _shown(name, value, unit):
    if value is None or value == "":
        return ""
    if name in ("planned", "actual", "baseline", "target_value"):
        return format_figure(value, unit)
    if name == "rating":
        return MeasureRating(value).label
    if name == "better":
        return Better(value).label
    return str(value)


def _check_header(fields, creating):
    """{field: message} for the header ``fields`` given (a new measure must say what it is)."""
    errors = {}
    text = (fields.get("measure") or "").strip()
    if not text and (creating or "measure" in fields):
        errors["measure"] = "Say what the measure is, as the council words it."
    elif len(text) > MEASURE_TEXT_LIMIT:
        errors["measure"] = f"A measure is at most {MEASURE_TEXT_LIMIT} characters."
    if fields.get("better", "") not in ("", *Better.values):
        errors["better"] = "Say whether a higher or a lower figure is better."
    for name in ("unit", "baseline_label", "target_label", "current", "target"):
        model_field = OutcomeMeasure._meta.get_field(name)
        if len(fields.get(name) or "") > model_field.max_length:
            errors[name] = f"{model_field.verbose_name.capitalize()} is at most {model_field.max_length} characters."
    if len(fields.get("source") or "") > TEXT_LIMIT:
        errors["source"] = f"A source note is at most {TEXT_LIMIT} characters."
    for name in ("baseline", "target_value"):
        value = fields.get(name)
        if value is not None and not isinstance(value, Decimal):
            errors[name] = "A figure must be a decimal."
    return errors


def _check_values(better, values):
    """{row key: message} for the value rows; each row's period parsed into ``periods``."""
    errors, periods, seen = {}, {}, {}
    for row in values:
        parsed = fy.parse_quarter(row.period, whole_year=True)
        if parsed is None:
            errors[row.key] = f"“{str(row.period)[:40]}” is not a period such as 2018/19 Q1 or 2018/19."
            continue
        if parsed in seen:
            errors[row.key] = f"{fy.quarter_label(*parsed)} is given twice for this measure."
            continue
        seen[parsed] = True
        periods[row.key] = parsed
        if row.remove:
            continue
        if row.rating not in ("", *MeasureRating.values):
            errors[row.key] = "A rating is Green, Amber or Red."
        elif any(len(getattr(row, name) or "") > TEXT_LIMIT for name in ("commentary", "action")):
            errors[row.key] = f"Commentary and action are at most {TEXT_LIMIT} characters each."
        elif row.actual is None and row.planned is None and not row.rating:
            errors[row.key] = f"{fy.quarter_label(*parsed)}: give the actual, the plan or a rating (or remove it)."
        elif problem := rating_problem(better, row.planned, row.actual, row.rating):
            errors[row.key] = f"{fy.quarter_label(*parsed)}: {problem}"
    return errors, periods


def _conflict(measure):
    values = "; ".join(f"{fy.quarter_label(v.start_year, v.quarter)} {format_figure(v.actual, measure.unit)}"
                       for v in measure.values.all()) or "no values"
    return MeasureConflict({"version": (
        f"Measure {measure.outcome.code}.{measure.number} was saved by someone else after you opened it, so "
        f"nothing has been saved. It now reads: baseline {format_figure(measure.baseline, measure.unit)}, target "
        f"{format_figure(measure.target_value, measure.unit)}; {values}. Check your changes against theirs and "
        "save again."
    )})


def _apply_values(measure, values, periods):
    """Write ``values`` (checked) onto ``measure``; the Change rows of what changed."""
    stored = {(v.start_year, v.quarter): v for v in MeasureValue.objects.filter(measure=measure)}
    changes = []
    for row in values:
        period = periods[row.key]
        label = fy.quarter_label(*period)
        current = stored.get(period)
        if row.remove:
            if current is not None:
                changes += [Change(kind=Change.Kind.FIELD, field=f"{label}: {LABELS[name]}",
                                   old=_shown(name, getattr(current, name), measure.unit))
                            for name in VALUE_FIELDS if getattr(current, name) not in (None, "")]
                current.delete()
            continue
        new = {"planned": row.planned, "actual": row.actual, "rating": row.rating,
               "commentary": (row.commentary or "").strip(), "action": (row.action or "").strip()}
        if current is None:
            current = MeasureValue(measure=measure, start_year=period[0], quarter=period[1])
        altered = []
        for name, value in new.items():
            old = getattr(current, name) if current.pk else None
            if (old if old is not None else "") != (value if value is not None else ""):
                altered.append(name)
                changes.append(Change(kind=Change.Kind.FIELD, field=f"{label}: {LABELS[name]}",
                                      old=_shown(name, old, measure.unit), new=_shown(name, value, measure.unit)))
            setattr(current, name, value)
        if altered or current.pk is None:
            current.save()
    return changes


def save_measure(*, user, outcome, fields, values=(), measure=None, expected_version=None, action=None):
    """Create (``measure`` None) or change a measure of ``outcome``: its ``fields`` (any of
    HEADER_FIELDS; figures as Decimal or None) and ``values`` (ValueInput rows), all or
    nothing. ``expected_version``: the version the edit began from (None skips the
    check: the seed's, or a command's). Returns the measure."""
    can_edit_measures(user, outcome.council).require()
    values = list(values)
    if measure is not None and measure.outcome_id != outcome.pk:
        raise MeasuresInvalid({"measure": "That measure is another outcome's."})
    errors = _check_header(fields, creating=measure is None)
    better = fields.get("better", getattr(measure, "better", ""))
    value_errors, periods = _check_values(better, values)
    errors.update(value_errors)
    if errors:
        raise MeasuresInvalid(errors)
    with transaction.atomic():
        if measure is None:
            number = fields.get("number") or (
                (OutcomeMeasure.objects.filter(outcome=outcome).order_by("-number")
                 .values_list("number", flat=True).first() or 0) + 1)
            if OutcomeMeasure.objects.filter(outcome=outcome, number=number).exists():
                raise MeasuresInvalid({"number": f"Outcome {outcome.code} already has a measure {number}."})
            measure = OutcomeMeasure(outcome=outcome, number=number)
            before, action = None, action or ChangeSet.Action.CREATE
        else:
            measure = OutcomeMeasure.objects.select_for_update().select_related("outcome").get(pk=measure.pk)
            if expected_version is not None and measure.version != expected_version:
                raise _conflict(measure)
            before, action = _header_text(measure), action or ChangeSet.Action.EDIT
        for name in HEADER_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(measure, name, value.strip() if isinstance(value, str) else value)
        changes = [Change(kind=Change.Kind.FIELD, field=label, old=(before or {}).get(label, ""), new=new)
                   for label, new in _header_text(measure).items() if (before or {}).get(label, "") != new]
        measure.save()
        changes += _apply_values(measure, values, periods)
        if before is not None:
            if not changes:
                return measure  # a save that changed nothing leaves the version as it was
            measure.version += 1
            measure.save(update_fields=["version"])
        history.record_change(user=recorded_user(user), subject=measure, action=action, changes=changes,
                              council_id=outcome.council_id,
                              note=f"Outcome {outcome.code} measure {measure.number}"[:300])
    return measure


def _header_text(measure):
    labels = {"measure": "Measure", "unit": "Unit", "better": "Which way is better", "baseline": "Baseline",
              "baseline_label": "Baseline as at", "target_value": "Target", "target_label": "Target for",
              "current": "Current performance (as published)", "target": "Target (as published)",
              "source": "Source"}
    return {labels[name]: _shown(name, getattr(measure, name), measure.unit) for name in HEADER_FIELDS}


@dataclass
class ImportRow(ValueInput):
    measure_id: int = 0


def save_values(*, council, user, rows, versions=None):
    """Save value rows of several measures of ``council`` at once (an import), all or
    nothing: ``rows`` are ImportRows, ``versions`` {measure id: version the preview saw}.
    Returns {measure id: [Change, …]}, what changed (nothing for a measure left as it was)."""
    can_edit_measures(user, council).require()
    rows = list(rows)
    by_measure = {}
    for row in rows:
        by_measure.setdefault(row.measure_id, []).append(row)
    counts = {}
    with transaction.atomic():
        measures = {m.pk: m for m in OutcomeMeasure.objects.select_for_update().select_related("outcome")
                    .filter(pk__in=by_measure, outcome__council=council)}
        errors = {row.key: "That measure is not one of this council's." for row in rows
                  if row.measure_id not in measures}
        for pk, measure in measures.items():
            if versions and pk in versions and versions[pk] != measure.version:
                raise _conflict(measure)
            value_errors, periods = _check_values(measure.better, by_measure[pk])
            errors.update(value_errors)
            if errors:
                continue
            changes = _apply_values(measure, by_measure[pk], periods)
            if changes:
                measure.version += 1
                measure.save(update_fields=["version"])
                history.record_change(user=recorded_user(user), subject=measure, action=ChangeSet.Action.IMPORT,
                                      changes=changes, council_id=council.pk,
                                      note=f"Outcome {measure.outcome.code} measure {measure.number}: imported")
            counts[pk] = changes
        if errors:
            raise MeasuresInvalid(errors)
    return counts
