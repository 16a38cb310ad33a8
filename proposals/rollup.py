"""Roll-ups: investment, saving and net by outcome (or service, theme, kind) and year.

All sums are done by the database in one grouped query over the yearly figures of the
proposals given; Python only pivots the grouped rows and adds the total column.

- ``view="cumulative"``: each year's variation to the base-year budget, as the budget
  book prints it. ``view="incremental"``: each year's change from the year before.
- Investment is the sum of the increases, saving the sum of the decreases, counted per
  impact line and year, so lines that cancel (spend +1.451, grant -1.451) show both.
- The total column is *cash over the period* (the sum of the years); the final year's
  column is the *full-year effect*.
"""
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from .models import Kind

GROUPINGS = {
    "outcome": "line__proposal__outcome",
    "service": "line__service_budget",
    "theme": "line__proposal__theme",
    "kind": "line__proposal__kind",
}
# The same groupings reached from Proposal, and the path from a proposal to its figures.
PROPOSAL_GROUPINGS = {"outcome": "outcome", "service": "lines__service_budget", "theme": "theme", "kind": "kind"}
FIGURE = "lines__variations__"
# What each group's label is made of, summed in the same grouped query (no second query
# for the labels), and the order the groups come in (the budget book's).
LABEL_FIELDS = {
    "outcome": ("outcome__council__name", "outcome__position", "outcome__code", "outcome__title"),
    "service": ("lines__service_budget__name",),
    "theme": ("theme__position", "theme__name"),
    "kind": (),
}
GROUPING_LABELS = {"outcome": "Outcome", "service": "Service budget", "theme": "Theme", "kind": "Kind"}
VIEWS = {"cumulative": "amount_k", "incremental": "increment_k"}
VIEW_LABELS = {
    "cumulative": "Cumulative: variation to the base-year budget",
    "incremental": "Incremental: change from the year before",
}


@dataclass
class Cell:
    """Sums in whole £ thousands. ``profiled`` is False where no proposal has a figure."""

    increase: int = 0
    decrease: int = 0
    net: int = 0
    profiled: bool = False

    def __add__(self, other):
        return Cell(
            self.increase + other.increase, self.decrease + other.decrease, self.net + other.net,
            self.profiled or other.profiled,
        )


@dataclass
class Row:
    key: str  # public key: the outcome's code, the budget's or theme's name, the kind's value
    label: str
    filter_value: str  # what the proposal list's filter takes to show exactly these proposals
    years: dict = field(default_factory=dict)  # PlanYear.label -> Cell
    total: Cell = field(default_factory=Cell)  # cash over the period


@dataclass
class Rollup:
    plan: object
    by: str
    view: str
    years: list  # PlanYear objects, in order
    rows: list
    totals: dict  # PlanYear.label -> Cell
    grand_total: Cell

    @property
    def year_labels(self):
        return [year.label for year in self.years]

    @property
    def full_year_effect(self):
        """The final year's total: the ongoing effect once every proposal is in place."""
        return self.totals[self.years[-1].label] if self.years else Cell()


