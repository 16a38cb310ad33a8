"""The delivery pages: periods, the returns grid, the summary with drill-down; access,
bad input (message shown, database unchanged) and pinned query counts."""
import datetime

import pytest
from django.urls import reverse

from delivery.models import DeliveryReturn, MonitoringPeriod, Rating
from delivery.services import ReturnInput, open_period, save_returns
from proposals.models import ChangeSet, Proposal, Status
from proposals.permissions import SYSTEM
from tests.conftest import proposal


@pytest.fixture
def period(ce_plan):
    Proposal.objects.filter(plan=ce_plan, reference__in=["33", "36", "40"]).update(status=Status.APPROVED)
    return open_period(plan=ce_plan, user=SYSTEM, year=ce_plan.years.get(start_year=2019), quarter=2,
                       reporting_date=datetime.date(2019, 9, 30))


def url(name, plan, *args):
    return reverse(f"reports:{name}", args=[plan.council.slug, plan.slug, *args])


def grid_post(plan, values):
    """A POST of the grid: ``values`` {reference: {field: value}}; other rows left blank."""
    data = {}
    for ref in ("33", "36", "40"):
        pk = proposal(plan, ref).pk
        current = DeliveryReturn.objects.filter(proposal_id=pk).first()
        data[f"r{pk}-version"] = str(current.version if current else 0)
        for name, value in values.get(ref, {}).items():
            data[f"r{pk}-{name}"] = value
    return data


def test_an_officer_enters_returns_and_reads_the_summary(client_for, officer, ce_plan, period):
    client = client_for(officer)
    page = client.get(url("delivery_returns", ce_plan, period.slug))
    assert page.status_code == 200
    assert "Target -0.027" in page.content.decode()
    response = client.post(url("delivery_returns", ce_plan, period.slug), grid_post(ce_plan, {
        "33": {"forecast": "-0.027", "rating": "green", "commentary": "On track", "lead_officer": "J. Smith"},
        "36": {"forecast": "-0.030", "rating": "amber", "mitigation": "Agency staff reduced"},
    }))
    assert response.status_code == 302
    assert response["Location"] == url("delivery_period", ce_plan, period.slug)
    assert dict(DeliveryReturn.objects.values_list("proposal__reference", "forecast_k")) == {"33": -27, "36": -30}
    summary = client.get(response["Location"]).content.decode()
    assert "2 returns saved for 2019/20 Q2." in summary
    assert "74.0%" in summary  # 57 of 77
    assert "Agency staff reduced" in summary
    amber = client.get(url("delivery_period", ce_plan, period.slug) + "?rating=amber").content.decode()
    assert "[36]" in amber.split('id="returns"')[1] and "[33]" not in amber.split('id="returns"')[1]


