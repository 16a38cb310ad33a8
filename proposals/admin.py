"""The Django admin, set up for a finance officer.

A proposal's change form shows its impact lines inline with one £m box per financial
year of its plan (Django has no nested inlines, so the line form carries the yearly
figures itself). Nothing here saves a proposal, line or figure directly: the header and
every line's figures are collected and handed to ``proposals.services`` in ONE call, so
the audit trail, the stored net, the increments and the optimistic lock stay right.

What a user sees and may do follows their council role (see ``councils.admin``).
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from councils.access import display_name
from councils.admin import CouncilAdmin, CouncilScopedAdmin, MembershipAdmin, ScopedInlineMixin
from councils.models import Council, Membership
from outcomes.admin import OutcomeAdmin
from outcomes.models import Outcome

from .fields import MoneyField
from .history_admin import RecordedAdmin
from .models import BudgetPlan, Change, ChangeSet, ImpactLine, PlanYear, Proposal, ServiceBudget, Theme, Variation
from .money import format_m
from .permissions import can_edit
from .references import parse_reference, reference_in_use_message
from .services import (
    HEADER_FIELDS,
    ConflictError,
    LineInput,
    ReadOnlyError,
    ReferenceInUse,
    changes_since,
    create_proposal,
    save_proposal,
)

related_only = admin.RelatedOnlyFieldListFilter

admin.site.site_header = "Budget Portal administration"
admin.site.site_title = "Budget Portal admin"
admin.site.index_title = "Budget records"
PROPOSAL_FIELDS = ["plan", "reference", "title", "kind", "outcome", "theme", "description"]


def figure_field_name(year):
    return f"figure_{year.start_year}"


def plan_years_of(proposal):
    """The proposal's plan years, read once per request and kept on the object."""
    if not hasattr(proposal, "plan_years_read"):
        proposal.plan_years_read = list(proposal.plan.years.all())
    return proposal.plan_years_read


def describe_conflict(proposal, saves):
    """A message saying who saved ``proposal`` meanwhile (``saves``: their ChangeSets) and what."""
    if not saves:
        return (
            f"{proposal.display_reference} {proposal.title} was changed after you opened it. "
            "Your changes have not been saved; reload the page and make them again."
        )
    parts = []
    for changeset in saves:
        who = display_name(changeset.user)
        when = date_format(localtime(changeset.at), "j M Y H:i")
        what = "; ".join(change.describe() for change in changeset.changes.all()) or changeset.get_action_display()
        parts.append(f"{who} at {when}: {what}")
    return (
        f"{proposal.display_reference} {proposal.title} was changed by someone else after you opened it "
        f"({' | '.join(parts)}). Your changes have not been saved; reload the page and make them again."
    )


