"""The delivery summary of a plan's monitoring period: target, forecast and shortfall by
rating, outcome, theme and service budget, the delivery percentage, and the trend over
the plan's periods. Every figure is a database sum over the period's returns, so each
grouping adds up to the same totals (a proposal counts under its principal service
budget, the line with the largest change in the year). Two queries, whatever the size.

The page, the monitoring workbook and ``manage.py delivery`` all read this.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from proposals import years as fy

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


# The fields the one grouped query reads: what each group is keyed by and named by.
GROUP_FIELDS = ("rating", "proposal__outcome_id", "proposal__outcome__code", "proposal__outcome__title",
                "proposal__outcome__position", "proposal__theme_id", "proposal__theme__name",
                "proposal__theme__position", "service_budget_id", "service_budget__name")
# The trend's sums, annotated on each period (named apart from its "returns" relation).
PERIOD_SUMS = {"sum_returns": Count("returns"), "sum_target": Sum("returns__target_k"),
               "sum_slippage": Sum("returns__slippage_in_k"), "sum_forecast": Sum("returns__forecast_k")}
# The two queries' shapes, built once: each call only filters them (a clone), which saves
# Django resolving the same fields, joins and sums on every call (about half the ORM's
# time; README, "Why some queries are written as they are"). Never evaluated themselves.
GROUPED = DeliveryReturn.objects.order_by().values(*GROUP_FIELDS).annotate(**SUMS)
TREND = (MonitoringPeriod.objects.values("pk", "quarter", "year__start_year").annotate(**PERIOD_SUMS)
         .order_by("year__start_year", "quarter"))


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


def _add_to(groups, key, make, totals):
    """Add ``totals`` to the group ``key`` of ``groups`` ({key: [order, Group]}), made by
    ``make()`` -> (order, label) the first time."""
    found = groups.get(key)
    if found is None:
        order, label = make()
        groups[key] = [order, Group(key, label, totals)]
    else:
        found[1].totals = found[1].totals + totals


def _in_order(groups):
    return [group for _order, group in sorted(groups.values(), key=lambda item: item[0])]


def delivery_summary(period):
    """The Summary of ``period`` (with its plan and year loaded). Two queries whatever the
    size: the period's returns summed by rating, outcome, theme and service budget at once
    (each grouping and the totals are added up from those sums, so all agree), and the
    plan's periods with their sums for the trend."""
    rating_totals = {rating: Totals() for rating in RATING_ORDER}
    outcomes: dict[str, list] = {}
    themes: dict[str, list] = {}
    services: dict[str, list] = {}
    for row in GROUPED.filter(period=period):
        totals = Totals.of(row)
        rating_totals[row["rating"]] = rating_totals.get(row["rating"], Totals()) + totals
        code, title = row["proposal__outcome__code"], row["proposal__outcome__title"]
        _add_to(outcomes, str(row["proposal__outcome_id"]), lambda code=code, title=title, row=row: (
            (row["proposal__outcome__position"], code), f"Outcome {code} – {title}"), totals)
        theme_id, theme_name, theme_position = (row["proposal__theme_id"], row["proposal__theme__name"],
                                                row["proposal__theme__position"])
        label = theme_name or "No theme"
        _add_to(themes, "none" if theme_id is None else str(theme_id), lambda label=label, p=theme_position: (
            (p is None, p or 0, label), label), totals)
        budget_id = row["service_budget_id"]
        label = row["service_budget__name"] or "No service budget"
        _add_to(services, "none" if budget_id is None else str(budget_id), lambda label=label: ((label,), label),
                totals)
    by_rating = [Group(rating.value, rating.label, rating_totals[rating], RATING_MEANING[rating])
                 for rating in RATING_ORDER]
    trend = [(TrendPeriod(row["pk"], row["year__start_year"], row["quarter"]),
              Totals(*(row[name] or 0 for name in PERIOD_SUMS))) for row in TREND.filter(plan_id=period.plan_id)]
    return Summary(
        period=period, totals=sum((group.totals for group in by_rating), Totals()), by_rating=by_rating,
        by_outcome=_in_order(outcomes), by_theme=_in_order(themes), by_service=_in_order(services),
        trend=trend,
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