@pytest.mark.parametrize("values, message", [
    ({"33": {"forecast": "lots", "rating": "green"}}, "[33]: “lots” is not a figure in £m"),
    ({"33": {"forecast": "-0.020", "rating": "green"}}, "[33]: Green means the full target (-0.027) is on track"),
    ({"33": {"forecast": "-0.020", "rating": "red"}}, "[33]: Say how the shortfall on a Red rating is"),
    ({"33": {"forecast": "-0.027", "rating": "pink"}}, "[33]: Choose a rating: Blue, Green, Amber or Red."),
    ({"33": {"forecast": "-0.020", "rating": "red", "mitigation": "x", "replacement": "abc"}},
     "[33]: choose the replacement from the list."),
])
def test_bad_returns_are_refused_with_a_message_and_nothing_changes(client_for, officer, ce_plan, period, values,
                                                                    message):
    before = (list(DeliveryReturn.objects.values_list()), ChangeSet.objects.count())
    response = client_for(officer).post(url("delivery_returns", ce_plan, period.slug), grid_post(ce_plan, {
        **values, "36": {"forecast": "-0.050", "rating": "green"}}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "No return has been saved." in response.content.decode()
    assert (list(DeliveryReturn.objects.values_list()), ChangeSet.objects.count()) == before


def test_a_stale_page_is_refused_and_shows_the_other_save(client_for, officer, officer2, ce_plan, period):
    stale = grid_post(ce_plan, {"33": {"forecast": "-0.020", "rating": "amber", "mitigation": "m"}})
    save_returns(period=period, user=officer2, rows=[ReturnInput(proposal_id=proposal(ce_plan, "33").pk,
                                                                 forecast_k=-27, rating=Rating.GREEN)])
    response = client_for(officer).post(url("delivery_returns", ce_plan, period.slug), stale)
    assert response.status_code == 409
    assert "Someone else saved the return for [33]" in response.content.decode()
    assert 'value="-0.027"' in response.content.decode()
    assert DeliveryReturn.objects.get().forecast_k == -27


def test_access(client_for, ce_plan, period, commissioner, officer_cwac, approver, officer):
    summary = url("delivery_period", ce_plan, period.slug)
    grid = url("delivery_returns", ce_plan, period.slug)
    assert client_for(commissioner).get(summary).status_code == 200
    assert client_for(commissioner).get(grid).status_code == 403
    assert client_for(approver).post(grid, {}).status_code == 403
    for page in (summary, grid, url("delivery", ce_plan)):
        assert client_for(officer_cwac).get(page).status_code == 404  # another council's
    assert client_for(officer).get(url("delivery_period", ce_plan, "2019-20-q3")).status_code == 404
    assert client_for(officer).get(url("delivery_period", ce_plan, "nonsense")).status_code == 404
    assert client_for(officer).post(url("delivery", ce_plan), {"year": "2019", "quarter": "3",
                                                                "reporting_date": "31/12/2019"}).status_code == 403
    assert MonitoringPeriod.objects.count() == 1


def test_a_closed_period_sends_officers_to_the_summary(client_for, officer, council_admin, ce_plan, period):
    response = client_for(council_admin).post(url("delivery_period_settings", ce_plan, period.slug),
                                              {"action": "close"})
    assert response.status_code == 302
    period.refresh_from_db()
    assert not period.is_open
    response = client_for(officer).get(url("delivery_returns", ce_plan, period.slug), follow=True)
    assert "2019/20 Q2 is closed for returns. A council administrator can reopen it." in response.content.decode()


def test_an_administrator_adds_a_period(client_for, council_admin, ce_plan, period):
    client = client_for(council_admin)
    response = client.post(url("delivery", ce_plan), {"year": "2019", "quarter": "3",
                                                       "reporting_date": "31/12/2019"})
    assert response.status_code == 302
    assert MonitoringPeriod.objects.filter(plan=ce_plan, quarter=3, reporting_date="2019-12-31").exists()
    for data, message in [
        ({"year": "2019", "quarter": "3", "reporting_date": "31/12/2019"}, "2019/20 Q3 is already a monitoring period"),
        ({"year": "2019", "quarter": "9", "reporting_date": "31/12/2019"}, "Choose the quarter: Q1, Q2, Q3 or Q4."),
        ({"year": "1999", "quarter": "1", "reporting_date": "31/12/2019"}, "Choose one of"),
        ({"year": "2019", "quarter": "4", "reporting_date": "the end"}, "“the end” is not a date"),
    ]:
        count = MonitoringPeriod.objects.count()
        response = client.post(url("delivery", ce_plan), data)
        assert response.status_code == 400 and message in response.content.decode(), message
        assert MonitoringPeriod.objects.count() == count


def test_bad_drill_down_says_so(client_for, officer, ce_plan, period):
    response = client_for(officer).get(url("delivery_period", ce_plan, period.slug) + "?rating=pink&outcome=x")
    assert response.status_code == 400
    assert "“pink” is not a rating of this summary" in response.content.decode()


def test_summary_and_grid_query_counts_are_pinned(client_for, officer, ce_plan, period, django_assert_num_queries):
    rows = [ReturnInput(proposal_id=proposal(ce_plan, ref).pk, forecast_k=k, rating=Rating.GREEN)
            for ref, k in (("33", -27), ("36", -50), ("40", -100))]
    save_returns(period=period, user=SYSTEM, rows=rows)
    client = client_for(officer)
    client.get(url("delivery_period", ce_plan, period.slug))  # sessions, roles: warmed
    # Session, user, plan, period, roles; the summary's two; the returns shown; the
    # navigation's count of what waits for the officer.
    with django_assert_num_queries(9):
        assert client.get(url("delivery_period", ce_plan, period.slug)).status_code == 200
    # Session, user, plan, period, roles; due_returns' four; the replacement list; the count.
    with django_assert_num_queries(11):
        assert client.get(url("delivery_returns", ce_plan, period.slug)).status_code == 200


def test_the_proposal_page_shows_its_rating_and_forecast_over_time(client_for, commissioner, ce_plan, period):
    q3 = open_period(plan=ce_plan, user=SYSTEM, year=ce_plan.years.get(start_year=2019), quarter=3,
                     reporting_date=datetime.date(2019, 12, 31))
    pk = proposal(ce_plan, "36").pk
    save_returns(period=period, user=SYSTEM, rows=[ReturnInput(proposal_id=pk, forecast_k=-50, rating=Rating.GREEN,
                                                               commentary="On course")])
    save_returns(period=q3, user=SYSTEM, rows=[ReturnInput(proposal_id=pk, forecast_k=-35, rating=Rating.AMBER,
                                                           mitigation="Use of agency staff cut")])
    html = client_for(commissioner).get(reverse("reports:proposal_detail",
                                                args=[ce_plan.council.slug, ce_plan.slug, pk])).content.decode()
    history = html.split("Delivery returns for [36]")[1]
    assert history.index("2019/20 Q2") < history.index("2019/20 Q3")
    assert "On course" in history and "Use of agency staff cut" in history
    assert "-0.035" in history and "+0.015" in history  # forecast and shortfall in Q3
    assert "rating-amber" in history and "Amber" in history


def test_the_outcome_page_shows_its_savings_delivery(client_for, commissioner, ce_plan, period):
    save_returns(period=period, user=SYSTEM, rows=[
        ReturnInput(proposal_id=proposal(ce_plan, "33").pk, forecast_k=-27, rating=Rating.GREEN),
        ReturnInput(proposal_id=proposal(ce_plan, "36").pk, forecast_k=0, rating=Rating.RED, mitigation="m"),
    ])
    outcome = proposal(ce_plan, "33").outcome
    html = client_for(commissioner).get(reverse("reports:outcome_detail", args=[
        ce_plan.council.slug, ce_plan.slug, outcome.code])).content.decode()
    section = html.split("Delivery of its savings, 2019/20 Q2")[1].split("Proposals by theme")[0]
    assert "-0.077" in section and "-0.027" in section and "35.1%" in section  # 27 of 77
