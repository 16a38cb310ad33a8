"""A council's own spreadsheet through the pages: upload -> mapping -> preview -> confirm,
into a new plan of a new council, every stored £k figure checked, and re-importing the
same file changes nothing. Bad choices give messages and write nothing."""
import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from proposals.models import ChangeSet, Kind, Proposal, ServiceBudget, Theme
from tests.conftest import db_snapshot
from tests.council_import import lines_of, new_council, stored
from tests.council_sheets import (
    confirm,
    expected_k,
    form_data,
    layout,
    map_url,
    mapping,
    preview_through_mapping,
    upload,
)

ANYTOWN_ROWS = [
    ["Anytown Borough Council \u2013 budget proposals 2024/25 to 2026/27"],
    ["Savings proposals (£m)"],
    [],
    ["Ref", "Service", "Description", "2024/25", "2025-26", "26/27"],
    ["Savings"],
    [232, "Libraries", "Close two branch libraries on Sundays", 0.15, 0.3, 0.3],
    ["CHSC1", "Adult care", "Review care packages", 1.2, 1.5, 1.5],
    ["Sub-total", None, None, "=SUM(D6:D7)", "=SUM(E6:E7)", "=SUM(F6:F7)"],
    ["Growth"],
    [240, "Adult care", "Demand for care at home", 0.5, 1, 1.5],
    ["Total", None, None, 1.95, 2.8, 3.3],
]
ANYTOWN_K = {
    "232": {"2024/25": -150, "2025/26": -300, "2026/27": -300},
    "CHSC1": {"2024/25": -1200, "2025/26": -1500, "2026/27": -1500},
    "240": {"2024/25": 500, "2025/26": 1000, "2026/27": 1500},
}