class ProposalAdminForm(forms.ModelForm):
    # The version the form was opened at; save_proposal refuses a save from an old one.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Proposal
        fields = PROPOSAL_FIELDS
        help_texts = {
            "reference": 'As published, without brackets ("33"). Leave empty for a new proposal '
                         "not yet numbered; it shows as [NEW].",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            council_id = self.instance.plan.council_id
            for name in ("outcome", "theme"):
                if name in self.fields:
                    self.fields[name].queryset = self.fields[name].queryset.filter(council_id=council_id)
        else:
            del self.fields["expected_version"]

    def clean_reference(self):
        return parse_reference(self.cleaned_data.get("reference"))

    def clean(self):
        cleaned = super().clean()
        plan = self.instance.plan if self.instance.pk else cleaned.get("plan")
        if plan is None:
            return cleaned
        reference = cleaned.get("reference")
        if reference:
            clash = Proposal.objects.filter(plan=plan, reference=reference).exclude(pk=self.instance.pk).first()
            if clash:
                self.add_error("reference", reference_in_use_message(reference, clash.title))
        for name, noun in (("outcome", "an outcome"), ("theme", "a theme")):
            value = cleaned.get(name)
            if value is not None and value.council_id != plan.council_id:
                self.add_error(name, f"Choose {noun} of {plan.council}, the council of this plan.")
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected != self.instance.version:
            saves = changes_since(self.instance, expected) if expected is not None else []
            raise ValidationError(describe_conflict(self.instance, saves))
        return cleaned


class ImpactLineForm(forms.ModelForm):
    """A line with one £m box per year of its proposal's plan (set by ``impact_line_form_for``).

    A blank box is an unprofiled year; "0.000" (or "No change") is No change."""

    plan_years = ()
    council_id = None

    class Meta:
        model = ImpactLine
        fields = ["service_budget"]
        labels = {"service_budget": "Service budget or funding line"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.council_id is not None:
            field = self.fields["service_budget"]
            field.queryset = field.queryset.filter(council_id=self.council_id)
        if self.instance.pk:
            amounts = {variation.year_id: variation.amount_k for variation in self.instance.variations.all()}
            for year in self.plan_years:
                self.initial.setdefault(figure_field_name(year), format_m(amounts.get(year.pk)))

    def clean(self):
        cleaned = super().clean()
        cleaned["figures"] = {
            year: cleaned[figure_field_name(year)] for year in self.plan_years if figure_field_name(year) in cleaned
        }
        return cleaned


def impact_line_form_for(proposal):
    """An ImpactLineForm class with a £m box for each year of ``proposal``'s plan."""
    years = plan_years_of(proposal)
    attrs = {"plan_years": years, "council_id": proposal.plan.council_id, "__module__": __name__}
    for year in years:
        attrs[figure_field_name(year)] = MoneyField(
            label=year.label,
            widget=forms.TextInput(attrs={"size": 9, "class": "figure-input", "spellcheck": "false",
                                          "autocomplete": "off"}),
        )
    return type(ImpactLineForm)("ImpactLineFiguresForm", (ImpactLineForm,), attrs)


class ImpactLineFormSet(BaseInlineFormSet):
    def clean(self):
        seen = set()
        duplicate = False
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (self.can_delete and form.cleaned_data.get("DELETE")):
                continue
            budget = form.cleaned_data.get("service_budget")
            if budget is None:
                continue
            if budget.pk in seen:
                duplicate = True
                form.add_error(
                    "service_budget",
                    f"{budget.name} is already on another line of this proposal. "
                    "Put all its figures on one line.",
                )
            seen.add(budget.pk)
        if not duplicate:  # Django's own duplicate check would only repeat ours, less clearly
            super().clean()


class ImpactLineInline(ScopedInlineMixin, admin.TabularInline):
    model = ImpactLine
    form = ImpactLineForm
    formset = ImpactLineFormSet
    extra = 1
    verbose_name = "impact line"
    verbose_name_plural = "Impact lines: cumulative variation to the base-year budget, £m"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget = field.widget.widget  # no add/change pop-ups crowding the figures table
        return field

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .select_related("service_budget")
            .prefetch_related(Prefetch("variations", queryset=Variation.objects.select_related("year")))
        )

    def _editable(self, request, obj):
        return obj is not None and self._parent_admin().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if not self._editable(request, obj):
            return ["service_budget", "figures"]
        return ["service_budget", *(figure_field_name(year) for year in plan_years_of(obj))]

    def get_readonly_fields(self, request, obj=None):
        return [] if self._editable(request, obj) else ["service_budget", "figures"]

    def get_formset(self, request, obj=None, **kwargs):
        if self._editable(request, obj):
            kwargs["form"] = impact_line_form_for(obj)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="Figures (£m)")
    def figures(self, line):
        amounts = {variation.year_id: variation.amount_k for variation in line.variations.all()}
        return " \u00b7 ".join(
            f"{year.label} {format_m(amounts.get(year.pk), blank='not profiled')}"
            for year in plan_years_of(line.proposal)
        )


