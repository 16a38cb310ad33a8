"""compare() looks field by field only at the proposals whose rows differ between the two
sides (reports/compare.py). Against the straightforward comparison it replaced, which
looked at every proposal and every figure (``reference_changes`` below, kept as it was),
it reports exactly the same changes in the same order, for random edits between a
snapshot and now and between two snapshots: proposals added and removed, status, every
header field (including ones that show the same), figures changed, set to 0, removed
("no figure") and added, lines added and removed."""
import itertools
import random

import pytest

from outcomes.models import Outcome
from proposals.models import (
    NOT_COUNTED,
    BudgetPlan,
    ImpactLine,
    Kind,
    Proposal,
    ServiceBudget,
    Status,
    Theme,
    Variation,
)
from proposals.snapshots import Source, take_snapshot
from reports import compare as compare_module
from reports.compare import ADDED, FIGURES, HEADER, HEADER_FIELDS, REMOVED, STATUS, STATUS_LABELS, Change, compare


class OldSide(compare_module.Side):
    """The earlier Side, which carried its proposal's figures."""

    def __init__(self, *args, figures):
        super().__init__(*args)
        self.figures = figures


def reference_sides(source):
    snapshot = source.snapshot is not None
    key = "proposal_id" if snapshot else "pk"
    sides = {}
    for pk, reference, title, kind, status, code, theme, description in (
        source.proposals().order_by().values_list(key, "reference", "title", "kind", "status", "outcome__code",
                                                  "theme__name", "description")
    ):
        sides[pk] = OldSide(pk, reference, title, kind, status, code, theme or "", description, figures={})
    line_key = "line__proposal__proposal_id" if snapshot else "line__proposal_id"
    for pk, budget_id, year_id, amount in (
        source.figures().order_by().values_list(line_key, "line__service_budget_id", "year_id", "amount_k")
    ):
        if pk in sides:
            sides[pk].figures[(budget_id, year_id)] = amount
    return sides


def reference_figure_changes(pk, side, old, new, year_order, years, budget_names):
    keys = sorted((key for key in set(old) | set(new) if old.get(key) != new.get(key)),
                  key=lambda k: (budget_names.get(k[0], ""), year_order.get(k[1], 0)))
    label = side.label
    return [
        Change(FIGURES, pk, label, side.outcome, field=budget_names.get(budget, f"Budget {budget}"),
               year=years[year_order[year]] if year in year_order else None,
               old=old.get((budget, year)), new=new.get((budget, year)))
        for budget, year in keys
    ]


def reference_changes(from_source, to_source):
    """The changes as compare() worked them out before it compared rows first."""
    plan = to_source.plan
    years = list(plan.years.all())
    before, after = reference_sides(from_source), reference_sides(to_source)
    budget_names = dict(plan.council.service_budgets.values_list("pk", "name"))
    changes = []
    year_order = {year.pk: index for index, year in enumerate(years)}
    for pk in sorted(set(before) | set(after), key=lambda pk: compare_module._order(after.get(pk) or before.get(pk))):
        old, new = before.get(pk), after.get(pk)
        if old is None:
            changes.append(Change(ADDED, pk, new.label, new.outcome, old=None, new=STATUS_LABELS[new.status]))
            changes += reference_figure_changes(pk, new, {}, new.figures, year_order, years, budget_names)
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
            if getattr(old, name) != getattr(new, name) and old.shown(name) != new.shown(name):
                changes.append(Change(HEADER, pk, new.label, new.outcome, field=label,
                                      old=old.shown(name), new=new.shown(name)))
        if old.figures != new.figures:
            changes += reference_figure_changes(pk, new, old.figures, new.figures, year_order, years, budget_names)
    return changes


ACTIONS = ["status", "title", "reference", "no reference", "kind", "description", "theme", "no theme", "outcome",
           "figure", "zero", "no figure", "new figure", "new line", "no line", "remove", "same", "several"]


