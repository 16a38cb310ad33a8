"""Savings delivery pages: a plan's monitoring periods (set up by council administrators),
a period's delivery summary with drill-down to the returns, and the grid where finance
officers enter a period's returns. Every write goes through ``delivery.services``."""
import datetime as dt

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from delivery.models import QUARTERS, RATING_MEANING, MonitoringPeriod, Rating
from delivery.services import (
    MonitoringInvalid,
    ReturnInput,
    ReturnsConflict,
    ReturnsInvalid,
    change_period,
    due_returns,
    open_period,
    save_returns,
)
from delivery.summary import PeriodNotFound, delivery_summary, figures, period_for, returns_in
from proposals.models import Proposal
from proposals.money import MoneyError, format_in, parse_in
from proposals.permissions import can_make_returns, can_manage_monitoring, get_plan_or_404

from .chart import build_percent_bars

MAX_ROWS = 2000  # returns in one period's grid: bounds a hostile POST


def _period_or_404(plan, slug):
    try:
        return period_for(plan, slug)
    except PeriodNotFound as error:
        raise Http404(str(error)) from None


def _date(text, label):
    """(date, error message) from "2019-09-30" or "30/09/2019"."""
    text = (text or "").strip()[:40]
    if not text:
        return None, f"Give the {label}, such as 30/09/2019."
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text), ""
        except ValueError:
            continue
    return None, f"“{text}” is not a date: give the {label} as 30/09/2019."


@require_http_methods(["GET", "POST"])
def delivery_home(request, council_slug, plan_slug):
    """The plan's monitoring periods, and for council administrators the form that adds one."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    may_manage = can_manage_monitoring(request.user, plan)
    years = list(plan.years.all())
    errors, typed = [], {"year": "", "quarter": "", "reporting_date": "", "includes_investments": False}
    if request.method == "POST":
        may_manage.require()
        typed = {"year": request.POST.get("year", "")[:10], "quarter": request.POST.get("quarter", "")[:3],
                 "reporting_date": request.POST.get("reporting_date", "")[:40],
                 "includes_investments": bool(request.POST.get("includes_investments"))}
        year = next((y for y in years if str(y.start_year) == typed["year"]), None)
        if year is None:
            errors.append(("id_year", f"Choose one of {plan.name}'s years."))
        quarter = int(typed["quarter"]) if typed["quarter"] in {str(q) for q in QUARTERS} else None
        if quarter is None:
            errors.append(("id_quarter", "Choose the quarter: Q1, Q2, Q3 or Q4."))
        reporting_date, message = _date(typed["reporting_date"], "reporting date")
        if message:
            errors.append(("id_reporting_date", message))
        if not errors:
            try:
                period = open_period(plan=plan, user=request.user, year=year, quarter=quarter,
                                     reporting_date=reporting_date,
                                     includes_investments=typed["includes_investments"])
            except MonitoringInvalid as error:
                errors = [(f"id_{field}", message) for field, message in error.errors.items()]
            else:
                messages.success(request, f"{period.label} is open for returns.")
                return redirect("reports:delivery", plan.council.slug, plan.slug)
    periods = list(MonitoringPeriod.objects.filter(plan=plan).select_related("year")
                   .annotate(return_count=Count("returns")))
    return render(request, "reports/delivery_home.html", {
        "plan": plan, "council": plan.council, "periods": periods, "years": years, "quarters": QUARTERS,
        "may_manage": bool(may_manage), "errors": errors, "typed": typed,
    }, status=400 if errors else 200)


@require_POST
def delivery_period_settings(request, council_slug, plan_slug, period):
    """Open or close a period for returns (council administrators)."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    period = _period_or_404(plan, period)
    can_manage_monitoring(request.user, plan).require()
    action = request.POST.get("action", "")
    if action not in ("open", "close"):
        messages.error(request, "Choose whether to open or close the period.")
    else:
        change_period(period=period, user=request.user, is_open=action == "open")
        messages.success(request, f"{period.label} is {'open for' if action == 'open' else 'closed to'} returns.")
    return redirect("reports:delivery", plan.council.slug, plan.slug)


DRILL = ("rating", "outcome", "theme", "service")


def summary_rows(summary, unit):
    """Each grouping as the page shows it: (parameter, heading, [(key, label, note, cells)])."""
    def cells(totals):
        return figures(totals, lambda k: format_in(k, unit))

    return [(key, heading, [(g.key, g.label, g.note, cells(g.totals)) for g in groups])
            for key, heading, groups in summary.groupings], cells(summary.totals)


