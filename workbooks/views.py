"""The cabinet-paper workbook download, the flat list downloads, and the import
journey: upload -> preview -> confirm.

Downloads are for anyone who may see the plan; importing is for the council's finance
officers (and administrators). The preview's plan of changes is kept in the session
under a one-time token; confirming applies exactly that, never figures sent back by
the browser.
"""
import csv
import io
import secrets
import tempfile

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from councils.access import councils_for
from proposals.models import Proposal
from proposals.permissions import can_import, get_plan_or_404
from reports.filters import ReportChoices, ReportFilter

from .exports import Export, FlatScope, flat_csv_rows, write_flat_csv, write_flat_export, write_workbook
from .forms import ImportForm
from .importing.apply import ImportFailed, apply_import
from .importing.portal import preview_import
from .uploads import Refused

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "workbooks_import"


def _filtered(request, council_slug, plan_slug):
    """The plan (access checked) and the report filters applied to its proposals, as the
    reports read them, with the plan and its filter choices in one query.
    Returns (plan, choices, filters, errors)."""
    plan, choices = ReportChoices.load(request.user, council_slug, plan_slug)
    filters = ReportFilter(request.GET, queryset=Proposal.objects.for_plan(plan), plan=plan, choices=choices)
    return plan, choices, filters, filters.error_list()


def _included(filters):
    words = [f"statuses {filters.statuses_text}"]
    words += [f"{label.lower()} {value}" for label, value in filters.active()]
    if filters.figure_options.narrows_lines or filters.chosen_year is not None:
        # The workbook round-trips whole proposals, so it never drops a line.
        words.append("each proposal with a matching figure is shown with all its lines")
    return "; ".join(words)


def _bad_download(errors):
    text = "This download could not be made:\n" + "\n".join(message for _, message in errors) + "\n"
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def _file_response(out, filename, content_type):
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)


@require_GET
def export(request, council_slug, plan_slug):
    """The cabinet-paper workbook of the proposals the report filters select."""
    plan, choices, filters, errors = _filtered(request, council_slug, plan_slug)
    if errors:
        return _bad_download(errors)
    # Spooled: small workbooks stay in memory, large ones go to a temporary file.
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    write_workbook(export=Export(plan=plan, proposals=filters.qs, included=_included(filters)), out=out,
                   years=choices.years)
    return _file_response(out, f"{plan.council.slug}-{plan.slug}-cabinet-workbook.xlsx", XLSX)


@require_GET
def export_flat(request, council_slug, plan_slug, fmt):
    """The flat proposal list (one row per impact line), the import format, as CSV or .xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such download.")
    plan, choices, filters, errors = _filtered(request, council_slug, plan_slug)
    if errors:
        return _bad_download(errors)
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    name = f"{plan.council.slug}-{plan.slug}-proposals"
    if fmt == "xlsx":
        write_flat_export(proposals=filters.qs, years=choices.years, plan=plan, out=out)
        return _file_response(out, f"{name}.xlsx", XLSX)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    write_flat_csv(proposals=filters.qs, years=choices.years, plan=plan, out=text)
    text.flush()
    text.detach()
    return _file_response(out, f"{name}.csv", "text/csv; charset=utf-8")


class _Line:
    """csv.writer's file: hands back each line it writes."""

    def write(self, text):
        return text


def _csv_stream(rows):
    writer = csv.writer(_Line())
    yield "\ufeff".encode()  # as the per-plan CSV (utf-8-sig), so spreadsheet programs read it as UTF-8
    for row in rows:
        yield writer.writerow(row).encode()


@require_GET
def export_all(request, fmt):
    """The flat proposal list of every council the user may see (an administrator: all of
    them), council by council and plan by plan, as the per-plan flat list with the same
    columns and a column per financial year any of the plans has. The proposals the
    reports count (all statuses but rejected and withdrawn). Streamed: rows are read
    from the database in chunks and written as they come, so memory stays flat however
    many councils there are. Two queries (the plans' years, the rows) after the session's.

    A user with a role in no council gets the header row alone: the download is "what
    you may see", which is nothing, and a 404 would say no more (the address names no
    council)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such download.")
    scope = FlatScope.for_councils(councils_for(request.user))
    if fmt == "xlsx":
        # openpyxl assembles the zip when it saves: written to a spooled file (on disk past
        # 4 MB), then sent in chunks.
        out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
        write_flat_export(scope=scope, out=out)
        return _file_response(out, "all-councils-proposals.xlsx", XLSX)
    response = StreamingHttpResponse(_csv_stream(flat_csv_rows(scope)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="all-councils-proposals.csv"'
    return response


@require_http_methods(["GET", "POST"])
def import_upload(request, council_slug, plan_slug):
    """Upload a workbook or CSV and see what importing it would change."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_import(request.user, plan).require()
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context = {"plan": plan, "council": plan.council, "form": form,
               "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = preview_import(plan=plan, file=upload, filename=upload.name)
        except Refused as refusal:
            form.add_error("file", str(refusal))
        else:
            request.session.pop(SESSION_KEY, None)
            token = secrets.token_urlsafe(24) if preview.can_apply else None
            if token:
                request.session[SESSION_KEY] = {"token": token, "plan_of_changes": preview.plan_of_changes()}
            return render(request, "workbooks/preview.html", {**context, "preview": preview, "token": token})
    status = 400 if form.errors else 200
    return render(request, "workbooks/import.html", context, status=status)


@require_POST
def import_confirm(request, council_slug, plan_slug):
    """Apply the previewed import: the plan of changes kept on the server, once."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_import(request.user, plan).require()
    stored = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if (
        not stored or not token or not constant_time_compare(stored["token"], token)
        or stored["plan_of_changes"].get("plan") != plan.pk
    ):
        messages.error(request, "This preview has expired or has already been applied. Upload the file again.")
        return redirect("workbooks:import", plan.council.slug, plan.slug)
    del request.session[SESSION_KEY]
    try:
        created, changed = apply_import(plan=plan, plan_of_changes=stored["plan_of_changes"], user=request.user)
    except ImportFailed as failure:
        messages.error(request, str(failure))
        return redirect("workbooks:import", plan.council.slug, plan.slug)
    messages.success(
        request,
        f"Imported {stored['plan_of_changes']['filename']}: {created} proposal{'s' if created != 1 else ''} created "
        f"and {changed} changed. Each change is recorded in the proposal's history with you as its author.",
    )
    return redirect("workbooks:import", plan.council.slug, plan.slug)
