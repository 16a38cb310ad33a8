"""The gap ledger: entered through one write path (permissions, audit trail, nothing
written on bad input), and the gap table's arithmetic exact on both views and every
status group, now and as at a snapshot. The seed publishes no gap: "no gap entered"."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from proposals.gap import GAP_BEFORE, GapInvalid, delete_gap_line, save_gap_line, set_gap_before
from proposals.models import ChangeSet, GapLine, Proposal, Status, Variation
from proposals.snapshots import Source, take_snapshot
from reports.gap import gap_table
from tests.conftest import db_snapshot, proposal


def years(plan):
    return list(plan.years.all())


def sums_by_status(plan, field="amount_k"):
    """{(status, year id): £k}: the proposals' figures added up here, independently of gap_table."""
    out = {}
    for status, year_id, amount in Variation.objects.filter(line__proposal__plan=plan).values_list(
            "line__proposal__status", "year_id", field):
        out[(status, year_id)] = out.get((status, year_id), 0) + amount
    return out


def test_the_seed_plans_have_no_gap_entered(ce_plan, cwac_plan):
    for plan in (ce_plan, cwac_plan):
        table = gap_table(Source(plan))
        assert not table.entered
        assert all(row.gap_before is None and row.remaining_all is None and row.remaining_approved is None
                   for row in table.years)


def test_the_issues_example_gap_10_and_proposals_3588_leave_13588(officer, ce_plan):
    y2019 = years(ce_plan)[0]
    set_gap_before(plan=ce_plan, user=officer, figures={y2019: 10_000})
    row = gap_table(Source(ce_plan)).years[0]
    assert (row.gap_before, row.net, row.remaining_all) == (10_000, 3_588, 13_588)


@pytest.mark.parametrize("view", ["cumulative", "incremental"])
def test_every_status_group_and_both_remaining_gaps_are_exact(officer, approver, ce_plan, view):
    plan_years = years(ce_plan)
    # Spread the seed's statuses over the groups: approved, submitted, consultation, draft, rejected.
    refs = ["33", "34", "35", "36", "41"]
    statuses = [Status.APPROVED, Status.SUBMITTED, Status.CONSULTATION, Status.DRAFT, Status.REJECTED]
    for ref, status in zip(refs, statuses, strict=True):
        Proposal.objects.filter(pk=proposal(ce_plan, ref).pk).update(status=status)
    save_gap_line(plan=ce_plan, user=officer, name="Net budget requirement", sign=GapLine.Sign.ADDS,
                  figures={plan_years[0]: 300_000, plan_years[1]: 310_000, plan_years[2]: 325_500})
    save_gap_line(plan=ce_plan, user=officer, name="Council tax", sign=GapLine.Sign.REDUCES, source="MTFS p.12",
                  figures={plan_years[0]: 295_000, plan_years[1]: 301_250})
    gap = {plan_years[0].pk: 5_000, plan_years[1].pk: 8_750, plan_years[2].pk: 325_500}
    if view == "incremental":
        gap = {plan_years[0].pk: 5_000, plan_years[1].pk: 3_750, plan_years[2].pk: 316_750}
    field = "amount_k" if view == "cumulative" else "increment_k"
    sums = sums_by_status(ce_plan, field)
    table = gap_table(Source(ce_plan), view)
    for row in table.years:
        def group(*statuses, row=row):
            return sum(sums.get((s, row.year.pk), 0) for s in statuses)
        assert row.gap_before == gap[row.year.pk]
        assert row.groups == {"approved": group(Status.APPROVED),
                              "pending": group(Status.SUBMITTED, Status.CONSULTATION),
                              "draft": group(Status.DRAFT)}
        assert row.remaining_approved == gap[row.year.pk] + group(Status.APPROVED)
        assert row.remaining_all == gap[row.year.pk] + group(Status.APPROVED, Status.SUBMITTED, Status.CONSULTATION,
                                                             Status.DRAFT)
    assert [line.name for line in table.lines] == ["Net budget requirement", "Council tax"]


def test_a_snapshots_gap_stays_put_when_the_gap_and_proposals_change(officer, approver, ce_plan):
    y2019 = years(ce_plan)[0]
    set_gap_before(plan=ce_plan, user=officer, figures={y2019: 10_000})
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet 5 February 2019")
    set_gap_before(plan=ce_plan, user=officer, figures={y2019: 12_500})
    Variation.objects.filter(line__proposal=proposal(ce_plan, "41"), year=y2019).update(amount_k=4_000)
    then = gap_table(Source(ce_plan, snapshot)).years[0]
    now = gap_table(Source(ce_plan)).years[0]
    assert (then.gap_before, then.net, then.remaining_all) == (10_000, 3_588, 13_588)
    assert (now.gap_before, now.net, now.remaining_all) == (12_500, 4_088, 16_588)


