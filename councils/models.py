"""Councils and who may do what in each of them."""
from django.conf import settings
from django.db import models


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

    objects = CouncilQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", "Finance officer"
    APPROVER = "approver", "Approver"
    COMMISSIONER = "commissioner", "Commissioner"


class Membership(models.Model):
    """A user's role in one council. Administrators are Django superusers instead."""

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
