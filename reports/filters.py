"""The filters every report takes, read from the GET query string so any view of the
figures can be bookmarked and shared.

One FilterSet serves the roll-up, the proposal list, the outcome page and their
downloads, so a drill-down link from a roll-up cell lands on exactly the proposals
(and the figures) that make that cell up.

Two kinds of filter:
- on the proposal: search text, outcome, theme, kind, status;
- on its figures: service budget, year and sign (investment / saving). These narrow
  both which proposals are listed (those with such a figure) and which figures are
  summed, so a list filtered to one service budget shows that budget's lines only.

By default every report counts all statuses but rejected and withdrawn.
"""
import datetime as dt
from dataclasses import dataclass, field

import django_filters as df
from django import forms
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Q
from django.http import Http404

from councils.access import council_roles
from councils.models import Council
from outcomes.models import Outcome
from proposals import governance
from proposals.models import (
    COUNTED_STATUSES,
    BudgetPlan,
    EiaStatus,
    Kind,
    Needed,
    PlanYear,
    ServiceBudget,
    Snapshot,
    Status,
    Theme,
    YesNo,
)
from proposals.snapshots import figure_model
from reports.rollup import GROUPING_LABELS, VIEW_LABELS, VIEWS

CLOSED = "closed"  # a closed plan's is_closed, as ReportChoices.load's text column carries it
ON = "on"  # a council's require_completed_eia, likewise

NOT_RECORDED = "none"  # a governance filter's value for "not recorded"
GOVERNANCE_FILTERS = ("key_decision", "eia_status", "consultation_needed")
SIGNS = {"increase": "Investment (increases) only", "decrease": "Saving (decreases) only"}
PER_PAGE_CHOICES = (25, 100)


def counted_statuses_text(statuses):
    """ "Draft, Submitted, Out to consultation and Approved" """
    labels = [Status(s).label for s in Status.values if s in statuses]
    if len(labels) <= 1:
        return "".join(labels) or "none"
    return ", ".join(labels[:-1]) + " and " + labels[-1]


@dataclass(frozen=True)
class FigureOptions:
    """Which figures count: the view (cumulative/incremental) and the line filters."""

    view: str = "cumulative"
    service: int | None = None
    sign: str | None = None

    @property
    def field(self):
        return VIEWS[self.view]

    @property
    def narrows_lines(self):
        return self.service is not None or self.sign is not None

    def variation_q(self, prefix=""):
        """Conditions on a Variation reached through ``prefix`` ("" from Variation,
        "lines__variations__" from Proposal)."""
        line_prefix = prefix[: -len("variations__")] if prefix else "line__"
        q = Q()
        if self.service is not None:
            q &= Q(**{f"{line_prefix}service_budget": self.service})
        if self.sign == "increase":
            q &= Q(**{f"{prefix}{self.field}__gt": 0})
        elif self.sign == "decrease":
            q &= Q(**{f"{prefix}{self.field}__lt": 0})
        return q


def _noop(queryset, name, value):
    return queryset


