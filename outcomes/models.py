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


class OutcomeMeasure(models.Model):
    """A measure of success for an outcome, as published (free text, e.g. "69% north west average.")."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="measures")
    number = models.PositiveIntegerField()
    measure = models.TextField()
    current = models.CharField("current performance", max_length=200, blank=True)
    target = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["outcome", "number"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "number"], name="measure_number_unique_per_outcome"),
        ]

    def __str__(self):
        return f"{self.outcome.code}.{self.number} {self.measure[:60]}"
