"""The delivery summary of a plan's monitoring period: target, forecast and shortfall by
rating, outcome, theme and service budget, the delivery percentage, and the trend over
the plan's periods. Every figure is a database sum over the period's returns, so each
grouping adds up to the same totals (a proposal counts under its principal service
budget, the line with the largest change in the year). Two queries, whatever the size.

The page, the monitoring workbook and ``manage.py delivery`` all read this.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, partial

from django.db import connection
from django.db.models import Count, Sum

from budget_portal.sql import column, join
from outcomes.models import Outcome
from proposals import years as fy
from proposals.models import PlanYear, Proposal, ServiceBudget, Theme

from .models import RATING_MEANING, RATING_ORDER, DeliveryReturn, MonitoringPeriod, period_slug

SUMS = {"returns": Count("id"), "target": Sum("target_k"), "slippage": Sum("slippage_in_k"),
        "forecast": Sum("forecast_k")}


@dataclass
class Totals:
    returns: int = 0
    target_k: int = 0  # the approved change in the year
    slippage_in_k: int = 0  # carried in from the year before
    forecast_k: int = 0

    @classmethod
    def of(cls, row):
        return cls(row["returns"] or 0, row["target"] or 0, row["slippage"] or 0, row["forecast"] or 0)

    def __add__(self, other):
        return Totals(self.returns + other.returns, self.target_k + other.target_k,
                      self.slippage_in_k + other.slippage_in_k, self.forecast_k + other.forecast_k)

    @property
    def full_target_k(self):
        return self.target_k + self.slippage_in_k

    @property
    def shortfall_k(self):
        """forecast − target: positive when the budget is worse off than approved."""
        return self.forecast_k - self.full_target_k

    @property
    def percentage(self):
        """The share of the target forecast, a Decimal to one place ("86.0"); None without a target."""
        if not self.full_target_k:
            return None
        share = Decimal(self.forecast_k) * 100 / Decimal(self.full_target_k)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


FIGURES = ("returns", "target", "slippage_in", "forecast", "shortfall", "delivered")
FIGURE_HEADINGS = ("Returns", "Target", "Slipped in", "Forecast", "Shortfall", "Delivered")


def figures(totals, money):
    """A Totals' figures in FIGURES order as every output shows them: ``money`` formats £k
    (the page's unit, or signed £m for the command); the percentage as "82.0%" (None: –)."""
    pct = totals.percentage
    return [totals.returns, money(totals.target_k), money(totals.slippage_in_k), money(totals.forecast_k),
            money(totals.shortfall_k), "–" if pct is None else f"{pct}%"]


@dataclass
class Group:
    key: str  # the drill-down's value: a rating, or a record's id
    label: str
    totals: Totals
    note: str = ""


@dataclass
class Summary:
    period: MonitoringPeriod
    totals: Totals
    by_rating: list = field(default_factory=list)
    by_outcome: list = field(default_factory=list)
    by_theme: list = field(default_factory=list)
    by_service: list = field(default_factory=list)
    trend: list = field(default_factory=list)  # [(period, Totals)] for every period of the plan

    @property
    def groupings(self):
        """(drill-down parameter, heading, groups) for each grouping."""
        return [("rating", "By rating", self.by_rating), ("outcome", "By outcome", self.by_outcome),
                ("theme", "By theme", self.by_theme), ("service", "By service budget", self.by_service)]


@cache
def summary_sql():
    """(grouped, trend): the SQL of the summary's two queries, written once per process from
    the models' ``_meta`` (tables, columns and joins), each taking one parameter (the period's
    id; the plan's). They give exactly the rows of the same queries in the ORM
    (tests/test_delivery_summary_sql.py builds them): the sums are cast to bigint because
    PostgreSQL's SUM of a bigint is a numeric (the ORM turns it into an int in Python);
    figures are at most MAX_ABS_K (£10bn), far from its limit."""
    r, p, o = partial(column, "r", DeliveryReturn), partial(column, "p", Proposal), partial(column, "o", Outcome)
    t, b = partial(column, "t", Theme), partial(column, "b", ServiceBudget)
    m, y = partial(column, "m", MonitoringPeriod), partial(column, "y", PlanYear)
    sums = ", ".join([f"COUNT({r('pk')})", *(f"CAST(SUM({r(name)}) AS bigint)"
                                              for name in ("target_k", "slippage_in_k", "forecast_k"))])
    groups = ", ".join([r("rating"), p("outcome"), o("code"), o("title"), o("position"), p("theme"), t("name"),
                        t("position"), r("service_budget"), b("name")])
    grouped = f"""
        SELECT {groups}, {sums}
          FROM {DeliveryReturn._meta.db_table} r {join(DeliveryReturn, "r", "proposal", "p")}
               {join(Proposal, "p", "outcome", "o")} {join(Proposal, "p", "theme", "t")}
               {join(DeliveryReturn, "r", "service_budget", "b")}
         WHERE {r("period")} = %s
         GROUP BY {groups}
    """  # nosec B608 # tables and columns from the models' _meta only: the one value is a parameter
    period = ", ".join([m("pk"), m("quarter"), y("start_year")])
    trend = f"""
        SELECT {period}, {sums}
          FROM {MonitoringPeriod._meta.db_table} m {join(MonitoringPeriod, "m", "year", "y")}
               LEFT JOIN {DeliveryReturn._meta.db_table} r ON {r("period")} = {m("pk")}
         WHERE {m("plan")} = %s
         GROUP BY {period}
         ORDER BY {y("start_year")}, {m("quarter")}
    """  # nosec B608 # tables and columns from the models' _meta only: the one value is a parameter
    return grouped, trend


def _rows(sql, value):
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        return cursor.fetchall()


def grouped_rows(period_id):
    """The period's returns summed by rating, outcome, theme and service budget at once: a
    tuple per group: rating, outcome (id, code, title, position), theme (id, name,
    position), service budget (id, name), then (returns, target, slippage in, forecast),
    in no particular order. One query."""
    return _rows(summary_sql()[0], period_id)


def trend_rows(plan_id):
    """The plan's periods, oldest first, each (id, quarter, start year, returns, target,
    slippage in, forecast), the sums None without returns. One query."""
    return _rows(summary_sql()[1], plan_id)


@dataclass(frozen=True)
class TrendPeriod:
    """A period of the trend: what its row shows and links to, named as MonitoringPeriod names it."""
    pk: int
    start_year: int
    quarter: int

    @property
    def label(self):
        return fy.quarter_label(self.start_year, self.quarter)

    @property
    def slug(self):
        return period_slug(self.start_year, self.quarter)


def _add(groups, key, order, label, returns, target, slippage, forecast):
    """Add the sums to the group ``key`` of ``groups`` ({key: [order, label, four sums]})."""
    found = groups.get(key)
    if found is None:
        groups[key] = [order, label, returns, target, slippage, forecast]
    else:
        found[2] += returns
        found[3] += target
        found[4] += slippage
        found[5] += forecast


def _in_order(groups):
    """The Groups of ``groups``, by their order; a None key (no theme, no budget) is "none"."""
    return [Group("none" if key is None else str(key), label, Totals(*sums))
            for key, (_order, label, *sums) in sorted(groups.items(), key=lambda item: item[1][0])]


def delivery_summary(period):
    """The Summary of ``period`` (with its plan and year loaded). Two queries whatever the
    size: the period's returns summed by rating, outcome, theme and service budget at once
    (each grouping and the totals are added up from those sums, so all agree), and the
    plan's periods with their sums for the trend (``summary_sql``)."""
    ratings = {rating: [0, 0, 0, 0] for rating in RATING_ORDER}
    outcomes: dict = {}
    themes: dict = {}
    services: dict = {}
    for (rating, outcome_id, code, title, outcome_position, theme_id, theme_name, theme_position, budget_id,
         budget_name, returns, target, slippage, forecast) in grouped_rows(period.pk):
        found = ratings.get(rating)
        if found is not None:  # always, but for a rating the database's check would refuse
            found[0] += returns
            found[1] += target
            found[2] += slippage
            found[3] += forecast
        _add(outcomes, outcome_id, (outcome_position, code), f"Outcome {code} – {title}",
             returns, target, slippage, forecast)
        theme = theme_name or "No theme"
        _add(themes, theme_id, (theme_position is None, theme_position or 0, theme), theme,
             returns, target, slippage, forecast)
        budget = budget_name or "No service budget"
        _add(services, budget_id, (budget,), budget, returns, target, slippage, forecast)
    by_rating = [Group(rating.value, rating.label, Totals(*ratings[rating]), RATING_MEANING[rating])
                 for rating in RATING_ORDER]
    trend = [(TrendPeriod(pk, start_year, quarter), Totals(returns, target or 0, slippage or 0, forecast or 0))
             for pk, quarter, start_year, returns, target, slippage, forecast in trend_rows(period.plan_id)]
    return Summary(
        period=period, totals=sum((group.totals for group in by_rating), Totals()), by_rating=by_rating,
        by_outcome=_in_order(outcomes), by_theme=_in_order(themes), by_service=_in_order(services), trend=trend,
    )


def returns_in(period, *, rating=None, outcome=None, theme=None, service=None):
    """The period's returns (with what their rows show), narrowed to one group of the
    summary: ``rating`` a Rating value; the others a record's id, or "none"."""
    returns = (DeliveryReturn.objects.filter(period=period)
               .select_related("proposal__outcome", "proposal__theme", "service_budget", "replacement")
               .order_by("proposal__outcome__position", "proposal__outcome__code", "proposal__position",
                         "proposal_id"))
    if rating:
        returns = returns.filter(rating=rating)
    for value, lookup in ((outcome, "proposal__outcome_id"), (theme, "proposal__theme_id"),
                          (service, "service_budget_id")):
        if value == "none":
            returns = returns.filter(**{f"{lookup}__isnull": True})
        elif value:
            returns = returns.filter(**{lookup: value})
    return returns


class PeriodNotFound(Exception):
    """A period named that the plan does not have; the message is for users."""


def parse_period(text):
    """(start year, quarter) from "2019/20-Q2", "2019/20 Q2" or "2019-20-q2"; None if unreadable."""
    return fy.parse_quarter(text)


def period_for(plan, text=None):
    """The plan's period named ``text`` ("2019/20-Q2"), or its latest with returns (else its
    latest) when ``text`` is empty. Raises PeriodNotFound with a message."""
    periods = MonitoringPeriod.objects.filter(plan=plan).select_related("year", "plan__council")
    if not text:
        period = (periods.filter(returns__isnull=False).order_by("-year__start_year", "-quarter").first()
                  or periods.order_by("-year__start_year", "-quarter").first())
        if period is None:
            raise PeriodNotFound(f"{plan.name} has no monitoring periods yet.")
        return period
    parsed = parse_period(text)
    if parsed is None:
        raise PeriodNotFound(f"“{text[:40]}” is not a period: write it as 2019/20-Q2.")
    period = periods.filter(year__start_year=parsed[0], quarter=parsed[1]).first()
    if period is None:
        known = ", ".join(p.label for p in periods[:8]) or "none yet"
        raise PeriodNotFound(f"{plan.name} has no monitoring period {fy.label(parsed[0])} Q{parsed[1]} "
                             f"(its periods: {known}).")
    return period



def returns_of(proposal_id):
    """A proposal's returns over time, oldest period first (one query)."""
    return list(DeliveryReturn.objects.filter(proposal_id=proposal_id).select_related("period__year", "replacement")
                .order_by("period__year__start_year", "period__quarter"))


def outcome_delivery(plan, outcome):
    """(period, [Group by rating]) for the outcome's returns in the plan's latest period with
    returns, or None when it has none. Two queries."""
    period = (MonitoringPeriod.objects.filter(plan=plan, returns__proposal__outcome=outcome).select_related("year")
              .order_by("-year__start_year", "-quarter").first())
    if period is None:
        return None
    rows = {row["rating"]: Totals.of(row) for row in DeliveryReturn.objects
            .filter(period=period, proposal__outcome=outcome).order_by().values("rating").annotate(**SUMS)}
    groups = [Group(rating.value, rating.label, rows.get(rating, Totals()), RATING_MEANING[rating])
              for rating in RATING_ORDER]
    return period, groups, sum((group.totals for group in groups), Totals())
