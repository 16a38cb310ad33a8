"""The delivery summary's two hand-written queries (delivery.summary.summary_sql) give
exactly the rows of the same queries built with the ORM here, value for value and type
for type, on SQLite and PostgreSQL: for a period with returns of every rating, several
outcomes, themes and no theme, service budgets and none, and slippage; beside another
period of the plan, a period without returns, and another council's period with returns,
so a query that lost its period or plan filter would not match."""
import datetime

import pytest
from django.db.models import Count, Sum

from delivery import summary
from delivery.models import DeliveryReturn, MonitoringPeriod, Rating
from outcomes.models import Outcome
from proposals.models import Proposal, ServiceBudget, Theme

# The plain ORM queries, built here and not taken from delivery.summary.
GROUP_FIELDS = ("rating", "proposal__outcome_id", "proposal__outcome__code", "proposal__outcome__title",
                "proposal__outcome__position", "proposal__theme_id", "proposal__theme__name",
                "proposal__theme__position", "service_budget_id", "service_budget__name")


def plain_grouped(period):
    return (DeliveryReturn.objects.filter(period=period).order_by().values_list(*GROUP_FIELDS)
            .annotate(Count("id"), Sum("target_k"), Sum("slippage_in_k"), Sum("forecast_k")))


def plain_trend(plan_id):
    return (MonitoringPeriod.objects.filter(plan_id=plan_id).values_list("pk", "quarter", "year__start_year")
            .annotate(Count("returns"), Sum("returns__target_k"), Sum("returns__slippage_in_k"),
                      Sum("returns__forecast_k"))
            .order_by("year__start_year", "quarter"))


def typed(rows):
    """The rows with each value's type, in one order (the grouped query has none)."""
    return sorted((tuple((type(value).__name__, value) for value in row) for row in rows), key=repr)


def make_period(plan, start_year, quarter):
    return MonitoringPeriod.objects.create(plan=plan, year=plan.years.get(start_year=start_year), quarter=quarter,
                                           reporting_date=datetime.date(start_year, 6, 30))


def make_returns(period, specs):
    """A return per (proposal, rating, service budget, target, slippage in, forecast)."""
    DeliveryReturn.objects.bulk_create(
        DeliveryReturn(period=period, proposal=proposal, rating=rating, service_budget=budget, target_k=target,
                       slippage_in_k=slippage, forecast_k=forecast)
        for proposal, rating, budget, target, slippage, forecast in specs)


