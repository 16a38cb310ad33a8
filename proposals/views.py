from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from councils.access import councils_for, get_council_or_404

from .forms import ProposalEditor, error_summary
from .models import BudgetPlan, ChangeSet, Proposal, Status
from .permissions import (
    WorkflowError,
    can_create,
    can_edit,
    can_edit_in,
    can_manage_people,
    can_manage_plans,
    can_manage_structure,
    can_move,
    get_plan_or_404,
)
from .queue import Counts, awaiting_approval, my_drafts
from .recent import RecentChangesFilter
from .services import (
    ConflictError,
    ReadOnlyError,
    ReferenceInUse,
    change_status,
    create_proposal,
    save_proposal,
)

CHECK = "check_totals"  # the edit grid's "Check totals" button: recompute the footer, save nothing


@require_safe
def home(request):
    """What needs this user (proposals waiting for their approval, their drafts), then
    the councils and plans they may see."""
    councils = list(councils_for(request.user).prefetch_related(
        Prefetch("plans", queryset=BudgetPlan.objects.annotate(proposal_count=Count("proposals")))
    ))
    editable = {council.pk for council in councils if can_edit_in(request.user, council)}
    administered = {
        council.pk for council in councils
        if any(can(request.user, council) for can in (can_manage_people, can_manage_plans, can_manage_structure))
    }
    awaiting, drafts = awaiting_approval(request.user), my_drafts(request.user)
    return render(request, "proposals/home.html", {
        "councils": councils, "editable_council_ids": editable, "settings_council_ids": administered,
        "awaiting": awaiting, "drafts": drafts,
        # The navigation's counts are these queues' totals: no second count on this page.
        "waiting": Counts(awaiting=awaiting.total, drafts=drafts.total),
    })


def proposal_page_url(proposal):
    """The read-only proposal page (in the reports app)."""
    return reverse("reports:proposal_detail", args=[proposal.plan.council.slug, proposal.plan.slug, proposal.pk])


def _get_proposal(user, council_slug, plan_slug, pk):
    plan = get_plan_or_404(user, council_slug, plan_slug)
    proposal = get_object_or_404(
        Proposal.objects.select_related("theme", "outcome", "created_by", "updated_by", "approved_by"),
        plan=plan, pk=pk,
    )
    proposal.plan = plan  # already fetched with its council
    return plan, proposal


@require_http_methods(["GET", "POST"])
def new_proposal(request, council_slug, plan_slug):
    plan = get_plan_or_404(request.user, council_slug, plan_slug)
    can_edit_in(request.user, plan.council).require()
    creating = can_create(request.user, plan)
    if not creating:  # the plan is closed
        messages.error(request, creating.reason)
        return redirect("reports:rollup", plan.council.slug, plan.slug)
    editor = ProposalEditor(plan=plan, data=request.POST if request.method == "POST" else None)
    checked = request.method == "POST" and CHECK in request.POST
    if request.method == "POST":
        if "add_line" in request.POST:
            editor = editor.redraw(extra_line=True)
        elif checked:
            editor = editor.redraw()
        elif editor.is_valid():
            try:
                proposal = create_proposal(
                    plan=plan, user=request.user, fields=editor.fields(), lines=editor.line_inputs(),
                    plan_years=editor.plan_years,
                )
            except ReferenceInUse as error:  # taken by someone else since the form checked it
                editor.refuse_reference(error)
            else:
                proposal.plan = plan
                messages.success(request, f"{proposal.display_reference} {proposal.title} has been created as a draft.")
                return redirect(proposal_page_url(proposal))
    return render(request, "proposals/proposal_form.html", {
        "plan": plan, "council": plan.council, "editor": editor, "proposal": None, "cancel_url": reverse("home"),
        "totals": editor.totals(), "checked": checked,
    })


