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

Most proposals do not change between two states, so the sides are compared as rows
first, by set operations: a side's figures are a set of (proposal, budget, year, £k)
rows, and the rows only one side has are the figures that changed; a proposal whose
header row is the same on both sides and that has no such figure has nothing to report.
Only the others are looked at field by field.
"""
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from outcomes.models import Outcome
from proposals.models import NOT_COUNTED, Kind, Proposal, SnapshotFigure, SnapshotProposal, Status, Theme
from proposals.references import display_reference
from proposals.snapshots import Shape

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
    outcome: str  # its code
    theme: str
    description: str

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


# A proposal's header as a row, the same for either side: the live proposal's id, then
# the fields compared, the outcome's code and the theme's name as subqueries by primary
# key, which PostgreSQL answers by index for the plan's few hundred proposals (joined,
# it hashed every council's outcomes and themes first: about 0.4 ms more a side at the
# national size).
HEADER_ROW = ("reference", "title", "kind", "status",
              Subquery(Outcome.objects.filter(pk=OuterRef("outcome_id")).order_by().values("code")),
              Subquery(Theme.objects.filter(pk=OuterRef("theme_id")).order_by().values("name")),
              "description")
LIVE_ID = {Proposal: "pk", SnapshotProposal: "proposal_id"}
# A side's header rows and its figures as rows (live proposal id, service budget id,
# year id, £k), each query built once per model and narrowed to a side (Source.scope).
HEADER_ROWS = Shape("proposals", lambda proposals: proposals.order_by().values_list(
    LIVE_ID[proposals.model], *HEADER_ROW))
FIGURE_ROWS = Shape("figures", lambda figures: figures.order_by().values_list(
    "line__proposal__proposal_id" if figures.model is SnapshotFigure else "line__proposal_id",
    "line__service_budget_id", "year_id", "amount_k",
))


def _rows(source):
    """({live proposal id: its header row}, {its figure rows}) of a source (two queries)."""
    return {row[0]: row for row in HEADER_ROWS.of(source)}, set(FIGURE_ROWS.of(source))


def _side(row):
    """The Side of a header row (None for None)."""
    if row is None:
        return None
    pk, reference, title, kind, status, outcome, theme, description = row
    return Side(pk, reference, title, kind, status, outcome, theme or "", description)


def _changed_figures(before, after, headers_before, headers_after):
    """{live proposal id: {(budget id, year id): [£k before, £k after]}}: the figures not
    the same on both sides (None: no figure; 0 is a figure) of each proposal the later
    side has, only those. A side's figures count only if that side has the proposal."""
    changed = {}
    for pk, budget, year, amount in before - after:
        if pk in headers_before and pk in headers_after:
            found = changed.get(pk)
            if found is None:
                found = changed[pk] = {}
            found[budget, year] = [amount, None]
    for pk, budget, year, amount in after - before:
        if pk in headers_after:
            found = changed.get(pk)
            if found is None:
                found = changed[pk] = {}
            pair = found.get((budget, year))
            if pair is None:
                found[budget, year] = [None, amount]
            else:
                pair[1] = amount
    return changed


def compare(from_source, to_source, *, budget_names=None, years=None, to_gap=None):
    """The Comparison of ``from_source`` (earlier) with ``to_source`` (later, or now).
    If the caller has them (else a query each): ``budget_names``, {service budget id:
    name}; ``years``, the plan's PlanYears in order; ``to_gap``, ``to_source``'s
    cumulative gap table over those years."""
    plan = to_source.plan
    years = list(plan.years.all()) if years is None else list(years)
    (headers_before, figures_before), (headers_after, figures_after) = _rows(from_source), _rows(to_source)
    if budget_names is None:
        budget_names = dict(plan.council.service_budgets.values_list("pk", "name"))
    figures = _changed_figures(figures_before, figures_after, headers_before, headers_after)
    # Only these can have anything to report: added, removed, a header row that differs, or a figure.
    looked_at = {pk for pk, _row in headers_before.items() ^ headers_after.items()}
    looked_at.update(figures)
    sides = {pk: (_side(headers_before.get(pk)), _side(headers_after.get(pk))) for pk in looked_at}
    changes = []
    year_order = {year.pk: index for index, year in enumerate(years)}
    for pk in sorted(sides, key=lambda pk: _order(sides[pk][1] or sides[pk][0])):
        old, new = sides[pk]
        if old is None:
            changes.append(Change(ADDED, pk, new.label, new.outcome, old=None, new=STATUS_LABELS[new.status]))
            if pk in figures:
                changes += _figure_changes(pk, new, figures[pk], year_order, years, budget_names)
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
            # the stored values first: equal values show the same
            if getattr(old, name) != getattr(new, name) and old.shown(name) != new.shown(name):
                changes.append(Change(HEADER, pk, new.label, new.outcome, field=label,
                                      old=old.shown(name), new=new.shown(name)))
        if pk in figures:
            changes += _figure_changes(pk, new, figures[pk], year_order, years, budget_names)
    return Comparison(
        from_source=from_source, to_source=to_source, years=years, changes=changes,
        gap_before=gap_table(from_source, years=years),
        gap_after=gap_table(to_source, years=years) if to_gap is None else to_gap,
    )


def _order(side):
    return (side.outcome, side.reference is None, str(side.reference or ""), side.title, side.pk)


def _figure_changes(pk, side, figures, year_order, years, budget_names):
    """The Changes of one proposal's figures that differ (``figures``: {(budget id, year
    id): [£k before, £k after]}), by budget name then year (``year_order``: {year id:
    index in ``years``})."""
    label, outcome = side.label, side.outcome
    return [
        Change(FIGURES, pk, label, outcome, budget_names[budget] if budget in budget_names else f"Budget {budget}",
               years[year_order[year]] if year in year_order else None, old, new)
        for (budget, year), (old, new) in sorted(
            figures.items(), key=lambda item: (budget_names.get(item[0][0], ""), year_order.get(item[0][1], 0)))
    ]
