"""Editing an outcome measure: its unit, which way is better, baseline and target, and a
value per period, on one page, saved all or nothing through ``proposals.measures``
(finance officers and council administrators; version checked, audited)."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from outcomes.models import Better, MeasureRating, MeasureValue, Outcome, OutcomeMeasure
from proposals import years as fy
from proposals.measures import (
    HEADER_FIELDS,
    MeasureConflict,
    MeasureError,
    MeasuresInvalid,
    ValueInput,
    parse_figure,
    save_measure,
)
from proposals.permissions import can_edit_measures, get_plan_or_404

NEW_ROWS = 2  # blank rows for new periods
MAX_VALUES = 400  # a measure's values on one page: a century of quarters
FIGURES = ("baseline", "target_value")
TEXTS = ("measure", "unit", "better", "baseline_label", "target_label", "source")


def _figure_text(value):
    return "" if value is None else f"{value.normalize():f}"


def _version(text):
    return int(text) if text.isdigit() and len(text) < 10 else None


@require_http_methods(["GET", "POST"])
def measure_edit(request, council_slug, plan_slug, code, number=None):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    outcome = get_object_or_404(Outcome.objects.filter(council=plan.council), code=code)
    measure = None
    if number is not None:
        measure = get_object_or_404(OutcomeMeasure.objects.filter(outcome=outcome), number=number)
    can_edit_measures(request.user, plan.council).require()
    stored = list(MeasureValue.objects.filter(measure=measure)) if measure else []
    if len(stored) > MAX_VALUES:
        raise Http404("This measure has more values than one page edits.")
    posted = request.POST if request.method == "POST" else None
    header, errors, parsed = _header(posted, measure)
    rows, values = _rows(posted, stored, errors, measure)
    if posted is not None and not errors:
        try:
            measure = save_measure(user=request.user, outcome=outcome, measure=measure, values=values,
                                   fields={**{name: header[name] for name in TEXTS}, **parsed},
                                   expected_version=_version(posted.get("version", "")) if measure else None)
        except MeasureConflict as error:
            errors.append(("id_measure", error.errors["version"]))
        except MeasuresInvalid as error:
            errors += [(f"id_{key}" if key in HEADER_FIELDS else f"id_{key}-period", message)
                       for key, message in error.errors.items()]
        else:
            messages.success(request, f"Measure {outcome.code}.{measure.number} is saved.")
            return redirect(f"{_outcome_url(plan, outcome)}#measure-{measure.number}")
    return render(request, "reports/measure_edit.html", {
        "plan": plan, "council": plan.council, "outcome": outcome, "measure": measure, "header": header,
        "rows": rows, "errors": errors, "betters": Better.choices, "ratings": MeasureRating.choices,
        "version": posted.get("version", "") if posted is not None else (measure.version if measure else ""),
        "outcome_url": _outcome_url(plan, outcome),
    }, status=400 if errors else 200)


def _outcome_url(plan, outcome):
    return reverse("reports:outcome_detail", args=[plan.council.slug, plan.slug, outcome.code])


def _header(posted, measure):
    """What the header fields hold (as typed on a POST), the errors reading its figures,
    and the figures read."""
    header, errors, parsed = {}, [], {}
    for name in TEXTS:
        default = getattr(measure, name) if measure else ""
        header[name] = (posted.get(name, default) if posted is not None else default)[:2000]
    for name in FIGURES:
        default = _figure_text(getattr(measure, name)) if measure else ""
        header[name] = (posted.get(name, default) if posted is not None else default)[:40]
        try:
            parsed[name] = parse_figure(header[name])
        except MeasureError as error:
            label = "Baseline" if name == "baseline" else "Target"
            errors.append((f"id_{name}", f"{label}: {error}"))
    return header, errors, parsed


def _rows(posted, stored, errors, measure):
    """The value rows (one per stored period, and blank ones for new periods), as typed on a
    POST, and the ValueInputs read from them (blank new rows left out)."""
    rows, values = [], []
    keys = [(f"v{value.start_year}-{value.quarter}", value) for value in stored]
    keys += [(f"new{index}", None) for index in range(1, NEW_ROWS + 1)]
    for key, value in keys:
        def typed(name, default, key=key):
            return (posted.get(f"{key}-{name}", default) if posted is not None else default)[:2000]

        period = fy.quarter_label(value.start_year, value.quarter) if value else ""
        row = {
            "key": key, "value": value, "name": period or f"New period {key.removeprefix('new')}",
            "period": period if value else typed("period", "")[:40],
            "planned": typed("planned", _figure_text(value.planned) if value else "")[:40],
            "actual": typed("actual", _figure_text(value.actual) if value else "")[:40],
            "rating": typed("rating", value.rating if value else ""),
            "commentary": typed("commentary", value.commentary if value else ""),
            "action": typed("action", value.action if value else ""),
            "remove": posted is not None and bool(posted.get(f"{key}-remove")),
        }
        rows.append(row)
        if posted is None:
            continue
        blank = not any(row[name].strip() for name in ("period", "planned", "actual", "rating", "commentary",
                                                        "action"))
        if value is None and blank:
            continue
        figures = {}
        for name, label in (("planned", "plan"), ("actual", "actual")):
            try:
                figures[name] = parse_figure(row[name])
            except MeasureError as error:
                errors.append((f"id_{key}-{name}", f"{row['period'] or 'New period'}, {label}: {error}"))
        if len(figures) == 2:
            values.append(ValueInput(period=row["period"], rating=row["rating"], commentary=row["commentary"],
                                     action=row["action"], remove=row["remove"], key=key, **figures))
    return rows, values

