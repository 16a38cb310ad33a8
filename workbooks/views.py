"""The cabinet-paper workbook download, the flat list downloads, and the import
journey: upload -> preview -> confirm.

Downloads are for anyone who may see the plan; importing is for the council's finance
officers (and administrators). The preview's plan of changes is kept in the session
under a one-time token; confirming applies exactly that, never figures sent back by
the browser: while the page waits, or for more than ``BACKGROUND_ABOVE`` proposals in a
background job that is handed the plan of changes from the session.
"""
import base64
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
from jobs.kinds import IMPORT_CHANGES
from jobs.kinds import Refused as JobRefused
from jobs.services import start_job
from proposals import years as fy
from proposals.models import Kind
from proposals.permissions import can_import, can_manage_structure, get_plan_or_404
from reports.filters import ReportChoices, ReportFilter
from reports.views import report_source

from .exports import Export, FlatScope, flat_csv_rows, write_flat_csv, write_flat_export, write_workbook
from .forms import ImportForm, MappingForm, used_width, word_field_name
from .importing.apply import ImportFailed, apply_import, imported_message
from .importing.council import NO_TABLE, Options, kind_of_word, kind_words_of, preview_council, words_in
from .importing.detect import BadChoice, NoTable, read_table
from .importing.portal import has_portal_sheet, preview_portal
from .importing.preview import text_of
from .importing.table import Choices, Unit
from .uploads import Refused, read_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "workbooks_import"  # the preview's plan of changes, under a one-time token
UPLOAD_KEY = "workbooks_import_upload"  # a council's own sheet between the upload and its preview
BACKGROUND_ABOVE = 500  # proposals created and changed: a larger import is applied by a job
MAPPING_KEYS = ("token", "layout", "sheet", "header_row", "unit", "signs", "basis", "outcome", "kind",
                "service_budget", "create_missing")


def _filtered(request, council_slug, plan_slug):
    """The plan (access checked) and the report filters applied to its proposals, as the
    reports read them, with the plan and its filter choices in one query.
    Returns (plan, choices, filters, errors)."""
    plan, choices = ReportChoices.load(request.user, council_slug, plan_slug)
    source, errors = report_source(request, plan, choices)
    filters = ReportFilter(request.GET, queryset=source.proposals(), plan=plan, choices=choices)
    filters.source = source
    return plan, choices, filters, errors + filters.error_list()