class ReportFilter(df.FilterSet):
    """Built per plan: ``ReportFilter(request.GET, queryset=..., plan=..., choices=...)``.

    ``choices`` is a ReportChoices (the council's outcomes, themes, budgets and the
    plan's years, fetched once by the view and reused for labels)."""

    q = df.CharFilter(label="Search reference, title and description", method="search")
    outcome = df.ChoiceFilter(label="Outcome", field_name="outcome", empty_label="All outcomes")
    theme = df.ChoiceFilter(label="Theme", method="by_theme", empty_label="All themes")
    kind = df.ChoiceFilter(label="Kind", field_name="kind", choices=Kind.choices, empty_label="All kinds")
    service = df.ChoiceFilter(label="Service budget", method=_noop, empty_label="All service budgets")
    year = df.ChoiceFilter(label="Has a figure in", method=_noop, empty_label="Any year")
    sign = df.ChoiceFilter(
        label="Figures", method=_noop, choices=list(SIGNS.items()), empty_label="Investment and saving"
    )
    view = df.ChoiceFilter(label="View", method=_noop, choices=list(VIEW_LABELS.items()), empty_label=None)
    # Governance: "none" is not recorded (blank), as the theme filter's "none" is no theme.
    key_decision = df.ChoiceFilter(label="Key decision", method="by_governance", empty_label="Key decision or not",
                                   choices=[*YesNo.choices, (NOT_RECORDED, "Not recorded")])
    eia_status = df.ChoiceFilter(label="Equality impact assessment", method="by_governance", empty_label="Any status",
                                 choices=[*EiaStatus.choices, (NOT_RECORDED, "Not recorded")])
    consultation_needed = df.ChoiceFilter(label="Consultation needed", method="by_governance", empty_label="Any",
                                          choices=[*Needed.choices, (NOT_RECORDED, "Not recorded")])
    status = df.MultipleChoiceFilter(
        label="Status", field_name="status", choices=Status.choices, widget=forms.CheckboxSelectMultiple,
        distinct=False,  # status is the proposal's own column: DISTINCT would only slow every query down
    )

    class Meta:
        fields = []  # every filter is declared above

    # Filters this report does not offer (the roll-up drops search, year and sign).
    omit = ()

    def __init__(self, data=None, *args, plan, choices, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None:
            if not [s for s in data.getlist("status") if s]:
                data.setlist("status", list(COUNTED_STATUSES))
            if not data.get("view"):
                data["view"] = "cumulative"
        super().__init__(data, *args, **kwargs)
        self.plan = plan
        self.choices = choices
        for name in self.omit:
            del self.filters[name]
        council = plan.council.name
        self._choices("outcome", [(str(o.pk), str(o)) for o in choices.outcomes],
                      "“%(value)s” is not an outcome of " + council + ".")
        self._choices("theme", [(str(t.pk), t.name) for t in choices.themes] + [("none", "No theme")],
                      "“%(value)s” is not a theme of " + council + ".")
        self._choices("service", [(str(b.pk), b.name) for b in choices.budgets],
                      "“%(value)s” is not a service budget of " + council + ".")
        self._choices("year", [(y.label, y.label) for y in choices.years],
                      "“%(value)s” is not a year of this plan (" + choices.years_text + ").")
        self._choices("kind", None, "“%(value)s” is not a kind of proposal.")
        self._choices("sign", None, "“%(value)s” is not a choice of figures: use increase or decrease.")
        self._choices("view", None, "“%(value)s” is not a view: use cumulative or incremental.")
        self._choices("status", None, "“%(value)s” is not a status.")
        for name, choices in (("key_decision", YesNo), ("eia_status", EiaStatus), ("consultation_needed", Needed)):
            self._choices(name, None, f"“%(value)s” is not a choice for {governance.LABELS[name].lower()}: "
                                      f"use {governance.choices_text(choices)}, or {NOT_RECORDED} for not recorded.")

    def _choices(self, name, choices, message):
        if name not in self.filters:
            return
        if choices is not None:
            self.filters[name].extra["choices"] = choices
        self.filters[name].extra["error_messages"] = {"invalid_choice": message, "invalid_list": message}

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        reference = value.strip("[]")
        return queryset.filter(
            Q(reference__icontains=reference) | Q(title__icontains=value) | Q(description__icontains=value)
        )

    def by_theme(self, queryset, name, value):
        if value == "none":
            return queryset.filter(theme__isnull=True)
        return queryset.filter(theme=value)

    def by_governance(self, queryset, name, value):
        return queryset.filter(**{name: "" if value == NOT_RECORDED else value})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        options = self.figure_options
        year = self.chosen_year
        if options.narrows_lines or year is not None:
            # Variation, or SnapshotFigure for a queryset of a snapshot's proposals.
            figures = figure_model(queryset.model).objects.filter(options.variation_q(), year__plan=self.plan)
            if year is not None:
                figures = figures.filter(year=year)
            queryset = queryset.filter(pk__in=figures.values("line__proposal"))
        return queryset

    def _cleaned(self, name):
        if name not in self.filters or not self.is_bound or not self.is_valid():
            return None
        return self.form.cleaned_data.get(name) or None

    @property
    def figure_options(self):
        service = self._cleaned("service")
        return FigureOptions(
            view=self._cleaned("view") or "cumulative",
            service=int(service) if service else None,
            sign=self._cleaned("sign"),
        )

    @property
    def chosen_year(self):
        label = self._cleaned("year")
        return next((y for y in self.choices.years if y.label == label), None) if label else None

    @property
    def statuses(self):
        return self._cleaned("status") or list(COUNTED_STATUSES)

    @property
    def default_statuses(self):
        return set(self.statuses) == set(COUNTED_STATUSES)

    @property
    def statuses_text(self):
        return counted_statuses_text(self.statuses)

    def error_list(self):
        """[(field id, message)] for the error summary."""
        if not self.is_bound:
            return []
        return [
            (f"id_{name}", message)
            for name, messages in self.form.errors.items()
            for message in messages
        ]

    def form_fields(self):
        """The form's fields as plain values for templates/reports/_filters.html, which
        writes the inputs itself: Django's widget templates cost more than the rest of a
        report page (a template render per option, ~70 options)."""
        out = []
        for bound in self.form:
            widget = bound.field.widget
            value = bound.value()
            item = {"name": bound.name, "label": bound.label, "id": bound.auto_id, "errors": list(bound.errors)}
            if isinstance(widget, forms.CheckboxSelectMultiple):
                chosen = {str(v) for v in value or ()}
                item["checkboxes"] = [
                    (f"{bound.auto_id}_{index}", str(choice), label, str(choice) in chosen)
                    for index, (choice, label) in enumerate(bound.field.choices)
                ]
            elif isinstance(widget, forms.Select):
                wanted = "" if value is None else str(value)
                options, found = [], False
                for choice, label in bound.field.choices:
                    selected = not found and str(choice) == wanted
                    found = found or selected
                    options.append((str(choice), label, selected))
                item["options"] = options
            else:
                item["value"] = None if value in (None, "") else str(value)
            out.append(item)
        return out

    def active(self):
        """[(label, value label)] of the filters narrowing the report, for the page heading."""
        if not self.is_bound or not self.is_valid():
            return []
        out = []
        for name in ("q", "outcome", "theme", "kind", "service", "year", "sign", *GOVERNANCE_FILTERS):
            if name not in self.filters:
                continue
            value = self.form.cleaned_data.get(name)
            if not value:
                continue
            field = self.form.fields[name]
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            out.append((field.label, shown))
        return out


class RollupFilter(ReportFilter):
    by = df.ChoiceFilter(label="Group by", method=_noop, choices=list(GROUPING_LABELS.items()), empty_label=None)
    omit = ("q", "year", "sign", *GOVERNANCE_FILTERS)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("by"):
            data = data.copy()
            data["by"] = "outcome"
        super().__init__(data, *args, **kwargs)
        self._choices("by", None, "“%(value)s” is not a grouping: use outcome, service, theme or kind.")

    @property
    def by_value(self):
        return self._cleaned("by") or "outcome"


def _choice_rows(council_slug, plan_slug):
    """(kind, id, parent id, a number, six texts) for the council named ``council_slug``
    and what its report pages offer: its plans, outcomes, themes and service budgets, and
    the years and snapshots of its plan ``plan_slug``; each kind in its usual order
    (plans newest base year first). One query, written by hand: the ORM took about 5 ms
    to build and compile this seven-branch UNION on every report page, against 1.5 ms
    to run it (README, "Why some queries are written as they are")."""
    tables = {name: model._meta.db_table for name, model in (
        ("council", Council), ("plan", BudgetPlan), ("outcome", Outcome), ("theme", Theme),
        ("budget", ServiceBudget), ("year", PlanYear), ("snapshot", Snapshot))}
    no_int, no_text = "CAST(NULL AS integer)", "CAST(NULL AS text)"
    sql = f"""
        WITH c AS (SELECT id FROM {tables["council"]} WHERE slug = %s),
             p AS (SELECT b.id FROM {tables["plan"]} b JOIN c ON b.council_id = c.id WHERE b.slug = %s)
        SELECT 'council' AS k, x.id AS i, {no_int} AS p, {no_int} AS n, x.slug AS t1, x.name AS t2,
               CASE WHEN x.require_completed_eia THEN '{ON}' ELSE '' END AS t3,
               {no_text} AS t4, {no_text} AS t5, {no_text} AS t6
          FROM {tables["council"]} x JOIN c ON x.id = c.id
        UNION ALL
        SELECT 'plan', x.id, x.council_id, -x.base_year, x.slug, x.name, x.source, x.note, x.unit,
               CASE WHEN x.is_closed THEN '{CLOSED}' ELSE '' END
          FROM {tables["plan"]} x JOIN c ON x.council_id = c.id
        UNION ALL
        SELECT 'outcome', x.id, x.council_id, x.position, x.code, x.title, x.what_this_means,
               {no_text}, {no_text}, {no_text}
          FROM {tables["outcome"]} x JOIN c ON x.council_id = c.id
        UNION ALL
        SELECT 'theme', x.id, x.council_id, x.position, x.name, x.description, {no_text}, {no_text}, {no_text},
               {no_text}
          FROM {tables["theme"]} x JOIN c ON x.council_id = c.id
        UNION ALL
        SELECT 'budget', x.id, x.council_id, {no_int}, x.name, x.kind, {no_text}, {no_text}, {no_text}, {no_text}
          FROM {tables["budget"]} x JOIN c ON x.council_id = c.id
        UNION ALL
        SELECT 'year', x.id, x.plan_id, x.start_year, {no_text}, {no_text}, {no_text}, {no_text}, {no_text},
               {no_text}
          FROM {tables["year"]} x JOIN p ON x.plan_id = p.id
        UNION ALL
        SELECT 'snapshot', x.id, x.plan_id, {no_int}, x.slug, x.name, CAST(x.taken_on AS text),
               CAST(x.taken_at AS text), {no_text}, {no_text}
          FROM {tables["snapshot"]} x JOIN p ON x.plan_id = p.id
        ORDER BY k, n, t1
    """  # nosec B608 # table names from the models' _meta and constants only: every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [council_slug, plan_slug])
        return cursor.fetchall()


@dataclass
class ReportChoices:
    """What a plan's filters offer, fetched once per request (one query each)."""

    plans: list
    outcomes: list
    themes: list
    budgets: list
    years: list
    # The plan's snapshots, newest first: their id, name, slug and date only (enough to
    # offer them and to read a report as at one; proposals.snapshots.source_for loads one whole).
    snapshots: list = field(default_factory=list)

    @classmethod
    def for_plan(cls, plan):
        council = plan.council
        return cls(
            plans=list(BudgetPlan.objects.filter(council=council).newest_first()),
            outcomes=list(Outcome.objects.filter(council=council).order_by("position", "code")),
            themes=list(Theme.objects.filter(council=council).order_by("position", "name")),
            budgets=list(ServiceBudget.objects.filter(council=council).order_by("name")),
            years=list(plan.years.all()),
            snapshots=list(plan.snapshots.all()),
        )

    @classmethod
    def load(cls, user, council_slug, plan_slug):
        """(plan, choices) in ONE query, or Http404 if the plan is not there or its council
        is not one ``user`` may see (``CouncilRoles.may_see``, from the memberships the
        request reads once for its navigation too).

        The query (``_choice_rows``) is a UNION ALL of the council, its plans, outcomes,
        themes and service budgets, and the plan's years and snapshots. Every model comes
        back with all of its fields (no deferred field loads later), the plan with its
        council set; the plan's years are ``choices.years`` (``plan.years.all()`` would
        query again)."""
        rows = _choice_rows(council_slug, plan_slug)
        by_kind = {}
        for kind, *values in rows:
            by_kind.setdefault(kind, []).append(values)
        if not by_kind.get("council"):
            raise Http404("No such budget plan.")
        (pk, _, _, slug, name, eia_rule, *_), = by_kind["council"]
        if not council_roles(user).may_see(pk):
            raise Http404("No such budget plan.")  # as if it were not there

        def made(model, values):
            """``model`` as the database would give it: every concrete field from ``values``."""
            names = [f.attname for f in model._meta.concrete_fields]
            return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])

        council = made(Council, {"id": pk, "slug": slug, "name": name, "require_completed_eia": eia_rule == ON})
        plans = []
        for pk, _, n, a, b, c, d, unit, closed in by_kind.get("plan", []):
            plans.append(made(BudgetPlan, {"id": pk, "council_id": council.pk, "base_year": -n, "slug": a, "name": b,
                                           "source": c or "", "note": d or "", "unit": unit,
                                           "is_closed": closed == CLOSED}))
            plans[-1].council = council
        plan = next((p for p in plans if p.slug == plan_slug), None)
        if plan is None:
            raise Http404("No such budget plan.")
        years = []
        for pk, _, n, *_ in by_kind.get("year", []):
            years.append(made(PlanYear, {"id": pk, "plan_id": plan.pk, "start_year": n}))
            years[-1].plan = plan
        outcomes = [
            made(Outcome, {"id": pk, "council_id": parent, "position": n, "code": a, "title": b,
                           "what_this_means": c or ""})
            for pk, parent, n, a, b, c, *_ in by_kind.get("outcome", [])
        ]
        themes = [
            made(Theme, {"id": pk, "council_id": parent, "position": n, "name": a, "description": b or ""})
            for pk, parent, n, a, b, *_ in by_kind.get("theme", [])
        ]
        budgets = [
            made(ServiceBudget, {"id": pk, "council_id": parent, "name": a, "kind": b})
            for pk, parent, _, a, b, *_ in by_kind.get("budget", [])
        ]
        snapshots = [
            Snapshot(id=pk, plan=plan, slug=a, name=b, taken_on=dt.date.fromisoformat(c[:10]))
            for pk, _, _, a, b, c, taken_at, *_ in sorted(by_kind.get("snapshot", []), key=lambda v: (v[5], v[6]),
                                                         reverse=True)
        ]
        return plan, cls(plans=plans, outcomes=outcomes, themes=themes, budgets=budgets, years=years,
                         snapshots=snapshots)

    def groups(self, by):
        """The outcomes, service budgets or themes a roll-up ``by`` that grouping is made of,
        in budget-book order (None by kind): ``rollup(groups=...)`` labels them without a query."""
        return {"outcome": self.outcomes, "service": self.budgets, "theme": self.themes}.get(by)

    @property
    def years_text(self):
        if not self.years:
            return "no years"
        return f"{self.years[0].label} to {self.years[-1].label}"


