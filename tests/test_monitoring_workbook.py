"""The monitoring workbook's export: the Summary sheet carries the delivery summary's
figures as formulas over the Returns sheet (their cached results, and what LibreOffice
recalculates, are the page's), a Returns row per proposal due, laid out for printing on
A4 landscape and for filling in, text never a formula, figures in the plan's unit, the
query count pinned, and who may download it."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from delivery.models import MonitoringPeriod, Rating
from delivery.services import ReturnInput, open_period, save_returns
from delivery.summary import delivery_summary
from proposals.models import BudgetPlan, Proposal, Status
from proposals.permissions import SYSTEM
from tests.conftest import proposal
from tests.test_workbook_libreoffice import exact, recalculated, soffice  # noqa: F401 - the fixture
from workbooks.monitoring import COL, FIRST_ROW, HEADER_ROW, PERIOD_ID, PRINTED, write_monitoring_workbook


def approve(plan, *references):
    Proposal.objects.filter(plan=plan, reference__in=references).update(status=Status.APPROVED)


def make_period(plan, start, quarter):
    period = open_period(plan=plan, user=SYSTEM, year=plan.years.get(start_year=start), quarter=quarter,
                         reporting_date=datetime.date(start, 6, 30) + datetime.timedelta(days=91 * (quarter - 1)))
    return MonitoringPeriod.objects.select_related("plan__council", "year").get(pk=period.pk)


# [33] [36] [40]: savings and income due in 2019/20; [41]: an investment, not monitored.
MONITORED = ("33", "36", "40", "41")


@pytest.fixture
def monitored(ce_plan):
    """Cheshire East with MONITORED approved."""
    approve(ce_plan, *MONITORED)
    return ce_plan


@pytest.fixture
def q2(monitored):
    return make_period(monitored, 2019, 2)


def returned(plan, reference, forecast_k, rating, version=0, **kwargs):
    if rating in (Rating.AMBER, Rating.RED):
        kwargs.setdefault("mitigation", "Recovery plan agreed.")
    return ReturnInput(proposal_id=proposal(plan, reference).pk, version=version, forecast_k=forecast_k,
                       rating=rating, **kwargs)


def download(client, period):
    plan = period.plan
    response = client.get(reverse("workbooks:monitoring_export", args=[plan.council.slug, plan.slug, period.slug]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content)


def returns_rows(ws):
    """{reference: row number} of the Returns sheet."""
    return {ws[f"A{r}"].value: r for r in range(FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value}


def fill(data, changes):
    """The workbook ``data`` with ``changes`` ({reference: {column key: value}}) typed into
    its Returns sheet, saved as a spreadsheet program would (formulas without results)."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Returns"]
    rows = returns_rows(ws)
    for reference, values in changes.items():
        for key, value in values.items():
            ws[f"{COL[key]}{rows[reference]}"].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def summary_tables(ws):
    """{"Headline": {label: value}, "By rating": {label: [returns, target, …]}, …} from a Summary sheet."""
    tables, current = {}, None
    for row in ws.iter_rows(values_only=True):
        label = row[0]
        if label is None:
            current = None
        elif label == "Headline":
            current = tables["Headline"] = {}
        elif isinstance(label, str) and label.startswith("By ") and row[1] == "Returns":
            current = tables[label.split(",")[0]] = {}
        elif current is not None:
            current[label] = row[1] if current is tables.get("Headline") else list(row[1:7])
    return tables


def in_m(value):
    return None if value in (None, "–") else exact(value)


def m(amount_k):
    return Decimal(amount_k).scaleb(-3).quantize(Decimal("0.001"))


def assert_summary_equals(ws, summary):
    """The Summary sheet's figures are ``summary``'s (a delivery.summary.Summary), group by group."""
    tables = summary_tables(ws)
    headline = tables["Headline"]
    totals = summary.totals
    [share] = [value for label, value in headline.items() if label.startswith("Delivered")]
    if totals.percentage is None:
        assert share == "–"
    else:
        assert Decimal(repr(share * 100)).quantize(Decimal("0.1")) == totals.percentage
    assert in_m(headline["Full target (target and slipped in)"]) == m(totals.full_target_k)
    assert in_m(headline["Forecast"]) == m(totals.forecast_k)
    assert in_m(headline["Shortfall (forecast − full target)"]) == m(totals.shortfall_k)
    for heading, groups in (("By rating", summary.by_rating), ("By outcome", summary.by_outcome),
                            ("By theme", summary.by_theme), ("By service budget", summary.by_service)):
        rows = tables[heading]
        shown = {label.split(":")[0] if heading == "By rating" else label: values
                 for label, values in rows.items() if label != "Total"}
        for group in groups:
            returns, target, slipped, forecast, shortfall, _share = shown[group.label]
            assert (returns, in_m(target), in_m(slipped), in_m(forecast), in_m(shortfall)) == (
                group.totals.returns, m(group.totals.target_k), m(group.totals.slippage_in_k),
                m(group.totals.forecast_k), m(group.totals.shortfall_k)), (heading, group.label)
        # Groups without a return yet are zero; the total row is the period's total.
        known = {group.label for group in groups}
        assert all(values[0] == 0 for label, values in shown.items() if label not in known), heading
        assert rows["Total"][0] == totals.returns and in_m(rows["Total"][3]) == m(totals.forecast_k), heading


# ---------------------------------------------------------------- the export


