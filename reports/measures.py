"""An outcome's measures as the outcome page shows them beside its money: each with its
unit, which way is better, baseline and target, its values over time (the trend) and
whether the latest moved the right way. Two queries for the lot."""
from dataclasses import dataclass, field

from outcomes.models import Better, OutcomeMeasure
from proposals import years as fy
from proposals.measures import format_figure


@dataclass
class Point:
    period: str
    planned: str
    actual: str
    rating: str
    commentary: str
    action: str


@dataclass
class MeasureRow:
    measure: OutcomeMeasure
    better: str
    baseline: str
    target: str
    points: list = field(default_factory=list)
    trend: str = ""  # "Better than the period before", …


def measure_rows(outcome):
    rows = []
    for measure in OutcomeMeasure.objects.filter(outcome=outcome).prefetch_related("values"):
        unit = measure.unit
        baseline = measure.current or "–" if measure.baseline is None else format_figure(measure.baseline, unit)
        target = measure.target or "–" if measure.target_value is None else format_figure(measure.target_value, unit)
        if measure.baseline_label and baseline != "–":
            baseline = f"{baseline} ({measure.baseline_label})"
        if measure.target_label and target != "–":
            target = f"{target} by {measure.target_label}"
        values = list(measure.values.all())
        row = MeasureRow(measure=measure, better=Better(measure.better).label if measure.better else "Not said",
                         baseline=baseline, target=target)
        for value in values:
            row.points.append(Point(
                period=fy.quarter_label(value.start_year, value.quarter), planned=format_figure(value.planned, unit),
                actual=format_figure(value.actual, unit), rating=value.rating, commentary=value.commentary,
                action=value.action,
            ))
        row.trend = _trend(measure.better, [v.actual for v in values if v.actual is not None])
        rows.append(row)
    return rows


def _trend(better, actuals):
    """Whether the latest actual moved the better way from the one before."""
    if len(actuals) < 2 or not better:
        return ""
    last, before = actuals[-1], actuals[-2]
    if last == before:
        return "No change from the period before"
    improved = last > before if better == Better.HIGHER else last < before
    return "Better than the period before" if improved else "Worse than the period before"
