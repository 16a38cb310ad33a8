"""A monitoring period's workbook: its download, for anyone who may see the council, and
its import (upload -> preview -> confirm) for those who make the period's returns.

The preview's rows are kept in the session under a one-time token; confirming saves
exactly those, once, through ``delivery.services.save_returns`` (all or nothing, version
checked), never rows sent back by the browser.
"""
import io
import secrets

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from delivery.services import ReturnInput, ReturnsConflict, ReturnsInvalid, due_returns, save_returns
from delivery.summary import PeriodNotFound, period_for
from proposals.permissions import WorkflowError, can_make_returns, get_plan_or_404

from .forms import MonitoringImportForm
from .monitoring import write_monitoring_workbook
from .monitoring_import import conflict_messages, preview_returns, read_monitoring_workbook
from .uploads import Refused
from .views import XLSX

SESSION_KEY = "workbooks_monitoring_import"  # the preview's rows, under a one-time token


def _plan_and_period(request, council_slug, plan_slug, slug):
    """The plan (a 404 unless the user may see its council) and its period named ``slug``."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    try:
        return plan, period_for(plan, slug)
    except PeriodNotFound as error:
        raise Http404(str(error)) from None


@require_GET
def monitoring_export(request, council_slug, plan_slug, period):
    """The period's monitoring workbook: the summary, then a row per proposal due a return."""
    plan, period = _plan_and_period(request, council_slug, plan_slug, period)
    data = write_monitoring_workbook(period, user=request.user)
    return FileResponse(io.BytesIO(data), as_attachment=True, content_type=XLSX,
                        filename=f"{plan.council.slug}-{plan.slug}-monitoring-{period.slug}.xlsx")


def _refused(request, plan, period):
    """None if the user may make the period's returns now; a 403 for a role that may not,
    and for a closed period its reason on the period's page."""
    decision = can_make_returns(request.user, period)
    if decision:
        return None
    if decision.by_role:
        decision.require()
    messages.error(request, decision.reason)
    return redirect("reports:delivery_period", plan.council.slug, plan.slug, period.slug)


@require_http_methods(["GET", "POST"])
def monitoring_import(request, council_slug, plan_slug, period):
    """Upload the filled-in workbook; see what it would save, row by row, before anything is."""
    plan, period = _plan_and_period(request, council_slug, plan_slug, period)
    refused = _refused(request, plan, period)
    if refused:
        return refused
    form = MonitoringImportForm(request.POST, request.FILES) if request.method == "POST" else MonitoringImportForm()
    context = {"plan": plan, "council": plan.council, "period": period, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read = read_monitoring_workbook(period, upload, upload.name)
        except Refused as refusal:
            form.add_error("file", str(refusal))
        else:
            preview = preview_returns(period=period, user=request.user, read=read, filename=upload.name)
            request.session.pop(SESSION_KEY, None)
            token = secrets.token_urlsafe(24) if preview.can_apply else None
            if token:
                request.session[SESSION_KEY] = {
                    "token": token, "period": period.pk, "filename": upload.name, "rows": preview.stored(),
                    "where": {str(pk): where for pk, where in read.where.items()},
                }
            return render(request, "workbooks/monitoring_preview.html", {**context, "preview": preview,
                                                                         "token": token})
    return render(request, "workbooks/monitoring_import.html", context, status=400 if form.errors else 200)


@require_POST
def monitoring_import_confirm(request, council_slug, plan_slug, period):
    """Save the previewed rows, all or none."""
    plan, period = _plan_and_period(request, council_slug, plan_slug, period)
    refused = _refused(request, plan, period)
    if refused:
        return refused
    stored = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if not stored or not token or not constant_time_compare(stored["token"], token) or stored["period"] != period.pk:
        messages.error(request, "This preview has expired or has already been imported. Upload the workbook again.")
        return redirect("workbooks:monitoring_import", plan.council.slug, plan.slug, period.slug)
    del request.session[SESSION_KEY]
    where = {int(pk): text for pk, text in stored["where"].items()}
    again = "Nothing has been imported. Download the workbook again, fill it in and upload it."
    try:
        saved = save_returns(period=period, user=request.user, rows=[ReturnInput(**row) for row in stored["rows"]])
    except ReturnsConflict as error:
        due = {entry.proposal.pk: entry for entry in due_returns(period)}
        messages.error(request, " ".join([*conflict_messages(error, due, where), again]))
    except ReturnsInvalid as error:
        messages.error(request, " ".join([*(f"{where.get(pk, 'A row')}: {message}"
                                            for (pk, _name), message in error.errors.items()), again]))
    except WorkflowError as error:
        messages.error(request, f"{error} Nothing has been imported.")
    else:
        count = len(saved)
        messages.success(request, f"Imported {stored['filename']}: {count} return{'s' if count != 1 else ''} saved "
                                  f"for {period.label}. Each change is recorded in the plan's history with you as "
                                  "its author.")
        return redirect("reports:delivery_period", plan.council.slug, plan.slug, period.slug)
    return redirect("workbooks:monitoring_import", plan.council.slug, plan.slug, period.slug)
