"""The kinds of job a user can start, one ``Kind`` each in ``KINDS``.

A kind says what it is called, what its failure message begins with, how to turn what
the user posted into the job's council and parameters (``prepare``: refusing anything it
does not expect, with a message, before any job exists), and how to do the work
(``run``: told the job and its ``Progress``, returns the file, or, for a kind whose work
is records in the database (a snapshot, a plan), a ``JobLink`` to what it made). Adding
a kind is writing those two functions and one ``register`` call.

A kind that writes records does its writing through ``make_once``, so a job run twice
(its worker died after the work was saved, and it was queued again) makes them once.
"""
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse

from councils.access import councils_for
from proposals.models import BudgetPlan, Proposal
from proposals.permissions import can_import, can_publish, can_roll_forward, can_take_snapshot
from proposals.roll_forward import RollForwardInvalid, check_roll_forward, done_message, roll_forward
from proposals.snapshots import SnapshotInvalid, check_snapshot, parse_taken_on, take_snapshot
from publishing.fdp import ZIP_TYPE, package_zip
from publishing.services import current_publication, public_source
from reports.downloads import XLSX_TYPE
from workbooks.exports import FlatScope, write_flat_export
from workbooks.importing.apply import ImportFailed, apply_import, imported_message


class Refused(Exception):
    """What the user asked for cannot be started; the message is for them. ``errors``
    ({field: message}, optional) lets a form show each message against its field."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or {}


class JobFailed(Exception):
    """The work could not be finished; the message (after the kind's ``failure`` words) is for the user."""


@dataclass(frozen=True)
class JobFile:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class JobLink:
    """What a job made that is not a file, such as a snapshot: the status page offers
    "Open {name}" (``url``); ``note`` says what was done, in words for the user."""

    name: str  # "the snapshot “Cabinet 5 February 2019”"
    url: str
    note: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    failure: str  # "The export could not be finished"
    prepare: Callable[[Any, dict], tuple[Any, dict]]  # (user, posted) -> (council or None, parameters)
    run: Callable[[Any, Any], JobFile | JobLink]  # (job, progress) -> the file, or a link to what it made
    # Whether /jobs/start/<kind>/ takes it. False for a kind whose choices must never come
    # from the browser (an import's plan of changes): only its own page starts it.
    from_form: bool = True


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def no_parameters(user, posted):
    """For a kind that takes nothing: any field posted is refused."""
    if posted:
        names = ", ".join(sorted(posted))
        raise Refused(f"This job takes no choices, but the form sent: {names}. Nothing was started.")
    return None, {}


def make_once(job, make):
    """``make()`` (which writes records and returns the ``JobLink`` to them) run at most
    once for ``job``: in one transaction that locks the job's row, finds no link written
    by an earlier run, makes the records and writes their link to the job. A run retried
    after its worker died once the records were saved (or a second worker's run of the
    same job) gets that link back and makes nothing again."""
    from .models import Job

    with transaction.atomic():
        url, name, note = (Job.objects.select_for_update().filter(pk=job.pk)
                           .values_list("result_url", "result_name", "message").get())
        if url:
            return JobLink(name, url, note)
        link = make()
        Job.objects.filter(pk=job.pk).update(result_url=link.url, result_name=link.name, message=link.note)
    return link


def counting_proposals(progress, every=200):
    """A ``watch`` for the flat export: counts the proposals whose rows have been written
    (a proposal's rows come together; its id is the row's eleventh value) and tells
    ``progress`` every ``every`` proposals."""

    def watch(rows: Iterator[list]) -> Iterator[list]:
        done, current = 0, None
        for row in rows:
            if row[10] != current:
                current = row[10]
                done += 1
                if done % every == 0:
                    progress.advance(done)
            yield row
        progress.advance(done)

    return watch


def national_export(job, progress):
    """Every proposal of every council the job's user may see (an administrator: all),
    as the all-councils flat list (.xlsx), counted in proposals."""
    scope = FlatScope.for_councils(councils_for(job.user))
    progress.start(Proposal.objects.filter(scope.scope).count())
    out = io.BytesIO()
    write_flat_export(scope=scope, out=out, watch=counting_proposals(progress))
    return JobFile("all-councils-proposals.xlsx", XLSX_TYPE, out.getvalue())


NATIONAL_EXPORT = register(Kind(
    name="national_export",
    label="All your councils' proposals, one row per impact line (.xlsx)",
    failure="The export could not be finished",
    prepare=no_parameters,
    run=national_export,
))


# Choices posted for a job: checked before anything is created.

NO_SUCH_PLAN = "None of your councils has a budget plan at that address. Nothing was started."


def posted_values(posted, *, required, optional=(), lists=()):
    """{name: text} of ``posted`` (a name in ``lists`` may come several times: a list of
    text). Refuses a field the kind does not take, a required one missing, or a field
    sent more than once that should come once."""
    unknown = sorted(set(posted) - {*required, *optional, *lists})
    if unknown:
        raise Refused(f"This job does not take {', '.join(unknown)}. Nothing was started.")
    missing = [name for name in required if name not in posted]
    if missing:
        raise Refused(f"The form did not send {', '.join(missing)}. Nothing was started.")
    values = {}
    for name, value in posted.items():
        if name in lists:
            value = [value] if isinstance(value, str) else list(value)
        elif not isinstance(value, str):
            raise Refused(f"The form sent {name} more than once. Nothing was started.")
        values[name] = value
    return values


def posted_plan(user, values):
    """The plan ``values`` name ("council" and "plan": their address names), if ``user``
    may see it; another council's plan is refused exactly as one that does not exist."""
    plan = (BudgetPlan.objects.visible_to(user)
            .filter(council__slug=values["council"][:100], slug=values["plan"][:100]).first())
    if plan is None:
        raise Refused(NO_SUCH_PLAN)
    return plan


def allowed(decision):
    """``decision`` (a permissions.can_* answer) as prepare's refusal."""
    if not decision:
        raise Refused(f"{decision.reason} Nothing was started.")


def refused(invalid):
    """A service's refusal of bad values (``errors``: {field: message}) as prepare's."""
    return Refused(" ".join(invalid.errors.values()), errors=invalid.errors)


def failed(invalid):
    """A service's refusal of bad values as the reason a running job failed."""
    return JobFailed(" ".join(invalid.errors.values()).rstrip("."))


def job_plan(job):
    """The job's plan (``parameters["plan"]``), with its council."""
    plan = BudgetPlan.objects.select_related("council").filter(pk=job.parameters.get("plan")).first()
    if plan is None:
        raise JobFailed("its budget plan no longer exists")
    return plan


def still_allowed(decision):
    """The permission asked again as the job runs: the user's roles may have changed while it waited."""
    if not decision:
        raise JobFailed(f"you are no longer allowed to. {decision.reason.rstrip('.')}")


# Taking a snapshot of a large plan.


def prepare_snapshot(user, posted):
    values = posted_values(posted, required=("council", "plan", "name"), optional=("taken_on",))
    plan = posted_plan(user, values)
    allowed(can_take_snapshot(user, plan))
    name = values["name"].strip()
    try:
        taken_on = parse_taken_on(values.get("taken_on")) or dt.date.today()
        errors = check_snapshot(plan=plan, name=name, taken_on=taken_on)
    except SnapshotInvalid as invalid:
        errors = invalid.errors
    if errors:
        raise refused(SnapshotInvalid(errors))
    return plan.council, {"plan": plan.pk, "name": name, "taken_on": taken_on.isoformat()}


def take_snapshot_job(job, progress):
    """The snapshot the job asked for, made once (``make_once``); opens on the plan's
    snapshots page, at its row."""
    plan = job_plan(job)
    still_allowed(can_take_snapshot(job.user, plan))
    taken_on = dt.date.fromisoformat(job.parameters["taken_on"])

    def make():
        try:
            snapshot = take_snapshot(plan=plan, user=job.user, name=job.parameters["name"], taken_on=taken_on)
        except SnapshotInvalid as invalid:
            raise failed(invalid) from None
        count = snapshot.proposals.count()
        url = reverse("reports:snapshots", args=[plan.council.slug, plan.slug])
        return JobLink(f"the snapshot “{snapshot.name}”", f"{url}#snapshot-{snapshot.slug}",
                       note=f"{plan.name} as it stood, frozen as at {taken_on:%-d %B %Y}: {count} proposal"
                            f"{'' if count == 1 else 's'}.")

    return make_once(job, make)


TAKE_SNAPSHOT = register(Kind(
    name="take_snapshot",
    label="A snapshot of a budget plan",
    failure="The snapshot could not be taken",
    prepare=prepare_snapshot,
    run=take_snapshot_job,
))


# Rolling a plan forward.


def prepare_roll_forward(user, posted):
    values = posted_values(posted, required=("council", "plan", "name", "slug"), lists=("status",))
    plan = posted_plan(user, values)
    allowed(can_roll_forward(user, plan))
    name, slug, statuses = values["name"], values["slug"].strip(), values.get("status", [])
    try:
        check_roll_forward(plan=plan, slug=slug, name=name, statuses=statuses)
    except RollForwardInvalid as invalid:
        raise refused(invalid) from None
    return plan.council, {"plan": plan.pk, "name": name, "slug": slug, "statuses": statuses}


def roll_forward_job(job, progress):
    """The next round's plan, made once (``make_once``); opens on its roll-up."""
    plan = job_plan(job)
    still_allowed(can_roll_forward(job.user, plan))
    chosen = job.parameters

    def make():
        try:
            new_plan, result = roll_forward(plan=plan, user=job.user, slug=chosen["slug"], name=chosen["name"],
                                            statuses=chosen["statuses"])
        except RollForwardInvalid as invalid:
            raise failed(invalid) from None
        return JobLink(f"the new plan “{new_plan.name}”", reverse("reports:rollup", args=[plan.council.slug,
                                                                                             new_plan.slug]),
                       note=done_message(plan, new_plan, result))

    return make_once(job, make)


ROLL_FORWARD = register(Kind(
    name="roll_forward",
    label="The next round's plan, rolled forward",
    failure="The plan could not be rolled forward",
    prepare=prepare_roll_forward,
    run=roll_forward_job,
))


# The open-data package of a published plan.


def not_published(plan):
    return f"{plan.name} is not published, so it has no open-data package: publish it first"


def prepare_open_data(user, posted):
    values = posted_values(posted, required=("council", "plan"))
    plan = posted_plan(user, values)
    allowed(can_publish(user, plan))
    if current_publication(plan) is None:
        raise Refused(f"{not_published(plan)}. Nothing was started.")
    return plan.council, {"plan": plan.pk}


def open_data_job(job, progress):
    """The Fiscal Data Package of the plan as published when the job runs, as one .zip."""
    plan = job_plan(job)
    still_allowed(can_publish(job.user, plan))
    publication = current_publication(plan)
    if publication is None:
        raise JobFailed(not_published(plan))
    publication.plan = plan
    name, data = package_zip(publication, public_source(publication))
    return JobFile(name, ZIP_TYPE, data)


OPEN_DATA = register(Kind(
    name="open_data_package",
    label="The open-data package of a published plan (.zip)",
    failure="The open-data package could not be made",
    prepare=prepare_open_data,
    run=open_data_job,
))


# Applying a large import's previewed changes.


def prepare_import(user, posted):
    """``posted`` is the import page's, never a browser's (``from_form=False``): the plan,
    and the preview's plan of changes as the session kept it."""
    plan = posted_plan(user, posted)
    allowed(can_import(user, plan))
    changes = posted.get("plan_of_changes")
    if not isinstance(changes, dict) or changes.get("plan") != plan.pk:
        raise Refused("This preview is for a different plan. Upload the file again. Nothing was started.")
    return plan.council, {"plan": plan.pk, "plan_of_changes": changes}


def import_job(job, progress):
    """The previewed changes, applied once (``make_once``); opens on the plan's proposals.
    The plan of changes is dropped from the job once applied (what was written is in each
    proposal's history)."""
    from .models import Job

    plan = job_plan(job)
    still_allowed(can_import(job.user, plan))
    changes = job.parameters.get("plan_of_changes")  # None once applied: make_once then has the link

    def make():
        try:
            created, changed = apply_import(plan=plan, plan_of_changes=changes, user=job.user)
        except ImportFailed as failure:
            raise JobFailed(str(failure).rstrip(".")) from None
        Job.objects.filter(pk=job.pk).update(parameters={"plan": plan.pk, "filename": changes.get("filename")})
        return JobLink(f"the proposals of {plan.name}",
                       reverse("reports:proposal_list", args=[plan.council.slug, plan.slug]),
                       note=imported_message(changes.get("filename"), created, changed))

    return make_once(job, make)


IMPORT_CHANGES = register(Kind(
    name="import_changes",
    label="An import's changes, applied",
    failure="The import could not be finished",
    prepare=prepare_import,
    run=import_job,
    from_form=False,
))
