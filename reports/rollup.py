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
from functools import cache

from django.core.exceptions import EmptyResultSet
from django.db import connections

from budget_portal.sql import column, join
from outcomes.models import Outcome
from proposals.models import Kind, PlanYear, ServiceBudget, Theme
from proposals.snapshots import figure_model as figure_model_of

GROUPINGS = {
    "outcome": "line__proposal__outcome",
    "service": "line__service_budget",
    "theme": "line__proposal__theme",
    "kind": "line__proposal__kind",
}
# The proposal's field each grouping groups by (by service budget: the figure's line's).
PROPOSAL_GROUPINGS: dict[str, tuple[str, ...]] = {"outcome": ("outcome",), "service": (), "theme": ("theme",),
                                                  "kind": ("kind",)}
# A figure's line's proposal and budget, and its year: what the grouped sum reads of a figure.
FIGURE_FIELDS = ("line__proposal", "line__service_budget", "year")
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

    ``proposals`` gives each proposal once: a filter on its lines or figures goes through
    ``pk__in`` (as the report filters do), since a join to them would repeat a proposal
    per line, and its figures with it (a DISTINCT to guard against that cost the
    all-councils roll-up 6%).

    ``figures`` is an optional Q over Variation (SnapshotFigure for a snapshot's
    proposals) narrowing which figures count (e.g. only the lines on one service budget),
    so a roll-up filtered by service budget adds up that budget's lines, not the whole of
    every proposal that touches it.

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
    label_by_pk = {year.pk: year.label for year in years}  # labels computed once: thousands of rows at scale
    years = _distinct_by_label(years)
    labels = [year.label for year in years]
    cells: dict[object, dict[str, Cell]] = {}  # grouped value -> {year label: Cell}
    grouped = grouped_rows(proposals, by, view, figures) if label_by_pk else ()  # no years: no query
    for group_value, year_pk, increase, decrease in grouped:
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


def grouped_rows(proposals, by, view, figures=None):
    """(group, year id, increase, decrease) for each group and year the figures of
    ``proposals`` have, ``figures`` (a Q over Variation, or over SnapshotFigure for a
    snapshot's proposals) narrowing which count. One query, in no particular order.

    Written by hand around the two querysets it is given, each compiled by Django: the
    ORM's grouped query over the proposals' joins took longer to build and compile
    (about 1 ms) than an as-at roll-up of a 400-proposal plan takes to run (README, "Why
    some queries are written as they are"). The proposals' query (and the narrowed
    figures') become common table expressions that both PostgreSQL and SQLite fold into
    the join, so the database runs the same join as by hand: proposals → lines →
    figures, grouped by (group, year), as narrow as the raw GROUP BY. A proposal without
    figures groups under nothing, so every row has a figure (``Cell.profiled``).

    The sums are cast to bigint because PostgreSQL's SUM of a bigint is a numeric (a
    Decimal per value in Python); figures are at most £10bn each, far inside a bigint."""
    figure_model = figure_model_of(proposals.model)
    group = PROPOSAL_GROUPINGS[by]
    try:
        chosen, params = _compiled(proposals.order_by().values_list("pk", *group))
        if figures:
            narrowed = figure_model._default_manager.using(proposals.db).filter(figures).order_by()
            figures_sql, figure_params = _compiled(narrowed.values_list(*FIGURE_FIELDS, VIEWS[view]))
        else:
            figures_sql, figure_params = _figures_sql(figure_model, VIEWS[view]), ()
    except EmptyResultSet:  # e.g. proposals.none(), or pk__in=[]: nothing to add up
        return []
    sql = f"""
        WITH p (proposal_id{", group_id" if group else ""}) AS ({chosen}),
             v (proposal_id, budget_id, year_id, amount) AS ({figures_sql})
        SELECT {"p.group_id" if group else "v.budget_id"}, v.year_id,
               CAST(COALESCE(SUM(CASE WHEN v.amount > 0 THEN v.amount END), 0) AS bigint),
               CAST(COALESCE(SUM(CASE WHEN v.amount < 0 THEN v.amount END), 0) AS bigint)
          FROM p JOIN v ON v.proposal_id = p.proposal_id
         GROUP BY 1, 2
    """  # nosec B608 # two querysets compiled by Django, with their parameters, and names from _meta
    with connections[proposals.db].cursor() as cursor:
        cursor.execute(sql, (*params, *figure_params))
        return cursor.fetchall()


def _compiled(queryset):
    """(SQL, parameters) of ``queryset``, compiled for its database as iterating it would
    compile it (``Query.sql_with_params()`` compiles for the default database)."""
    return queryset.query.get_compiler(using=queryset.db).as_sql()


@cache
def _figures_sql(figure_model, amount):
    """Every figure of ``figure_model`` as (its line's proposal, its line's budget, year,
    ``amount``): the narrowed figures' query, unnarrowed, written once per process."""
    line = figure_model._meta.get_field("line").related_model
    return (f"SELECT {column('l', line, 'proposal')}, {column('l', line, 'service_budget')}, "
            f"{column('f', figure_model, 'year')}, {column('f', figure_model, amount)} "
            f"FROM {figure_model._meta.db_table} f {join(figure_model, 'f', 'line', 'l')}")  # nosec B608 # _meta


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
