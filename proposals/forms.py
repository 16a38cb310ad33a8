"""The proposal form, in the layout of the budget book: the header fields, and a grid
of impact lines by the plan's financial years.

Figures are typed as people write them, in the plan's unit (£m or £000), and read only
by ``proposals.money.parse_in``; a blank cell is an unprofiled year, "No change" or 0 is a zero. Lines are added and
removed without JavaScript: a few blank rows, a "Remove" box on each line, and an
"Add another line" button that redraws the form with one more blank row.
"""
import re
from dataclasses import dataclass

from django import forms

from councils.access import display_name
from outcomes.models import Outcome

from . import governance, history
from .fields import MoneyField
from .models import (
    EIA_URL_LENGTH,
    GOVERNANCE_FIELDS,
    GOVERNANCE_NAME_LENGTH,
    Change,
    EiaStatus,
    Kind,
    Needed,
    Proposal,
    ServiceBudget,
    Theme,
    YesNo,
)
from .money import MoneyError, format_in, parse_in
from .references import NEW, parse_reference, reference_in_use_message
from .services import HEADER_FIELDS, LineInput, display_field, stored_value

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./\-]*$")
MAX_LINES = 40


def _year_field(year):
    return f"y{year.start_year}"



def error_summary(form, non_field_target=""):
    """[(id of the field to link, message)] for the error summary, in the form's order: a
    choice of radios or checkboxes links its first option; errors of the whole form link
    ``non_field_target`` (or are not linked)."""
    if not form.is_bound:
        return []
    found = [(non_field_target, message) for message in form.non_field_errors()]
    for bound in form:
        several = isinstance(bound.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
        target = f"{bound.auto_id}_0" if several else bound.id_for_label
        found += [(target, message) for message in bound.errors]
    return found

def _answer(choices, label):
    """A governance choice as radios, with "Not recorded" (blank) first: blank is not "No"."""
    return forms.ChoiceField(
        label=label, required=False, widget=forms.RadioSelect,
        choices=[("", governance.NOT_RECORDED), *choices.choices],
        error_messages={"invalid_choice": f"Choose one of the answers for {label.lower()}"},
    )


def _date(label):
    return forms.DateField(
        label=label, required=False,
        # A text box, as GOV.UK's patterns advise (a native date picker's parts show no visible focus).
        widget=forms.DateInput(attrs={"size": 12, "spellcheck": "false"}, format="%d/%m/%Y"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"],
        help_text="For example 5 February 2019, or 05/02/2019.",
        error_messages={"invalid": f"Enter the {label.lower()} as a real date, for example 05/02/2019"},
    )


class ProposalForm(forms.Form):
    reference = forms.CharField(
        required=False, max_length=22,
        help_text="The number as published, for example 33. Leave it blank for a new proposal "
                  "not yet numbered; it is shown as [NEW].",
    )
    title = forms.CharField(max_length=300, error_messages={"required": "Enter a title"})
    kind = forms.ChoiceField(
        choices=[("", "Choose the kind")] + Kind.choices, error_messages={"required": "Choose the kind of proposal"},
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(), required=False, empty_label="(no theme)",
        error_messages={"invalid_choice": "Choose one of this council's themes"},
    )
    outcome = forms.ModelChoiceField(
        queryset=Outcome.objects.none(), empty_label="Choose an outcome",
        error_messages={"required": "Choose the outcome the proposal serves",
                        "invalid_choice": "Choose one of this council's outcomes"},
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)

    # Governance (proposals.governance checks them together in clean()).
    key_decision = _answer(YesNo, "Key decision")
    consultation_needed = _answer(Needed, "Consultation needed")
    consultation_start = _date("Consultation start date")
    consultation_end = _date("Consultation end date")
    consultation_outcome = forms.CharField(
        label="Consultation outcome", required=False, max_length=governance.OUTCOME_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What the consultation found, as the paper reports it.",
    )
    eia_needed = _answer(Needed, "Equality impact assessment needed")
    eia_status = _answer(EiaStatus, "Equality impact assessment status")
    eia_url = forms.CharField(
        label="Link to the equality impact assessment", required=False, max_length=EIA_URL_LENGTH,
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url", "spellcheck": "false"}),
        help_text="Its web address, starting https:// or http://.",
    )
    portfolio_holder = forms.CharField(
        label="Portfolio holder", required=False, max_length=GOVERNANCE_NAME_LENGTH,
        help_text="As the council prints it, for example Cllr Jane Smith, Portfolio Holder for Adult Social Care.",
    )
    lead_officer = forms.CharField(
        label="Lead officer", required=False, max_length=GOVERNANCE_NAME_LENGTH,
        help_text="As the council prints it, for example Director of Adults’ Services.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, plan, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan, self.proposal = plan, proposal
        self.fields["theme"].queryset = Theme.objects.filter(council_id=plan.council_id)
        self.fields["outcome"].queryset = Outcome.objects.filter(council_id=plan.council_id)

    def clean_reference(self):
        text = parse_reference(self.cleaned_data["reference"])
        if text is None:
            return None
        if len(text) > 20 or not _REFERENCE.match(text):
            raise forms.ValidationError(
                "Enter the reference as published, for example 33 (letters, numbers, dots and dashes only), "
                f"or leave it blank for {NEW}"
            )
        others = Proposal.objects.filter(plan=self.plan, reference=text)
        if self.proposal is not None:
            others = others.exclude(pk=self.proposal.pk)
        other = others.first()
        if other is not None:
            raise forms.ValidationError(reference_in_use_message(text, other.title))
        return text

    def clean_eia_url(self):
        return self.cleaned_data["eia_url"].strip()

    def clean(self):
        cleaned = super().clean()
        if not any(name in self.errors for name in GOVERNANCE_FIELDS):
            for name, message in governance.check({name: cleaned.get(name) for name in GOVERNANCE_FIELDS}).items():
                self.add_error(name, message)
        return cleaned


class LineForm(forms.Form):
    """One impact line: the budget it varies and one figure per year of the plan."""

    service_budget = forms.TypedChoiceField(required=False, empty_value=None)

    def __init__(self, *args, plan_years, budgets, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_years = plan_years
        by_id = {budget.pk: budget for budget in budgets}
        field = self.fields["service_budget"]
        field.label = "Service budget"

        def coerce(value):
            try:
                return by_id[int(value)]
            except KeyError:
                raise ValueError(value) from None  # reported as an invalid choice

        field.coerce = coerce
        field.choices = [("", "Choose a budget")] + [
            (group, [(b.pk, b.name) for b in budgets if b.kind == kind])
            for kind, group in ServiceBudget.Kind.choices
            if any(b.kind == kind for b in budgets)
        ]
        field.error_messages["invalid_choice"] = "Choose one of this council's service budgets"
        for year in plan_years:
            self.fields[_year_field(year)] = MoneyField(
                label=year.label, unit=unit,
                widget=forms.TextInput(attrs={"size": 9, "class": "input-figure", "spellcheck": "false",
                                              "data-year": str(year.start_year)}),
            )

    def clean(self):
        cleaned = super().clean()
        self.figures = {year: cleaned[_year_field(year)] for year in self.plan_years if _year_field(year) in cleaned}
        typed = any((self.data.get(self.add_prefix(_year_field(y))) or "").strip() for y in self.plan_years)
        if cleaned.get("service_budget") is None and typed and not cleaned.get("DELETE") \
                and "service_budget" not in self.errors:
            self.add_error("service_budget", "Choose the service budget this line varies, or tick Remove")
        return cleaned

    @property
    def is_blank(self):
        """A row with neither a budget nor any figure: an unused blank row, ignored."""
        return self.cleaned_data.get("service_budget") is None and not any(
            (self.data.get(self.add_prefix(_year_field(y))) or "").strip() for y in self.plan_years
        )

    def figure_fields(self):
        return [(year, self[_year_field(year)]) for year in self.plan_years]


class BaseLineFormSet(forms.BaseFormSet):
    def removed(self, form):
        """Whether ``form``'s Remove box was ticked (read from its cleaned data)."""
        return self.can_delete and bool(getattr(form, "cleaned_data", {}).get("DELETE"))

    def clean(self):
        seen = {}
        for number, form in enumerate(self.forms, start=1):
            if self.removed(form) or not hasattr(form, "cleaned_data"):
                continue
            budget = form.cleaned_data.get("service_budget")
            if budget is None:
                continue
            if budget.pk in seen:
                form.add_error(
                    "service_budget",
                    f"{budget.name} is already on line {seen[budget.pk]}; put all its figures on one line",
                )
            else:
                seen[budget.pk] = number


def line_formset(extra):
    return forms.formset_factory(
        LineForm, formset=BaseLineFormSet, extra=extra, can_delete=True,
        max_num=MAX_LINES, validate_max=True, absolute_max=MAX_LINES,
    )


class ProposalEditor:
    """The header form and the grid of lines, validated and saved together.

    ``data`` is the POST, or None for a fresh form from ``proposal`` (or blank for a new
    one). ``redraw`` rebuilds an unbound form from typed values: used to add a blank row
    and to show a refused save again with everything the user typed."""

    def __init__(self, *, plan, proposal=None, data=None, initial=None, line_initial=None, extra=None):
        self.plan, self.proposal = plan, proposal
        self.unit = plan.unit
        self.plan_years = list(plan.years.all())
        self.budgets = list(ServiceBudget.objects.filter(council_id=plan.council_id))
        if data is None and initial is None:
            initial, line_initial = self._initial_from(proposal)
        if extra is None:
            extra = 1 if proposal is not None or line_initial else 3
        self.form = ProposalForm(data, plan=plan, proposal=proposal, initial=initial)
        self.lines = line_formset(extra)(
            data, prefix="lines", initial=line_initial,
            form_kwargs={"plan_years": self.plan_years, "budgets": self.budgets, "unit": self.unit},
        )

    def _initial_from(self, proposal):
        if proposal is None:
            return {}, []
        initial = {name: getattr(proposal, name)
                   for name in ("title", "kind", "description", "version", *GOVERNANCE_FIELDS)}
        initial.update(reference=proposal.reference or "", theme=proposal.theme_id, outcome=proposal.outcome_id)
        lines = []
        for line in proposal.lines.prefetch_related("variations__year"):
            row = {"service_budget": line.service_budget_id}
            for variation in line.variations.all():
                row[_year_field(variation.year)] = format_in(variation.amount_k, self.unit)
            lines.append(row)
        return initial, lines

    def _typed(self):
        """What was typed, as (header initial, line rows, number of blank rows)."""
        data = self.form.data
        initial = {name: data.get(name, "") for name in self.form.fields}
        line_initial = []
        for form in self.lines.forms:
            row = {name: form.data.get(form.add_prefix(name), "") for name in form.fields if name != "DELETE"}
            row["DELETE"] = bool(form.data.get(form.add_prefix("DELETE")))
            if any(value for name, value in row.items() if name != "DELETE"):
                line_initial.append(row)
        blank_rows = sum(1 for form in self.lines.forms) - len(line_initial)
        return initial, line_initial, blank_rows

    def redraw(self, *, extra_line=False):
        """An unbound editor showing exactly what was typed (ticked Remove boxes included)."""
        initial, line_initial, blank_rows = self._typed()
        extra = max(blank_rows, 1) + (1 if extra_line else 0)
        extra = min(extra, MAX_LINES - len(line_initial))
        return ProposalEditor(
            plan=self.plan, proposal=self.proposal, initial=initial, line_initial=line_initial, extra=extra
        )

    def merge_after_conflict(self, error):
        """The form to show after a refused save: a three-way merge, so nothing is lost.

        For each value someone else changed since this form was opened: if this user
        left it as it was (or made the same change), their new value is taken in; if
        this user changed it too, this user's value is kept and marked. Everything else
        this user typed stays as typed. The form now carries the current version, so
        saving it keeps both people's changes except where this user chose otherwise.

        Their changes are read by their keys (a field's name, a budget's and a year's
        id), so a budget or a year renamed meanwhile is still the same one."""
        theirs = {}  # key -> [value before their first change, value after their last, who]
        for changeset in error.changesets:
            who = display_name(changeset.user)
            for change in changeset.changes.all():
                key = _merge_key(change)
                if key is None:
                    continue
                if change.kind == Change.Kind.FIGURE:
                    before, after = change.old_k, change.new_k
                else:
                    before, after = change.old_value, change.new_value
                theirs[key] = [theirs[key][0] if key in theirs else before, after, who]

        current = error.proposal
        initial, line_initial, blank_rows = self._typed()
        initial["version"] = current.version
        field_notes, figure_notes, line_notes = {}, {}, {}
        cleaned = self.form.cleaned_data
        for name in HEADER_FIELDS:
            if ("field", name) not in theirs:
                continue
            before, after, who = theirs[("field", name)]
            shown_after = display_field(current, name) or "(none)"
            if stored_value(cleaned.get(name)) in (before, after):
                initial[name] = _form_value(name, current)
                field_notes[name] = f"{who} changed this to {shown_after}; their change is kept."
            else:
                field_notes[name] = (
                    f"{who} changed this to {shown_after}. You changed it too: your value is kept, "
                    f"and saving will replace theirs."
                )

        budgets = {budget.pk: budget for budget in self.budgets}
        years = {year.pk: year for year in self.plan_years}
        rows = {_budget_id(row): row for row in line_initial if _budget_id(row) in budgets}
        for key, (before, after, who) in theirs.items():
            if key[0] != "figure" or key[1] not in rows or key[2] not in years:
                continue
            row, year = rows[key[1]], years[key[2]]
            try:
                mine = parse_in(row.get(_year_field(year), ""), self.unit)
            except MoneyError:
                mine = "unreadable"
            shown_after = format_in(after, self.unit, blank="not profiled")
            if mine in (before, after):
                row[_year_field(year)] = format_in(after, self.unit)
                figure_notes[key[1:]] = f"{who} changed this to {shown_after}; their change is kept."
            else:
                figure_notes[key[1:]] = f"{who} changed this to {shown_after}. You changed it too: your value is kept."
        for key, (before, after, who) in theirs.items():
            if key[0] != "line" or key[1] not in budgets:
                continue
            budget_id = key[1]
            if after and budget_id not in rows:  # they added it
                row = {"service_budget": budget_id, "DELETE": False}
                for year in self.plan_years:
                    figure = theirs.get(("figure", budget_id, year.pk))
                    row[_year_field(year)] = format_in(figure[1], self.unit) if figure else ""
                line_initial.append(row)
                line_notes[budget_id] = f"{who} added this line; it is kept."
            elif not after and budget_id in rows:  # they removed it
                if _typed_figures(rows[budget_id], self.plan_years, self.unit) == history.line_figures(before):
                    rows[budget_id]["DELETE"] = True
                    line_notes[budget_id] = f"{who} removed this line; Remove is ticked to keep their removal."
                else:
                    line_notes[budget_id] = f"{who} removed this line. You changed it: it is kept as you typed it."

        merged = ProposalEditor(
            plan=self.plan, proposal=self.proposal, initial=initial, line_initial=line_initial,
            extra=max(blank_rows, 1),
        )
        for name, note in field_notes.items():
            merged.form.fields[name].conflict_note = note
        for form in merged.lines.forms:
            budget_id = _budget_id(form.initial)
            if budget_id in line_notes:
                form.fields["service_budget"].conflict_note = line_notes[budget_id]
            for year in self.plan_years:
                if (budget_id, year.pk) in figure_notes:
                    form.fields[_year_field(year)].conflict_note = figure_notes[(budget_id, year.pk)]
        return merged

    def is_valid(self):
        # Both, so every error is found; each field points at its hint and its message
        # through Django's BoundField.aria_describedby.
        form_ok = self.form.is_valid()
        lines_ok = self.lines.is_valid()
        return form_ok and lines_ok

    def refuse_reference(self, error):
        """Show a save refused because its reference was taken meanwhile (a ReferenceInUse),
        with everything typed kept."""
        self.form.add_error("reference", str(error))

    @property
    def version(self):
        return self.form.cleaned_data.get("version")

    def fields(self):
        data = self.form.cleaned_data
        return {name: data[name]
                for name in ("reference", "title", "kind", "theme", "outcome", "description", *GOVERNANCE_FIELDS)}

    def line_inputs(self):
        return [
            LineInput(service_budget=form.cleaned_data["service_budget"], figures=form.figures)
            for form in self.lines.forms
            if not self.lines.removed(form) and not form.is_blank
        ]

    def totals(self):
        """The grid's net per year and cash over the period, from the figures as they stand
        in the form (typed, or the proposal's), lines ticked Remove left out: what the
        footer shows on every page load, save refused and "Check totals"."""
        rows = []
        for form in self.lines.forms:
            if form.is_bound:
                if form.data.get(form.add_prefix("DELETE")):
                    continue
                typed = {year: form.data.get(form.add_prefix(_year_field(year)), "") for year in self.plan_years}
            else:
                if form.initial.get("DELETE"):
                    continue
                typed = {year: form.initial.get(_year_field(year), "") for year in self.plan_years}
            rows.append(typed)
        return GridTotals.of(rows, self.plan_years, self.unit)

    def errors(self):
        """[(field id, message)] in the order of the page, for the error summary."""
        if not self.form.is_bound:
            return []
        found = []
        for name, messages in self.form.errors.items():
            if name in self.form.fields and isinstance(self.form.fields[name].widget, forms.RadioSelect):
                target = f"{self.form[name].auto_id}_0"  # a choice of radios links its first option
            else:
                target = self.form[name].id_for_label if name in self.form.fields else "id_title"
            found += [(target, message) for message in messages]
        for message in self.lines.non_form_errors():
            found.append(("lines-heading", message))
        for number, form in enumerate(self.lines.forms, start=1):
            if self.lines.removed(form):
                continue
            for name, messages in form.errors.items():
                if name in form.fields:
                    where = f"Line {number}"
                    if name != "service_budget":
                        where += f", {form.fields[name].label}"
                    found += [(form[name].id_for_label, f"{where}: {message}") for message in messages]
                else:
                    found += [("id_" + form.add_prefix("service_budget"), f"Line {number}: {m}") for m in messages]
        return found


@dataclass
class GridTotals:
    """The edit grid's footer: per year, the net of its lines (``None``: no line has a
    figure that year; ``UNREADABLE``: one cannot be read yet), and the cash over the
    period, the sum of the years' nets, in whole £ thousands."""

    years: list  # [(PlanYear, int | None | UNREADABLE)]
    period: object
    unit: str

    @classmethod
    def of(cls, rows, plan_years, unit):
        """``rows``: each line's typed figures {PlanYear: text}."""
        years = []
        for year in plan_years:
            total = None
            for typed in rows:
                try:
                    amount = parse_in(typed.get(year, ""), unit)
                except MoneyError:
                    total = UNREADABLE
                    break
                if amount is not None:
                    total = (total or 0) + amount
            years.append((year, total))
        nets = [total for _year, total in years]
        if UNREADABLE in nets:
            period = UNREADABLE
        elif all(total is None for total in nets):
            period = None
        else:
            period = sum(total for total in nets if total is not None)
        return cls(years, period, unit)

    def shown(self, total):
        if total is UNREADABLE:
            return "check the figures"
        return format_in(total, self.unit, blank="–")

    @property
    def cells(self):
        """[(PlanYear, text)] for the footer row."""
        return [(year, self.shown(total)) for year, total in self.years]

    @property
    def period_text(self):
        return self.shown(self.period)


UNREADABLE = "unreadable"


def _merge_key(change):
    """What a change of a proposal changed, by key, for the merge; None for a status move
    (or a change written before the history kept keys, whose names matched nothing)."""
    if change.kind == Change.Kind.FIELD and change.field_name:
        return ("field", change.field_name)
    if change.kind == Change.Kind.FIGURE and change.service_budget_id and change.plan_year_id:
        return ("figure", change.service_budget_id, change.plan_year_id)
    if change.kind == Change.Kind.LINE and change.service_budget_id:
        return ("line", change.service_budget_id)
    return None


def _budget_id(row):
    """A line row's service budget id (the POST's text, or an id), or None."""
    try:
        return int(row.get("service_budget") or "")
    except (TypeError, ValueError):
        return None


def _typed_figures(row, plan_years, unit):
    """A line row's typed figures {PlanYear id: £k} (typed in ``unit``), as a line's values
    are kept in the history; None if one cannot be read."""
    try:
        figures = {year.pk: parse_in(row.get(_year_field(year), ""), unit) for year in plan_years}
    except MoneyError:
        return None
    return {year_id: amount for year_id, amount in figures.items() if amount is not None}


def _form_value(name, proposal):
    """A proposal's current header value as the form's initial data."""
    if name == "reference":
        return proposal.reference or ""
    if name in ("theme", "outcome"):
        return getattr(proposal, f"{name}_id") or ""
    return getattr(proposal, name)