def _since(request, choices, source):
    """The snapshot the workbook's "Changes since" sheet starts from: ``?since=`` (a
    snapshot's slug, or "none" for no sheet), by default the latest snapshot taken before
    the one the workbook is as at (or any, for now). (snapshot or None, errors)."""
    wanted = request.GET.get("since", "")
    earlier = [s for s in choices.snapshots
               if source.snapshot is None or (s.taken_on, s.pk) < (source.snapshot.taken_on, source.snapshot.pk)]
    if wanted == "none":
        return None, []
    if not wanted:
        return (earlier[0] if earlier else None), []
    found = next((s for s in earlier if s.slug == wanted), None)
    if found is None:
        return None, [("id_since", f"“{wanted[:80]}” is not a snapshot of {source.plan.name} "
                                   "taken before the figures shown.")]
    return found, []


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
    since, since_errors = _since(request, choices, filters.source)
    if since_errors:
        return _bad_download(since_errors)
    write_workbook(export=Export(plan=plan, proposals=filters.qs, included=_included(filters), source=filters.source,
                                 since=since),
                   out=out, years=choices.years)
    name = f"{plan.council.slug}-{plan.slug}-cabinet-workbook"
    if filters.source.snapshot is not None:
        name += f"-as-at-{filters.source.snapshot.slug}"
    return _file_response(out, f"{name}.xlsx", XLSX)


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
def export_all_csv(request):
    """The flat proposal list of every council the user may see (an administrator: all of
    them), council by council and plan by plan, as the per-plan flat list with the same
    columns and a column per financial year any of the plans has. The proposals the
    reports count (all statuses but rejected and withdrawn). Streamed: rows are read
    from the database in chunks and written as they come, so memory stays flat however
    many councils there are. Two queries (the plans' years, the rows) after the session's.
    The same list as .xlsx is made by a background job (jobs.kinds.national_export):
    a workbook's zip is assembled only when it is closed, so it cannot be streamed.

    A user with a role in no council gets the header row alone: the download is "what
    you may see", which is nothing, and a 404 would say no more (the address names no
    council)."""
    scope = FlatScope.for_councils(councils_for(request.user))
    response = StreamingHttpResponse(_csv_stream(flat_csv_rows(scope)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="all-councils-proposals.csv"'
    return response


def _import_refused(request, plan):
    """None if ``request.user`` may import into ``plan`` now; a 403 for a role that may
    not, and for a closed plan its reason on the plan's roll-up."""
    importing = can_import(request.user, plan)
    if importing.by_role:
        importing.require()
    if not importing:
        messages.error(request, importing.reason)
        return redirect("reports:rollup", plan.council.slug, plan.slug)
    return None


def _start_preview(request, context, preview):
    """Show ``preview``; keep its plan of changes under a one-time token when it can be applied."""
    request.session.pop(SESSION_KEY, None)
    token = secrets.token_urlsafe(24) if preview.can_apply else None
    if token:
        request.session[SESSION_KEY] = {"token": token, "plan_of_changes": preview.plan_of_changes()}
    return render(request, "workbooks/preview.html", {
        **context, "preview": preview, "token": token,
        "writes": len(preview.created) + len(preview.changed),
        "in_background": bool(token) and in_background(request.session[SESSION_KEY]["plan_of_changes"]),
    })


def in_background(plan_of_changes):
    """Whether confirming applies the changes in a background job (``jobs.kinds.IMPORT_CHANGES``)
    rather than while the page waits: more than ``BACKGROUND_ABOVE`` proposals to write."""
    return len(plan_of_changes["created"]) + len(plan_of_changes["changed"]) > BACKGROUND_ABOVE


def _context(plan):
    return {"plan": plan, "council": plan.council, "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}


@require_http_methods(["GET", "POST"])
def import_upload(request, council_slug, plan_slug):
    """Upload a workbook or CSV. The portal's own export goes straight to the preview of
    what importing it would change; a council's own sheet goes to the mapping page."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    refused = _import_refused(request, plan)
    if refused:
        return refused
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context = {**_context(plan), "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            tables = read_upload(upload, upload.name)
            if has_portal_sheet(tables):
                return _start_preview(request, context, preview_portal(plan=plan, tables=tables, filename=upload.name))
            read_table(tables)
        except NoTable as error:
            form.add_error("file", f"{NO_TABLE} {error}")
        except Refused as refusal:
            form.add_error("file", str(refusal))
        else:
            upload.seek(0)
            request.session.pop(SESSION_KEY, None)
            request.session[UPLOAD_KEY] = {
                "token": secrets.token_urlsafe(24), "plan": plan.pk, "filename": upload.name,
                "data": base64.b64encode(upload.read()).decode("ascii"),
            }
            return redirect("workbooks:import_map", plan.council.slug, plan.slug)
    status = 400 if form.errors else 200
    return render(request, "workbooks/import.html", context, status=status)


def _stored_upload(request, plan):
    stored = request.session.get(UPLOAD_KEY)
    if not stored or stored.get("plan") != plan.pk:
        return None
    if request.method == "POST" and not constant_time_compare(stored["token"], request.POST.get("token", "")):
        return None
    return stored


def _kind_words(table, plan, chosen):
    """[(word, Kind value or None)] for each word for a kind in the sheet, as it would be read now."""
    remembered = kind_words_of(plan.council_id)
    return [(word, kind_of_word(word, chosen, remembered)) for word in words_in(table)]


def _sample(tables, table, count=8):
    """The first ``count`` rows below the header, cell by cell as text, for the mapping page."""
    cells = next((t for t in tables if t.name == table.sheet), None)
    if cells is None:
        return []
    width = used_width(table)
    rows = [(number, values) for number, values in cells.rows if number > table.header_row and any(
        v not in (None, "") for v in values)]
    return [(number, [text_of(v) for v in (list(values) + [None] * width)[:width]]) for number, values in rows[:count]]


@require_http_methods(["GET", "POST"])
def import_map(request, council_slug, plan_slug):
    """What was detected in a council's own sheet, with sample rows; the officer changes
    any choice and sees the table read again, then previews the import."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    refused = _import_refused(request, plan)
    if refused:
        return refused
    stored = _stored_upload(request, plan)
    if stored is None:
        messages.error(request, "This upload has expired or was replaced by another. Upload the file again.")
        return redirect("workbooks:import", plan.council.slug, plan.slug)
    try:
        tables = read_upload(io.BytesIO(base64.b64decode(stored["data"])), stored["filename"])
    except Refused:  # pragma: no cover - it was read once already
        request.session.pop(UPLOAD_KEY, None)
        return redirect("workbooks:import", plan.council.slug, plan.slug)
    may_create = bool(can_manage_structure(request.user, plan.council))
    sheet_rows = {t.name: len(t.rows) for t in tables}
    if request.method == "POST":
        data = request.POST
        # The officer's choices are kept with the upload, so the mapping page comes back with them.
        stored["choices"] = {key: value for key, value in request.POST.items()
                             if key in MAPPING_KEYS or key.startswith(("col_", "word_"))}
        request.session.modified = True
    else:
        data = stored.get("choices")
    choices, layout_kept = _layout_choices(data, sheet_rows)
    layout_error = None
    try:
        table = read_table(tables, choices)
    except (NoTable, BadChoice) as error:  # the sheet or header row chosen has no table: show the one detected
        layout_error, layout_kept = str(error), False
        table = read_table(tables)
    chosen_words = {}
    if data is not None:
        chosen_words = {word: data[word_field_name(word)] for word in words_in(table)
                        if data.get(word_field_name(word)) in Kind.values}
    words = _kind_words(table, plan, chosen_words)
    layout = f"{table.sheet}\n{table.header_row}"
    initial = {
        "token": stored["token"], "layout": layout, "sheet": table.sheet, "header_row": table.header_row,
        "unit": table.unit or "", "signs": table.signs, "basis": table.basis,
        **{f"col_{index}": field_ for index, field_ in table.columns.items()},
        **{f"col_{year.column}": fy.label(year.start_year) for year in table.years},
    }
    form_data = None
    if data is not None and layout_kept:
        form_data = data
    elif data is not None:
        # The sheet or header row changed: the columns are detected again for it.
        form_data = data.copy()
        for key in list(form_data):
            if key.startswith("col_"):
                del form_data[key]
        form_data.update({key: value for key, value in initial.items() if key.startswith("col_")})
        form_data["layout"] = layout
    form = MappingForm(form_data, initial=initial, table=table, plan=plan, words=words, may_create=may_create,
                       sheet_rows=sheet_rows)
    if layout_error and form.is_valid():
        form.add_error(None, layout_error)
    context = {**_context(plan), "form": form, "table": table, "filename": stored["filename"],
               "sample": _sample(tables, table), "may_create": may_create,
               "redetected": data is not None and not layout_kept,
               "unit_label": Unit(table.unit).label if table.unit in Unit.values else ""}
    if (request.method == "POST" and layout_kept and form.is_valid()
            and data is not None and data.get("action") == "preview"):
        d = form.cleaned_data
        try:
            # A choice left as detected keeps detection's reason for it ("the heading “2026/27 (£)”").
            table = read_table(tables, Choices(
                sheet=d["sheet"], header_row=d["header_row"], columns=form.columns_chosen(),
                unit=None if d["unit"] == table.unit else d["unit"],
                signs=None if d["signs"] == table.signs else d["signs"],
                basis=None if d["basis"] == table.basis else d["basis"],
            ))
        except (NoTable, BadChoice) as error:
            form.add_error(None, str(error))
            return render(request, "workbooks/mapping.html", context, status=400)
        options = Options(outcome=d["outcome"].strip(), kind=d["kind"], service_budget=d["service_budget"].strip(),
                          kind_words=form.kind_words_chosen(), create_missing=d["create_missing"])
        preview = preview_council(plan=plan, table=table, options=options, filename=stored["filename"],
                                  user=request.user)
        return _start_preview(request, context, preview)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "workbooks/mapping.html", context, status=status)


def _layout_choices(data, sheet_rows):
    """(Choices for the sheet and header row the officer asked for, whether the columns
    shown were for them). A sheet or row the file does not have is left to the form to refuse."""
    if data is None:
        return Choices(), True
    sheet = data.get("sheet") if data.get("sheet") in sheet_rows else None
    raw_row = data.get("header_row", "")
    header_row = int(raw_row) if raw_row.isdigit() and 1 <= int(raw_row) <= sheet_rows.get(sheet or "", 0) else None
    if sheet is None or header_row is None:
        return Choices(sheet=sheet), False
    # A browser sends the hidden field's line break as CR LF (HTML's form newline normalisation).
    shown = (data.get("layout") or "").replace("\r\n", "\n")
    return Choices(sheet=sheet, header_row=header_row), shown == f"{sheet}\n{header_row}"


@require_POST
def import_confirm(request, council_slug, plan_slug):
    """Apply the previewed import: the plan of changes kept on the server, once."""
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    refused = _import_refused(request, plan)
    if refused:
        return refused
    stored = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if (
        not stored or not token or not constant_time_compare(stored["token"], token)
        or stored["plan_of_changes"].get("plan") != plan.pk
    ):
        messages.error(request, "This preview has expired or has already been applied. Upload the file again.")
        return redirect("workbooks:import", plan.council.slug, plan.slug)
    del request.session[SESSION_KEY]
    request.session.pop(UPLOAD_KEY, None)
    changes = stored["plan_of_changes"]
    if in_background(changes):
        try:
            job = start_job(user=request.user, kind=IMPORT_CHANGES, posted={
                "council": plan.council.slug, "plan": plan.slug, "plan_of_changes": changes})
        except JobRefused as refused:
            messages.error(request, str(refused))
            return redirect("workbooks:import", plan.council.slug, plan.slug)
        return redirect("jobs:status", job.pk)
    try:
        created, changed = apply_import(plan=plan, plan_of_changes=changes, user=request.user)
    except ImportFailed as failure:
        messages.error(request, str(failure))
        return redirect("workbooks:import", plan.council.slug, plan.slug)
    messages.success(request, imported_message(changes["filename"], created, changed))
    return redirect("workbooks:import", plan.council.slug, plan.slug)
