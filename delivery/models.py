"""Savings delivery monitoring: after approval, each quarter's return on every approved
saving (and income, and investments when a period chooses them).

A plan has ``MonitoringPeriod`` rows, the quarters of its years ("2019/20 Q2"), each
with a reporting date, open or closed for returns. A ``DeliveryReturn`` is one
proposal's return for one period: the forecast for the year against its target, a
rating, a commentary, the lead officer, and for Amber and Red a mitigation and perhaps
a replacement proposal. Figures are whole £ thousands, signed as the plan's figures are
(a saving is negative): the target is the proposal's approved change in the period's
year (its incremental figure, summed over its lines) plus any slippage carried in from
the year before; the shortfall is forecast − target (positive: the budget is worse off).

The target, slippage and principal service budget are set by ``delivery.services`` when
the return is saved, so the summary is a sum over returns (``delivery.summary``).
Written only through ``delivery.services``, which checks ``proposals.permissions``,
versions and the rating rules, and records every change in the audit trail.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from proposals import years as fy
from proposals.models import BudgetPlan, PlanYear, Proposal, ServiceBudget
from proposals.money import MAX_ABS_K

QUARTERS = (1, 2, 3, 4)


class Rating(models.TextChoices):
    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


# What each rating means, as the pages and the workbook say it beside the word.
RATING_MEANING = {
    Rating.BLUE: "Delivered, now in the base budget",
    Rating.GREEN: "On track",
    Rating.AMBER: "At risk",
    Rating.RED: "Will not be delivered this year",
}
RATING_ORDER = (Rating.BLUE, Rating.GREEN, Rating.AMBER, Rating.RED)


class MonitoringPeriod(models.Model):
    """A quarter of a plan year in which returns are made: "2019/20 Q2"."""

    plan = models.ForeignKey(BudgetPlan, on_delete=models.CASCADE, related_name="monitoring_periods")
    year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="monitoring_periods")
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in QUARTERS])
    reporting_date = models.DateField(help_text="The date the quarter's returns are reported (to Cabinet).")
    is_open = models.BooleanField("open for returns", default=True)
    includes_investments = models.BooleanField(
        default=False, help_text="Monitor approved investments and pressures too, not only savings and income.",
    )

    class Meta:
        ordering = ["plan", "year__start_year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "quarter"], name="monitoring_period_once"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="monitoring_quarter_valid"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """ "2019/20 Q2" """
        return fy.quarter_label(self.year.start_year, self.quarter)

    @property
    def slug(self):
        """ "2019-20-q2": the period in addresses (``--period`` takes "2019/20-Q2" too)."""
        return period_slug(self.year.start_year, self.quarter)


def period_slug(start_year, quarter):
    return f"{fy.label(start_year).replace('/', '-')}-q{quarter}"


class DeliveryReturn(models.Model):
    """One proposal's return for one monitoring period (see the module's docstring)."""

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.PROTECT, related_name="returns")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="delivery_returns")
    target_k = models.BigIntegerField(help_text="The approved change in the period's year, £k (set when saved).")
    slippage_in_k = models.BigIntegerField(
        default=0, help_text="Shortfall of the year before carried into this year's target, £k (set when saved).",
    )
    forecast_k = models.BigIntegerField(help_text="What the year is forecast to deliver, £k, signed as the target.")
    rating = models.CharField(max_length=10, choices=Rating.choices)
    commentary = models.TextField(blank=True)
    lead_officer = models.CharField(max_length=200, blank=True)
    mitigation = models.TextField(blank=True)
    replacement = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="replaces_returns",
        help_text="A proposal that makes up the shortfall.",
    )
    delivered_next_year = models.BooleanField(
        default=False, help_text="The shortfall will be delivered next year: it moves into next year's target.",
    )
    service_budget = models.ForeignKey(
        ServiceBudget, on_delete=models.PROTECT, null=True, related_name="+",
        help_text="The proposal's principal service budget in the year (its largest line), for the summary.",
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "proposal__position", "proposal_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "proposal"], name="delivery_return_once_per_period"),
            models.CheckConstraint(condition=Q(rating__in=Rating.values), name="delivery_rating_valid"),
            models.CheckConstraint(
                condition=Q(forecast_k__gte=-MAX_ABS_K, forecast_k__lte=MAX_ABS_K), name="delivery_forecast_in_range",
            ),
            models.CheckConstraint(condition=~Q(replacement=models.F("proposal")), name="delivery_replacement_other"),
        ]
        indexes = [models.Index(fields=["period", "rating"], name="delivery_return_rating")]

    def __str__(self):
        return f"{self.period.label}: {self.proposal}"

    @property
    def full_target_k(self):
        return self.target_k + self.slippage_in_k

    @property
    def shortfall_k(self):
        """forecast − target: positive when the budget is worse off than approved."""
        return self.forecast_k - self.full_target_k
