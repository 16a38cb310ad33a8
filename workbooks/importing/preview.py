"""What an import would do, before it does it: the proposals to create and to change
(old -> new, in words), the number unchanged, conflicts and problems, compared with the
database. Shared by the portal's own format (``portal``) and councils' own sheets
(``council``). Nothing here writes.

The plan of changes (``Preview.plan_of_changes``) is plain data (ids and £k) kept on the
server between the preview and the confirmation; ``apply.apply_import`` applies it.
A record the import would create (an outcome, theme or service budget named in the sheet
and missing from the portal) is a ``ToCreate``, written in the plan as ``{"new": index}``
into its list under ``"structure"``.
"""
from dataclasses import dataclass, field
from typing import Any

from outcomes.models import Outcome
from proposals.models import BudgetPlan, ImpactLine, Kind, Proposal, ServiceBudget, Theme, Variation
from proposals.money import format_in
from proposals.references import display_reference

from .table import Problem

STRUCTURE_KINDS = ("outcomes", "themes", "service_budgets")
STRUCTURE_WORDS = {"outcomes": "Outcome", "themes": "Theme", "service_budgets": "Service budget"}


@dataclass(frozen=True)
class ToCreate:
    """An outcome, theme or service budget the import creates (``kind``: one of
    STRUCTURE_KINDS), the ``index``-th of its kind in the plan of changes."""

    kind: str
    index: int
    name: str
    code: str = ""  # an outcome's code

    def __str__(self) -> str:
        return f"{self.code} \u2013 {self.name}" if self.code else self.name

    @property
    def kind_word(self) -> str:
        return STRUCTURE_WORDS[self.kind]

    @property
    def key(self) -> dict[str, int]:
        return {"new": self.index}


def record_key(record: Any) -> Any:
    """How the plan of changes names a record: its id, ``{"new": i}`` for one to create, or None."""
    if record is None:
        return None
    return record.key if isinstance(record, ToCreate) else record.pk


@dataclass
class Planned:
    """One proposal the import will create or change, with its changes in words."""

    label: str
    changes: list[str]
    data: dict[str, Any]


@dataclass
class Reconciliation:
    """A total row of the sheet against the rows it covers, year by year, in words."""

    label: str
    row: int
    lines: list[str]  # "2026/27: printed (4,440,656), the rows add up to (4,440,657): 1 apart"
    reconciles: bool


@dataclass
class Preview:
    plan: BudgetPlan
    filename: str
    created: list[Planned] = field(default_factory=list)
    changed: list[Planned] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # A council's own sheet only:
    structure: list[ToCreate] = field(default_factory=list)  # outcomes, themes and budgets to create
    read_as: list[str] = field(default_factory=list)  # how the figures were read, in words
    rounded: list[str] = field(default_factory=list)  # each figure rounded to £k
    unit_warnings: list[str] = field(default_factory=list)  # figures whose size suggests the wrong unit
    reconciliation: list[Reconciliation] = field(default_factory=list)
    kind_words: dict[str, str] = field(default_factory=dict)  # the council's words for kinds, to remember
    totals: list[dict[str, Any]] = field(default_factory=list)  # the sheet's total rows, as plain data

    @property
    def figure_changes(self) -> int:
        return sum(len(item.changes) for item in self.changed)

    @property
    def can_apply(self) -> bool:
        return not self.problems and bool(self.created or self.changed)

    @property
    def mismatches(self) -> list[Reconciliation]:
        return [total for total in self.reconciliation if not total.reconciles]

    def plan_of_changes(self) -> dict[str, Any]:
        """What ``apply_import`` needs, as plain data safe to keep in a session."""
        out: dict[str, Any] = {
            "plan": self.plan.pk,
            "filename": self.filename,
            "created": [item.data for item in self.created],
            "changed": [item.data for item in self.changed],
        }
        if self.structure:
            out["structure"] = {
                kind: [{"name": item.name, "code": item.code} for item in self.structure if item.kind == kind]
                for kind in STRUCTURE_KINDS
            }
        if self.kind_words:
            out["kind_words"] = dict(self.kind_words)
        if self.totals:
            out["totals"] = self.totals
        return out


