"""What a council has published: a plan as at a snapshot, or its approved proposals.

A publication is current until it is withdrawn (or replaced by a newer one); at most one
per plan is current, which the database enforces. Rows are never deleted: the history of
what was public, and when, stays."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from proposals.models import COUNTED_STATUSES, BudgetPlan, Snapshot, Status


class Basis(models.TextChoices):
    SNAPSHOT = "snapshot", "As at a snapshot"
    APPROVED = "approved", "Its approved proposals"


# What the public sees of each basis: never drafts, never a rejected or withdrawn proposal.
# As at a snapshot, what had gone to Cabinet (submitted, out to consultation, approved);
# "approved", what is agreed now.
PUBLIC_STATUSES = {
    Basis.SNAPSHOT: tuple(s for s in COUNTED_STATUSES if s != Status.DRAFT),
    Basis.APPROVED: (Status.APPROVED,),
}


class PublicationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_at__isnull=True)


class Publication(models.Model):
    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="publications")
    basis = models.CharField(max_length=10, choices=Basis.choices)
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(withdrawn_at__isnull=True),
                                    name="one_current_publication_per_plan"),
            models.CheckConstraint(
                condition=(Q(basis=Basis.SNAPSHOT, snapshot__isnull=False)
                           | Q(basis=Basis.APPROVED, snapshot__isnull=True)),
                name="publication_snapshot_matches_basis",
            ),
        ]

    def __str__(self):
        return f"{self.plan.name}, {self.what}"

    @property
    def what(self):
        """ "as at Cabinet 5 February 2019" or "its approved proposals" """
        if self.basis == Basis.SNAPSHOT:
            return f"as at {self.snapshot.name}"
        return "its approved proposals"

    @property
    def statuses(self):
        return PUBLIC_STATUSES[Basis(self.basis)]
