"""The gap table: by plan year, the gap before the proposals, what the proposals do to
it by status group, and the gap that remains, cumulative or incremental.

Read through a ``proposals.snapshots.Source``, so the same table is drawn now or as at
a snapshot. Investments and pressures (positive figures) widen the gap, savings and
income (negative) close it: remaining gap = gap before + the proposals' net. "Approved
only" counts the approved group; "if everything counted is agreed" all three groups
(rejected and withdrawn proposals never count). A year with no gap entered has no
remaining gap either: it says so, never 0.

Two grouped queries whatever the plan's size: the proposals' figures by (status, year),
and the gap's figures by (sign, year); Python adds up whole £ thousands (ints).
"""
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Sum
from django.db.models.functions import Cast

from proposals.models import Status
from proposals.snapshots import Shape

from .rollup import VIEWS

# The status groups, in the order the table and the bridge show them.
GROUPS = (
    ("approved", "Approved", (Status.APPROVED,)),
    ("pending", "Submitted or out to consultation", (Status.SUBMITTED, Status.CONSULTATION)),
    ("draft", "Draft", (Status.DRAFT,)),
)
GROUP_OF_STATUS = {status: key for key, _label, statuses in GROUPS for status in statuses}
GROUP_LABELS = {key: label for key, label, _statuses in GROUPS}


# The proposals' figures summed by (status, year), one shape per view (built once).
SUMS = {
    view: Shape("figures", lambda figures, amount=amount: (
        figures.filter(line__proposal__status__in=list(GROUP_OF_STATUS)).order_by()
        .values_list("line__proposal__status", "year_id")
        .annotate(total=Cast(Sum(amount), BigIntegerField()))
    ))
    for view, amount in VIEWS.items()
}
# The gap's lines with their figures, in order.
GAP_ROWS = Shape("gap_lines", lambda lines: (
    lines.order_by("position", "pk").values_list("pk", "name", "sign", "source", "figures__year_id",
                                                 "figures__amount_k")
))


@dataclass
class GapYear:
    year: object  # PlanYear
    gap_before: int | None  # £k; None: no gap entered for this year
    groups: dict  # group key -> the proposals' net, £k (0 if none)
    profiled: dict  # group key -> whether any proposal of the group has a figure this year

    @property
    def net(self):
        """The net of every counted proposal."""
        return sum(self.groups.values())

    @property
    def remaining_approved(self):
        return None if self.gap_before is None else self.gap_before + self.groups["approved"]

    @property
    def remaining_all(self):
        return None if self.gap_before is None else self.gap_before + self.net


@dataclass
class GapLineRow:
    name: str
    sign: int
    source: str
    figures: dict  # PlanYear pk -> £k (as entered, before the sign)


@dataclass
class GapTable:
    plan: object
    view: str
    years: list = field(default_factory=list)  # GapYear per plan year, in order
    lines: list = field(default_factory=list)  # GapLineRow, in order
    snapshot: object = None

    @property
    def entered(self):
        """Whether any year has a gap entered."""
        return any(year.gap_before is not None for year in self.years)

    def bridge_year(self):
        """The year a bridge chart is drawn for: the last with a gap entered (else None)."""
        entered = [year for year in self.years if year.gap_before is not None]
        return entered[-1] if entered else None


def gap_table(source, view="cumulative", years=None):
    """The gap table of ``source``'s plan (now, or as at its snapshot). ``years``: the
    plan's PlanYears if the caller has them (else one more query)."""
    if view not in VIEWS:
        raise ValueError(f"Unknown view {view!r}")
    plan = source.plan
    years = list(plan.years.all()) if years is None else list(years)
    by_group: dict = {}
    for status, year_id, total in SUMS[view].of(source):
        key = (GROUP_OF_STATUS[status], year_id)
        by_group[key] = by_group.get(key, 0) + total
    lines, shown_gap = _gap_before(source, years, view)
    table = GapTable(plan=plan, view=view, lines=lines, snapshot=source.snapshot)
    for year, before in zip(years, shown_gap, strict=True):
        groups = {key: by_group.get((key, year.pk), 0) for key, _label, _statuses in GROUPS}
        profiled = {key: (key, year.pk) in by_group for key, _label, _statuses in GROUPS}
        table.years.append(GapYear(year=year, gap_before=before, groups=groups, profiled=profiled))
    return table


def _gap_before(source, years, view):
    """(the gap's lines as GapLineRows, the gap before proposals per year in ``view``: £k
    or None where none is entered), from one query."""
    lines = []
    gap_by_year: dict = {}
    line_rows: dict = {}
    for line_id, name, sign, note, year_id, amount_k in _gap_rows(source):
        row = line_rows.get(line_id)
        if row is None:
            row = line_rows[line_id] = GapLineRow(name=name, sign=sign, source=note, figures={})
            lines.append(row)
        if year_id is not None:
            row.figures[year_id] = amount_k
            gap_by_year[year_id] = gap_by_year.get(year_id, 0) + sign * amount_k
    cumulative = [gap_by_year.get(year.pk) for year in years]
    if view != "incremental":
        return lines, cumulative
    return lines, [
        None if value is None or (index and cumulative[index - 1] is None)
        else value - (cumulative[index - 1] if index else 0)
        for index, value in enumerate(cumulative)
    ]


def gap_before(source, years, view="cumulative"):
    """{PlanYear: the gap before proposals in ``view``, £k or None} (one query): what the
    roll-up page sets its figures against."""
    _lines, shown = _gap_before(source, years, view)
    return dict(zip(years, shown, strict=True))


def _gap_rows(source):
    """(line id, name, sign, source note, year id, £k) per gap figure, and one row with no
    year for a line without figures, in the lines' order (one query)."""
    return GAP_ROWS.of(source)


def bridge_steps(row):
    """The bridge of one year (a GapYear with a gap entered): gap before → each status
    group → remaining gap if everything counted is agreed, as chart Steps."""
    from .chart import Step

    steps = [Step("Gap before proposals", 0, row.gap_before, total=True)]
    running = row.gap_before
    for key, label, _statuses in GROUPS:
        steps.append(Step(label, running, running + row.groups[key]))
        running += row.groups[key]
    steps.append(Step("Remaining gap", 0, running, total=True))
    return steps
