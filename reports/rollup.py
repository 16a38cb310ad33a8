"""Roll-ups: investment, saving and net by outcome (or service, theme, kind) and year.

The database sums the yearly figures of the proposals given in one grouped query (the
increases and the decreases per group and year; net is their sum), then labels the groups
in the budget book's order, from the caller's outcomes, budgets or themes or one small
query; Python only pivots the grouped rows and adds up the totals, all in whole £
thousands (ints).

- ``view="cumulative"``: each year's variation to the base-year budget, as the budget
  book prints it. ``view="incremental"``: each year's change from the year before.
- Investment is the sum of the increases, saving the sum of the decreases, counted per
  impact line and year, so lines that cancel (spend +1.451, grant -1.451) show both.
- The total column is *cash over the period* (the sum of the years); the final year's
  column is the *full-year effect*.
"""
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Q, Sum
from django.db.models.functions import Cast

from outcomes.models import Outcome
from proposals.models import Kind, PlanYear, ServiceBudget, Theme

GROUPINGS = {
    "outcome": "line__proposal__outcome",
    "service": "line__service_budget",
    "theme": "line__proposal__theme",
    "kind": "line__proposal__kind",
}
# The same groupings reached from Proposal, and the path from a proposal to its figures.
PROPOSAL_GROUPINGS = {"outcome": "outcome", "service": "lines__service_budget", "theme": "theme", "kind": "kind"}
FIGURE = "lines__variations__"
# Where each group's label comes from: the model, the order its groups come in (the
# budget book's; pk only settles ties) and the fields the label is made of. Kinds are
# labelled from Kind.choices, without a query.
LABELS: dict[str, tuple[type[Outcome] | type[ServiceBudget] | type[Theme], tuple[str, ...], tuple[str, ...]]] = {
    "outcome": (Outcome, ("council__name", "position", "code", "title", "pk"), ("code", "title")),
    "service": (ServiceBudget, ("name", "pk"), ("name",)),
    "theme": (Theme, ("position", "name", "pk"), ("name",)),
}
GROUPING_LABELS = {"outcome": "Outcome", "service": "Service budget", "theme": "Theme", "kind": "Kind"}
VIEWS = {"cumulative": "amount_k", "incremental": "increment_k"}
VIEW_LABELS = {
    "cumulative": "Cumulative: variation to the base-year budget",
    "incremental": "Incremental: change from the year before",
}


@dataclass(slots=True)
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

    @classmethod
    def total(cls, cells):
        """The sum of ``cells``: the same as adding them up with ``+``, without making a
        Cell per addition (the totals add up thousands of cells at national size)."""
        increase = decrease = net = 0
        profiled = False
        for cell in cells:
            increase += cell.increase
            decrease += cell.decrease
            net += cell.net
            profiled = profiled or cell.profiled
        return cls(increase, decrease, net, profiled)


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


