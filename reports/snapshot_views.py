"""A plan's snapshots: the list (each opens the roll-up as at it, or what changed since),
and for approvers and council administrators the form that takes one.

A snapshot is taken while the page waits: a fixed number of queries, well within a second
for a council's plan, and then it is in the list. A plan of more than ``BACKGROUND_ABOVE``
proposals is copied by a background job instead (``jobs.kinds.TAKE_SNAPSHOT``, its status
page then "Open the snapshot"), as the form says beforehand."""
import datetime as dt

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jobs.kinds import TAKE_SNAPSHOT, Refused
from jobs.services import start_job
from proposals.models import Proposal
from proposals.permissions import can_take_snapshot, get_plan_or_404
from proposals.snapshots import SnapshotInvalid, parse_taken_on, take_snapshot

BACKGROUND_ABOVE = 1000  # proposals: a larger plan's snapshot is taken by a job


def field_errors(errors):
    """{field: message} of a snapshot's values as the form's (input id, message)."""
    return [("id_taken_on" if field == "taken_on" else "id_name", message) for field, message in errors.items()]


@require_http_methods(["GET", "POST"])
def snapshots(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    may_take = can_take_snapshot(request.user, plan)
    size = Proposal.objects.filter(plan=plan).count() if may_take else 0
    in_background = size > BACKGROUND_ABOVE
    errors, typed = [], {"name": "", "taken_on": dt.date.today().isoformat()}
    if request.method == "POST":
        may_take.require()
        typed = {"name": request.POST.get("name", "")[:400], "taken_on": request.POST.get("taken_on", "")[:40]}
        if in_background:
            try:
                job = start_job(user=request.user, kind=TAKE_SNAPSHOT, posted={
                    "council": plan.council.slug, "plan": plan.slug, **typed})
            except Refused as refused:
                errors = field_errors(refused.errors or {"name": str(refused)})
            else:
                return redirect("jobs:status", job.pk)
        else:
            try:
                snapshot = take_snapshot(plan=plan, user=request.user, name=typed["name"],
                                         taken_on=parse_taken_on(typed["taken_on"]))
            except SnapshotInvalid as error:
                errors = field_errors(error.errors)
            else:
                messages.success(request, f"Snapshot “{snapshot.name}” taken: {plan.name} as it stands, frozen.")
                return redirect("reports:snapshots", plan.council.slug, plan.slug)
    taken = list(plan.snapshots.select_related("taken_by").annotate(proposal_count=Count("proposals")))
    return render(request, "reports/snapshots.html", {
        "plan": plan, "council": plan.council, "snapshots": taken, "may_take": bool(may_take),
        "errors": errors, "typed": typed, "size": size, "in_background": in_background,
    }, status=400 if errors else 200)
