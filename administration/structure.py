"""A council's settings index, and its structure pages: for outcomes, themes and service
budgets a list (with what uses each), add, edit, delete, a move up or down for outcomes
and themes, and a pasted or uploaded list with a preview.

Any page of a council the user has no role in is a 404; a role that may not manage the
structure gets a 403 (``proposals.permissions.can_manage_structure``). Every write goes
through ``proposals.structure``, which asks the same question again and records the
change in the council's audit trail. A list's preview keeps its plan in the session
under a one-time token; confirming creates exactly that, never values sent back by the
browser.
"""
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.crypto import constant_time_compare
from django.utils.text import Truncator, capfirst
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from councils.access import get_council_or_404
from outcomes.models import Outcome
from proposals import structure
from proposals.models import ServiceBudget, Theme
from proposals.permissions import can_manage_people, can_manage_plans, can_manage_structure
from workbooks.uploads import Refused

from .access import managed_council
from .structure_forms import ListForm, record_form
from .structure_lists import ListFailed, apply_plan, column_headings, plan_list, rows_of_text, rows_of_upload

SESSION_KEY = "administration_structure_list"
# Pages other parts of the settings offer, linked from the index when they exist.


@dataclass(frozen=True)
class Kind:
    """One kind of structural record and its pages."""

    name: str  # the URL names' prefix: "outcome"
    path: str  # under settings/: "outcomes"
    model: type

    @property
    def title(self):
        return capfirst(self.model._meta.verbose_name_plural)

    @property
    def noun(self):
        return self.model._meta.verbose_name

    @property
    def ordered(self):
        return self.model in structure.ORDERED

    @property
    def used_by(self):
        """The reverse accessor of what uses a record, and its nouns (singular, plural)."""
        accessor = self.model.council_used_by[0][0]
        meta = self.model._meta.get_field(accessor).related_model._meta
        return accessor, meta.verbose_name, meta.verbose_name_plural

    @property
    def columns(self):
        return column_headings(self.model)

    def url(self, action):
        return f"administration:{self.name}_{action}"

    @property
    def urls(self):
        return {action: self.url(action) for action in ("list", "add", "edit", "delete", "move", "paste", "confirm")}


OUTCOMES = Kind("outcome", "outcomes", Outcome)
THEMES = Kind("theme", "themes", Theme)
SERVICE_BUDGETS = Kind("service_budget", "service-budgets", ServiceBudget)
KINDS = (OUTCOMES, THEMES, SERVICE_BUDGETS)


def _council(request, council_slug):
    return managed_council(request, council_slug, can_manage_structure)


def _record(request, council_slug, kind, pk):
    """A record of the council's (else a 404, whoever asks), and whether the user may manage it (else a 403)."""
    council = get_council_or_404(request.user, council_slug)
    record = get_object_or_404(kind.model, council=council, pk=pk)
    can_manage_structure(request.user, council).require()
    record.council = council
    return council, record


def _context(council, kind=None, **extra):
    return {"council": council, "kind": kind, **extra}


@require_safe
def index(request, council_slug):
    """What the user may manage of the council: its people, plans and structure."""
    council = get_council_or_404(request.user, council_slug)
    allowed = {
        "people": can_manage_people(request.user, council),
        "plans": can_manage_plans(request.user, council),
        "structure": can_manage_structure(request.user, council),
    }
    if not any(allowed.values()):
        allowed["structure"].require()
    links = []
    if allowed["people"]:
        links.append((reverse("administration:people", args=[council.slug]), "People",
                       "Who may use the portal for the council, and their roles."))
    if allowed["plans"]:
        links.append((reverse("administration:plans", args=[council.slug]), "Budget plans",
                       "The council\u2019s budget rounds, their years and units."))
    if allowed["plans"]:  # the same people: the council's administrators
        links.append((reverse("administration:approval_rules", args=[council.slug]), "Approval rules",
                       "What a proposal must have before it is approved: a completed equality impact assessment."))
    if allowed["structure"]:
        links += [
            (reverse(OUTCOMES.url("list"), args=[council.slug]), "Outcomes",
             "The corporate outcomes proposals serve: their codes, titles and order."),
            (reverse(THEMES.url("list"), args=[council.slug]), "Themes",
             "The headings proposals are grouped under in the budget book, in order."),
            (reverse(SERVICE_BUDGETS.url("list"), args=[council.slug]), "Service budgets",
             "The service budgets and funding lines proposals\u2019 figures vary."),
        ]
    return render(request, "administration/structure/index.html", _context(council, links=links))


@require_safe
def record_list(request, council_slug, kind):
    council = _council(request, council_slug)
    accessor, one, many = kind.used_by
    records = list(
        kind.model.objects.filter(council=council).annotate(uses=Count(accessor))
        .order_by(*kind.model._meta.ordering[1:], "pk")
    )
    shown = structure.FIELDS[kind.model][:2]
    for record in records:
        record.council = council
        record.uses_text = f"{record.uses:,} {one if record.uses == 1 else many}" if record.uses else ""
        record.cells = [
            record.get_kind_display() if name == "kind" else Truncator(getattr(record, name)).chars(120)
            for name in shown
        ]
    return render(request, "administration/structure/list.html", _context(
        council, kind, records=records, headings=kind.columns[:len(shown)]))


