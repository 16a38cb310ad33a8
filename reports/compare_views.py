"""What changed: a plan between two snapshots, or a snapshot and now, with the effect on
each year's net and on the remaining gap; filtered by outcome and by kind of change."""
from django.shortcuts import render
from django.views.decorators.http import require_safe

from proposals.money import format_in
from proposals.permissions import get_plan_or_404
from proposals.snapshots import NOW, SnapshotNotFound, source_for

from .compare import FIGURES, KINDS, compare


def sources_from(plan, snapshots, wanted_from, wanted_to):
    """(from Source, to Source, errors): ``from`` defaults to the latest snapshot, ``to``
    to now; the earlier must be a snapshot taken before the later."""
    errors = []
    if not snapshots:
        return None, None, [("id_from", f"{plan.name} has no snapshot yet: take one to compare against.")]
    try:
        earlier = source_for(plan, wanted_from or snapshots[0].slug)
    except SnapshotNotFound as error:
        earlier, errors = None, [("id_from", str(error))]
    try:
        later = source_for(plan, wanted_to or NOW)
    except SnapshotNotFound as error:
        later, errors = None, errors + [("id_to", str(error))]
    if earlier is not None and earlier.snapshot is None:
        errors.append(("id_from", "Compare from a snapshot: “now” can only be what it is compared with."))
    if errors:
        return earlier, later, errors
    if later.snapshot is not None:
        a, b = earlier.snapshot, later.snapshot
        if a.pk == b.pk:
            errors.append(("id_to", "Choose two different snapshots (or now) to compare."))
        elif (a.taken_on, a.taken_at) > (b.taken_on, b.taken_at):
            errors.append(("id_to", f"“{b.name}” is older than “{a.name}”: compare the earlier with the later."))
    return earlier, later, errors

@require_safe
def changes(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    snapshots = list(plan.snapshots.all())
    if not snapshots:  # nothing to compare yet: the page says how to take a snapshot
        return render(request, "reports/compare.html", {"plan": plan, "council": plan.council, "snapshots": []})
    earlier, later, errors = sources_from(plan, snapshots, request.GET.get("from"), request.GET.get("to"))
    outcome, what = request.GET.get("outcome", ""), request.GET.get("what", "")
    outcomes = list(plan.council.outcomes.order_by("position", "code").values_list("code", "title"))
    if outcome and outcome not in {code for code, _title in outcomes}:
        errors.append(("id_outcome", f"“{outcome[:40]}” is not an outcome of {plan.council.name}."))
    if what and what not in KINDS:
        errors.append(("id_what", f"“{what[:40]}” is not a kind of change."))
    context = {"plan": plan, "council": plan.council, "snapshots": snapshots, "errors": errors,
               "outcomes": outcomes, "kinds": KINDS, "chosen": {"outcome": outcome, "what": what},
               "earlier": earlier, "later": later}
    if errors:
        return render(request, "reports/compare.html", context, status=400)
    result = compare(earlier, later)
    shown = [c for c in result.changes if (not outcome or c.outcome == outcome) and (not what or c.what == what)]
    unit = plan.unit

    def money(amount_k):
        return format_in(amount_k, unit, blank="no figure")

    rows = [{
        "change": c, "kind": KINDS[c.what],
        "old": money(c.old) if c.what == FIGURES else (c.old or "–"),
        "new": money(c.new) if c.what == FIGURES else (c.new or "–"),
    } for c in shown]
    context.update(
        result=result, rows=rows,
        counts_text="; ".join(f"{label.lower()}: {len(result.of(key))}" for key, label in KINDS.items()),
        effect=[(year, format_in(a, unit), format_in(b, unit), format_in(d, unit),
                 "no gap entered" if ra is None else format_in(ra, unit),
                 "no gap entered" if rb is None else format_in(rb, unit),
                 "–" if rd is None else format_in(rd, unit))
                for year, a, b, d, ra, rb, rd in result.effect()],
        later_label=later.snapshot.name if later.snapshot else "now",
    )
    return render(request, "reports/compare.html", context)