@pytest.fixture
def periods(ce_plan, cwac_plan):
    """(the returned period, the other periods): Cheshire East's 2019/20 Q2 with returns
    across every rating, three outcomes, two themes and none, two budgets and none (the
    seed's proposals moved among them, two outcomes added), and slippage; its Q1 with
    others; its Q3 with none; and a Cheshire West and Chester period with returns."""
    proposals = list(Proposal.objects.filter(plan=ce_plan).order_by("pk")[:12])
    outcomes = [Outcome.objects.filter(council=ce_plan.council).order_by("pk").first(), *(
        Outcome.objects.create(council=ce_plan.council, code=code, title=f"Outcome {code}", position=position)
        for code, position in (("7", 2), ("6", 2)))]  # the same position: ordered by code
    themes = list(Theme.objects.filter(council=ce_plan.council).order_by("pk")[:2])
    budgets = list(ServiceBudget.objects.filter(council=ce_plan.council).order_by("pk")[:2])
    assert len(proposals) == 12 and len(outcomes) == 3 and len(themes) == 2 and len(budgets) == 2
    for index, proposal in enumerate(proposals):  # three outcomes; two themes and no theme
        proposal.outcome = outcomes[index // 4]
        proposal.theme = [themes[0], themes[1], None][index % 3]
    Proposal.objects.bulk_update(proposals, ["outcome", "theme"])
    ratings = [Rating.BLUE, Rating.GREEN, Rating.AMBER, Rating.RED]
    q2, q1, q3 = make_period(ce_plan, 2019, 2), make_period(ce_plan, 2019, 1), make_period(ce_plan, 2019, 3)
    make_returns(q2, [(proposal, ratings[index % 4], [budgets[0], budgets[1], None][index // 2 % 3], -10 * (index + 1),
                       -5 if index % 5 == 0 else 0, -7 * (index + 1))
                      for index, proposal in enumerate(proposals)])
    make_returns(q1, [(proposal, Rating.GREEN, budgets[0], -3, 0, -3) for proposal in proposals[:5]])
    cwac_proposals = list(Proposal.objects.filter(plan=cwac_plan).order_by("pk")[:4])
    cwac_period = make_period(cwac_plan, cwac_plan.years.order_by("start_year").first().start_year, 2)
    make_returns(cwac_period, [(proposal, Rating.AMBER, None, -20, -1, -11) for proposal in cwac_proposals])
    return q2, [q1, q3, cwac_period]


def test_the_grouped_query_gives_the_plain_querys_rows(periods):
    q2, others = periods
    rows = summary.grouped_rows(q2.pk)
    assert typed(rows) == typed(plain_grouped(q2))
    # The data covers what the query groups by: every rating, outcomes, themes and no
    # theme, budgets and no budget, slippage.
    assert {row[0] for row in rows} == set(Rating.values)
    assert len({row[1] for row in rows}) == 3
    assert {row[5] for row in rows} >= {None} and len({row[5] for row in rows}) == 3
    assert {row[8] for row in rows} >= {None} and len({row[8] for row in rows}) == 3
    assert sum(row[12] for row in rows) == -15
    # Only this period's returns: the others have theirs.
    assert sum(row[10] for row in rows) == 12 < DeliveryReturn.objects.count()
    for period in others:
        assert typed(summary.grouped_rows(period.pk)) == typed(plain_grouped(period))
    assert summary.grouped_rows(others[1].pk) == []  # Q3 has no returns


def test_the_trend_query_gives_the_plain_querys_rows(periods, ce_plan, cwac_plan):
    q2, (q1, q3, cwac_period) = periods
    for plan in (ce_plan, cwac_plan):
        assert [typed([row]) for row in summary.trend_rows(plan.pk)] == [typed([row]) for row in plain_trend(plan.pk)]
    trend = summary.trend_rows(ce_plan.pk)
    assert [row[0] for row in trend] == [q1.pk, q2.pk, q3.pk]  # the plan's own periods, in order
    assert trend[1][3:] == (12, -780, -15, -546)
    assert trend[2][3:] == (0, None, None, None)  # a period without returns
    assert [row[0] for row in summary.trend_rows(cwac_plan.pk)] == [cwac_period.pk]


def test_the_summary_adds_up_the_rows(periods, django_assert_num_queries):
    q2, _others = periods
    q2 = MonitoringPeriod.objects.select_related("plan", "year").get(pk=q2.pk)
    with django_assert_num_queries(2):
        result = summary.delivery_summary(q2)
    totals = DeliveryReturn.objects.filter(period=q2).aggregate(
        returns=Count("id"), target=Sum("target_k"), slippage=Sum("slippage_in_k"), forecast=Sum("forecast_k"))
    assert result.totals == summary.Totals.of(totals) == summary.Totals(12, -780, -15, -546)
    for _key, _heading, groups in result.groupings:
        assert sum((group.totals for group in groups), summary.Totals()) == result.totals
    assert [group.key for group in result.by_rating] == ["blue", "green", "amber", "red"]
    assert result.by_theme[-1].key == "none" and result.by_theme[-1].label == "No theme"
    assert "none" in [group.key for group in result.by_service]
    assert [group.key for group in result.by_outcome] == [
        str(outcome.pk) for outcome in Outcome.objects.filter(council=q2.plan.council).order_by("position", "code")]
    assert [type(value) for value in vars(result.totals).values()] == [int] * 4
    assert [period.pk for period, _totals in result.trend] == [p.pk for p in MonitoringPeriod.objects.filter(
        plan=q2.plan).order_by("year__start_year", "quarter")]


def test_the_sql_is_written_once(periods):
    assert summary.summary_sql() is summary.summary_sql()
    assert all("%s" in sql and sql.count("%s") == 1 for sql in summary.summary_sql())
