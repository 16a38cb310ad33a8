"""A plan's snapshots: the list (each opens the roll-up as at it, or what changed since),
and for approvers and council administrators the form that takes one."""
import datetime as dt

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from proposals.permissions import can_take_snapshot, get_plan_or_404
from proposals.snapshots import SnapshotInvalid, take_snapshot


@require_http_methods(["GET", "POST"])
def snapshots(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    may_take = can_take_snapshot(request.user, plan)
    errors, typed = [], {"name": "", "taken_on": dt.date.today().isoformat()}
    if request.method == "POST":
        may_take.require()
        typed = {"name": request.POST.get("name", "")[:400], "taken_on": request.POST.get("taken_on", "")[:40]}
        taken_on = None
        try:
            taken_on = dt.date.fromisoformat(typed["taken_on"].strip()) if typed["taken_on"].strip() else None
        except ValueError:
            errors.append(("id_taken_on", f"“{typed['taken_on']}” is not a date: give it as 2019-02-05."))
        if not errors:
            try:
                snapshot = take_snapshot(plan=plan, user=request.user, name=typed["name"], taken_on=taken_on)
            except SnapshotInvalid as error:
                errors = [("id_taken_on" if field == "taken_on" else "id_name", message)
                          for field, message in error.errors.items()]
            else:
                messages.success(request, f"Snapshot “{snapshot.name}” taken: {plan.name} as it stands, frozen.")
                return redirect("reports:snapshots", plan.council.slug, plan.slug)
    taken = list(plan.snapshots.select_related("taken_by").annotate(proposal_count=Count("proposals")))
    return render(request, "reports/snapshots.html", {
        "plan": plan, "council": plan.council, "snapshots": taken, "may_take": bool(may_take),
        "errors": errors, "typed": typed,
    }, status=400 if errors else 200)
