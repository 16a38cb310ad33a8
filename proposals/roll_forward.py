"""Roll forward: the next round's plan, started from this one.

The new plan's base year is this one's plus one, its years shifted by one (the first
dropped, a new last year added), in the same unit. The chosen proposals (by default the
approved ones) are carried with each line re-based to the new base year: the new figure
for a year is the old cumulative figure for that year minus the old figure for the new
base year (0 where that year had none), since that much is now in the base budget. The
new last year is left unprofiled, for the officer to fill. A line whose re-based figures
are all zero (or none) is not carried, nor a proposal left with no line. A carried
proposal keeps its reference, title, kind, outcome, theme, description, governance (the
key decision, consultation and equality impact assessment that evidenced it: the same
decision carried on, for the officer to update) and place, starts
as a draft of the new round, links to where it came from (``carried_from``), and its
history says "Carried from 2019-22 [45]".

``preview_roll_forward`` works it out without writing, ``check_roll_forward`` also checks
the new plan's name and address; ``roll_forward`` writes it all in one transaction or
nothing (RollForwardInvalid with {field: message}). The page's "Roll forward" runs it as a
background job (``jobs.kinds.ROLL_FORWARD``).
"""
from dataclasses import dataclass, field

from django.db import transaction

from . import governance
from .models import Proposal, Status
from .permissions import can_roll_forward
from .plans import PlanInvalid, check_plan, create_plan
from .references import display_reference
from .services import LineInput, create_proposal
from .years import label as year_label

DEFAULT_STATUSES = (Status.APPROVED,)


class RollForwardInvalid(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(str(message) for message in errors.values()))


@dataclass
class CarriedLine:
    service_budget: object
    figures: dict  # new plan's start year -> £k (re-based); the new last year absent


@dataclass
class CarriedProposal:
    old: object  # the proposal carried
    lines: list = field(default_factory=list)  # CarriedLine
    dropped: list = field(default_factory=list)  # names of the budgets whose lines were all zero


@dataclass
class RollForward:
    plan: object
    base_year: int
    years: list  # the new plan's start years
    carried: list  # CarriedProposal, in budget-book order
    not_carried: list  # proposals of the chosen statuses left with no line

    @property
    def new_year(self):
        return self.years[-1]

    @property
    def line_count(self):
        return sum(len(item.lines) for item in self.carried)

    @property
    def dropped_lines(self):
        return [(item.old, name) for item in self.carried for name in item.dropped] + [
            (old, "every line") for old in self.not_carried
        ]


def _invalid(plan_errors):
    """A plan's {field: [messages]} (proposals.plans) as this module's {field: message}."""
    return RollForwardInvalid({field: " ".join(messages) for field, messages in plan_errors.items()})


def check_statuses(statuses):
    statuses = list(statuses or ())
    unknown = [s for s in statuses if s not in Status.values]
    if unknown:
        return {"statuses": f"“{unknown[0]}” is not a status: choose from {', '.join(Status.values)}."}
    if not statuses:
        return {"statuses": "Choose which proposals to carry: the approved ones, or other statuses too."}
    return {}


def preview_roll_forward(plan, statuses=DEFAULT_STATUSES):
    """What rolling ``plan`` forward would carry (three queries; writes nothing)."""
    errors = check_statuses(statuses)
    if errors:
        raise RollForwardInvalid(errors)
    old_years = [year.start_year for year in plan.years.all()]
    base_year = plan.base_year + 1
    years = [y for y in old_years if y > base_year] + [max(old_years + [base_year]) + 1]
    carried, not_carried = [], []
    proposals = (
        Proposal.objects.for_plan(plan).filter(status__in=list(statuses)).in_budget_book_order()
        .select_related("outcome", "theme").prefetch_related("lines__service_budget", "lines__variations__year")
    )
    for proposal in proposals:
        item = CarriedProposal(old=proposal)
        for line in proposal.lines.all():
            old = {v.year.start_year: v.amount_k for v in line.variations.all()}
            in_base = old.get(base_year, 0)
            rebased = {year: old[year] - in_base for year in years[:-1] if year in old}
            if any(rebased.values()):
                item.lines.append(CarriedLine(line.service_budget, rebased))
            else:
                item.dropped.append(line.service_budget.name)
        (carried if item.lines else not_carried).append(item if item.lines else proposal)
    return RollForward(plan=plan, base_year=base_year, years=years, carried=carried, not_carried=not_carried)


def check_roll_forward(*, plan, slug, name, statuses=DEFAULT_STATUSES):
    """What rolling ``plan`` forward as ``name`` (``slug``) would carry; RollForwardInvalid
    for values that would be refused (writes nothing)."""
    result = preview_roll_forward(plan, statuses)
    errors = check_plan(council=plan.council, name=name, slug=slug, base_year=result.base_year, years=result.years,
                        unit=plan.unit)
    if errors:
        raise _invalid(errors)
    if not result.carried:
        raise RollForwardInvalid({"statuses": (
            f"Nothing to carry: no {' or '.join(Status(s).label.lower() for s in statuses)} proposal of {plan.name} "
            "has a figure left once re-based."
        )})
    return result


def done_message(plan, new_plan, result):
    """What a person who rolled ``plan`` forward is told, in words."""
    return (f"{new_plan.name} is created from {plan.name}: {len(result.carried)} proposals carried as drafts, "
            f"re-based to the approved {year_label(result.base_year)} budget. {year_label(result.new_year)} is not "
            "profiled yet: fill it in for each carried proposal.")


def roll_forward(*, plan, user, slug, name, statuses=DEFAULT_STATUSES):
    """Create the next round's plan from ``plan`` and carry its chosen proposals (see the
    module). Returns (the new plan, the RollForward carried)."""
    can_roll_forward(user, plan).require()
    result = check_roll_forward(plan=plan, slug=slug, name=name, statuses=statuses)
    with transaction.atomic():
        try:
            new_plan = create_plan(council=plan.council, user=user, name=name, slug=slug,
                                   base_year=result.base_year, years=result.years, unit=plan.unit,
                                   source=f"Rolled forward from {plan.name} ({plan.slug}).")
        except PlanInvalid as error:  # the plan's checks, made again under the transaction
            raise _invalid(error.errors) from None
        years = {year.start_year: year for year in new_plan.years.all()}
        plan_years = list(years.values())
        for item in result.carried:
            old = item.old
            create_proposal(
                plan=new_plan, user=user, plan_years=plan_years,
                fields={"reference": old.reference, "title": old.title, "kind": old.kind, "outcome": old.outcome,
                        "theme": old.theme, "description": old.description, "position": old.position,
                        "carried_from": old, **governance.values_of(old)},
                lines=[LineInput(line.service_budget, {years[y]: k for y, k in line.figures.items()})
                       for line in item.lines],
                note=f"Carried from {plan.slug} {display_reference(old.reference)}",
            )
    return new_plan, result
