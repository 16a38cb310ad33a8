"""What changed between two states of a plan: a snapshot and a later one, or a snapshot
and now. Proposals are matched by the live proposal's id, so a renamed or renumbered
proposal is the same proposal.

Reported, and nothing else: proposals added; proposals removed, withdrawn or rejected;
other status changes; header changes (reference, title, kind, outcome, theme,
description: old → new); and every figure changed (its impact line's budget, year,
old → new, where "no figure" and 0 stay distinct). With them, the effect on each year's
net of the counted proposals (all but rejected and withdrawn) and on the remaining gap,
exact in whole £ thousands.

A fixed number of queries whatever the plan's size: each side's headers and figures in
one query each, and each side's gap table (reports.gap) in two.
"""
from dataclasses import dataclass, field

from proposals.models import NOT_COUNTED, Kind, Status
from proposals.references import display_reference

from .gap import gap_table

# The kinds of change, as the page filters them.
ADDED, REMOVED, STATUS, HEADER, FIGURES = "added", "removed", "status", "header", "figures"
KINDS = {
    ADDED: "Proposals added",
    REMOVED: "Proposals removed, withdrawn or rejected",
    STATUS: "Status changes",
    HEADER: "Header changes",
    FIGURES: "Figures changed",
}
HEADER_FIELDS = (
    ("reference", "Reference"), ("title", "Title"), ("kind", "Kind"), ("outcome", "Outcome"), ("theme", "Theme"),
    ("description", "Description"),
)
KIND_LABELS = dict(Kind.choices)
STATUS_LABELS = dict(Status.choices)


@dataclass
class Side:
    """One proposal as one side has it."""

    pk: int
    reference: str | None
    title: str
    kind: str
    status: str
    outcome_id: int
    outcome: str  # its code
    theme: str
    description: str
    figures: dict = field(default_factory=dict)  # (service budget id, year id) -> £k

    @property
    def label(self):
        return f"{display_reference(self.reference)} {self.title}"

    def shown(self, name):
        if name == "reference":
            return display_reference(self.reference)
        if name == "kind":
            return KIND_LABELS.get(self.kind, self.kind)
        if name == "outcome":
            return f"Outcome {self.outcome}"
        return getattr(self, name) or ""


@dataclass
class Change:
    """One change to one proposal. ``what``: a kind of change (KINDS); ``field``: the
    header field or, for a figure, the budget's name; ``year``: a figure's PlanYear."""

    what: str
    proposal_pk: int
    label: str  # "[45] Review of allowances…" as the later side has it (the earlier if removed)
    outcome: str  # the outcome's code, as the later side has it
    field: str = ""
    year: object = None
    old: object = None  # text, or £k for a figure (None: no figure)
    new: object = None


@dataclass
class Comparison:
    from_source: object
    to_source: object
    years: list
    changes: list
    gap_before: object  # reports.gap.GapTable of each side: the counted net and remaining gap by year
    gap_after: object

    def of(self, what):
        return [change for change in self.changes if change.what == what]

    def effect(self):
        """Per year: (net before, net after, net change, remaining gap before, after, change),
        the remaining gap "if everything counted is agreed" (None where no gap is entered)."""
        out = []
        for year, before, after in zip(self.years, self.gap_before.years, self.gap_after.years, strict=True):
            net_a, net_b = before.net, after.net
            rem_a, rem_b = before.remaining_all, after.remaining_all
            out.append((year, net_a, net_b, net_b - net_a, rem_a, rem_b,
                        None if rem_a is None or rem_b is None else rem_b - rem_a))
        return out


def _sides(source):
    """{live proposal id: Side} for a source (two queries)."""
    snapshot = source.snapshot is not None
    key = "proposal_id" if snapshot else "pk"
    sides = {}
    for pk, reference, title, kind, status, outcome_id, code, theme, description in (
        source.proposals().order_by().values_list(key, "reference", "title", "kind", "status", "outcome_id",
                                                  "outcome__code", "theme__name", "description")
    ):
        sides[pk] = Side(pk, reference, title, kind, status, outcome_id, code, theme or "", description)
    line_key = "line__proposal__proposal_id" if snapshot else "line__proposal_id"
    figures = {pk: side.figures for pk, side in sides.items()}
    for pk, budget_id, year_id, amount in (
        source.figures().order_by().values_list(line_key, "line__service_budget_id", "year_id", "amount_k")
    ):
        found = figures.get(pk)
        if found is not None:
            found[(budget_id, year_id)] = amount
    return sides


def compare(from_source, to_source, *, budget_names=None, years=None, to_gap=None):
    """The Comparison of ``from_source`` (earlier) with ``to_source`` (later, or now).
    If the caller has them (else a query each): ``budget_names``, {service budget id:
    name}; ``years``, the plan's PlanYears in order; ``to_gap``, ``to_source``'s
    cumulative gap table over those years."""
    plan = to_source.plan
    years = list(plan.years.all()) if years is None else list(years)
    before, after = _sides(from_source), _sides(to_source)
    if budget_names is None:
        budget_names = dict(plan.council.service_budgets.values_list("pk", "name"))
    changes = []
    year_order = {year.pk: index for index, year in enumerate(years)}
    for pk in sorted(set(before) | set(after), key=lambda pk: _order(after.get(pk) or before.get(pk))):
        old, new = before.get(pk), after.get(pk)
        if old is None:
            changes.append(Change(ADDED, pk, new.label, new.outcome, old=None, new=STATUS_LABELS[new.status]))
            changes += _figure_changes(pk, new, {}, new.figures, year_order, years, budget_names)
            continue
        if new is None:
            changes.append(Change(REMOVED, pk, old.label, old.outcome, field="Removed from the plan",
                                  old=STATUS_LABELS[old.status], new=None))
            continue
        if old.status != new.status:
            what = REMOVED if new.status in NOT_COUNTED and old.status not in NOT_COUNTED else STATUS
            changes.append(Change(what, pk, new.label, new.outcome, field="Status",
                                  old=STATUS_LABELS[old.status], new=STATUS_LABELS[new.status]))
        for name, label in HEADER_FIELDS:
            # the stored values first: equal values show the same (most proposals do not change)
            if getattr(old, name) != getattr(new, name) and old.shown(name) != new.shown(name):
                changes.append(Change(HEADER, pk, new.label, new.outcome, field=label,
                                      old=old.shown(name), new=new.shown(name)))
        if old.figures != new.figures:
            changes += _figure_changes(pk, new, old.figures, new.figures, year_order, years, budget_names)
    return Comparison(
        from_source=from_source, to_source=to_source, years=years, changes=changes,
        gap_before=gap_table(from_source, years=years),
        gap_after=gap_table(to_source, years=years) if to_gap is None else to_gap,
    )


def _order(side):
    return (side.outcome, side.reference is None, str(side.reference or ""), side.title, side.pk)


def _figure_changes(pk, side, old, new, year_order, years, budget_names):
    """The figures of one proposal that differ, by budget name then year (``year_order``:
    {year id: index in ``years``})."""
    keys = sorted((key for key in set(old) | set(new) if old.get(key) != new.get(key)),
                  key=lambda k: (budget_names.get(k[0], ""), year_order.get(k[1], 0)))
    label = side.label
    return [
        Change(FIGURES, pk, label, side.outcome, field=budget_names.get(budget, f"Budget {budget}"),
               year=years[year_order[year]] if year in year_order else None,
               old=old.get((budget, year)), new=new.get((budget, year)))
        for budget, year in keys
    ]