def _save(request, council, kind, record):
    """The add or edit page: the form, and on a good POST the write through the service."""
    form_class = record_form(kind.model)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if record is None:
                    saved = structure.create(kind.model, council=council, user=request.user, **form.cleaned_data)
                else:
                    saved = structure.update(record=record, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                verb = "added" if record is None else "saved"
                messages.success(request, f"{saved.council_record_name()} has been {verb}.")
                return redirect(kind.url("list"), council.slug)
    elif record is None:
        form = form_class(initial={"kind": ServiceBudget.Kind.SERVICE} if kind is SERVICE_BUDGETS else None)
    else:
        form = form_class(initial={name: getattr(record, name) for name in structure.FIELDS[kind.model]})
    return render(request, "administration/structure/form.html", _context(council, kind, form=form, record=record),
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def record_add(request, council_slug, kind):
    return _save(request, _council(request, council_slug), kind, None)


@require_http_methods(["GET", "POST"])
def record_edit(request, council_slug, kind, pk):
    council, record = _record(request, council_slug, kind, pk)
    return _save(request, council, kind, record)


@require_http_methods(["GET", "POST"])
def record_delete(request, council_slug, kind, pk):
    """GET asks to confirm (or says what uses the record); POST deletes, unless it is in use."""
    council, record = _record(request, council_slug, kind, pk)
    refusal = structure.in_use_message(record)
    if request.method == "POST":
        name = record.council_record_name()
        try:
            structure.delete(record=record, user=request.user)
        except ValidationError as error:
            refusal = " ".join(error.messages)
        else:
            messages.success(request, f"{name} has been deleted.")
            return redirect(kind.url("list"), council.slug)
    measures = list(record.measures.all()) if kind is OUTCOMES else []
    return render(request, "administration/structure/delete.html",
                  _context(council, kind, record=record, refusal=refusal, measures=measures),
                  status=400 if refusal and request.method == "POST" else 200)


@require_POST
def record_move(request, council_slug, kind, pk):
    council, record = _record(request, council_slug, kind, pk)
    direction = request.POST.get("direction")
    if direction not in (structure.UP, structure.DOWN):
        return HttpResponseBadRequest("Move up or down.")
    try:
        structure.move(record=record, user=request.user, direction=direction)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{record.council_record_name()} has been moved {direction}.")
    return redirect(reverse(kind.url("list"), args=[council.slug]) + f"#{kind.name}-{record.pk}")


@require_http_methods(["GET", "POST"])
def record_paste(request, council_slug, kind):
    """Paste or upload a list, and see what it would create."""
    council = _council(request, council_slug)
    form = ListForm(request.POST, request.FILES) if request.method == "POST" else ListForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload:
                rows, source = rows_of_upload(upload, upload.name), upload.name
            else:
                rows, source = rows_of_text(form.cleaned_data["text"]), "the pasted list"
        except Refused as refusal:
            form.add_error("file" if upload else "text", str(refusal))
        else:
            plan = plan_list(kind.model, council, rows, source=source)
            request.session.pop(SESSION_KEY, None)
            token = secrets.token_urlsafe(24) if plan.can_apply else None
            if token:
                request.session[SESSION_KEY] = {
                    "token": token, "council": council.pk, "kind": kind.name, "rows": plan.stored(),
                }
            return render(request, "administration/structure/preview.html",
                          _context(council, kind, plan=plan, token=token))
    return render(request, "administration/structure/paste.html", _context(council, kind, form=form),
                  status=400 if form.errors else 200)


@require_POST
def record_paste_confirm(request, council_slug, kind):
    """Create what the preview showed: the plan kept on the server, once."""
    council = _council(request, council_slug)
    stored = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if (
        not stored or not token or not constant_time_compare(stored["token"], token)
        or stored["council"] != council.pk or stored["kind"] != kind.name
    ):
        messages.error(request, "This preview has expired or has already been used. Paste or upload the list again.")
        return redirect(kind.url("paste"), council.slug)
    del request.session[SESSION_KEY]
    try:
        created = apply_plan(kind.model, council, request.user, stored["rows"])
    except ListFailed as failure:
        messages.error(request, str(failure))
        return redirect(kind.url("paste"), council.slug)
    count = len(created)
    messages.success(request, f"{count:,} {kind.noun if count == 1 else kind.model._meta.verbose_name_plural} "
                              f"{'has' if count == 1 else 'have'} been added.")
    return redirect(kind.url("list"), council.slug)


def _patterns(kind):
    views = [
        ("", record_list, "list"), ("add/", record_add, "add"), ("<int:pk>/", record_edit, "edit"),
        ("<int:pk>/delete/", record_delete, "delete"), ("paste/", record_paste, "paste"),
        ("paste/confirm/", record_paste_confirm, "confirm"),
    ]
    if kind.ordered:
        views.append(("<int:pk>/move/", record_move, "move"))
    return [path(f"{kind.path}/{route}", view, {"kind": kind}, name=f"{kind.name}_{action}")
            for route, view, action in views]


urlpatterns = [path("", index, name="index")] + [pattern for kind in KINDS for pattern in _patterns(kind)]