def workbook(rows, title="Appendix A"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for values in rows:
        ws.append(values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def as_csv(rows):
    out = io.StringIO()
    csv.writer(out).writerows(
        [["" if v is None else v for v in r] for r in rows if not any(str(v).startswith("=") for v in r)]
    )
    return out.getvalue().encode()


@pytest.fixture
def anytown(db, seed):
    return new_council("anytown", base_year=2023, years=(2024, 2025, 2026), outcomes=[("1", "A thriving town")],
                       budgets=["Libraries", "Adult care"])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_council_workbook_in_millions_with_savings_shown_positive(anytown, client_for, fmt):
    client = client_for(anytown.officer)
    data, name = (workbook(ANYTOWN_ROWS), "anytown.xlsx") if fmt == "xlsx" else (as_csv(ANYTOWN_ROWS), "anytown.csv")
    response = upload(client, anytown.plan, data, name)
    assert response.status_code == 302 and response.url == map_url(anytown.plan)
    page = mapping(client, anytown.plan)
    text = page.content.decode()
    assert "How to read anytown" in text and "Close two branch libraries on Sundays" in text
    table = page.context["table"]
    assert (table.unit, table.signs) == ("millions", "savings-positive")
    response = preview_through_mapping(client, anytown.plan, outcome="a thriving town")
    preview = response.context["preview"]
    assert not preview.problems, [str(p) for p in preview.problems]
    body = response.content.decode()
    assert "Read as £m: 0.15 \u2192 +0.150 £m" in body
    assert "Savings shown as positive" in body
    [total] = [t for t in preview.reconciliation if t.label == "Total"]
    assert not total.reconciles
    assert total.lines[0].startswith("2024/25: printed 1.95, the rows add up to ") and total.lines[0].endswith("apart")
    if fmt == "xlsx":  # the CSV has no formulas, so no SUM row
        [subtotal] = [t for t in preview.reconciliation if t.label == "Sub-total"]
        assert subtotal.reconciles and subtotal.lines[0] == "2024/25: 1.35 adds up"
    assert "does not add up" in body
    done = confirm(client, anytown.plan, response)
    assert "Imported anytown" in done.content.decode()
    assert stored(anytown.plan) == ANYTOWN_K
    assert lines_of(anytown.plan) == {"232": "Libraries", "CHSC1": "Adult care", "240": "Adult care"}
    kinds = dict(Proposal.objects.filter(plan=anytown.plan).values_list("reference", "kind"))
    assert kinds == {"232": Kind.REVENUE_SAVINGS, "CHSC1": Kind.REVENUE_SAVINGS, "240": Kind.PRESSURE}
    changesets = ChangeSet.objects.filter(proposal__plan=anytown.plan)
    assert {(c.action, c.note, c.user_id) for c in changesets} == {
        (ChangeSet.Action.IMPORT, f"Imported from {name}", anytown.officer.pk)}

    upload(client, anytown.plan, data, name)
    again = preview_through_mapping(client, anytown.plan, outcome="a thriving town")
    assert again.context["preview"].unchanged == 3
    assert not again.context["preview"].created and not again.context["token"]
    assert "There is nothing to import" in again.content.decode()


def test_southampton_in_thousands_with_a_unit_row_created_by_its_administrator(db, seed, client_for):
    data, printed = layout("southampton-2008-09")
    city = new_council("southampton-test", base_year=2007, years=(2008, 2009, 2010), outcomes=[("1", "Learning")])
    client = client_for(city.admin)
    assert upload(client, city.plan, data, "southampton.xlsx").status_code == 302
    response = preview_through_mapping(client, city.plan, outcome="1", kind=Kind.REVENUE_SAVINGS,
                                       create_missing="on")
    preview = response.context["preview"]
    assert not preview.problems, [str(p) for p in preview.problems]
    assert "Read as £000: (100) \u2192 -0.100 £m" in response.content.decode()
    budgets = {row["cells"]["Service Activity"] for row in printed["rows"]}
    assert {str(item) for item in preview.structure if item.kind == "service_budgets"} == budgets
    confirm(client, city.plan, response)
    assert stored(city.plan) == {row["cells"]["Ref"]: row["figures_k"] for row in printed["rows"]}
    assert set(ServiceBudget.objects.filter(council=city.council).values_list("name", flat=True)) == budgets
    assert Theme.objects.get(council=city.council).name == "Children Services and Learning - Efficiencies"
    upload(client, city.plan, data, "southampton.xlsx")
    again = preview_through_mapping(client, city.plan, outcome="1", kind=Kind.REVENUE_SAVINGS, create_missing="on")
    assert again.context["preview"].unchanged == len(printed["rows"]) and not again.context["preview"].structure


def test_walsall_in_whole_pounds_each_rounding_listed(db, seed, client_for):
    data, printed = layout("walsall-2026-27")
    walsall = new_council("walsall-test", base_year=2025, years=(2026, 2027, 2028, 2029),
                          outcomes=[("1", "Children")], budgets=["Children's Services"])
    client = client_for(walsall.officer)
    upload(client, walsall.plan, data, "walsall.xlsx")
    assert mapping(client, walsall.plan).context["table"].basis == "incremental"
    # An officer who is not the council's administrator cannot create the theme the section names.
    assert "Only the council&#x27;s administrators can create" in mapping(client, walsall.plan).content.decode()
    response = preview_through_mapping(client, walsall.plan, outcome="Children", kind=Kind.REVENUE_SAVINGS,
                                       service_budget="children's services", create_missing=None)
    assert "\u201cChildren's Services\u201d is not a theme" in str(response.context["preview"].problems[0])
    Theme.objects.create(council=walsall.council, name="Children's Services")
    response = preview_through_mapping(client, walsall.plan, outcome="Children", kind=Kind.REVENUE_SAVINGS,
                                       service_budget="children's services")
    preview = response.context["preview"]
    assert not preview.problems, [str(p) for p in preview.problems]
    assert "OP13 2026/27: (437,369) \u2192 -437 £k" in preview.rounded
    assert "OP13 2026/27: (437,369) \u2192 -437 £k" in response.content.decode()
    [op16] = [t for t in preview.reconciliation if t.label.startswith("OP16")]
    assert op16.lines == ["printed (4,440,656), its years add up to (4,440,657): 1 apart"]
    confirm(client, walsall.plan, response)
    years = printed["years"]
    assert stored(walsall.plan) == {
        row["cells"]["Ref"]: expected_k({y: row["figures_pounds"][y] for y in years}, unit="pounds", incremental=True)
        for row in printed["rows"]
    }
    assert stored(walsall.plan)["OP16"] == {"2026/27": -1480, "2027/28": -2960, "2028/29": -4441, "2029/30": -4441}
    assert stored(walsall.plan)["OP18"] == {"2026/27": -742, "2027/28": -97, "2028/29": -97, "2029/30": -97}


# ---------------------------------------------------------------- choices and bad input


NO_UNIT_ROWS = [["Ref", "Title", "Service", "2024/25", "2025/26"], ["N1", "Something", "Libraries", -5, -5]]


def test_a_unit_is_never_guessed_the_mapping_page_asks_for_it(anytown, client_for):
    client = client_for(anytown.officer)
    upload(client, anytown.plan, workbook(NO_UNIT_ROWS), "nounit.xlsx")
    page = mapping(client, anytown.plan)
    assert page.context["table"].unit is None
    assert "Not stated in the sheet: choose it below." in page.content.decode()
    before = db_snapshot()
    response = preview_through_mapping(client, anytown.plan, outcome="1", kind=Kind.REVENUE_SAVINGS)
    assert response.status_code == 400
    assert "Choose the unit the sheet&#x27;s figures are in" in response.content.decode()
    assert db_snapshot() == before
    response = preview_through_mapping(client, anytown.plan, outcome="1", kind=Kind.REVENUE_SAVINGS,
                                       unit="thousands")
    confirm(client, anytown.plan, response)
    assert stored(anytown.plan) == {"N1": {"2024/25": -5, "2025/26": -5}}


@pytest.mark.parametrize(("changes", "message"), [
    ({"col_99": "title"}, "col_99 is not a column of the header row of sheet"),
    ({"col_2": "title"}, "Title is already mapped to Column B: \u201cTitle\u201d; map each field to one column."),
    ({"header_row": "40"}, "Sheet \u2018Appendix A\u2019 has 2 rows; row 40 is beyond its end."),
    ({"sheet": "Nope"}, "Select a valid choice. Nope is not one of the available choices."),
    ({"unit": "furlongs"}, "Select a valid choice. furlongs is not one of the available choices."),
    ({"signs": "upside-down"}, "Select a valid choice. upside-down is not one of the available choices."),
    ({"col_3": "", "col_4": ""}, "has no column read as a year"),
])
def test_bad_choices_name_what_is_wrong_and_write_nothing(anytown, client_for, changes, message):
    client = client_for(anytown.officer)
    upload(client, anytown.plan, workbook(NO_UNIT_ROWS), "bad.xlsx")
    form = mapping(client, anytown.plan).context["form"]
    before = db_snapshot()
    data = form_data(form, action="preview", unit="thousands", outcome="1", kind=Kind.REVENUE_SAVINGS)
    data.update(changes)
    response = client.post(map_url(anytown.plan), data)
    assert response.status_code == 400
    errors = [str(e) for e in response.context["form"].non_field_errors()] + [
        str(e) for field in response.context["form"] for e in field.errors]
    assert any(message in error for error in errors), errors
    assert "There is a problem" in response.content.decode()
    assert db_snapshot() == before
    assert "workbooks_import" not in client.session


def test_a_figure_whose_size_suggests_another_unit_is_flagged_in_the_preview(anytown, client_for):
    client = client_for(anytown.officer)
    rows = [["Ref", "Title", "Service", "2024/25 £m", "2025/26 £m"], ["B1", "Big", "Libraries", -1500, -1500]]
    upload(client, anytown.plan, workbook(rows), "big.xlsx")
    response = preview_through_mapping(client, anytown.plan, outcome="1", kind=Kind.REVENUE_SAVINGS)
    assert response.context["preview"].unit_warnings
    body = response.content.decode()
    assert "Check the unit" in body and "are the figures in £000 or £?" in body


def test_no_title_or_description_column_is_a_problem_in_the_preview(anytown, client_for):
    client = client_for(anytown.officer)
    upload(client, anytown.plan, workbook(NO_UNIT_ROWS), "bad.xlsx")
    before = db_snapshot()
    response = preview_through_mapping(client, anytown.plan, unit="thousands", outcome="1",
                                       kind=Kind.REVENUE_SAVINGS, col_1="")
    problems = [str(p) for p in response.context["preview"].problems]
    assert problems == ["Sheet \u2018Appendix A\u2019, row 1: Map a column to the title or the description of each "
                        "proposal."]
    assert not response.context["token"] and db_snapshot() == before


def test_a_file_with_no_table_at_all_is_refused_at_the_upload(anytown, client_for):
    client = client_for(anytown.officer)
    before = db_snapshot()
    response = upload(client, anytown.plan, b"a,b\n1,2\n", "x.csv")
    assert response.status_code == 400
    assert "No sheet in this file has the proposal columns" in response.content.decode()
    assert db_snapshot() == before


def test_the_mapping_page_needs_an_upload_and_its_token(anytown, client_for):
    client = client_for(anytown.officer)
    response = client.get(map_url(anytown.plan), follow=True)
    assert "This upload has expired" in response.content.decode()
    upload(client, anytown.plan, workbook(NO_UNIT_ROWS), "a.xlsx")
    form = mapping(client, anytown.plan).context["form"]
    response = client.post(map_url(anytown.plan), form_data(form, action="preview", token="forged"), follow=True)
    assert "This upload has expired" in response.content.decode()


def test_the_mapping_page_is_a_404_outside_the_council_and_a_403_for_a_commissioner(anytown, client_for, officer,
                                                                                      make_role):
    assert client_for(officer).get(map_url(anytown.plan)).status_code == 404
    assert client_for(make_role).get(map_url(anytown.plan)).status_code == 403
    assert client_for(make_role).post(map_url(anytown.plan), {}).status_code == 403


@pytest.fixture
def make_role(anytown):
    from councils.models import Role
    from tests.conftest import make_user

    return make_user("anytown-commissioner", memberships=[("anytown", Role.COMMISSIONER)])


def test_changing_the_header_row_reads_the_columns_again(anytown, client_for):
    client = client_for(anytown.officer)
    upload(client, anytown.plan, workbook(ANYTOWN_ROWS), "anytown.xlsx")
    form = mapping(client, anytown.plan).context["form"]
    response = client.post(map_url(anytown.plan), form_data(form, action="detect", header_row="2"))
    assert response.status_code in (200, 400)
    assert "The columns were detected again" in response.content.decode() or response.context["form"].errors


def test_the_plans_pages_link_to_the_import_for_those_who_may_import(ce_plan, client_for, officer, commissioner):
    url = reverse("reports:rollup", args=[ce_plan.council.slug, ce_plan.slug])
    link = reverse("workbooks:import", args=[ce_plan.council.slug, ce_plan.slug])
    assert f'href="{link}"' in client_for(officer).get(url).content.decode()
    assert f'href="{link}"' not in client_for(commissioner).get(url).content.decode()


def test_the_upload_page_says_which_layouts_it_reads(ce_plan, client_for, officer):
    text = client_for(officer).get(reverse("workbooks:import", args=[ce_plan.council.slug, ce_plan.slug])).content
    assert "The portal’s own workbook" in text.decode() and "Your council’s own table" in text.decode()


def test_the_mapping_page_comes_back_with_the_officers_choices(anytown, client_for):
    client = client_for(anytown.officer)
    upload(client, anytown.plan, workbook(NO_UNIT_ROWS), "a.xlsx")
    form = mapping(client, anytown.plan).context["form"]
    client.post(map_url(anytown.plan), form_data(form, action="detect", unit="thousands", outcome="People"))
    form = mapping(client, anytown.plan).context["form"]
    assert (form["unit"].value(), form["outcome"].value()) == ("thousands", "People")


def test_the_layout_a_browser_sends_back_with_a_cr_lf_line_break_is_kept(anytown, client_for):
    """A browser sends a hidden field's line break as CR LF: the mapping page must still
    take the sheet and header row as the ones shown, and go on to the preview."""
    client = client_for(anytown.officer)
    upload(client, anytown.plan, workbook(ANYTOWN_ROWS), "anytown.xlsx")
    form = mapping(client, anytown.plan).context["form"]
    layout_shown = form["layout"].value()
    assert "\n" in layout_shown
    response = client.post(map_url(anytown.plan), form_data(
        form, action="preview", outcome="1", layout=layout_shown.replace("\n", "\r\n")))
    assert "preview" in response.context and not response.context.get("redetected")
    assert not response.context["preview"].problems