@require_safe
def delivery_period(request, council_slug, plan_slug, period):
    """A period's delivery summary, its trend over the plan's periods, and its returns
    (narrowed to one group by ?rating=, ?outcome=, ?theme= or ?service=)."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    period = _period_or_404(plan, period)
    unit = plan.unit
    drill, errors = {}, []
    for key in DRILL:
        value = request.GET.get(key, "")[:20]
        if not value:
            continue
        if (key == "rating" and value not in Rating.values) or (key != "rating" and value != "none"
                                                                 and not value.isdigit()):
            errors.append((f"id_{key}", f"“{value}” is not a {key} of this summary: choose one from its tables."))
        else:
            drill[key] = value
    summary = delivery_summary(period)
    groupings, total_cells = summary_rows(summary, unit)
    labels = {(key, g_key): label for key, _heading, rows in groupings for g_key, label, _n, _c in rows}
    drilled = [(key, labels.get((key, value), value)) for key, value in drill.items()]
    returns = [] if errors else list(returns_in(period, **drill))
    trend = [(p, t, "–" if t.percentage is None else f"{t.percentage}%") for p, t in summary.trend]
    context = {
        "plan": plan, "council": plan.council, "period": period, "summary": summary, "groupings": groupings,
        "total_cells": total_cells, "returns": returns,
        "headline": {name: format_in(getattr(summary.totals, f"{name}_k"), unit)
                     for name in ("full_target", "forecast", "slippage_in", "shortfall")},
        "drill": drill, "drilled": drilled, "errors": errors,
        "trend": [(p, t, pct, [format_in(v, unit) for v in (t.full_target_k, t.forecast_k, t.shortfall_k)])
                  for p, t, pct in trend],
        "chart": build_percent_bars([(p.label, t.percentage) for p, t in summary.trend]),
        "may_enter": bool(can_make_returns(request.user, period)),
        "meanings": RATING_MEANING,
        "rows": [(r, [format_in(v, unit) for v in (r.target_k, r.slippage_in_k, r.forecast_k, r.shortfall_k)])
                 for r in returns],
    }
    return render(request, "reports/delivery_period.html", context, status=400 if errors else 200)


FIELDS = ("forecast", "rating", "commentary", "lead_officer", "mitigation", "replacement", "delivered_next_year")


@require_http_methods(["GET", "POST"])
def delivery_returns(request, council_slug, plan_slug, period):
    """The grid of a period's returns: a row per proposal due one, saved all at once."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    period = _period_or_404(plan, period)
    decision = can_make_returns(request.user, period)
    if not decision:
        if decision.by_role:
            decision.require()
        messages.error(request, decision.reason)
        return redirect("reports:delivery_period", plan.council.slug, plan.slug, period.slug)
    due = due_returns(period)
    if len(due) > MAX_ROWS:  # pragma: no cover - a plan of more than 2,000 monitored savings
        raise Http404("This period has too many returns for one page: use the monitoring workbook.")
    references = {p.pk: p for p in Proposal.objects.filter(plan=plan).only("pk", "reference", "title")}
    rows, errors, inputs = _grid(request, plan, due, references)
    conflict = None
    if request.method == "POST" and not errors:
        try:
            saved = save_returns(period=period, user=request.user, rows=inputs)
        except ReturnsInvalid as error:
            by_id = {entry.proposal.pk: entry.proposal for entry in due}
            errors = [(f"id_r{pk}-{'forecast' if name == 'proposal' else name}",
                       f"{by_id[pk].display_reference if pk in by_id else 'A row'}: {message}")
                      for (pk, name), message in error.errors.items()]
        except ReturnsConflict as error:
            conflict = str(error)
            due = due_returns(period)
            rows, _errors, _inputs = _grid(None, plan, due, references)
        else:
            messages.success(request, f"{len(saved)} return{'s' if len(saved) != 1 else ''} saved for {period.label}."
                             if saved else "Nothing had changed, so nothing was saved.")
            return redirect("reports:delivery_period", plan.council.slug, plan.slug, period.slug)
    return render(request, "reports/delivery_returns.html", {
        "plan": plan, "council": plan.council, "period": period, "rows": rows, "errors": errors,
        "conflict": conflict, "ratings": [(r.value, r.label, RATING_MEANING[r]) for r in Rating],
        "replacements": sorted(references.values(), key=lambda p: (p.reference is None, p.reference or "", p.pk)),
    }, status=409 if conflict else 400 if errors else 200)


def _grid(request, plan, due, references):
    """(rows for the template, [(field id, message)], [ReturnInput]) from the period's due
    returns and, on a POST (``request``), what was typed."""
    posted = request is not None and request.method == "POST"
    data = request.POST if posted else {}
    unit = plan.unit
    rows, errors, inputs = [], [], []
    for entry in due:
        current = entry.current
        key = f"r{entry.proposal.pk}"
        stored = {
            "forecast": format_in(current.forecast_k, unit) if current else "",
            "rating": current.rating if current else "",
            "commentary": current.commentary if current else "",
            "lead_officer": current.lead_officer if current else "",
            "mitigation": current.mitigation if current else "",
            "replacement": str(current.replacement_id or "") if current else "",
            "delivered_next_year": bool(current and current.delivered_next_year),
            "version": str(current.version if current else 0),
        }
        typed = dict(stored)
        if posted:
            for name in (*FIELDS, "version"):
                if name == "delivered_next_year":
                    typed[name] = bool(data.get(f"{key}-{name}"))
                else:
                    typed[name] = data.get(f"{key}-{name}", "")[:2100]
        label = entry.proposal.display_reference
        forecast_k = None
        if posted:
            try:
                forecast_k = parse_in(typed["forecast"], unit)
            except MoneyError as error:
                errors.append((f"id_{key}-forecast", f"{label}: {error}"))
            replacement = typed["replacement"].strip()
            if replacement and not replacement.isdigit():
                errors.append((f"id_{key}-replacement", f"{label}: choose the replacement from the list."))
            version = typed["version"]
            if not version.isdigit():
                errors.append(("", f"{label}: the page was changed before it was sent; reload it and try again."))
            inputs.append(ReturnInput(
                proposal_id=entry.proposal.pk, version=int(version) if version.isdigit() else -1,
                forecast_k=forecast_k, rating=typed["rating"].strip(), commentary=typed["commentary"],
                lead_officer=typed["lead_officer"], mitigation=typed["mitigation"],
                replacement_id=int(replacement) if replacement.isdigit() else None,
                delivered_next_year=typed["delivered_next_year"],
            ))
        rows.append({"key": key, "entry": entry, "typed": typed,
                     "target": format_in(entry.target_k, unit), "slippage": format_in(entry.slippage_in_k, unit),
                     "full_target": format_in(entry.full_target_k, unit),
                     "replacement_name": references.get(int(typed["replacement"])) if typed["replacement"].isdigit()
                     else None})
    return rows, errors, inputs