@admin.register(Proposal)
class ProposalAdmin(CouncilScopedAdmin):
    council_lookup = "plan__council"
    form = ProposalAdminForm
    inlines = [ImpactLineInline]
    list_display = ["reference_display", "title", "net_m", "status", "kind", "theme", "outcome_code"]
    list_display_links = ["reference_display", "title"]
    list_filter = [("plan", related_only), ("outcome", related_only), ("theme", related_only), "kind", "status"]
    search_fields = ["=reference", "title"]
    search_help_text = 'Search by reference ("33", "[33]" or "[NEW]") or words of the title.'
    list_select_related = ["outcome", "theme"]
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="Ref", ordering="reference")
    def reference_display(self, obj):
        return obj.display_reference

    @admin.display(description="Outcome", ordering="outcome__code")
    def outcome_code(self, obj):
        return obj.outcome.code

    @admin.display(description="Net £m (all years)", ordering="net_k")
    def net_m(self, obj):
        return format_m(obj.net_k)

    @admin.display(description="Version")
    def updated(self, obj):
        who = display_name(obj.updated_by)
        return f"{obj.version}, last changed by {who} on {date_format(localtime(obj.updated_at), 'j M Y H:i')}"

    @admin.display(description="History")
    def history_link(self, obj):
        url = reverse("admin:proposals_changeset_changelist") + f"?proposal__id__exact={obj.pk}"
        return format_html('<a href="{}">Every change to this proposal</a>', url)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan__council", "updated_by")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term and parse_reference(term) is None:  # "NEW" or "[NEW]"
            return queryset.filter(reference__isnull=True), False
        return super().get_search_results(request, queryset, parse_reference(term) or "")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {
                "fields": PROPOSAL_FIELDS,
                "description": "Save the proposal first: its impact lines and yearly figures are entered "
                               "on the next page, with a box for each year of the plan you choose.",
            })]
        editable = self.has_change_permission(request, obj)
        status_note = (
            "Status is changed on the proposal's page in the portal (submit, approve, return to draft)."
            if editable else
            "This proposal is approved, so it is read-only until an approver returns it to draft."
            if obj.is_read_only else None
        )
        return [
            (None, {"fields": [*PROPOSAL_FIELDS, *(["expected_version"] if editable else [])]}),
            ("Status and history", {"fields": ["status", "net_m", "updated", "history_link"],
                                    "description": status_note}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["plan", "status", "net_m", "updated", "history_link"]

    def get_inline_instances(self, request, obj=None):
        # Lines come after the first save: their year boxes depend on the plan chosen.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not can_edit(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # proposals are withdrawn, never deleted: their history must stay

    # Saving: everything goes through proposals.services, in one call per save.

    def save_model(self, request, obj, form, change):
        if change:
            return  # saved with its lines by save_related, in one call
        created = create_proposal(
            plan=form.cleaned_data["plan"], user=request.user, lines=[], fields=self._header(form),
        )
        obj.pk, obj.version, obj.net_k = created.pk, created.version, created.net_k  # for the log and redirect

    def save_related(self, request, form, formsets, change):
        if not change:
            return
        lines = []
        for formset in formsets:
            deleted = formset.deleted_forms
            for line_form in formset.forms:
                data = getattr(line_form, "cleaned_data", None) or {}
                if line_form in deleted or data.get("service_budget") is None:
                    continue
                lines.append(LineInput(service_budget=data["service_budget"], figures=data["figures"]))
        request._proposal_changeset = save_proposal(
            proposal=form.instance, user=request.user, fields=self._header(form), lines=lines,
            expected_version=form.cleaned_data["expected_version"], plan_years=plan_years_of(form.instance),
        )

    @staticmethod
    def _header(form):
        return {name: form.cleaned_data[name] for name in HEADER_FIELDS if name in form.cleaned_data}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConflictError as error:  # someone saved between the form's check and ours
            self.message_user(request, describe_conflict(error.proposal, error.changesets), messages.ERROR)
        except ReadOnlyError as error:
            self.message_user(request, f"{error} Nothing was saved.", messages.ERROR)
        except ReferenceInUse as error:  # taken by someone else between the form's check and the save
            self.message_user(request, f"{error}. Nothing was saved.", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def construct_change_message(self, request, form, formsets, add=False):
        if add:
            return [{"added": {}}]
        changeset = getattr(request, "_proposal_changeset", None)
        if changeset is None:
            return "Saved with no changes."
        return f"Saved as version {changeset.version}; the changes are in the proposal's history."

    def response_add(self, request, obj, post_url_continue=None):
        if "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request, f"{obj.display_reference} {obj.title} was added. Now add its impact lines and yearly figures.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:proposals_proposal_change", args=[obj.pk]))


class PlanYearInline(ScopedInlineMixin, admin.TabularInline):
    model = PlanYear
    extra = 0
    fields = ["start_year", "label"]
    readonly_fields = ["label"]


@admin.register(BudgetPlan)
class BudgetPlanAdmin(RecordedAdmin, CouncilScopedAdmin):
    officers_may_edit = False  # a plan's years are set up by an administrator
    list_display = ["name", "council", "base_year_label", "slug"]
    list_filter = [("council", related_only)]
    search_fields = ["name", "slug"]
    list_select_related = ["council"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["council", "name", "slug", "base_year", "source", "note"]
    inlines = [PlanYearInline]

    @admin.display(description="Base year", ordering="base_year")
    def base_year_label(self, obj):
        return obj.base_year_label


@admin.register(Theme)
class ThemeAdmin(RecordedAdmin, CouncilScopedAdmin):
    list_display = ["name", "council", "position"]
    list_filter = [("council", related_only)]
    search_fields = ["name"]
    list_select_related = ["council"]
    fields = ["council", "name", "description", "position"]


@admin.register(ServiceBudget)
class ServiceBudgetAdmin(RecordedAdmin, CouncilScopedAdmin):
    list_display = ["name", "kind", "council"]
    list_filter = [("council", related_only), "kind"]
    search_fields = ["name"]
    list_select_related = ["council"]
    fields = ["council", "name", "kind"]


# The audit trail: readable, never writable, by anyone (administrators included).

class ReadOnlyHistoryMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangeInline(ReadOnlyHistoryMixin, ScopedInlineMixin, admin.TabularInline):
    model = Change
    fields = ["kind", "field", "year_label", "old", "new"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ChangeSet)
class ChangeSetAdmin(ReadOnlyHistoryMixin, CouncilScopedAdmin):
    list_display = ["at", "proposal", "subject_label", "action", "who", "version", "note"]
    list_filter = ["action", ("council", related_only)]
    search_fields = ["proposal__reference", "proposal__title", "subject_label", "note"]
    list_select_related = ["proposal", "user"]
    fields = ["proposal", "subject_label", "council", "who", "at", "action", "version", "note", "previous_hash", "hash"]
    readonly_fields = fields
    inlines = [ChangeInline]

    @admin.display(description="By", ordering="user__username")
    def who(self, obj):
        return (obj.user.get_full_name() or obj.user.get_username()) if obj.user else "the published document"


@admin.register(Change)
class ChangeAdmin(ReadOnlyHistoryMixin, CouncilScopedAdmin):
    council_lookup = "changeset__council"
    list_display = ["changeset", "kind", "field", "year_label", "old", "new"]
    list_filter = ["kind"]
    search_fields = ["field", "changeset__proposal__title", "changeset__proposal__reference"]
    list_select_related = ["changeset__proposal"]
    fields = ["changeset", "kind", "field", "year_label", "old", "new", "old_k", "new_k"]
    readonly_fields = fields


# Outcomes, councils and memberships are recorded in the audit trail too. It lives in
# this app, which their apps may not depend on, so their admin pages are registered
# again from here with the recording in front.
admin.site.unregister([Outcome, Membership, Council])

@admin.register(Outcome)
class RecordedOutcomeAdmin(RecordedAdmin, OutcomeAdmin):
    pass


@admin.register(Membership)
class RecordedMembershipAdmin(RecordedAdmin, MembershipAdmin):
    pass


@admin.register(Council)
class RecordedCouncilAdmin(RecordedAdmin, CouncilAdmin):
    # A council's chain is its own; a council with any history cannot be deleted (PROTECT).
    record_deletions = False