def rollup(*, plan, proposals, by="outcome", view="cumulative", years=None, figures=None):
    """Roll up the figures of ``proposals`` (a queryset, already filtered) for ``plan``.

    ``figures`` is an optional Q over Variation narrowing which figures count (e.g. only
    the lines on one service budget), so a roll-up filtered by service budget adds up
    that budget's lines, not the whole of every proposal that touches it.

    ``years`` may hold the years of several plans (a roll-up across councils): figures
    are then added up by financial year label.

    Queries: one for the plan's years (unless ``years`` is given, or prefetched), and
    one grouped sum, which carries the groups' labels and comes in their order."""
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {by!r}")
    if view not in VIEWS:
        raise ValueError(f"Unknown view {view!r}")
    years = list(plan.years.all()) if years is None else list(years)
    # Summed through the proposals' own joins (proposal -> line -> figure), so their
    # filters apply to the joined row: a semi-join on proposal ids costs ~1.5x at scale.
    amount = FIGURE + VIEWS[view]
    group = PROPOSAL_GROUPINGS[by]
    wanted = Q(**{f"{FIGURE}year__in": [y.pk for y in years]})
    if figures is not None:
        wanted &= _from_proposal(figures)
    label_fields = LABEL_FIELDS[by]
    grouped = (
        proposals.order_by()
        .filter(wanted)  # one filter() call: the year and line conditions share one join
        .values(group, *label_fields, f"{FIGURE}year")
        .annotate(
            increase=Sum(amount, filter=Q(**{f"{amount}__gt": 0}), default=0),
            decrease=Sum(amount, filter=Q(**{f"{amount}__lt": 0}), default=0),
            net=Sum(amount, default=0),
            figures=Count(f"{FIGURE}pk"),
        )
        .order_by(*label_fields)
    )
    label_by_pk = {year.pk: year.label for year in years}  # labels computed once: thousands of rows at scale
    years = _distinct_by_label(years)
    labels = [year.label for year in years]
    cells = {}
    groups = {}  # grouped value -> its label fields, in the order the database gave them
    for item in grouped:
        key = (item[group], label_by_pk[item[f"{FIGURE}year"]])
        cell = Cell(int(item["increase"]), int(item["decrease"]), int(item["net"]), item["figures"] > 0)
        cells[key] = cells[key] + cell if key in cells else cell
        if item[group] not in groups:
            groups[item[group]] = [item[name] for name in label_fields]
    rows = [
        _row(group_value, key, label, filter_value, cells, labels)
        for group_value, key, label, filter_value in _labels(by, groups)
    ]
    totals = {}
    for year_label in labels:
        totals[year_label] = sum((row.years[year_label] for row in rows), Cell())
    grand_total = sum(totals.values(), Cell())
    return Rollup(plan=plan, by=by, view=view, years=years, rows=rows, totals=totals, grand_total=grand_total)


def _from_proposal(q):
    """A Q over Variation ("line__service_budget", "amount_k__gt") rewritten to reach
    the same figures from Proposal ("lines__service_budget", "lines__variations__amount_k__gt")."""
    if q.negated:
        raise ValueError("A negated figure filter cannot be rolled up through the proposals.")
    rewritten = Q()
    rewritten.connector = q.connector
    for child in q.children:
        if isinstance(child, Q):
            rewritten.children.append(_from_proposal(child))
            continue
        key, value = child
        path = "lines" + key[len("line"):] if key == "line" or key.startswith("line__") else FIGURE + key
        rewritten.children.append((path, value))
    return rewritten


def _distinct_by_label(years):
    """One year per label, in the order first given."""
    first = {}
    for year in years:
        first.setdefault(year.label, year)
    return list(first.values())


def _row(group_value, key, label, filter_value, cells, labels):
    row = Row(key=key, label=label, filter_value=filter_value)
    for year_label in labels:
        row.years[year_label] = cells.get((group_value, year_label), Cell())
    row.total = sum(row.years.values(), Cell())
    return row


def _labels(by, groups):
    """(grouped value, public key, label, list filter value) per group, in budget-book order.

    ``groups`` maps each grouped value to its label fields (LABEL_FIELDS), already in
    the database's order of those fields."""
    if by == "outcome":
        return [(pk, code, f"Outcome {code} – {title}", str(pk)) for pk, (_, _, code, title) in groups.items()]
    if by == "service":
        return [(pk, name, name, str(pk)) for pk, (name,) in groups.items()]
    if by == "theme":
        out = [(pk, name, name, str(pk)) for pk, (_, name) in groups.items() if pk is not None]
        if None in groups:
            out.append((None, "", "No theme", "none"))
        return out
    return [(value, value, label, value) for value, label in Kind.choices if value in groups]
