"""What a snapshot (or the gap) refers to cannot be deleted from under it: deleting an
outcome, theme or service budget a snapshot uses, or removing a plan year with gap or
snapshot figures, is refused with a message naming what uses it, never a server error."""
import pytest
from django.core.exceptions import ValidationError

from outcomes.models import Outcome
from proposals import structure
from proposals.gap import set_gap_before
from proposals.models import Proposal, ServiceBudget
from proposals.plans import PlanInvalid, update_plan
from proposals.snapshots import take_snapshot
from tests.conftest import db_snapshot, proposal


def test_an_outcome_only_a_snapshot_uses_cannot_be_deleted(ce_plan, approver, council_admin):
    p41 = proposal(ce_plan, "41")
    outcome = Outcome.objects.create(council=ce_plan.council, code="99", title="Short-lived", position=99)
    Proposal.objects.filter(pk=p41.pk).update(outcome=outcome)
    take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    Proposal.objects.filter(pk=p41.pk).update(outcome=Outcome.objects.filter(council=ce_plan.council, code="5").get())
    before = db_snapshot()
    with pytest.raises(ValidationError, match="proposal in a snapshot of plan"):
        structure.delete(record=outcome, user=council_admin)
    assert db_snapshot() == before


def test_a_service_budget_a_snapshot_uses_names_it(ce_plan, approver, council_admin):
    budget = proposal(ce_plan, "41").lines.get().service_budget
    take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    assert isinstance(budget, ServiceBudget)
    with pytest.raises(ValidationError, match="and 3 impact lines in snapshots of plan Budget proposals"):
        structure.delete(record=budget, user=council_admin)


def test_a_year_with_snapshot_or_gap_figures_cannot_be_removed(ce_plan, approver, officer, council_admin):
    take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    set_gap_before(plan=ce_plan, user=officer, figures={ce_plan.years.get(start_year=2021): 1_000})
    with pytest.raises(PlanInvalid) as refused:
        update_plan(plan=ce_plan, user=council_admin, years=[2019, 2020])
    messages = " ".join(message for found in refused.value.errors.values() for message in found)
    assert "2021/22 cannot be removed: the gap before proposals has figures in it" in messages
    assert "2021/22 cannot be removed: the snapshot “Cabinet 5 February 2019” keeps its figures" in messages
