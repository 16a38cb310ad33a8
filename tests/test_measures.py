"""Outcome measures as records (issue 14): the seed's measures as transcribed, the rules
for their figures and ratings, the one write path (audited, version checked, all or
nothing), the edit page, the outcome page's trend, and the workbook's round trip."""
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from outcomes.models import MeasureValue, OutcomeMeasure
from proposals.measures import (
    ImportRow,
    MeasureConflict,
    MeasureError,
    MeasuresInvalid,
    ValueInput,
    format_figure,
    parse_figure,
    rating_problem,
    save_measure,
    save_values,
)
from proposals.models import ChangeSet

from .conftest import db_snapshot

D = Decimal


def measure(council_slug, code, number):
    return OutcomeMeasure.objects.select_related("outcome__council").get(
        outcome__council__slug=council_slug, outcome__code=code, number=number)


def edit_url(plan, code, number=None):
    args = [plan.council.slug, plan.slug, code]
    return reverse("reports:measure_edit", args=[*args, number]) if number else reverse("reports:measure_add",
                                                                                        args=args)


# The seed, figure by figure.

CWAC = {  # (outcome, no.): (unit, better, baseline, target), as seed 001's Appendix 1.0 prints them
    ("01", 1): ("", "higher", "1810", "3000"), ("01", 2): ("%", "higher", "88", "90"),
    ("01", 3): ("%", "higher", "69", "80"), ("01", 4): ("%", "higher", "5.5", "6"),
    ("01", 5): ("%", "higher", "5.3", "6.7"), ("01", 6): ("per 100,000 (over 65)", "lower", "474", "374"),
    ("01", 7): ("", "lower", "1683", "1603"), ("01", 8): ("", "higher", "418", "2100"),
    ("02", 1): ("%", "higher", "87.4", "100"), ("02", 2): ("%", "lower", "18", "10"),
    ("02", 3): ("%", "higher", "83", "95"), ("02", 4): ("%", "higher", "76", "80"),
    ("02", 5): ("%", "higher", "55", "65"), ("02", 6): ("per 100,000", "higher", "126", "231"),
    ("03", 1): ("%", "lower", "64.6", "60"), ("03", 2): ("%", "higher", "63.9", "68"),
    ("03", 3): ("per 100,000", "lower", "561", "450"), ("03", 4): ("%", "lower", "6.8", "4.5"),
    ("03", 5): ("years", "lower", None, None),
}
BCF = {  # seed 003, 2018/19 Q1: (unit, better, plan, actual, rating)
    1: ("admissions", "lower", "9487", "10142", "red"),
    2: ("per 100,000 (65+)", "lower", "245.6", "151.8", "green"),
    3: ("%", "higher", "89.8", "70.5", "red"),
    4: ("delayed days", "lower", "974", "941", "green"),
}


def test_cheshire_west_measures_as_seed_001_prints_them(seed):
    found = {(m.outcome.code, m.number): m for m in
             OutcomeMeasure.objects.filter(outcome__council__slug="cheshire-west-and-chester").select_related("outcome")}
    assert set(found) == set(CWAC)
    for key, (unit, better, baseline, target) in CWAC.items():
        m = found[key]
        assert (m.unit, m.better) == (unit, better), key
        assert m.baseline == (None if baseline is None else D(baseline)), key
        assert m.target_value == (None if target is None else D(target)), key
        assert (m.baseline_label, m.target_label) == ("Summer 2016", "2020")
        assert "Appendix 1.0" in m.source
    assert found[("01", 3)].current == "69% north west average."  # the text as published, kept
    assert found[("03", 5)].current == "Men - 9.7 years Women - 8.1 years"


def test_cheshire_east_better_care_fund_metrics_as_seed_003_prints_them(seed):
    for number, (unit, better, planned, actual, rating) in BCF.items():
        m = measure("cheshire-east", "5", number)
        assert (m.unit, m.better) == (unit, better)
        [value] = m.values.all()
        assert (value.start_year, value.quarter) == (2018, 1)
        assert (value.planned, value.actual, value.rating) == (D(planned), D(actual), rating)
        assert "Better Care Fund" in m.source and value.action
        assert rating_problem(m.better, value.planned, value.actual, value.rating) is None
    nea = measure("cheshire-east", "5", 1)
    assert nea.values.get().actual - nea.values.get().planned == 655  # "655 above this trajectory"
    # Loaded through the write path, so each is in the audit trail as the seed's.
    assert ChangeSet.objects.filter(subject_type__model="outcomemeasure", subject_id=nea.pk,
                                    action=ChangeSet.Action.SEED).count() == 1