def test_the_summary_carries_the_delivery_summarys_figures(q2, monitored, officer, client_for):
    save_returns(period=q2, user=officer, rows=[returned(monitored, "33", -27, Rating.BLUE),
                                                returned(monitored, "36", -30, Rating.AMBER)])
    wb = load_workbook(io.BytesIO(download(client_for(officer), q2)), data_only=True)
    assert wb.sheetnames == ["Summary", "Returns"]
    assert_summary_equals(wb["Summary"], delivery_summary(q2))
    ws = wb["Returns"]
    rows = returns_rows(ws)
    assert list(rows) == ["[33]", "[36]", "[40]"]  # every proposal due, [40] without a return yet
    r = rows["[36]"]
    assert [ws[f"{COL[key]}{r}"].value for key in ("target", "slippage", "full_target", "forecast", "shortfall",
                                                   "rating", "delivered_next_year", "id", "version")] == [
        -0.05, 0, -0.05, -0.03, 0.02, "Amber", "No", proposal(monitored, "36").pk, 1]
    r = rows["[40]"]
    assert (ws[f"{COL['forecast']}{r}"].value, ws[f"{COL['rating']}{r}"].value, ws[f"{COL['version']}{r}"].value) \
        == (None, None, 0)


def test_the_workbook_is_laid_out_for_printing_and_filling_in(q2, officer):
    wb = load_workbook(io.BytesIO(write_monitoring_workbook(q2, user=officer)))
    ws = wb["Returns"]
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert str(ws.print_area) == f"'Returns'!$A$1:${COL['delivered_next_year']}${FIRST_ROW + 2}"
    hidden = [letter for letter, dimension in ws.column_dimensions.items() if dimension.hidden]
    assert COL["id"] in hidden and COL["version"] in hidden and PRINTED < 16
    assert ws.freeze_panes == f"C{FIRST_ROW}"
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert lists[f"{COL['rating']}{FIRST_ROW}:{COL['rating']}{FIRST_ROW + 2}"] == '"Blue,Green,Amber,Red"'
    assert lists[f"{COL['delivered_next_year']}{FIRST_ROW}:{COL['delivered_next_year']}{FIRST_ROW + 2}"] == '"Yes,No"'
    assert [c.value for c in ws[1] if c.value == PERIOD_ID] and wb["Summary"].page_setup.orientation == "landscape"


def test_text_is_never_a_formula(q2, monitored, officer):
    save_returns(period=q2, user=officer, rows=[returned(
        monitored, "36", -30, Rating.AMBER, commentary='=HYPERLINK("http://evil.example","x")', lead_officer="+44 1",
        mitigation="@SUM(1)")])
    ws = load_workbook(io.BytesIO(write_monitoring_workbook(q2, user=officer)))["Returns"]
    r = returns_rows(ws)["[36]"]
    for key, text in (("commentary", '=HYPERLINK("http://evil.example","x")'), ("lead_officer", "+44 1"),
                      ("mitigation", "@SUM(1)")):
        cell = ws[f"{COL[key]}{r}"]
        assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", text, True)


def test_figures_are_in_the_plans_unit(q2, monitored, officer):
    BudgetPlan.objects.filter(pk=monitored.pk).update(unit="thousands")
    save_returns(period=q2, user=officer, rows=[returned(monitored, "36", -30, Rating.AMBER)])
    q2 = MonitoringPeriod.objects.select_related("plan__council", "year").get(pk=q2.pk)
    wb = load_workbook(io.BytesIO(write_monitoring_workbook(q2, user=officer)), data_only=True)
    cell = wb["Returns"][f"{COL['forecast']}{returns_rows(wb['Returns'])['[36]']}"]
    assert (cell.value, cell.number_format) == (-30, "#,##0;-#,##0;0")
    assert "£000, whole thousands" in wb["Summary"]["A4"].value


@pytest.mark.parametrize("extra", [(), ("34", "35", "37", "38", "39", "42", "43", "44", "45", "46")])
def test_the_export_query_count_does_not_grow(monitored, officer, extra, django_assert_num_queries):
    approve(monitored, *extra)
    period = make_period(monitored, 2019, 2)
    save_returns(period=period, user=officer, rows=[returned(monitored, "33", -27, Rating.GREEN)])
    period = MonitoringPeriod.objects.select_related("plan__council", "year").get(pk=period.pk)
    write_monitoring_workbook(period, user=officer)  # the user's roles, cached for the request as a page's are
    with django_assert_num_queries(7):  # the summary's two among them (delivery.summary)
        write_monitoring_workbook(period, user=officer)


def test_libreoffice_recalculates_the_summary_to_the_pages_figures(q2, monitored, officer, client_for,
                                                                   soffice, tmp_path):  # noqa: F811
    save_returns(period=q2, user=officer, rows=[returned(monitored, "33", -27, Rating.BLUE),
                                                returned(monitored, "36", -30, Rating.AMBER)])
    # As a spreadsheet program saves it: the formulas without their cached results.
    untouched = fill(download(client_for(officer), q2), {})
    assert_summary_equals(recalculated(soffice, tmp_path, {"book": untouched})["book"]["Summary"],
                          delivery_summary(q2))


# ---------------------------------------------------------------- access


def test_anyone_who_reads_the_council_may_download(q2, commissioner, approver, client_for):
    for user in (commissioner, approver):
        assert load_workbook(io.BytesIO(download(client_for(user), q2))).sheetnames == ["Summary", "Returns"]


def test_another_councils_user_gets_a_404(q2, officer_cwac, outsider, client_for):
    plan = q2.plan
    url = reverse("workbooks:monitoring_export", args=[plan.council.slug, plan.slug, q2.slug])
    for user in (officer_cwac, outsider):
        assert client_for(user).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        write_monitoring_workbook(q2, user=officer_cwac)


def test_a_period_the_plan_does_not_have_is_a_404(q2, officer, client_for):
    plan = q2.plan
    url = reverse("workbooks:monitoring_export", args=[plan.council.slug, plan.slug, "2019-20-q3"])
    assert client_for(officer).get(url).status_code == 404