def rollup(*, plan, proposals, by="outcome", view="cumulative", years=None, figures=None, groups=None):
    """Roll up the figures of ``proposals`` (a queryset, already filtered) for ``plan``.

    ``figures`` is an optional Q over Variation narrowing which figures count (e.g. only
    the lines on one service budget), so a roll-up filtered by service budget adds up
    that budget's lines, not the whole of every proposal that touches it.

    ``years`` may hold the years of several plans (a roll-up across councils): figures
    are then added up by financial year label.

    ``groups``: the grouping's outcomes, service budgets or themes if the caller already
    has them (one council's, in budget-book order, as ``ReportChoices`` holds them), so
    their labels cost no query.

    Queries: one for the plan's years (unless ``years`` is given, or prefetched), one
    grouped sum, and one for the groups' labels, in their order (none by kind, nor when
    ``groups`` holds every group found)."""
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {by!r}")
    if view not in VIEWS:
        raise ValueError(f"Unknown view {view!r}")
    years = list(plan.years.all()) if years is None else list(years)
    # Summed through the proposals' own joins (proposal -> line -> figure), so their
    # filters apply to the joined row rather than through a semi-join on proposal ids
    # (README, Performance).
    amount = FIGURE + VIEWS[view]
    group = PROPOSAL_GROUPINGS[by]
    # Grouped by (group, year) alone, as narrow as the raw GROUP BY: grouping by the labels
    # too carried the outcome's and council's text through every joined figure and made
    # PostgreSQL sort them all (on disk, at national size) instead of hashing. The years
    # asked for are picked out of the grouped rows below (year is a group key, so the sums
    # are the same): a "year IN (...)" of every plan's years costs each figure a lookup.
    # A proposal or line without figures groups under no year, which no year asked for
    # picks out below: so no "has a figure" filter is needed (it cost its building, and
    # the sum no time), and every grouped row picked has a figure.
    grouped = proposals.order_by()
    if figures is not None:
        # One filter() call: the figure and line conditions share one join.
        grouped = grouped.filter(Q(**{f"{FIGURE}isnull": False}) & _from_proposal(figures))
    grouped = (
        grouped.values_list(group, f"{FIGURE}year")
        .annotate(
            increase=_sum(amount, where=Q(**{f"{amount}__gt": 0})),
            decrease=_sum(amount, where=Q(**{f"{amount}__lt": 0})),
        )
    )
    label_by_pk = {year.pk: year.label for year in years}  # labels computed once: thousands of rows at scale
    years = _distinct_by_label(years)
    labels = [year.label for year in years]
    cells: dict[object, dict[str, Cell]] = {}  # grouped value -> {year label: Cell}
    for group_value, year_pk, increase, decrease in grouped if label_by_pk else ():  # no years: no query
        year_label = label_by_pk.get(year_pk)
        if year_label is None:
            continue  # a year not asked for
        # Net is exactly increase + decrease (every figure is one or the other, or 0): one
        # sum fewer for the database. Profiled: every grouped row has a figure.
        cell = Cell(increase, decrease, increase + decrease, True)
        by_year = cells.get(group_value)
        if by_year is None:
            cells[group_value] = {year_label: cell}
        elif year_label in by_year:  # another plan's year of the same label
            by_year[year_label] += cell
        else:
            by_year[year_label] = cell
    rows = [
        _row(key, label, filter_value, cells[group_value], labels)
        for group_value, key, label, filter_value in _labels(by, cells.keys(), groups)
    ]
    totals = {}
    for year_label in labels:
        totals[year_label] = Cell.total(row.years[year_label] for row in rows)
    grand_total = Cell.total(totals.values())
    return Rollup(plan=plan, by=by, view=view, years=years, rows=rows, totals=totals, grand_total=grand_total)


def _sum(amount, where=None):
    """SUM of a BigIntegerField, 0 if none, as a bigint: PostgreSQL's SUM(bigint) is a
    numeric, which comes back as a Decimal per value (tens of thousands at national size)
    for Django to turn back into an int. Exact: the sums of figures of at most £10bn
    each stay far inside a bigint."""
    return Cast(Sum(amount, filter=where, default=0), BigIntegerField())


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
    first: dict[str, PlanYear] = {}
    for year in years:
        first.setdefault(year.label, year)
    return list(first.values())


def _row(key, label, filter_value, cells, labels):
    """A group's row: ``cells`` maps year labels to the group's Cells (years without are empty)."""
    years = {year_label: cells.get(year_label) or Cell() for year_label in labels}
    return Row(key=key, label=label, filter_value=filter_value, years=years, total=Cell.total(years.values()))


def _labels(by, group_values, known=None):
    """(grouped value, public key, label, list filter value) per group, in budget-book order.

    One query for the labels of the groups found (none by kind, or if there are none):
    a few thousand rows at most, where joining them to every figure doubled the sum's cost.
    None either if ``known`` (the grouping's objects, in budget-book order) has them all;
    a group missing from it (a figure of another council's budget, say) is never dropped:
    the query is made instead."""
    if by == "kind":
        return [(value, value, label, value) for value, label in Kind.choices if value in group_values]
    model, order, fields = LABELS[by]
    pks = [value for value in group_values if value is not None]
    found = [(obj.pk, *(getattr(obj, name) for name in fields)) for obj in known or () if obj.pk in group_values]
    if len(found) != len(pks):
        found = list(model._default_manager.filter(pk__in=pks).order_by(*order).values_list("pk", *fields))
    if by == "outcome":
        return [(pk, code, f"Outcome {code} – {title}", str(pk)) for pk, code, title in found]
    out = [(pk, name, name, str(pk)) for pk, name in found]
    if by == "theme" and None in group_values:
        out.append((None, "", "No theme", "none"))
    return out