# The rules.

@pytest.mark.parametrize("typed, expected", [
    ("1,810", D("1810")), ("88%", D("88")), (" 5.5 ", D("5.5")), ("\u22120.5", D("-0.5")), ("", None),
    (None, None), (70.5, D("70.5")), (1810, D("1810")), ("0", D("0")),
])
def test_parse_figure(typed, expected):
    assert parse_figure(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("1e5", "is not a figure"), ("\uff11\uff12", "is not a figure"), ("nan", "is not a figure"),
    ("1.2345", "more than 3 decimal places"), ("9" * 13, "too large"), (True, "is not a figure"),
    (float("inf"), "is not a figure"), ("12 people", "is not a figure"),
])
def test_parse_figure_refuses(typed, message):
    with pytest.raises(MeasureError, match=message):
        parse_figure(typed)


def test_format_figure():
    assert format_figure(D("1810.000")) == "1,810"
    assert format_figure(D("88.000"), "%") == "88%"
    assert format_figure(D("126"), "per 100,000") == "126 per 100,000"
    assert format_figure(None, "%") == "–"


@pytest.mark.parametrize("better, planned, actual, rating, refused", [
    ("lower", "9487", "10142", "green", True),  # more admissions than plan: not Green
    ("lower", "9487", "10142", "red", False),
    ("lower", "974", "941", "red", True),  # fewer delayed days than plan: not Red
    ("lower", "974", "974", "green", False),  # on plan is Green
    ("higher", "89.8", "70.5", "green", True),
    ("higher", "89.8", "90", "red", True),
    ("higher", "89.8", "70.5", "amber", False),  # Amber is a judgement either way
    ("", "1", "2", "green", False),  # no direction: nothing to contradict
])
def test_a_rating_that_contradicts_the_figures(better, planned, actual, rating, refused):
    assert bool(rating_problem(better, D(planned), D(actual), rating)) is refused


# The write path.

def test_a_value_added_is_audited_and_moves_the_version(seed, officer):
    m = measure("cheshire-east", "5", 1)
    save_measure(user=officer, outcome=m.outcome, measure=m, expected_version=1, fields={}, values=[
        ValueInput(period="2018/19 Q2", planned=D("9400"), actual=D("9300"), rating="green", key="new")])
    m.refresh_from_db()
    assert m.version == 2
    assert list(m.values.values_list("start_year", "quarter", "actual")) == [(2018, 1, D("10142")),
                                                                              (2018, 2, D("9300"))]
    changeset = ChangeSet.objects.filter(subject_id=m.pk, subject_type__model="outcomemeasure").latest("pk")
    assert changeset.user == officer and changeset.action == ChangeSet.Action.EDIT
    assert {(c.field, c.old, c.new) for c in changeset.changes.all()} == {
        ("2018/19 Q2: Plan", "", "9,400 admissions"), ("2018/19 Q2: Actual", "", "9,300 admissions"),
        ("2018/19 Q2: Rating", "", "Green")}


def test_a_save_that_changes_nothing_keeps_the_version_and_writes_no_history(seed, officer):
    m = measure("cheshire-east", "5", 1)
    before = ChangeSet.objects.count()
    save_measure(user=officer, outcome=m.outcome, measure=m, expected_version=1, fields={"unit": "admissions"})
    m.refresh_from_db()
    assert m.version == 1 and ChangeSet.objects.count() == before


@pytest.mark.parametrize("values, field, message", [
    ([ValueInput(period="2018/19 Q5", actual=D("1"), key="a")], "a", "is not a period"),
    ([ValueInput(period="2018/19 Q2", planned=D("9400"), actual=D("9500"), rating="green", key="a")], "a",
     "Green means on or better than plan"),
    ([ValueInput(period="2018/19 Q2", key="a")], "a", "give the actual, the plan or a rating"),
    ([ValueInput(period="2018/19 Q2", actual=D("1"), key="a"), ValueInput(period="2018/19-q2", actual=D("2"),
                                                                         key="b")], "b", "given twice"),
    ([ValueInput(period="2018/19 Q2", actual=D("1"), rating="purple", key="a")], "a", "Green, Amber or Red"),
    ([ValueInput(period="2018/19 Q2", actual=D("1"), commentary="x" * 2001, key="a")], "a", "at most 2000"),
])
def test_bad_values_are_refused_and_nothing_changes(seed, officer, values, field, message):
    m = measure("cheshire-east", "5", 1)
    before = db_snapshot()
    with pytest.raises(MeasuresInvalid) as raised:
        save_measure(user=officer, outcome=m.outcome, measure=m, fields={"measure": m.measure}, values=values)
    assert message in raised.value.errors[field]
    assert db_snapshot() == before


