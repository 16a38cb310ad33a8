"""The delivery summary of a plan's monitoring period: target, forecast and shortfall by
rating, outcome, theme and service budget, the delivery percentage, and the trend over
the plan's periods. Every figure is a database sum over the period's returns, so each
grouping adds up to the same totals (a proposal counts under its principal service
budget, the line with the largest change in the year). Six queries, whatever the size.

The page, the monitoring workbook and ``manage.py delivery`` all read this.
"""
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from proposals import years as fy

from .models import RATING_MEANING, RATING_ORDER, DeliveryReturn, MonitoringPeriod

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


GROUPINGS = {
    # parameter: (field grouped by, the fields that name it)
    "outcome": ("proposal__outcome_id", ("proposal__outcome__code", "proposal__outcome__title",
                                         "proposal__outcome__position")),
    "theme": ("proposal__theme_id", ("proposal__theme__name", "proposal__theme__position")),
    "service": ("service_budget_id", ("service_budget__name",)),
}


def _grouped(period, key):
    by, names = GROUPINGS[key]
    rows = (DeliveryReturn.objects.filter(period=period).order_by().values(by, *names).annotate(**SUMS))
    groups = []
    for row in rows:
        order: tuple
        if key == "outcome":
            label, order = f"Outcome {row[names[0]]} – {row[names[1]]}", (row[names[2]], row[names[0]])
        elif key == "theme":
            label = row[names[0]] or "No theme"
            order = (row[names[1]] is None, row[names[1]] or 0, label)
        else:
            label = row[names[0]] or "No service budget"
            order = (label,)
        groups.append((order, Group(str(row[by] if row[by] is not None else "none"), label, Totals.of(row))))
    return [group for _order, group in sorted(groups, key=lambda item: item[0])]


def delivery_summary(period):
    """The Summary of ``period`` (with its plan and year loaded)."""
    rating_rows = {row["rating"]: Totals.of(row) for row in DeliveryReturn.objects.filter(period=period)
                   .order_by().values("rating").annotate(**SUMS)}
    by_rating = [Group(rating.value, rating.label, rating_rows.get(rating, Totals()), RATING_MEANING[rating])
                 for rating in RATING_ORDER]
    totals = sum((group.totals for group in by_rating), Totals())
    trend_rows = {row["period_id"]: Totals.of(row) for row in DeliveryReturn.objects
                  .filter(period__plan_id=period.plan_id).order_by().values("period_id").annotate(**SUMS)}
    periods = list(MonitoringPeriod.objects.filter(plan_id=period.plan_id).select_related("year"))
    return Summary(
        period=period, totals=totals, by_rating=by_rating,
        by_outcome=_grouped(period, "outcome"), by_theme=_grouped(period, "theme"),
        by_service=_grouped(period, "service"),
        trend=[(p, trend_rows.get(p.pk, Totals())) for p in periods],
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


_PERIOD = re.compile(r"^\s*(\d{4})\s*[/\-]\s*(\d{2})[\s\-]{1,3}[qQ]([1-4])\s*$", re.ASCII)


def parse_period(text):
    """(start year, quarter) from "2019/20-Q2", "2019/20 Q2" or "2019-20-q2"; None if unreadable."""
    match = _PERIOD.match(str(text or "")[:40])
    if not match:
        return None
    try:
        start = fy.parse_label(f"{match.group(1)}/{match.group(2)}")
    except fy.YearError:
        return None
    return start, int(match.group(3))


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