@require_http_methods(["GET", "POST"])
def edit_proposal(request, council_slug, plan_slug, pk):
    plan, proposal = _get_proposal(request.user, council_slug, plan_slug, pk)
    can_edit_in(request.user, plan.council).require()
    editing = can_edit(request.user, proposal)
    if not editing:
        messages.error(request, editing.reason)
        return redirect(proposal_page_url(proposal))

    conflict = None
    if request.method == "GET":
        editor = ProposalEditor(plan=plan, proposal=proposal)
    elif "add_line" in request.POST:
        editor = ProposalEditor(plan=plan, proposal=proposal, data=request.POST).redraw(extra_line=True)
    elif CHECK in request.POST:  # "Check totals": the footer from what is typed, nothing saved
        editor = ProposalEditor(plan=plan, proposal=proposal, data=request.POST).redraw()
    else:
        editor = ProposalEditor(plan=plan, proposal=proposal, data=request.POST)
        if editor.is_valid():
            if editor.version is None:
                return HttpResponseBadRequest("The form is missing the version it was opened at.")
            try:
                saved = save_proposal(
                    proposal=proposal, user=request.user, fields=editor.fields(), lines=editor.line_inputs(),
                    expected_version=editor.version, plan_years=editor.plan_years,
                )
            except ConflictError as error:
                conflict = error
                # Merge: their changes come in where this user left a value alone; this
                # user's own changes stay, so saving again loses neither person's edit.
                editor = editor.merge_after_conflict(error)
            except ReadOnlyError as error:
                messages.error(request, str(error))
                return redirect(proposal_page_url(proposal))
            except ReferenceInUse as error:  # taken by someone else since the form checked it
                editor.refuse_reference(error)
            else:
                if saved is None:
                    messages.info(request, "Nothing had changed, so nothing was saved.")
                else:
                    count = len(saved.recorded_changes)
                    messages.success(
                        request, f"Your changes to {proposal.display_reference} {proposal.title} have been saved "
                                 f"({count} change{'s' if count != 1 else ''})."
                    )
                return redirect(proposal_page_url(proposal))
    return render(request, "proposals/proposal_form.html", {
        "plan": plan, "council": plan.council, "editor": editor, "proposal": proposal, "conflict": conflict,
        "conflict_heading": conflict.heading_for(request.user) if conflict else "",
        "cancel_url": proposal_page_url(proposal),
        "totals": editor.totals(), "checked": request.method == "POST" and CHECK in request.POST,
    }, status=409 if conflict else 200)


@require_POST
def change_proposal_status(request, council_slug, plan_slug, pk):
    plan, proposal = _get_proposal(request.user, council_slug, plan_slug, pk)
    to = request.POST.get("to", "")
    if to not in Status.values:
        return HttpResponseBadRequest("Unknown status.")
    moving = can_move(request.user, proposal, to)
    if moving.by_role:
        moving.require()
    try:
        version = int(request.POST["version"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("The form is missing the version it was opened at.")
    try:
        change_status(proposal=proposal, user=request.user, to=to, expected_version=version,
                      note=request.POST.get("note", "")[:300])
    except ConflictError:
        messages.error(
            request,
            "Someone changed this proposal after you opened it, so its status was not changed. "
            "Check the latest version below (its history says what changed), then try again.",
        )
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{proposal.display_reference} {proposal.title} is now {proposal.get_status_display().lower()}."
        )
    return redirect(proposal_page_url(proposal))


@require_GET
def proposal_history(request, council_slug, plan_slug, pk):
    plan, proposal = _get_proposal(request.user, council_slug, plan_slug, pk)
    changesets = (
        ChangeSet.objects.filter(proposal=proposal).select_related("user").prefetch_related("changes")
        .order_by("-at", "-id")
    )
    return render(request, "proposals/history.html", {
        "plan": plan, "council": plan.council, "proposal": proposal, "changesets": changesets,
        "proposal_url": proposal_page_url(proposal),
    })


@require_GET
def recent_changes(request, council_slug):
    """The council's latest saves, newest first, filtered by date, person and proposal."""
    council = get_council_or_404(request.user, council_slug)
    filters = RecentChangesFilter(request.GET if _filtering(request) else None, council=council)
    context = {"council": council, "filters": filters}
    if filters.is_bound and not filters.is_valid():
        context["errors"] = error_summary(filters)
        return render(request, "proposals/recent_changes.html", context, status=400)
    changesets = (
        ChangeSet.objects.filter(council=council)
        .select_related("user", "proposal__plan", "subject_type")
        .prefetch_related("changes")
        .order_by("-at", "-id")
    )
    if filters.is_bound:
        changesets = filters.apply(changesets)
    page = Paginator(changesets, 25).get_page(request.GET.get("page"))
    for changeset in page.object_list:
        if changeset.proposal is not None:  # else a plan, outcome, theme, budget or membership
            changeset.proposal.plan.council = council
            changeset.proposal_url = proposal_page_url(changeset.proposal)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(page=page, query=params.urlencode())
    return render(request, "proposals/recent_changes.html", context)


def _filtering(request):
    return any(request.GET.get(name) for name in RecentChangesFilter.base_fields)
