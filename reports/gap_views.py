"""The budget gap pages: the gap table with its bridge chart (now or as at a snapshot),
and the page where finance officers and council administrators enter its lines."""
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from proposals.gap import GapInvalid, delete_gap_line, save_gap_line
from proposals.models import GapLine
from proposals.money import MoneyError, format_in, parse_in
from proposals.permissions import can_edit_gap, get_plan_or_404
from proposals.snapshots import SnapshotNotFound, source_for

from .chart import build_bridge
from .gap import GROUPS, bridge_steps, gap_table
from .rollup import VIEW_LABELS

MAX_LINES = 40  # gap lines on the edit page, with their new blank row


def _view(request):
    view = request.GET.get("view") or "cumulative"
    if view not in VIEW_LABELS:
        return "cumulative", [("id_view", f"“{view[:40]}” is not a view: use cumulative or incremental.")]
    return view, []


def gap_context(table):
    """The table as the page and the roll-up's summary show it: rows of (label, cells)."""
    unit = table.plan.unit

    def money(amount):
        return format_in(amount, unit)

    no_gap = "no gap entered"
    rows = [("Gap before proposals", [money(r.gap_before) if r.gap_before is not None else no_gap
                                      for r in table.years], "gap-before")]
    for key, label, _statuses in GROUPS:
        rows.append((f"Proposals: {label.lower()}", [money(r.groups[key]) for r in table.years], "group"))
    rows.append(("Net of the proposals counted", [money(r.net) for r in table.years], "net"))
    rows.append(("Remaining gap: approved only", [money(r.remaining_approved) if r.gap_before is not None
                                                  else no_gap for r in table.years], "remaining"))
    rows.append(("Remaining gap: if everything counted is agreed",
                 [money(r.remaining_all) if r.gap_before is not None else no_gap for r in table.years], "remaining"))
    return rows


@require_safe
def gap_page(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    view, errors = _view(request)
    try:
        source = source_for(plan, request.GET.get("as_at"))
    except SnapshotNotFound as error:
        source, errors = None, errors + [("id_as_at", str(error))]
    context = {"plan": plan, "council": plan.council, "errors": errors, "view": view,
               "view_labels": VIEW_LABELS, "view_label": VIEW_LABELS[view],
               "may_edit": bool(can_edit_gap(request.user, plan)),
               "snapshots": list(plan.snapshots.all())}
    if errors:
        return render(request, "reports/gap.html", context, status=400)
    years = list(plan.years.all())
    table = gap_table(source, view, years=years)
    bridge_row = table.bridge_year()
    context.update(
        source=source, table=table, rows=gap_context(table), years=years,
        bridge_row=bridge_row,
        chart=build_bridge(bridge_steps(bridge_row), plan.unit) if bridge_row is not None else None,
        line_rows=[(line, [format_in(line.figures.get(year.pk), plan.unit, blank="–") for year in years])
                   for line in table.lines],
    )
    return render(request, "reports/gap.html", context)


@require_http_methods(["GET", "POST"])
def gap_edit(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    decision = can_edit_gap(request.user, plan)
    if not decision:
        if decision.by_role:
            decision.require()
        messages.error(request, decision.reason)
        return redirect("reports:gap", plan.council.slug, plan.slug)
    years = list(plan.years.all())
    lines = list(GapLine.objects.filter(plan=plan).prefetch_related("figures"))
    rows, errors = _rows(request, plan, years, lines)
    if request.method == "POST" and not errors:
        try:
            with transaction.atomic():
                for row in rows:
                    _apply(plan, request.user, row)
        except GapInvalid as error:  # nothing was saved: the transaction is rolled back
            row_key = getattr(error, "row", "new")
            errors = [(f"id_{row_key}-{field if field in ('name', 'sign', 'source') else 'name'}", message)
                      for field, message in error.errors.items() if field != "version"]
        else:
            messages.success(request, "The gap before proposals is saved.")
            return redirect("reports:gap", plan.council.slug, plan.slug)
    return render(request, "reports/gap_edit.html", {
        "plan": plan, "council": plan.council, "years": years, "rows": rows, "errors": errors,
        "signs": GapLine.Sign.choices,
    }, status=400 if errors else 200)


def _rows(request, plan, years, lines):
    """The form's rows (one per line, and a blank one for a new line), with what was
    typed on a POST and the errors found reading it: (rows, [(field id, message)])."""
    rows, errors = [], []
    posted = request.method == "POST"
    for line in [*lines, None]:
        key = f"line-{line.pk}" if line else "new"
        stored = {figure.year_id: figure.amount_k for figure in line.figures.all()} if line else {}
        data = request.POST if posted else {}

        def value(name, default, key=key, data=data):
            return data.get(f"{key}-{name}", default) if posted else default

        row = {
            "key": key, "line": line,
            "name": value("name", line.name if line else "")[:300],
            "sign": value("sign", str(line.sign) if line else str(GapLine.Sign.ADDS)),
            "source": value("source", line.source if line else "")[:400],
            "delete": posted and bool(data.get(f"{key}-delete")),
            # The version the edit started from (None where the form did not carry it: a
            # line someone added since the page was opened).
            "version": _version(value("version", str(line.version) if line else "")) if line else None,
            "figures": [], "parsed": {},
        }
        for year in years:
            typed = value(f"y{year.start_year}", format_in(stored.get(year.pk), plan.unit))[:40]
            row["figures"].append((year, typed, f"id_{key}-y{year.start_year}"))
            if posted:
                try:
                    row["parsed"][year] = parse_in(typed, plan.unit)
                except MoneyError as error:
                    errors.append((f"id_{key}-y{year.start_year}",
                                   f"{row['name'] or 'New line'}, {year.label}: {error}"))
        if posted and row["sign"] not in {str(value) for value, _label in GapLine.Sign.choices}:
            errors.append((f"id_{key}-sign", f"{row['name'] or 'New line'}: choose whether it adds to or reduces "
                                             "the gap."))
        rows.append(row)
    if posted:
        known = {f"line-{line.pk}" for line in lines}
        gone = sorted({name.rsplit("-", 1)[0] for name in request.POST if name.startswith("line-")} - known)
        if gone:
            errors.append(("", f"{len(gone)} line{'s' if len(gone) != 1 else ''} you were editing "
                               f"{'have' if len(gone) != 1 else 'has'} been removed by someone else since you "
                               "opened this page, so nothing has been saved. The lines below are as they are now; "
                               "add yours again if it is still needed."))
    if len(rows) > MAX_LINES:
        errors.append(("", f"A gap is built from at most {MAX_LINES - 1} lines."))
    return rows, errors


def _version(text):
    return int(text) if text.isdigit() and len(text) < 10 else None


def _apply(plan, user, row):
    line = row["line"]
    if line is None and not row["name"].strip() and not any(v is not None for v in row["parsed"].values()):
        return  # the blank row, left blank
    if line is not None and row["delete"]:
        try:
            delete_gap_line(plan=plan, user=user, line=line, expected_version=row["version"])
        except GapInvalid as error:
            error.row = row["key"]
            raise
        return
    try:
        save_gap_line(plan=plan, user=user, line=line, name=row["name"], sign=int(row["sign"]),
                      source=row["source"], figures=row["parsed"], expected_version=row["version"])
    except GapInvalid as error:
        error.row = row["key"]
        raise