class Lookups:
    """The council's outcomes, themes and budgets and the plan's years and proposals,
    read once (a fixed number of queries whatever the file's size)."""

    def __init__(self, plan: BudgetPlan) -> None:
        council = plan.council
        self.plan = plan
        self.years = list(plan.years.all())
        self.year_by_label = {year.label: year for year in self.years}
        self.year_by_start = {year.start_year: year for year in self.years}
        self.outcomes = {o.code: o for o in Outcome.objects.filter(council=council)}
        self.themes = {t.name.casefold(): t for t in Theme.objects.filter(council=council)}
        self.budgets = {b.name.casefold(): b for b in ServiceBudget.objects.filter(council=council)}
        self.proposals = {
            p.pk: p for p in Proposal.objects.filter(plan=plan).select_related("outcome", "theme")
        }
        self.reference_owner = {p.reference: p.pk for p in self.proposals.values() if p.reference}
        self.lines: dict[int, list[tuple[int, dict[int, int]]]] = {}  # proposal id -> lines in order
        line_figures: dict[int, dict[int, int]] = {}
        for line in ImpactLine.objects.filter(proposal__plan=plan).order_by("proposal_id", "position", "pk"):
            figures: dict[int, int] = {}
            line_figures[line.pk] = figures
            self.lines.setdefault(line.proposal_id, []).append((line.service_budget_id, figures))
        for line_id, year_id, amount_k in Variation.objects.filter(line__proposal__plan=plan).values_list(
            "line_id", "year_id", "amount_k"
        ):
            line_figures[line_id][year_id] = amount_k
        self.budget_names: dict[Any, str] = {b.pk: b.name for b in self.budgets.values()}
        self.year_labels = {year.pk: year.label for year in self.years}

    def money(self, amount_k: int | None, *, blank: str = "") -> str:
        """A figure in the plan's unit, as its pages show it: "+3.500" (£m) or "+3,500" (£000)."""
        return format_in(amount_k, self.plan.unit, blank=blank)

    def outcome(self, value: Any) -> Outcome:
        code = text_of(value)
        if code in self.outcomes:
            return self.outcomes[code]
        if code.isdigit():  # a spreadsheet may have turned "01" into 1
            matches = [o for c, o in self.outcomes.items() if c.isdigit() and int(c) == int(code)]
            if len(matches) == 1:
                return matches[0]
        raise ValueError(
            f"\u201c{code}\u201d is not an outcome of {self.plan.council.name}. Use one of: "
            + ", ".join(sorted(self.outcomes)) + "."
        )

    def budget_name(self, key: Any) -> str:
        return key.name if isinstance(key, ToCreate) else self.budget_names[key]


def text_of(value: Any) -> str:
    """A cell's value as text, stripped ("" for empty; 3.0 read as "3")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _name(record: Any) -> str:
    return "(none)" if record is None else getattr(record, "name", None) or str(record)


def describe_fields(proposal: Proposal, values: dict[str, Any]) -> list[str]:
    """Words for each header field ``values`` would change (the description only when the
    file has one)."""
    changes = []
    pairs = [
        ("Reference", proposal.display_reference, display_reference(values["reference"])),
        ("Title", proposal.title, values["title"]),
        ("Kind", proposal.get_kind_display(), Kind(values["kind"]).label),
        ("Outcome", str(proposal.outcome), str(values["outcome"])),
        ("Theme", _name(proposal.theme), _name(values["theme"])),
    ]
    if values.get("description") is not None:
        pairs.append(("Description", proposal.description, values["description"]))
    for name, old, new in pairs:
        if old != new:
            changes.append(f"{name}: {old} \u2192 {new}")
    return changes


def describe_lines(old_lines: list[tuple[Any, dict[int, int]]], new_lines: list[tuple[Any, dict[int, int]]],
                   lookups: Lookups) -> list[str]:
    """Words for every line added or removed and every figure changed."""
    old = dict(old_lines)
    new = dict(new_lines)
    changes = []
    for budget_id, figures in new_lines:
        name = lookups.budget_name(budget_id)
        before = old.get(budget_id)
        if before is None:
            changes.append(f"{name}: line added")
            before = {}
        for year in lookups.years:
            a, b = before.get(year.pk), figures.get(year.pk)
            if a != b:
                old_shown = lookups.money(a, blank="not profiled")
                new_shown = lookups.money(b, blank="not profiled")
                changes.append(f"{year.label} {name}: {old_shown} \u2192 {new_shown}")
    for budget_id, _figures in old_lines:
        if budget_id not in new:
            changes.append(f"{lookups.budget_name(budget_id)}: line removed")
    return changes


def describe_new(lines: list[tuple[Any, dict[int, int]]], lookups: Lookups) -> list[str]:
    """Words for each figure of a proposal to create."""
    return [
        f"{lookups.year_labels[year]} {lookups.budget_name(budget)}: {lookups.money(k)}"
        for budget, figures in lines
        for year, k in sorted(figures.items(), key=lambda item: lookups.year_labels[item[0]])
    ]


def plan_data(values: dict[str, Any], lines: list[tuple[Any, dict[int, int]]]) -> dict[str, Any]:
    fields = {
        "reference": values["reference"], "title": values["title"], "kind": values["kind"],
        "outcome": record_key(values["outcome"]), "theme": record_key(values["theme"]),
    }
    if values.get("description") is not None:
        fields["description"] = values["description"]
    return {
        "fields": fields,
        "lines": [[record_key_of_budget(budget), {str(year): amount for year, amount in figures.items()}]
                  for budget, figures in lines],
    }


def record_key_of_budget(budget: Any) -> Any:
    return budget.key if isinstance(budget, ToCreate) else budget