def edit_at_random(plan, rng, years, tag):
    """Direct edits of the plan's proposals (the comparison's input, not the services'
    rules): more than half the proposals touched, in every way compare() reports. ``tag``
    keeps the references it gives unique."""
    council = plan.council
    Outcome.objects.get_or_create(council=council, code="99", defaults={"title": "Another outcome", "position": 99})
    outcomes = list(Outcome.objects.filter(council=council))
    themes = list(Theme.objects.filter(council=council))
    budgets = list(ServiceBudget.objects.filter(council=council))
    proposals = list(Proposal.objects.filter(plan=plan).order_by("pk"))
    deck = itertools.cycle(rng.sample(ACTIONS, len(ACTIONS)))
    for n, proposal in enumerate(proposals):
        if rng.random() > 0.6:
            continue
        what = next(deck)
        fields = {}
        for action in (rng.sample(["status", "title", "theme", "figure", "zero", "no figure"], 3)
                       if what == "several" else [what]):
            if action == "status":
                fields["status"] = rng.choice([s for s in Status.values if s != proposal.status])
            elif action == "title":
                fields["title"] = f"{proposal.title} (revised {n})"
            elif action == "reference":
                fields["reference"] = f"Z{tag}-{n}"
            elif action == "no reference":
                fields["reference"] = None
            elif action == "kind":
                fields["kind"] = rng.choice([k for k in Kind.values if k != proposal.kind])
            elif action == "description":
                fields["description"] = rng.choice(["", f"Rewritten {n}."])
            elif action == "theme" and themes:
                fields["theme"] = rng.choice(themes)
            elif action == "no theme":
                fields["theme"] = None
            elif action == "outcome":
                fields["outcome"] = rng.choice([o for o in outcomes if o.pk != proposal.outcome_id] or outcomes)
            elif action == "same":
                fields["title"] = proposal.title  # saved, but the same
            elif action == "remove":  # out of the plan (its history keeps the proposal itself)
                fields.update(plan=spare_plan(plan), reference=None)
            else:
                edit_figures(proposal, action, rng, years, budgets)
        if fields:
            Proposal.objects.filter(pk=proposal.pk).update(**fields)
    for n in range(rng.randint(0, 3)):  # added proposals, with figures, 0 and none
        added = Proposal.objects.create(plan=plan, outcome=rng.choice(outcomes), title=f"Added {n}",
                                        kind=rng.choice(Kind.values), status=rng.choice(Status.values),
                                        reference=rng.choice([None, f"N{tag}-{n}"]))
        for budget in rng.sample(budgets, rng.randint(0, 2)):
            line = ImpactLine.objects.create(proposal=added, service_budget=budget)
            for year in rng.sample(years, rng.randint(0, len(years))):
                Variation.objects.create(line=line, year=year, amount_k=rng.choice([0, -25, 100]), increment_k=0)


def spare_plan(plan):
    return BudgetPlan.objects.get_or_create(council=plan.council, slug="spare",
                                            defaults={"name": "Spare", "base_year": plan.base_year})[0]


def edit_figures(proposal, action, rng, years, budgets):
    lines = list(proposal.lines.all())
    figures = list(Variation.objects.filter(line__proposal=proposal))
    if action == "figure" and figures:
        figure = rng.choice(figures)
        Variation.objects.filter(pk=figure.pk).update(amount_k=figure.amount_k + rng.choice([-7, 1, 500]))
    elif action == "zero" and figures:
        Variation.objects.filter(pk=rng.choice(figures).pk).update(amount_k=0)
    elif action == "no figure" and figures:
        Variation.objects.filter(pk=rng.choice(figures).pk).delete()
    elif action == "new figure" and lines:
        line = rng.choice(lines)
        missing = [year for year in years if not line.variations.filter(year=year).exists()]
        if missing:
            Variation.objects.create(line=line, year=rng.choice(missing), amount_k=rng.choice([0, 30]), increment_k=0)
    elif action == "new line":
        unused = [budget for budget in budgets if budget.pk not in {line.service_budget_id for line in lines}]
        if unused:
            line = ImpactLine.objects.create(proposal=proposal, service_budget=rng.choice(unused), position=9)
            for year in years[:rng.randint(1, len(years))]:
                Variation.objects.create(line=line, year=year, amount_k=rng.choice([0, -40]), increment_k=0)
    elif action == "no line" and lines:
        rng.choice(lines).delete()


def the_changes(result):
    return [(c.what, c.proposal_pk, c.label, c.outcome, c.field, c.year, c.old, c.new) for c in result]


