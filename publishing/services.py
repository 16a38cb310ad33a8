"""Publishing a plan for anyone to read, withdrawing it, and what the public may see.

``publish`` and ``withdraw`` are the one write path: the permission is checked inside
(``permissions.can_publish``), and each is recorded in the council's audit trail.
``public_source`` is the one place that decides what a publication shows: a
``proposals.snapshots.Source`` limited to the publication's statuses, which every
public page, download and export reads through."""
from django.db import transaction
from django.utils import timezone

from proposals import history
from proposals.models import BudgetPlan, ChangeSet
from proposals.permissions import can_publish, recorded_user
from proposals.snapshots import Source

from .models import Basis, Publication


class PublishError(Exception):
    """A publication that cannot be made or withdrawn now; the message is for users."""


def current_publication(plan):
    """The plan's current publication, or None."""
    return Publication.objects.current().select_related("snapshot").filter(plan=plan).first()


def published_plan_or_none(council_slug, plan_slug):
    """(plan, publication) of a published plan by its council's and its own slug, or None:
    what an anonymous visitor may read. One query."""
    found = (Publication.objects.current().select_related("plan__council", "snapshot")
             .filter(plan__council__slug=council_slug, plan__slug=plan_slug).first())
    return None if found is None else (found.plan, found)


def public_source(publication):
    """What ``publication`` shows: the plan as at its snapshot, or now, with only the
    statuses the public may see (never drafts)."""
    return Source(publication.plan, publication.snapshot, statuses=publication.statuses)


def publish(*, plan, user, snapshot=None):
    """Publish ``plan`` as at ``snapshot`` (one of its snapshots), or its approved
    proposals when ``snapshot`` is None, replacing any current publication. Returns the
    Publication. Raises PermissionDenied unless ``user`` may (``can_publish``),
    PublishError for a snapshot of another plan."""
    can_publish(user, plan).require()
    if snapshot is not None and snapshot.plan_id != plan.pk:
        raise PublishError(f"“{snapshot.name}” is not a snapshot of {plan.name}.")
    person = recorded_user(user)
    with transaction.atomic():
        # The plan's row, locked: two publications at once cannot both become current.
        list(BudgetPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))
        previous = Publication.objects.current().select_related("snapshot").filter(plan=plan).first()
        if previous is not None:
            _withdraw(previous, person, note=f"Replaced by a publication {_what(snapshot)}")
        publication = Publication.objects.create(
            plan=plan, basis=Basis.SNAPSHOT if snapshot else Basis.APPROVED, snapshot=snapshot,
            published_at=timezone.now(), published_by=person,
        )
        publication.plan = plan
        history.record_change(
            user=person, subject=publication, action=ChangeSet.Action.CREATE,
            changes=history.changes_between(None, _shown(publication)), council_id=plan.council_id,
            note=f"Published {publication.what}",
        )
    return publication


def withdraw(*, plan, user):
    """Withdraw the plan's current publication: from now its public pages are a 404.
    Returns the withdrawn Publication; PublishError if the plan is not published."""
    can_publish(user, plan).require()
    with transaction.atomic():
        list(BudgetPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))
        current = Publication.objects.current().select_related("snapshot").filter(plan=plan).first()
        if current is None:
            raise PublishError(f"{plan.name} is not published, so there is nothing to withdraw.")
        current.plan = plan
        _withdraw(current, recorded_user(user), note=f"Withdrew the publication {current.what}")
    return current


def _withdraw(publication, person, *, note):
    before = _shown(publication)
    publication.withdrawn_at = timezone.now()
    publication.withdrawn_by = person
    publication.save(update_fields=["withdrawn_at", "withdrawn_by"])
    history.record_change(
        user=person, subject=publication, action=ChangeSet.Action.EDIT,
        changes=history.changes_between(before, _shown(publication)), council_id=publication.plan.council_id,
        note=note,
    )


def _what(snapshot):
    return f"as at {snapshot.name}" if snapshot is not None else "of its approved proposals"


def _shown(publication):
    """The publication as the audit trail records it (who is recorded by the change set)."""
    values = {"Plan": publication.plan.name, "Published": publication.what,
              "Published at": publication.published_at.isoformat(timespec="seconds")}
    if publication.withdrawn_at is not None:
        values["Withdrawn at"] = publication.withdrawn_at.isoformat(timespec="seconds")
    return values
