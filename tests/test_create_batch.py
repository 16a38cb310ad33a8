"""Creating many proposals at once (an import's new rows) costs a fixed number of
queries whatever their number, and records each exactly as creating it alone would:
the same changes, a whole hash chain."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals import history
from proposals.models import ChangeSet, Proposal
from proposals.services import LineInput, ReferenceInUse, create_proposal, create_proposals
from tests.conftest import db_snapshot, proposal


def items(plan, n, start=900):
    p41 = proposal(plan, "41")
    budget = p41.lines.get().service_budget
    years = list(plan.years.all())
    return [({"reference": str(start + i), "title": f"Batch {i}", "kind": "revenue_savings", "outcome": p41.outcome},
             [LineInput(budget, {years[0]: -10 * (i + 1), years[1]: -20 * (i + 1)})]) for i in range(n)]


def test_the_query_count_does_not_grow_with_the_number(ce_plan, officer):
    years = list(ce_plan.years.all())
    create_proposals(plan=ce_plan, user=officer, items=items(ce_plan, 1, 800), plan_years=years)  # roles cached
    with CaptureQueriesContext(connection) as five:
        create_proposals(plan=ce_plan, user=officer, items=items(ce_plan, 5, 900), plan_years=years)
    with CaptureQueriesContext(connection) as fifty:
        create_proposals(plan=ce_plan, user=officer, items=items(ce_plan, 50, 1000), plan_years=years)

    def counted(captured):
        inserts = [q["sql"] for q in captured if q["sql"].startswith("INSERT")]
        return len(captured) - len(inserts), {sql.split(" ")[2] for sql in inserts}

    # The same reads and the same tables written; SQLite splits an insert at its limit of
    # 999 parameters, PostgreSQL writes each table in one.
    assert counted(fifty) == counted(five)
    if connection.vendor == "postgresql":
        assert len(fifty) == len(five)


def test_each_is_recorded_as_creating_it_alone_would_be(ce_plan, officer):
    [alone_item, batch_item] = items(ce_plan, 2)
    alone = create_proposal(plan=ce_plan, user=officer, fields=alone_item[0], lines=alone_item[1])
    [batched] = create_proposals(plan=ce_plan, user=officer, items=[batch_item])

    def recorded(p):
        changeset = ChangeSet.objects.get(proposal=p)
        return [(c.kind, c.field, c.year_label, c.old_k, c.new_k, c.new_value.replace("-20", "-N").replace(
            "-10", "-N").replace("-40", "-N")) for c in changeset.changes.order_by("id")
            if c.field not in ("Reference", "Title")]

    assert [r[:3] for r in recorded(batched)] == [r[:3] for r in recorded(alone)]
    assert [r[5] for r in recorded(batched)] == [r[5] for r in recorded(alone)]
    assert Proposal.objects.get(pk=batched.pk).net_k == -60 and Proposal.objects.get(pk=alone.pk).net_k == -30
    assert history.verify([ce_plan.council])[0].broken_at is None


def test_a_reference_in_use_refuses_the_whole_batch(ce_plan, officer):
    batch = items(ce_plan, 3)
    batch[1][0]["reference"] = "41"  # already [41]'s
    before = db_snapshot()
    with pytest.raises(ReferenceInUse):
        create_proposals(plan=ce_plan, user=officer, items=batch)
    assert db_snapshot() == before