@pytest.mark.parametrize("round_seed", range(6))
def test_compare_reports_what_the_plain_comparison_does(ce_plan, approver, round_seed):
    rng = random.Random(round_seed)
    years = list(ce_plan.years.all())
    first = take_snapshot(plan=ce_plan, user=approver, name="Cabinet one")
    edit_at_random(ce_plan, rng, years, "a")
    pairs = [(Source(ce_plan, first), Source(ce_plan))]
    second = take_snapshot(plan=ce_plan, user=approver, name="Cabinet two")
    edit_at_random(ce_plan, rng, years, "b")
    pairs += [(Source(ce_plan, first), Source(ce_plan, second)), (Source(ce_plan, second), Source(ce_plan)),
              (Source(ce_plan, first), Source(ce_plan, first)),
              # a publication's sources (no drafts): a proposal moving in or out of them is added or removed
              (Source(ce_plan, first, statuses=("approved", "submitted")),
               Source(ce_plan, statuses=("approved", "submitted")))]
    reported = 0
    for earlier, later in pairs:
        expected = reference_changes(earlier, later)
        got = compare(earlier, later, years=years).changes
        assert the_changes(got) == the_changes(expected)
        assert got == expected
        reported += len(got)
    assert reported  # the edits were seen
    assert {c.what for c in reference_changes(Source(ce_plan, first), Source(ce_plan))} >= {ADDED, FIGURES}


def test_the_random_edits_cover_every_kind_of_change(ce_plan, approver):
    """What the seeds above exercise: every kind of change, every header field, and a
    figure added, removed ("no figure"), changed and set to 0."""
    years = list(ce_plan.years.all())
    seen, fields = set(), set()
    for round_seed in range(6):
        first = take_snapshot(plan=ce_plan, user=approver, name=f"Cabinet {round_seed}")
        edit_at_random(ce_plan, random.Random(round_seed), years, round_seed)
        for change in reference_changes(Source(ce_plan, first), Source(ce_plan)):
            seen.add(change.what)
            fields.add(change.field if change.what != FIGURES else (change.old is None, change.new is None,
                                                                    change.new == 0))
    assert seen == {ADDED, REMOVED, STATUS, HEADER, FIGURES}
    assert {label for _name, label in HEADER_FIELDS} - fields == set()
    assert {(True, False, False), (True, False, True), (False, True, False), (False, False, False),
            (False, False, True)} - fields == set()


def plain_header_rows(source):
    key = "pk" if source.snapshot is None else "proposal_id"
    return sorted(source.proposals().order_by().values_list(key, "reference", "title", "kind", "status",
                                                            "outcome__code", "theme__name", "description"),
                  key=str)


def plain_figure_rows(source):
    key = "line__proposal_id" if source.snapshot is None else "line__proposal__proposal_id"
    return sorted(source.figures().order_by().values_list(key, "line__service_budget_id", "year_id", "amount_k"))


def test_the_row_queries_give_the_plain_queries_rows_for_every_source(ce_plan, cwac_plan, approver):
    """compare()'s two queries a side, built once and narrowed (HEADER_ROWS, FIGURE_ROWS),
    read what source.proposals() and source.figures() hold, now and as at a snapshot, with
    and without a publication's statuses; a second plan's source never sees the first's."""
    ids = {}
    for plan in (ce_plan, cwac_plan):
        snapshot = take_snapshot(plan=plan, user=approver, name="Cabinet")
        edited = Proposal.objects.filter(plan=plan).order_by("pk").first()
        Proposal.objects.filter(pk=edited.pk).update(status=Status.APPROVED, title="Approved since")
        for statuses in (None, ("approved",), ("approved", "submitted", "consultation")):
            for source in (Source(plan, statuses=statuses), Source(plan, snapshot, statuses=statuses)):
                headers, figures = compare_module._rows(source)
                assert sorted(headers.values(), key=str) == plain_header_rows(source)
                assert set(headers) == {row[0] for row in headers.values()}
                assert sorted(figures) == plain_figure_rows(source)
                ids.setdefault(plan.pk, set()).update(headers)
        now, then = compare_module._rows(Source(plan))[0][edited.pk], compare_module._rows(Source(plan, snapshot))[0]
        assert now[2] == "Approved since" and then[edited.pk][2] == edited.title
        assert edited.pk in compare_module._rows(Source(plan, statuses=("approved",)))[0]
    assert ids[ce_plan.pk] and ids[cwac_plan.pk] and not ids[ce_plan.pk] & ids[cwac_plan.pk]
