"""A council's corporate outcomes: what the money is for."""
from django.db import models

from councils.models import CouncilFixedOnceUsed


class OutcomeQuerySet(models.QuerySet):
    def for_council(self, council):
        return self.filter(council=council)


class Outcome(CouncilFixedOnceUsed, models.Model):
    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(max_length=10, help_text='As the council numbers it: "5", "01".')
    title = models.CharField(max_length=300)
    what_this_means = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    objects = OutcomeQuerySet.as_manager()
    council_used_by = [("proposals", "plan"), ("published_totals", "plan"), ("snapshot_copies", "plan")]

    class Meta:
        ordering = ["council", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="outcome_code_unique_per_council"),
            models.CheckConstraint(condition=~models.Q(code=""), name="outcome_code_not_blank"),
        ]

    def __str__(self):
        return f"Outcome {self.code} – {self.title}"

    def council_record_name(self):
        return str(self)


class Better(models.TextChoices):
    """Which way a measure improves."""

    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class MeasureRating(models.TextChoices):
    """A measure's rating for a period, as councils and the Better Care Fund return rate them."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


MEASURE_RATING_MEANING = {
    MeasureRating.GREEN: "On or better than plan",
    MeasureRating.AMBER: "Close to plan, at risk",
    MeasureRating.RED: "Off plan",
}

# A measure's figures: exact decimals (a percentage, a rate, a count), never floats.
MEASURE_DIGITS, MEASURE_PLACES = 15, 3


def _figure(name, **kwargs):
    return models.DecimalField(name, max_digits=MEASURE_DIGITS, decimal_places=MEASURE_PLACES, null=True,
                               blank=True, **kwargs)


class OutcomeMeasure(models.Model):
    """A measure of success for an outcome: its unit, which way is better, a baseline and a
    target as figures (``current`` and ``target`` keep the text as published, e.g. "69%
    north west average."), and a value per period (``values``). Written through
    ``proposals.measures``, which records each change in the audit trail."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="measures")
    number = models.PositiveIntegerField()
    measure = models.TextField()
    current = models.CharField("current performance", max_length=200, blank=True, help_text="As published.")
    target = models.CharField(max_length=200, blank=True, help_text="As published.")
    unit = models.CharField(max_length=40, blank=True, help_text='"%", "people", "per 100,000 (65+)", "days".')
    better = models.CharField("which way is better", max_length=6, choices=Better.choices, blank=True)
    baseline = _figure("baseline")
    baseline_label = models.CharField("baseline as at", max_length=40, blank=True,
                                      help_text='When the baseline was measured: "Summer 2016".')
    target_value = _figure("target figure")
    target_label = models.CharField("target for", max_length=40, blank=True, help_text='"2020".')
    source = models.TextField(blank=True, help_text="Where the measure and its figures were published.")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["outcome", "number"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "number"], name="measure_number_unique_per_outcome"),
            models.CheckConstraint(condition=models.Q(better__in=["", *Better.values]), name="measure_better_valid"),
        ]

    def __str__(self):
        return f"{self.outcome.code}.{self.number} {self.measure[:60]}"


class MeasureValue(models.Model):
    """A measure's figure for a period: the plan (trajectory) for it, the actual, the
    rating, and what was said about it. A period is a financial year, or a quarter of one
    (``quarter`` 1–4; 0 for the whole year)."""

    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.CASCADE, related_name="values")
    start_year = models.PositiveIntegerField(help_text="The financial year's first year: 2018 for 2018/19.")
    quarter = models.PositiveSmallIntegerField(default=0)
    planned = _figure("plan")
    actual = _figure("actual")
    rating = models.CharField(max_length=6, choices=MeasureRating.choices, blank=True)
    commentary = models.TextField(blank=True)
    action = models.TextField("action", blank=True, help_text="What is being done where it is off plan.")

    class Meta:
        ordering = ["measure", "start_year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "start_year", "quarter"], name="measure_value_one_per_period"),
            models.CheckConstraint(condition=models.Q(quarter__lte=4), name="measure_value_quarter_valid"),
            models.CheckConstraint(condition=models.Q(rating__in=["", *MeasureRating.values]),
                                   name="measure_value_rating_valid"),
        ]

    def __str__(self):
        return f"{self.measure.outcome.code}.{self.measure.number} {self.start_year} Q{self.quarter}"