class AllCouncilsFilter(forms.Form):
    """The all-councils list's GET form: search, kind, status, sort and rows per page.

    Year columns differ between plans, so this list shows each proposal's net (cash over
    its plan's period) and sorts by it; a plan's own list has the yearly figures."""

    SORTS = {
        "-net": ("-net_k", "-id"), "net": ("net_k", "id"),
        "council": ("plan__council__name", "plan__base_year", "position", "id"),
        "-council": ("-plan__council__name", "-plan__base_year", "-position", "-id"),
        "title": ("title", "id"), "-title": ("-title", "-id"),
    }
    q = forms.CharField(label="Search reference, title and description", required=False, max_length=200)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind")] + Kind.choices)
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[("", "All but rejected and withdrawn")] + Status.choices,
    )
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])
    per_page = forms.TypedChoiceField(
        label="Rows per page", required=False, coerce=int, empty_value=25,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
    )

    def filter(self, proposals):
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip().strip("[]")
            proposals = proposals.filter(
                Q(reference__iexact=q) | Q(title__icontains=q) | Q(description__icontains=q)
            )
        if data["kind"]:
            proposals = proposals.filter(kind=data["kind"])
        proposals = proposals.filter(status=data["status"]) if data["status"] else proposals.counted()
        return proposals.order_by(*self.SORTS[data["sort"] or "-net"])
