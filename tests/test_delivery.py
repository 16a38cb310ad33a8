"""Delivery monitoring's write path and summary: the rating–forecast rules, slippage
arithmetic, versions, the audit trail, access, and the summary's totals on every grouping."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from councils.models import Role
from delivery.models import DeliveryReturn, MonitoringPeriod, Rating
from delivery.services import (
    MonitoringInvalid,
    ReturnInput,
    ReturnsConflict,
    ReturnsInvalid,
    change_period,
    due_returns,
    open_period,
    save_returns,
    slippage_into,
)
from delivery.summary import PeriodNotFound, delivery_summary, parse_period, period_for, returns_in
from proposals.models import ChangeSet, Proposal, Status
from proposals.permissions import SYSTEM, WorkflowError
from tests.conftest import make_user, proposal


def approve(plan, *references):
    Proposal.objects.filter(plan=plan, reference__in=references).update(status=Status.APPROVED)


@pytest.fixture
def monitored(ce_plan):
    """Cheshire East with [33] [36] [40] (savings, income) and [41] (an investment) approved."""
    approve(ce_plan, "33", "36", "40", "41")
    return ce_plan


def year(plan, start):
    return plan.years.get(start_year=start)


def make_period(plan, start, quarter, **kwargs):
    return open_period(plan=plan, user=SYSTEM, year=year(plan, start), quarter=quarter,
                       reporting_date=datetime.date(start, 6, 30) + datetime.timedelta(days=91 * (quarter - 1)),
                       **kwargs)


def row(plan, reference, forecast_k, rating, version=0, **kwargs):
    defaults = {"mitigation": "Recovery plan agreed."} if rating in (Rating.AMBER, Rating.RED) else {}
    return ReturnInput(proposal_id=proposal(plan, reference).pk, version=version, forecast_k=forecast_k,
                       rating=rating, **{**defaults, **kwargs})


def test_due_returns_are_approved_savings_and_income_with_a_target_in_the_year(monitored):
    q1 = make_period(monitored, 2019, 1)
    due = {d.proposal.reference: d.target_k for d in due_returns(q1)}
    assert due == {"33": -27, "36": -50, "40": -100}  # [41] is an investment; the rest are not approved
    q1_2020 = make_period(monitored, 2020, 1)
    # 2020/21: only [36] changes again (−0.050 more); [33] and [40] are in the base budget.
    assert {d.proposal.reference: d.target_k for d in due_returns(q1_2020)} == {"36": -50}


def test_a_period_that_chooses_investments_monitors_them(monitored):
    q1 = make_period(monitored, 2019, 1, includes_investments=True)
    assert {d.proposal.reference: d.target_k for d in due_returns(q1)}["41"] == 3500


def test_due_returns_query_count_does_not_grow(monitored, django_assert_num_queries):
    q1 = make_period(monitored, 2019, 1)
    q1 = MonitoringPeriod.objects.select_related("plan", "year").get(pk=q1.pk)
    with django_assert_num_queries(4):
        assert len(due_returns(q1)) == 3


@pytest.mark.parametrize("rating, forecast, message", [
    (Rating.GREEN, -20, "Green means the full target (-0.027) is on track, but the forecast is -0.020"),
    (Rating.BLUE, -26, "Blue means the full target (-0.027) is delivered, but the forecast is -0.026"),
    (Rating.RED, -27, "Red means the saving will not be delivered this year, but the forecast (-0.027) is the full"),
    (Rating.GREEN, 27, "the forecast +0.027 has the opposite sign"),
    ("purple", -27, "Choose a rating: Blue, Green, Amber or Red."),
])
def test_a_rating_that_contradicts_the_figures_is_refused(monitored, rating, forecast, message):
    q1 = make_period(monitored, 2019, 1)
    before = list(DeliveryReturn.objects.values_list()), ChangeSet.objects.count()
    with pytest.raises(ReturnsInvalid) as error:
        save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "36", -50, Rating.GREEN),
                                                   row(monitored, "33", forecast, rating)])
    assert any(message in text for text in error.value.errors.values()), error.value.errors
    assert (list(DeliveryReturn.objects.values_list()), ChangeSet.objects.count()) == before  # nothing, not even [36]


@pytest.mark.parametrize("kwargs, field, message", [
    ({"forecast_k": None}, "forecast", "Give the forecast for the year (the target is -0.027)."),
    ({"mitigation": ""}, "mitigation", "Say how the shortfall on an Amber rating is being mitigated."),
    ({"commentary": "x" * 2001}, "commentary", "A commentary is at most 2,000 characters."),
    ({"lead_officer": "x" * 201}, "lead_officer", "A lead officer's name is at most 200 characters."),
    ({"replacement_id": -1}, "replacement", "The replacement must be one of"),
    ({"delivered_next_year": True, "forecast_k": -27}, "delivered_next_year", "There is no shortfall"),
])
def test_each_bad_value_is_refused_with_its_message(monitored, kwargs, field, message):
    q1 = make_period(monitored, 2019, 1)
    values = {"forecast_k": -20, **kwargs}
    bad = row(monitored, "33", values.pop("forecast_k"), Rating.AMBER, **values)
    with pytest.raises(ReturnsInvalid) as error:
        save_returns(period=q1, user=SYSTEM, rows=[bad])
    assert message in error.value.errors[(bad.proposal_id, field)]
    assert not DeliveryReturn.objects.exists()


def test_a_replacement_is_only_for_amber_and_red_and_not_itself(monitored):
    q1 = make_period(monitored, 2019, 1)
    other = proposal(monitored, "34").pk
    with pytest.raises(ReturnsInvalid) as error:
        save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "33", -27, Rating.GREEN, replacement_id=other)])
    assert "Only an Amber or Red return names a replacement" in str(error.value)
    itself = proposal(monitored, "33").pk
    with pytest.raises(ReturnsInvalid) as error:
        save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "33", -10, Rating.RED, replacement_id=itself)])
    assert "cannot replace itself" in str(error.value)
    saved = save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "33", -10, Rating.RED, replacement_id=other)])
    assert saved[0].replacement_id == other


def test_a_proposal_not_due_is_refused(monitored):
    q1 = make_period(monitored, 2019, 1)
    with pytest.raises(ReturnsInvalid) as error:
        save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "41", 3500, Rating.GREEN)])
    assert "not due a return this period" in str(error.value)


def test_saving_records_target_forecast_and_audit(monitored, officer):
    q2 = make_period(monitored, 2019, 2)
    saved = save_returns(period=q2, user=officer, rows=[
        row(monitored, "36", -40, Rating.AMBER, commentary="Recruitment delayed", lead_officer="J. Smith"),
        ReturnInput(proposal_id=proposal(monitored, "33").pk),  # blank: skipped
    ])
    assert len(saved) == 1
    item = DeliveryReturn.objects.get()
    assert (item.target_k, item.slippage_in_k, item.forecast_k, item.shortfall_k, item.version) == (-50, 0, -40, 10, 1)
    assert item.updated_by == officer
    changeset = ChangeSet.objects.filter(subject_id=monitored.pk).latest("id")
    described = [change.describe() for change in changeset.changes.all()]
    assert "2019/20 2019/20 Q2 [36] forecast: (none) \u2192 -0.040" in described
    assert "2019/20 2019/20 Q2 [36] rating: (none) \u2192 Amber" in described
    assert changeset.user == officer and changeset.note == "Delivery returns 2019/20 Q2"


def test_an_old_version_is_refused_and_nothing_is_saved(monitored, officer, officer2):
    q1 = make_period(monitored, 2019, 1)
    save_returns(period=q1, user=officer, rows=[row(monitored, "33", -27, Rating.GREEN)])
    # officer2 opened the page before that save (version 0) and saves both rows.
    with pytest.raises(ReturnsConflict) as error:
        save_returns(period=q1, user=officer2, rows=[row(monitored, "33", -20, Rating.AMBER),
                                                     row(monitored, "36", -50, Rating.GREEN)])
    assert "[33]" in str(error.value) and "have not been saved" in str(error.value)
    assert DeliveryReturn.objects.get().forecast_k == -27
    assert DeliveryReturn.objects.count() == 1
    # From the current version it saves, and the version moves on.
    save_returns(period=q1, user=officer2, rows=[row(monitored, "33", -20, Rating.AMBER, version=1)])
    assert DeliveryReturn.objects.get().version == 2


def test_an_unchanged_row_is_not_written(monitored):
    q1 = make_period(monitored, 2019, 1)
    save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "33", -27, Rating.GREEN)])
    count = ChangeSet.objects.count()
    assert save_returns(period=q1, user=SYSTEM, rows=[row(monitored, "33", -27, Rating.GREEN, version=1)]) == []
    assert ChangeSet.objects.count() == count and DeliveryReturn.objects.get().version == 1


def test_slippage_moves_a_shortfall_into_next_years_target(monitored):
    q4 = make_period(monitored, 2019, 4)
    save_returns(period=q4, user=SYSTEM, rows=[
        row(monitored, "36", -30, Rating.AMBER, delivered_next_year=True),  # 0.020 of 0.050 slips
        row(monitored, "33", -7, Rating.RED),  # 0.020 short, not slipped: lost
    ])
    assert slippage_into(monitored, 2020) == {proposal(monitored, "36").pk: -20}
    q1_next = make_period(monitored, 2020, 1)
    due = {d.proposal.reference: d for d in due_returns(q1_next)}
    assert (due["36"].target_k, due["36"].slippage_in_k, due["36"].full_target_k) == (-50, -20, -70)
    assert "33" not in due  # no change in 2020/21, and nothing slipped
    saved = save_returns(period=q1_next, user=SYSTEM, rows=[row(monitored, "36", -70, Rating.GREEN)])
    assert (saved[0].target_k, saved[0].slippage_in_k, saved[0].shortfall_k) == (-50, -20, 0)
    # A later change to the year before's return brings next year's slippage up to date.
    item = DeliveryReturn.objects.get(period=q4, proposal__reference="36")
    save_returns(period=q4, user=SYSTEM, rows=[row(monitored, "36", -40, Rating.AMBER, version=item.version,
                                                   delivered_next_year=True)])
    later = DeliveryReturn.objects.get(period=q1_next)
    assert (later.slippage_in_k, later.version) == (-10, 2)
    described = [c.describe() for c in ChangeSet.objects.latest("id").changes.all()]
    assert "2020/21 2020/21 Q1 [36] slippage in: -0.020 \u2192 -0.010" in described


def test_slippage_past_the_plans_last_year_is_refused(monitored):
    q4 = make_period(monitored, 2021, 4)
    approve(monitored, "45")  # −0.150 more in 2021/22
    with pytest.raises(ReturnsInvalid) as error:
        save_returns(period=q4, user=SYSTEM, rows=[row(monitored, "45", -100, Rating.AMBER, delivered_next_year=True)])
    assert "no year after this one" in str(error.value)


def test_who_may_make_returns_and_manage_periods(monitored, officer, commissioner, approver, council_admin,
                                                 officer_cwac):
    with pytest.raises(PermissionDenied):
        open_period(plan=monitored, user=officer, year=year(monitored, 2019), quarter=1,
                    reporting_date=datetime.date(2019, 6, 30))
    q1 = open_period(plan=monitored, user=council_admin, year=year(monitored, 2019), quarter=1,
                     reporting_date=datetime.date(2019, 6, 30))
    for user in (commissioner, approver, officer_cwac):
        with pytest.raises(PermissionDenied):
            save_returns(period=q1, user=user, rows=[row(monitored, "33", -27, Rating.GREEN)])
    save_returns(period=q1, user=council_admin, rows=[row(monitored, "33", -27, Rating.GREEN)])
    change_period(period=q1, user=council_admin, is_open=False)
    q1.refresh_from_db()
    with pytest.raises(WorkflowError, match="2019/20 Q1 is closed for returns"):
        save_returns(period=q1, user=officer, rows=[row(monitored, "36", -50, Rating.GREEN)])
    assert DeliveryReturn.objects.count() == 1


def test_returns_continue_on_a_closed_plan(monitored, officer):
    q1 = make_period(monitored, 2019, 1)
    type(monitored).objects.filter(pk=monitored.pk).update(is_closed=True)
    q1 = MonitoringPeriod.objects.select_related("plan").get(pk=q1.pk)
    assert save_returns(period=q1, user=officer, rows=[row(monitored, "33", -27, Rating.GREEN)])


def test_a_period_twice_or_of_another_plans_year_is_refused(monitored, cwac_plan):
    make_period(monitored, 2019, 1)
    with pytest.raises(MonitoringInvalid, match="already a monitoring period"):
        make_period(monitored, 2019, 1)
    with pytest.raises(MonitoringInvalid, match="Choose one of"):
        open_period(plan=monitored, user=SYSTEM, year=cwac_plan.years.first(), quarter=2,
                    reporting_date=datetime.date(2019, 9, 30))
    with pytest.raises(MonitoringInvalid, match="A quarter is Q1, Q2, Q3 or Q4"):
        open_period(plan=monitored, user=SYSTEM, year=year(monitored, 2019), quarter=5,
                    reporting_date=datetime.date(2019, 9, 30))
    assert MonitoringPeriod.objects.count() == 1


def test_summary_totals_agree_on_every_grouping(monitored, django_assert_num_queries):
    q2 = make_period(monitored, 2019, 2)
    save_returns(period=q2, user=SYSTEM, rows=[
        row(monitored, "33", -27, Rating.BLUE),
        row(monitored, "36", -30, Rating.AMBER),
        row(monitored, "40", 0, Rating.RED),
    ])
    q2 = MonitoringPeriod.objects.select_related("plan", "year").get(pk=q2.pk)
    with django_assert_num_queries(2):  # the returns by every grouping at once; the periods with their sums
        summary = delivery_summary(q2)
    assert (summary.totals.full_target_k, summary.totals.forecast_k, summary.totals.shortfall_k) == (-177, -57, 120)
    assert summary.totals.percentage == Decimal("32.2")  # 57 of 177
    for _key, _heading, groups in summary.groupings:
        assert sum(g.totals.forecast_k for g in groups) == -57
        assert sum(g.totals.full_target_k for g in groups) == -177
        assert sum(g.totals.returns for g in groups) == 3
    ratings = {g.key: g.totals for g in summary.by_rating}
    assert ratings["amber"].forecast_k == -30 and ratings["green"].returns == 0
    assert [(p.label, t.forecast_k) for p, t in summary.trend] == [("2019/20 Q2", -57)]
    # Drill-down: the amber group is [36]'s return.
    assert [r.proposal.reference for r in returns_in(q2, rating="amber")] == ["36"]
    theme_of_36 = proposal(monitored, "36").theme_id
    assert "36" in [r.proposal.reference for r in returns_in(q2, theme=str(theme_of_36))]


@pytest.mark.parametrize("text, expected", [
    ("2019/20-Q2", (2019, 2)), ("2019/20 Q2", (2019, 2)), ("2019-20-q2", (2019, 2)),
    ("2019/21-Q2", None), ("2019/20-Q5", None), ("Q2", None), ("", None), ("9" * 5000, None),
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


def test_period_for_names_what_is_wrong(monitored):
    with pytest.raises(PeriodNotFound, match="has no monitoring periods yet"):
        period_for(monitored)
    make_period(monitored, 2019, 1)
    assert period_for(monitored).label == "2019/20 Q1"
    with pytest.raises(PeriodNotFound, match="is not a period: write it as 2019/20-Q2"):
        period_for(monitored, "next quarter")
    with pytest.raises(PeriodNotFound, match=r"no monitoring period 2019/20 Q3 \(its periods: 2019/20 Q1\)"):
        period_for(monitored, "2019/20-Q3")


def test_another_councils_proposal_cannot_be_returned(monitored, cwac_plan):
    q1 = make_period(monitored, 2019, 1)
    Proposal.objects.filter(plan=cwac_plan).update(status=Status.APPROVED)
    foreign = Proposal.objects.filter(plan=cwac_plan).first()
    with pytest.raises(ReturnsInvalid, match="not due a return"):
        save_returns(period=q1, user=SYSTEM, rows=[ReturnInput(proposal_id=foreign.pk, forecast_k=-1,
                                                               rating=Rating.GREEN)])


def test_another_councils_administrator_cannot_open_a_period(monitored):
    stranger = make_user("stranger_admin", memberships=[("cheshire-west-and-chester", Role.COUNCIL_ADMIN)])
    with pytest.raises(PermissionDenied):
        open_period(plan=monitored, user=stranger, year=year(monitored, 2019), quarter=2,
                    reporting_date=datetime.date(2019, 9, 30))
    assert not MonitoringPeriod.objects.exists()
