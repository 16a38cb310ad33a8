"""What the database itself refuses, on SQLite and PostgreSQL alike."""
import pytest
from django.db import IntegrityError, transaction

from councils.models import Role
from proposals.models import BudgetPlan, ImpactLine, PlanYear, Proposal, Status, Variation
from proposals.permissions import WorkflowError
from proposals.services import LineInput, change_status, create_proposal, increments, save_proposal
from tests.conftest import db_snapshot, make_user, proposal


def refused(fn):
    before = db_snapshot()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            fn()
    assert db_snapshot() == before


def test_one_variation_per_line_and_year(ce_plan):
    line = ImpactLine.objects.get(proposal__plan=ce_plan, proposal__reference="33")
    year = ce_plan.years.get(start_year=2019)
    refused(lambda: Variation.objects.create(line=line, year=year, amount_k=-1, increment_k=-1))


def test_a_year_outside_the_plan_is_refused(ce_plan, cwac_plan):
    line = ImpactLine.objects.get(proposal__plan=ce_plan, proposal__reference="33")
    other_plans_year = cwac_plan.years.get(start_year=2016)
    refused(lambda: Variation.objects.create(line=line, year=other_plans_year, amount_k=-1, increment_k=-1))


def test_moving_a_figure_to_another_plans_year_is_refused(ce_plan, cwac_plan):
    variation = Variation.objects.filter(line__proposal__plan=ce_plan).first()
    variation.year = cwac_plan.years.first()
    refused(lambda: variation.save())


def test_unique_reference_per_plan(ce_plan):
    p33 = proposal(ce_plan, "33")
    refused(lambda: Proposal.objects.create(
        plan=ce_plan, outcome=p33.outcome, reference="33", title="Duplicate", kind="revenue_savings"
    ))


def test_unnumbered_new_proposals_may_share_a_plan(ce_plan):
    assert Proposal.objects.filter(plan=ce_plan, reference__isnull=True).count() == 3


def test_the_same_reference_in_another_plan_is_fine(ce_plan):
    other = BudgetPlan.objects.create(council=ce_plan.council, slug="2020-23", name="Next round", base_year=2019)
    Proposal.objects.create(plan=other, outcome=proposal(ce_plan, "33").outcome, reference="33", title="Again",
                            kind="revenue_savings")


def test_amounts_beyond_ten_billion_are_refused(ce_plan):
    variation = Variation.objects.filter(line__proposal__plan=ce_plan).first()
    variation.amount_k = 10_000_001
    refused(lambda: variation.save())


def test_the_database_refuses_an_author_approving(ce_plan, officer, approver):
    p = proposal(ce_plan, "33")
    Proposal.objects.filter(pk=p.pk).update(created_by=officer, updated_by=approver)
    refused(lambda: Proposal.objects.filter(pk=p.pk).update(approved_by=approver))
    refused(lambda: Proposal.objects.filter(pk=p.pk).update(approved_by=officer))


def test_the_workflow_refuses_an_author_approving(ce_plan):
    both = make_user("both", memberships=[("cheshire-east", Role.OFFICER), ("cheshire-east", Role.APPROVER)])
    p = proposal(ce_plan, "33")
    save_proposal(proposal=p, user=both, fields={"title": "Changed by the approver"}, lines=_lines(p),
                  expected_version=p.version)
    before = db_snapshot()
    with pytest.raises(WorkflowError, match="changed it since it was last approved"):
        change_status(proposal=p, user=both, to=Status.APPROVED)
    assert db_snapshot() == before


def _lines(p):
    return [
        LineInput(service_budget=line.service_budget, figures={v.year: v.amount_k for v in line.variations.all()})
        for line in p.lines.all()
    ]


def test_increments_are_changes_from_the_previous_profiled_year():
    assert increments({2019: 3500, 2020: 8500, 2021: 8500}) == {2019: 3500, 2020: 5000, 2021: 0}
    assert increments({2019: -500, 2021: -500}) == {2019: -500, 2021: 0}
    assert increments({}) == {}


def test_unprofiled_and_no_change_are_different(ce_plan, officer):
    p = proposal(ce_plan, "44")
    y2019 = ce_plan.years.get(start_year=2019)
    lines = _lines(p)
    lines[0].figures[y2019] = None  # unprofiled
    save_proposal(proposal=p, user=officer, fields={}, lines=lines, expected_version=p.version)
    assert not Variation.objects.filter(line__proposal=p, year=y2019).exists()
    change = p.changesets.first().changes.get()
    assert change.describe() == "2019/20 Public Health: 0.000 \u2192 not profiled"


def test_create_proposal_keeps_stored_net_and_increments(ce_plan, officer):
    p33 = proposal(ce_plan, "33")
    years = list(ce_plan.years.all())
    created = create_proposal(
        plan=ce_plan, user=officer,
        fields={"reference": "99", "title": "Test", "kind": "revenue_investment", "outcome": p33.outcome},
        lines=[LineInput(service_budget=p33.lines.get().service_budget,
                         figures={years[0]: 1000, years[1]: 2500, years[2]: 2500})],
    )
    created.refresh_from_db()
    assert created.net_k == 6000
    assert list(Variation.objects.filter(line__proposal=created).order_by("year__start_year")
                .values_list("increment_k", flat=True)) == [1000, 1500, 0]
    assert PlanYear.objects.filter(plan=ce_plan).count() == 3
