"""Councils and who may do what in each of them."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F
from django.utils.text import capfirst


class CouncilQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The councils whose data ``user`` may see: all for an administrator, else theirs."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()

    def with_role(self, user, *roles):
        """Councils where ``user`` holds one of ``roles`` (administrators hold every role)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user, memberships__role__in=roles).distinct()


class Council(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200, unique=True)
    require_completed_eia = models.BooleanField(
        "require a completed equality impact assessment before approval", default=False,
        help_text="When on, a proposal is approved only once its equality impact assessment is completed, "
                  "or marked not needed (a screening that found none is needed).",
    )

    objects = CouncilQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", "Finance officer"
    APPROVER = "approver", "Approver"
    COMMISSIONER = "commissioner", "Commissioner"
    COUNCIL_ADMIN = "council_admin", "Council administrator"


class Membership(models.Model):
    """A user's role in one council. A council administrator manages that council's
    people, plans and structure; site administrators (Django superusers) hold every role
    in every council."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "council", "role"], name="one_role_per_user_council"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.council}"


class CouncilFixedOnceUsed:
    """A council's structural record (a plan, an outcome, a theme, a service budget) whose
    council cannot change once anything refers to it: what refers to it would be left
    pointing at another council's record. The database refuses the change too (a trigger
    per table); ``clean()``, which every model form calls, says first what uses the record.

    ``council_used_by``: (reverse accessor, path from that record to its plan, or None
    when the record is the plan) for each kind of record that fixes the council.
    """

    council_used_by = ()

    def clean(self):
        super().clean()
        if self.pk is None:
            return
        stored = type(self)._default_manager.filter(pk=self.pk).values_list("council_id", flat=True).first()
        if stored is None or stored == self.council_id:
            return
        uses = self.council_uses()
        if uses:
            raise ValidationError(
                f"{self.council_record_name()} is used by {uses}; its council cannot change.", code="council_fixed"
            )

    def council_record_name(self):
        return f"{capfirst(self._meta.verbose_name)} \u201c{self}\u201d"

    def council_uses(self):
        """ "18 proposals of plan MTFS 2019/20 to 2021/22", or "" when nothing refers to this record."""
        parts = []
        for accessor, plan_path in self.council_used_by:
            meta = self._meta.get_field(accessor).related_model._meta
            users = getattr(self, accessor)
            if plan_path is None:
                counts = [(users.count(), "")]
            else:
                by_plan = users.values(plan_name=F(f"{plan_path}__name")).annotate(count=Count("pk"))
                counts = [(row["count"], f" of plan {row['plan_name']}") for row in by_plan.order_by("plan_name")]
            parts.extend(
                f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}{where}"
                for count, where in counts if count
            )
        return " and ".join(parts)


class Preferences(models.Model):
    """A person's own settings. No row is the defaults: every e-mail on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    workflow_emails = models.BooleanField(
        "e-mail me when a proposal needs me", default=True,
        help_text="Approvers are told when a proposal is submitted for approval; authors when theirs is approved, "
                  "rejected, put out to consultation or returned to draft.",
    )

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self):
        return f"Preferences of {self.user}"
