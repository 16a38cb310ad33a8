"""The council's outcome measures as a workbook: its download, for anyone who may see the
council, and its import (upload -> preview -> confirm) for those who keep the measures.

The preview's rows and the measures' versions are kept in the session under a one-time
token; confirming saves exactly those, once, through ``proposals.measures.save_values``
(all or nothing, version checked), never rows sent back by the browser."""
import io
import secrets

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals.measures import MeasureConflict, MeasuresInvalid, save_values
from proposals.permissions import can_edit_measures, get_plan_or_404

from .forms import MeasuresImportForm
from .measures import preview_measures, read_measures_workbook, rows_from_session, write_measures_workbook
from .uploads import Refused
from .views import XLSX

SESSION_KEY = "workbooks_measures_import"
AGAIN = "Nothing has been imported. Download the measures workbook again, fill it in and upload it."


@require_GET
def measures_export(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    data = write_measures_workbook(plan.council, plan)
    return FileResponse(io.BytesIO(data), as_attachment=True, content_type=XLSX,
                        filename=f"{plan.council.slug}-measures.xlsx")


@require_http_methods(["GET", "POST"])
def measures_import(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_edit_measures(request.user, plan.council).require()
    form = MeasuresImportForm(request.POST, request.FILES) if request.method == "POST" else MeasuresImportForm()
    context = {"plan": plan, "council": plan.council, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read = read_measures_workbook(plan.council, upload, upload.name)
        except Refused as refusal:
            form.add_error("file", str(refusal))
        else:
            preview = preview_measures(council=plan.council, user=request.user, read=read, filename=upload.name)
            request.session.pop(SESSION_KEY, None)
            token = secrets.token_urlsafe(24) if preview.can_apply else None
            if token:
                request.session[SESSION_KEY] = {"token": token, "council": plan.council.pk,
                                                "filename": upload.name, "where": read.where, **preview.stored()}
            return render(request, "workbooks/measures_preview.html", {**context, "preview": preview, "token": token},
                          status=200 if preview.can_apply or not preview.problems else 400)
    return render(request, "workbooks/measures_import.html", context, status=400 if form.errors else 200)


@require_POST
def measures_import_confirm(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_edit_measures(request.user, plan.council).require()
    stored = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if (not stored or not token or not constant_time_compare(stored["token"], token)
            or stored["council"] != plan.council.pk):
        messages.error(request, "This preview has expired or has already been imported. Upload the workbook again.")
        return redirect("workbooks:measures_import", plan.council.slug, plan.slug)
    del request.session[SESSION_KEY]
    rows, versions = rows_from_session(stored)
    try:
        saved = save_values(council=plan.council, user=request.user, rows=rows, versions=versions)
    except MeasureConflict as error:
        messages.error(request, " ".join([*error.errors.values(), AGAIN]))
    except MeasuresInvalid as error:
        messages.error(request, " ".join([*(f"{stored['where'].get(key, 'A row')}: {message}"
                                            for key, message in error.errors.items()), AGAIN]))
    else:
        count = sum(1 for changes in saved.values() if changes)
        messages.success(request, f"Imported {stored['filename']}: {count} measure{'s' if count != 1 else ''} "
                                  "changed. Each change is recorded in the council's history with you as its author.")
        return redirect("reports:council", plan.council.slug)
    return redirect("workbooks:measures_import", plan.council.slug, plan.slug)