def test_bad_header_is_refused(seed, officer):
    m = measure("cheshire-east", "5", 1)
    before = db_snapshot()
    with pytest.raises(MeasuresInvalid) as raised:
        save_measure(user=officer, outcome=m.outcome, measure=m, fields={"measure": "", "better": "sideways",
                                                                         "unit": "u" * 41})
    assert set(raised.value.errors) == {"measure", "better", "unit"}
    assert db_snapshot() == before


def test_a_stale_edit_is_refused_with_what_the_measure_holds_now(seed, officer):
    m = measure("cheshire-east", "5", 1)
    save_measure(user=officer, outcome=m.outcome, measure=m, fields={"target_label": "2019"})
    before = db_snapshot()
    with pytest.raises(MeasureConflict) as raised:
        save_measure(user=officer, outcome=m.outcome, measure=m, expected_version=1, fields={"unit": "people"})
    assert "saved by someone else" in raised.value.errors["version"]
    assert "10,142 admissions" in raised.value.errors["version"]
    assert db_snapshot() == before


def test_only_officers_and_council_administrators_keep_measures(seed, commissioner, approver, officer_cwac,
                                                                council_admin):
    m = measure("cheshire-east", "5", 1)
    before = db_snapshot()
    for user in (commissioner, approver, officer_cwac):
        with pytest.raises(PermissionDenied, match="finance officers and administrators"):
            save_measure(user=user, outcome=m.outcome, measure=m, fields={"unit": "people"})
    assert db_snapshot() == before
    save_measure(user=council_admin, outcome=m.outcome, measure=m, fields={"unit": "people"})


def test_save_values_all_or_nothing_and_another_councils_measure_refused(seed, officer):
    mine, theirs = measure("cheshire-east", "5", 2), measure("cheshire-west-and-chester", "01", 1)
    before = db_snapshot()
    with pytest.raises(MeasuresInvalid) as raised:
        save_values(council=mine.outcome.council, user=officer, rows=[
            ImportRow(measure_id=mine.pk, period="2018/19 Q2", actual=D("150"), key="r1"),
            ImportRow(measure_id=theirs.pk, period="2018/19 Q2", actual=D("1"), key="r2"),
        ])
    assert raised.value.errors == {"r2": "That measure is not one of this council's."}
    assert db_snapshot() == before


# The pages.

def test_the_outcome_page_shows_each_measure_and_its_trend(seed, client_for, officer, commissioner, ce_plan):
    m = measure("cheshire-east", "5", 1)
    save_measure(user=officer, outcome=m.outcome, measure=m, fields={}, values=[
        ValueInput(period="2018/19 Q2", planned=D("9400"), actual=D("9300"), rating="green", key="q2")])
    url = reverse("reports:outcome_detail", args=[ce_plan.council.slug, ce_plan.slug, "5"])
    page = client_for(commissioner).get(url).content.decode()
    assert "NEA - Reduction in non-elective admissions" in page
    assert "9,300 admissions" in page and "Better than the period before" in page
    assert "10,142 admissions" in page  # the trend table keeps Q1
    assert "Better Care Fund" in page  # the source
    assert "rating-red" in page and "✕" in page  # a rating by word and shape, never colour alone
    assert "Add a measure" not in page  # a commissioner reads
    assert "Add a measure" in client_for(officer).get(url).content.decode()


