"""A council's budget plans (rounds), for its administrators: the list, a new plan, a
plan's changes, and closing and reopening one (POST).

Under /c/<council>/settings/plans/ (see administration/urls.py). A council the user has
no role in is a 404; a role that may not manage plans (``permissions.can_manage_plans``)
a 403. Every write goes through ``proposals.plans``, which checks the values (its
messages are shown against the fields here) and records the change.
"""
from django import forms
from django.contrib import messages
from django.db.models import Count, IntegerField, Max, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jobs.kinds import ROLL_FORWARD, Refused
from jobs.services import start_job
from proposals import years as fy
from proposals.forms import error_summary
from proposals.models import BudgetPlan, PlanYear, Proposal, Status
from proposals.permissions import WorkflowError, can_change_plan, can_manage_plans, can_roll_forward
from proposals.plans import MAX_TEXT, MAX_YEARS, PlanInvalid, close_plan, create_plan, reopen_plan, update_plan
from proposals.roll_forward import DEFAULT_STATUSES, RollForwardInvalid, preview_roll_forward

from .access import managed_council

YEAR_HINT = "A financial year, for example 2025/26."
# The service's fields -> this form's field their message is shown against.
FIELD_FOR = {"years": "first_year"}


def _year_field(label, help_text=YEAR_HINT):
    return forms.CharField(label=label, max_length=9, help_text=help_text,
                           widget=forms.TextInput(attrs={"size": 9, "spellcheck": "false"}),
                           error_messages={"required": f"Enter the {label.lower()}, for example 2025/26"})


class PlanForm(forms.Form):
    """A plan's values as typed; ``proposals.plans.check_plan`` decides whether they are
    right (this form only reads the year labels and bounds the text)."""

    name = forms.CharField(max_length=200, error_messages={"required": "Enter the plan\u2019s name"},
                           help_text="As the council\u2019s papers name the round, for example "
                                     "\u201cMTFS 2025/26 to 2027/28\u201d.")
    slug = forms.CharField(label="Address name", max_length=80,
                           error_messages={"required": "Enter the plan\u2019s address name"},
                           help_text="Used in the plan\u2019s web addresses: letters, numbers and hyphens, "
                                     "for example mtfs-2025-28.",
                           widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}))
    base_year = _year_field("Base year", "The year of the approved budget the figures vary, for example 2024/25.")
    first_year = _year_field("From", f"The plan\u2019s first financial year, for example 2025/26 "
                                     f"(at most {MAX_YEARS} years, after the base year).")
    last_year = _year_field("To", "Its last financial year, for example 2027/28.")
    unit = forms.ChoiceField(label="Unit the council works in", choices=BudgetPlan.Unit.choices,
                             initial=BudgetPlan.Unit.MILLIONS, widget=forms.RadioSelect,
                             help_text="How figures are shown and typed on the plan\u2019s pages. They are kept "
                                       "exactly, in £ thousands, whichever you choose.")
    source = forms.CharField(label="Source", required=False, max_length=MAX_TEXT, widget=forms.Textarea(
        attrs={"rows": 2}), help_text="Where the figures come from, for example the cabinet paper.")
    note = forms.CharField(label="Note", required=False, max_length=MAX_TEXT, widget=forms.Textarea(
        attrs={"rows": 2}))

    def _year(self, name):
        try:
            return fy.parse_label(self.cleaned_data[name])
        except fy.YearError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_base_year(self):
        return self._year("base_year")

    def clean_first_year(self):
        return self._year("first_year")

    def clean_last_year(self):
        return self._year("last_year")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if first is not None and last is not None and last < first:
            self.add_error("last_year", f"{fy.label(last)} is before {fy.label(first)}; give the last year after "
                                        "the first.")
        return cleaned

    def values(self):
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"], "slug": data["slug"], "base_year": data["base_year"],
            "years": list(range(data["first_year"], data["last_year"] + 1)), "unit": data["unit"],
            "source": data["source"], "note": data["note"],
        }

    def refuse(self, invalid):
        """Show a PlanInvalid's messages against their fields."""
        for field, texts in invalid.errors.items():
            for text in texts:
                self.add_error(FIELD_FOR.get(field, field) if FIELD_FOR.get(field, field) in self.fields else None,
                               text)

    @classmethod
    def for_plan(cls, plan, data=None):
        years = list(plan.years.all())
        initial = {
            "name": plan.name, "slug": plan.slug, "base_year": plan.base_year_label, "unit": plan.unit,
            "first_year": years[0].label if years else "", "last_year": years[-1].label if years else "",
            "source": plan.source, "note": plan.note,
        }
        return cls(data, initial=initial)


def _council(request, council_slug):
    return managed_council(request, council_slug, can_manage_plans)


def _plan(council, plan_slug):
    plan = get_object_or_404(BudgetPlan.objects.filter(council=council), slug=plan_slug)
    plan.council = council
    return plan


def _per_plan(queryset, link, aggregate):
    """A subquery of ``aggregate`` over ``queryset``'s rows of each plan (``link`` is their plan)."""
    return Subquery(
        queryset.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(value=aggregate).values("value"),
        output_field=IntegerField(),
    )


def plans_of(council):
    """The council's plans, newest first, each with its number of proposals and its first
    and last year and number of years: one query."""
    years = PlanYear.objects.all()
    return (
        BudgetPlan.objects.filter(council=council).newest_first().annotate(
            proposal_count=Coalesce(_per_plan(Proposal.objects.all(), "plan", Count("pk")), Value(0)),
            year_count=Coalesce(_per_plan(years, "plan", Count("pk")), Value(0)),
            first_year=_per_plan(years, "plan", Min("start_year")),
            last_year=_per_plan(years, "plan", Max("start_year")),
        )
    )