def test_every_change_is_in_the_audit_trail(officer, ce_plan):
    plan_years = years(ce_plan)
    line = save_gap_line(plan=ce_plan, user=officer, name="Council tax", sign=GapLine.Sign.REDUCES,
                         figures={plan_years[1]: 1_200})
    save_gap_line(plan=ce_plan, user=officer, line=line, name="Council tax", sign=GapLine.Sign.REDUCES,
                  figures={plan_years[1]: 1_250, plan_years[2]: 0})
    delete_gap_line(plan=ce_plan, user=officer, line=line)
    described = [[c.describe() for c in cs.changes.all()] for cs in
                 ChangeSet.objects.filter(council=ce_plan.council, user=officer).order_by("id")]
    assert described == [
        ["Gap line: (none) → Council tax", "Gap: Council tax: sign: (none) → Reduces the gap (funding)",
         "2020/21 Gap: Council tax: (none) → +1.200"],
        ["2020/21 Gap: Council tax: +1.200 → +1.250", "2021/22 Gap: Council tax: (none) → 0.000"],
        ["Gap line: Council tax → (none)", "2020/21 Gap: Council tax: +1.250 → (none)",
         "2021/22 Gap: Council tax: 0.000 → (none)"],
    ]


def test_who_may_enter_it(commissioner, approver, officer_cwac, council_admin, ce_plan):
    y2019 = years(ce_plan)[0]
    for user in (commissioner, approver, officer_cwac):
        before = db_snapshot()
        with pytest.raises(PermissionDenied):
            set_gap_before(plan=ce_plan, user=user, figures={y2019: 1})
        assert db_snapshot() == before
    set_gap_before(plan=ce_plan, user=council_admin, figures={y2019: 1})
    ce_plan.is_closed = True
    ce_plan.save(update_fields=["is_closed"])
    with pytest.raises(Exception, match="is closed"):
        set_gap_before(plan=ce_plan, user=council_admin, figures={y2019: 2})


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"name": ""}, "name", "Give the line a name"),
    ({"name": "x" * 201}, "name", "at most 200 characters"),
    ({"name": "Council tax", "sign": 3}, "sign", "adds to the gap"),
    ({"name": "Council tax", "source": "s" * 301}, "source", "at most 300 characters"),
])
def test_bad_values_say_why_and_write_nothing(officer, ce_plan, kwargs, field, message):
    before = db_snapshot()
    with pytest.raises(GapInvalid) as refused:
        save_gap_line(plan=ce_plan, user=officer, **kwargs)
    assert message in refused.value.errors[field]
    assert db_snapshot() == before


def test_set_gap_before_refuses_a_gap_built_from_lines(officer, ce_plan):
    y2019 = years(ce_plan)[0]
    save_gap_line(plan=ce_plan, user=officer, name="Council tax", sign=GapLine.Sign.REDUCES, figures={y2019: 5})
    before = db_snapshot()
    with pytest.raises(GapInvalid, match="built from its lines \\(Council tax\\)"):
        set_gap_before(plan=ce_plan, user=officer, figures={y2019: 10_000})
    assert db_snapshot() == before
    assert not GapLine.objects.filter(name=GAP_BEFORE).exists()


def test_the_table_costs_a_fixed_number_of_queries(officer, ce_plan, django_assert_num_queries):
    plan_years = years(ce_plan)
    with django_assert_num_queries(2):
        gap_table(Source(ce_plan), years=plan_years)
    for n in range(5):
        save_gap_line(plan=ce_plan, user=officer, name=f"Line {n}", figures={y: 100 * n for y in plan_years})
    with django_assert_num_queries(2):
        gap_table(Source(ce_plan), years=plan_years)


def test_the_gap_page_shows_no_gap_entered_and_refuses_a_bad_view(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    url = reverse("reports:gap", args=[ce_plan.council.slug, ce_plan.slug])
    html = client.get(url).content.decode()
    assert "No gap entered" in html and "no gap entered" in html
    response = client.get(url, {"view": "sideways"})
    assert response.status_code == 400 and "“sideways” is not a view" in response.content.decode()
    response = client.get(url, {"as_at": "cabinet-1999"})
    assert response.status_code == 400 and "“cabinet-1999” is not a snapshot of" in response.content.decode()