def test_the_edit_page_saves_all_or_nothing(seed, client_for, officer, ce_plan):
    m = measure("cheshire-east", "5", 1)
    client = client_for(officer)
    url = edit_url(ce_plan, "5", 1)
    assert client.get(url).status_code == 200
    data = {"version": "1", "measure": m.measure, "unit": "admissions", "better": "lower", "baseline": "",
            "baseline_label": "", "target_value": "9000", "target_label": "2019/20", "source": m.source,
            "v2018-1-planned": "9487", "v2018-1-actual": "10142", "v2018-1-rating": "red",
            "v2018-1-commentary": "c", "v2018-1-action": "a",
            "new1-period": "2018/19 Q2", "new1-planned": "9400", "new1-actual": "9500", "new1-rating": "green"}
    before = db_snapshot()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Green means on or better than plan" in response.content.decode()
    assert 'value="9500"' in response.content.decode()  # what was typed is kept
    assert db_snapshot() == before
    response = client.post(url, {**data, "new1-actual": "9,5x"})
    assert response.status_code == 400 and "is not a figure" in response.content.decode()
    assert db_snapshot() == before
    response = client.post(url, {**data, "new1-rating": "amber"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.target_value == D("9000") and m.values.count() == 2 and m.version == 2
    # The same form again, from version 1: refused, nothing saved.
    before = db_snapshot()
    response = client.post(url, {**data, "new1-period": "", "new1-planned": "", "new1-actual": "",
                                 "new1-rating": "", "v2018-1-commentary": "changed"})
    assert response.status_code == 400 and "saved by someone else" in response.content.decode()
    assert db_snapshot() == before
    # Remove a period.
    response = client.post(url, {**data, "version": "2", "new1-period": "", "new1-planned": "", "new1-actual": "",
                                 "new1-rating": "", "v2018-2-remove": "on", "v2018-2-planned": "9400",
                                 "v2018-2-actual": "9500", "v2018-2-rating": "amber"})
    assert response.status_code == 302
    assert list(m.values.values_list("quarter", flat=True)) == [1]


def test_a_new_measure(seed, client_for, council_admin, ce_plan):
    client = client_for(council_admin)
    response = client.post(edit_url(ce_plan, "5"), {
        "measure": "Adults in contact with secondary mental health services living independently", "unit": "%",
        "better": "higher", "baseline": "69", "baseline_label": "2018", "target_value": "80", "target_label": "2022",
        "source": "", "new1-period": "2019/20", "new1-actual": "71.5"})
    assert response.status_code == 302
    m = measure("cheshire-east", "5", 5)
    assert (m.baseline, m.target_value, m.values.get().actual, m.values.get().quarter) == (D(69), D(80),
                                                                                          D("71.5"), 0)
    assert ChangeSet.objects.filter(subject_id=m.pk, subject_type__model="outcomemeasure",
                                    action=ChangeSet.Action.CREATE).exists()


def test_access_to_the_edit_and_import_pages(seed, client_for, commissioner, officer_cwac, outsider, ce_plan):
    urls = [edit_url(ce_plan, "5", 1), edit_url(ce_plan, "5"),
            reverse("workbooks:measures_import", args=[ce_plan.council.slug, ce_plan.slug])]
    for url in urls:
        assert client_for(commissioner).get(url).status_code == 403  # reads the council, keeps nothing
        assert client_for(officer_cwac).get(url).status_code == 404  # another council's: not found
        assert client_for(outsider).get(url).status_code == 404
    assert client_for(commissioner).get(edit_url(ce_plan, "5", 99)).status_code == 404
    assert client_for(commissioner).get(reverse(
        "workbooks:measures_export", args=[ce_plan.council.slug, ce_plan.slug])).status_code == 200


# The workbook, out and back.

def _export(client, plan):
    response = client.get(reverse("workbooks:measures_export", args=[plan.council.slug, plan.slug]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _upload(client, plan, book, name="measures.xlsx"):
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return client.post(reverse("workbooks:measures_import", args=[plan.council.slug, plan.slug]), {"file": out})


def test_the_workbook_round_trip(seed, client_for, officer, ce_plan):
    client = client_for(officer)
    book = _export(client, ce_plan)
    sheet = book["Measure values"]
    header = [c.value for c in sheet[4]]
    assert header[:6] == ["Outcome", "No.", "Measure", "Unit", "Which way is better", "Period"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[0][:9] == ("5", 1, "NEA - Reduction in non-elective admissions", "admissions", "Lower is better",
                           "2018/19 Q1", 9487, 10142, "Red")
    # Unchanged, it imports nothing.
    before = db_snapshot()
    response = _upload(client, ce_plan, book)
    assert "nothing to import" in response.content.decode()
    assert db_snapshot() == before
    # Fill in the blank row under measure 5.2 with Q2.
    blank = next(r for r in sheet.iter_rows(min_row=5) if r[1].value == 2 and not r[5].value)
    blank[5].value, blank[6].value, blank[7].value, blank[8].value = "2018/19 Q2", 245.6, "160.2", "green"
    response = _upload(client, ce_plan, book)
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "2018/19 Q2: Actual: (none) → 160.2 per 100,000 (65+)" in page
    assert db_snapshot() == before  # the preview writes nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post(reverse("workbooks:measures_import_confirm", args=[ce_plan.council.slug, ce_plan.slug]),
                           {"token": token})
    assert response.status_code == 302
    value = MeasureValue.objects.get(measure=measure("cheshire-east", "5", 2), quarter=2)
    assert (value.planned, value.actual, value.rating) == (D("245.6"), D("160.2"), "green")
    changeset = ChangeSet.objects.filter(subject_type__model="outcomemeasure").latest("pk")
    assert changeset.action == ChangeSet.Action.IMPORT and changeset.user == officer
    # The same token again: refused, nothing written twice.
    before = db_snapshot()
    client.post(reverse("workbooks:measures_import_confirm", args=[ce_plan.council.slug, ce_plan.slug]),
                {"token": token})
    assert db_snapshot() == before


def test_a_save_between_preview_and_confirm_is_a_conflict(seed, client_for, officer, officer2, ce_plan):
    client = client_for(officer)
    book = _export(client, ce_plan)
    sheet = book["Measure values"]
    blank = next(r for r in sheet.iter_rows(min_row=5) if r[1].value == 4 and not r[5].value)
    blank[5].value, blank[7].value = "2018/19 Q2", 900
    page = _upload(client, ce_plan, book).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    m = measure("cheshire-east", "5", 4)
    save_measure(user=officer2, outcome=m.outcome, measure=m, fields={"target_label": "2019"})
    before = db_snapshot()
    response = client.post(reverse("workbooks:measures_import_confirm", args=[ce_plan.council.slug, ce_plan.slug]),
                           {"token": token}, follow=True)
    assert "saved by someone else" in response.content.decode()
    assert db_snapshot() == before


@pytest.mark.parametrize("cells, message", [
    ({5: "2018/19 Q7", 7: 1}, "is not a period"),
    ({5: "2018/19 Q2", 7: "lots"}, "is not a figure"),
    ({5: "2018/19 Q2", 6: 9400, 7: 9500, 8: "Green"}, "Green means on or better than plan"),
    ({5: "2018/19 Q2", 7: 1, 8: "Purple"}, "is not Green, Amber or Red"),
    ({1: 77, 5: "2018/19 Q2", 7: 1}, "has no measure 5.77"),
])
def test_bad_rows_in_the_workbook_are_refused_and_nothing_changes(seed, client_for, officer, ce_plan, cells,
                                                                   message):
    client = client_for(officer)
    book = _export(client, ce_plan)
    sheet = book["Measure values"]
    blank = next(r for r in sheet.iter_rows(min_row=5) if r[1].value == 1 and not r[5].value)
    for index, value in cells.items():
        blank[index].value = value
    before = db_snapshot()
    response = _upload(client, ce_plan, book)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'name="token"' not in response.content.decode()
    assert db_snapshot() == before


def test_a_file_that_is_not_a_measures_workbook_is_refused(seed, client_for, officer, ce_plan):
    client = client_for(officer)
    before = db_snapshot()
    upload = io.BytesIO(b"Outcome,No.,Period\n5,1,2018/19 Q2\n")
    upload.name = "values.csv"
    response = client.post(reverse("workbooks:measures_import", args=[ce_plan.council.slug, ce_plan.slug]),
                           {"file": upload})
    assert response.status_code == 400 and "This is not a measures workbook" in response.content.decode()
    assert db_snapshot() == before


def test_a_csv_with_the_columns_imports(seed, client_for, officer, ce_plan):
    client = client_for(officer)
    upload = io.BytesIO("Outcome,No.,Period,Plan,Actual,Rating,Commentary,Action\n"
                        "5,3,2018/19 Q2,89.8,75.25,Red,Better than Q1,Review\n".encode())
    upload.name = "values.csv"
    page = client.post(reverse("workbooks:measures_import", args=[ce_plan.council.slug, ce_plan.slug]),
                       {"file": upload}).content.decode()
    assert "2018/19 Q2: Actual: (none) → 75.25%" in page