@require_safe
def plan_list(request, council_slug):
    council = _council(request, council_slug)
    plans = list(plans_of(council))
    for plan in plans:
        plan.council = council
        plan.years_text = (f"{fy.label(plan.first_year)} to {fy.label(plan.last_year)}"
                           if plan.year_count else "no years")
    return render(request, "administration/plans/list.html", {"council": council, "plans": plans})


@require_http_methods(["GET", "POST"])
def plan_new(request, council_slug):
    council = _council(request, council_slug)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = create_plan(council=council, user=request.user, **form.values())
        except PlanInvalid as invalid:
            form.refuse(invalid)
        else:
            messages.success(request, f"{plan.name} has been created, open, in {plan.unit_label}.")
            return redirect("administration:plans", council.slug)
    return render(request, "administration/plans/form.html", {
        "council": council, "form": form, "plan": None, "errors": error_summary(form, "id_name"),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def plan_edit(request, council_slug, plan_slug):
    council = _council(request, council_slug)
    plan = _plan(council, plan_slug)
    changing = can_change_plan(request.user, plan)
    form = PlanForm.for_plan(plan, request.POST if request.method == "POST" and changing else None)
    if request.method == "POST":
        if not changing:
            messages.error(request, changing.reason)
            return redirect("administration:plan_edit", council.slug, plan.slug)
        if form.is_valid():
            try:
                changeset = update_plan(plan=plan, user=request.user, **form.values())
            except PlanInvalid as invalid:
                form.refuse(invalid)
            except WorkflowError as error:  # closed meanwhile
                messages.error(request, str(error))
                return redirect("administration:plan_edit", council.slug, plan.slug)
            else:
                if changeset is None:
                    messages.info(request, "Nothing had changed, so nothing was saved.")
                else:
                    count = len(changeset.recorded_changes)
                    messages.success(request, f"Your changes to {plan.name} have been saved "
                                              f"({count} change{'s' if count != 1 else ''}).")
                return redirect("administration:plans", council.slug)
    if form.is_bound and form.errors:
        plan.refresh_from_db()  # show the plan as it is, not as the refused values left it
        plan.council = council
    return render(request, "administration/plans/form.html", {
        "council": council, "form": form, "plan": plan, "changing": changing, "errors": error_summary(form, "id_name"),
    }, status=400 if form.errors else 200)


def _set_closed(request, council_slug, plan_slug, change, done):
    council = _council(request, council_slug)
    plan = _plan(council, plan_slug)
    try:
        change(plan=plan, user=request.user)
    except PlanInvalid as invalid:
        messages.error(request, str(invalid))
    else:
        messages.success(request, f"{plan.name} {done}")
    return redirect("administration:plans", council.slug)


@require_POST
def plan_close(request, council_slug, plan_slug):
    return _set_closed(request, council_slug, plan_slug, close_plan,
                       "is closed: its proposals cannot change until it is reopened.")


@require_POST
def plan_reopen(request, council_slug, plan_slug):
    return _set_closed(request, council_slug, plan_slug, reopen_plan, "is open again: its proposals can change.")


@require_http_methods(["GET", "POST"])
def plan_roll_forward(request, council_slug, plan_slug):
    """The next round from this plan: a form (new name and address, statuses to carry), a
    preview of what would be carried, and, on "Roll forward", a background job that makes
    the new plan (``jobs.kinds.ROLL_FORWARD``: its status page then opens the plan)."""
    council = _council(request, council_slug)
    plan = _plan(council, plan_slug)
    can_roll_forward(request.user, plan).require()
    data = request.POST if request.method == "POST" else request.GET
    statuses = data.getlist("status") if "status" in data or data.get("previewed") else list(DEFAULT_STATUSES)
    next_base = fy.label(plan.base_year + 1)
    typed = {"name": data.get("name", "")[:300], "slug": data.get("slug", "")[:100], "statuses": statuses}
    errors, preview = [], None
    if request.method == "POST" and "preview" not in request.POST:
        try:
            job = start_job(user=request.user, kind=ROLL_FORWARD, posted={
                "council": council.slug, "plan": plan.slug, "name": typed["name"], "slug": typed["slug"],
                "status": statuses})
        except Refused as refused:
            errors = [("id_statuses_0" if field == "statuses" else f"id_{field}", message)
                      for field, message in (refused.errors or {"name": str(refused)}).items()]
        else:
            return redirect("jobs:status", job.pk)
    try:
        preview = preview_roll_forward(plan, statuses)
    except RollForwardInvalid as invalid:
        errors = errors or [(f"id_{field}", message) for field, message in invalid.errors.items()]
    return render(request, "administration/plans/roll_forward.html", {
        "council": council, "plan": plan, "preview": preview, "errors": errors, "typed": typed,
        "statuses": Status.choices, "next_base": next_base,
        "new_year": fy.label(preview.new_year) if preview else "",
    }, status=400 if errors and request.method == "POST" else 200)


urlpatterns = [
    path("", plan_list, name="plans"),
    path("new/", plan_new, name="plan_new"),
    path("<slug:plan_slug>/", plan_edit, name="plan_edit"),
    path("<slug:plan_slug>/close/", plan_close, name="plan_close"),
    path("<slug:plan_slug>/reopen/", plan_reopen, name="plan_reopen"),
    path("<slug:plan_slug>/roll-forward/", plan_roll_forward, name="plan_roll_forward"),
]
