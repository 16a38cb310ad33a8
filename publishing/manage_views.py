"""The publishing page of a plan, for its council's administrators: what is public now,
publish it as at a snapshot or its approved proposals, withdraw it; and what was public
before. Every change goes through ``services.publish`` and ``services.withdraw``."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from proposals.permissions import can_publish, get_plan_or_404
from proposals.snapshots import NOW

from .models import Publication
from .services import PublishError, public_source, publish, withdraw

APPROVED = NOW  # the choice "its approved proposals, as they stand"


@require_http_methods(["GET", "POST"])
def publishing(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_publish(request.user, plan).require()
    snapshots = list(plan.snapshots.all())
    errors = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "withdraw":
                done = withdraw(plan=plan, user=request.user)
                messages.success(request, f"The publication {done.what} is withdrawn: its public pages are gone.")
                return redirect("publishing:manage", plan.council.slug, plan.slug)
            if action == "publish":
                chosen = request.POST.get("as_at", "")
                snapshot = next((s for s in snapshots if s.slug == chosen), None)
                if chosen != APPROVED and snapshot is None:
                    errors.append(("id_as_at_0", "Choose what to publish: the approved proposals or a snapshot."))
                else:
                    done = publish(plan=plan, user=request.user, snapshot=snapshot)
                    count = public_source(done).proposals().count()
                    messages.success(request, f"Published {done.what}: {count} proposal{'s' if count != 1 else ''} "
                                              "anyone can now read.")
                    return redirect("publishing:manage", plan.council.slug, plan.slug)
            else:
                errors.append(("id_as_at_0", "Choose Publish or Withdraw."))
        except PublishError as error:
            errors.append(("id_as_at_0", str(error)))
    history = list(Publication.objects.filter(plan=plan).select_related("snapshot", "published_by", "withdrawn_by"))
    current = next((p for p in history if p.withdrawn_at is None), None)
    return render(request, "publishing/manage.html", {
        "plan": plan, "council": plan.council, "tab": "publishing", "snapshots": snapshots, "errors": errors,
        "current": current, "history": history, "approved": APPROVED,
    }, status=400 if errors else 200)
