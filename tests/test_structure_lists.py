"""Adding outcomes, themes and service budgets from a pasted or uploaded list: the preview
says what would be added, what is there already and every problem by line and column;
the confirm adds exactly the previewed records, once, in one transaction."""
import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from administration.structure_lists import MAX_CHARACTERS, MAX_LINES, rows_of_text
from outcomes.models import Outcome
from proposals import structure
from proposals.models import ChangeSet, ServiceBudget, Theme
from tests.conftest import db_snapshot
from workbooks.uploads import Refused


@pytest.fixture
def admin_client(client_for, council_admin):
    return client_for(council_admin)


def url(name, council):
    return reverse(f"administration:{name}", args=[council.slug])


def text(response):
    return unescape(response.content.decode())


def preview(client, council, kind, **data):
    response = client.post(url(f"{kind}_paste", council), data)
    return response


def xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Reading the text

def test_pasted_cells_are_split_at_tabs_and_keep_their_commas():
    assert rows_of_text("9\tPeople, and places\tMore\n\n10\tFewer") == [
        (1, ["9", "People, and places", "More"]), (2, []), (3, ["10", "Fewer"])]


def test_text_without_tabs_is_comma_separated_with_quotes():
    assert rows_of_text('Adults,funding\n"Care, at home",service\n') == [
        (1, ["Adults", "funding"]), (2, ["Care, at home", "service"])]


def test_a_quoted_cell_over_two_lines_keeps_the_next_lines_number():
    assert rows_of_text('9\t"Two\nlines"\n10\tNext') == [(1, ["9", "Two\nlines"]), (3, ["10", "Next"])]


def test_too_many_lines_or_characters_are_refused():
    with pytest.raises(Refused, match=f"more than {MAX_LINES:,} lines"):
        rows_of_text("x\n" * (MAX_LINES + 1))
    with pytest.raises(Refused, match=f"The list is {MAX_CHARACTERS + 1:,} characters long"):
        rows_of_text("x" * (MAX_CHARACTERS + 1))


# The preview and the confirm

def test_a_pasted_list_of_outcomes_is_previewed_then_added_in_order(ce, admin_client, council_admin):
    existing = Outcome.objects.get(council=ce, code="5")
    pasted = (f"Code\tTitle\tWhat this means\n9\tA greener borough\tLess carbon.\n5\t{existing.title}\n"
              "10\tSafer streets\n")
    before = db_snapshot()
    response = preview(admin_client, ce, "outcome", text=pasted)
    assert response.status_code == 200
    page = text(response)
    assert "Line 1 is read as the column headings, and skipped." in page
    assert "<dt>To add</dt><dd>2</dd>" in page and "<dt>Already there (unchanged)</dt><dd>1</dd>" in page
    assert f"Line 3: {existing}" in page and "A greener borough" in page and "Safer streets" in page
    assert db_snapshot() == before
    token = response.context["token"]
    last = structure.council_records(Outcome, ce).last().position
    response = admin_client.post(url("outcome_confirm", ce), {"token": token})
    assert response.status_code == 302 and response["Location"] == url("outcome_list", ce)
    added = list(Outcome.objects.filter(council=ce, code__in=["9", "10"]).order_by("position"))
    assert [(o.code, o.title, o.what_this_means, o.position) for o in added] == [
        ("9", "A greener borough", "Less carbon.", last + 1), ("10", "Safer streets", "", last + 2)]
    assert ChangeSet.objects.filter(subject_id__in=[o.pk for o in added], action=ChangeSet.Action.CREATE,
                                    user=council_admin).count() == 2
    assert "2 outcomes have been added." in text(admin_client.get(response["Location"]))


def test_a_preview_is_confirmed_once(ce, admin_client):
    response = preview(admin_client, ce, "theme", text="Growing the place\n")
    token = response.context["token"]
    admin_client.post(url("theme_confirm", ce), {"token": token})
    before = db_snapshot()
    response = admin_client.post(url("theme_confirm", ce), {"token": token}, follow=True)
    assert "This preview has expired or has already been used." in text(response)
    assert db_snapshot() == before
    assert Theme.objects.filter(council=ce, name="Growing the place").count() == 1


def test_a_preview_of_one_kind_cannot_be_confirmed_as_another(ce, admin_client):
    token = preview(admin_client, ce, "theme", text="Growing the place\n").context["token"]
    before = db_snapshot()
    admin_client.post(url("service_budget_confirm", ce), {"token": token})
    admin_client.post(url("theme_confirm", ce), {"token": "not-the-token"})
    assert db_snapshot() == before


def test_the_confirm_creates_what_was_previewed_not_what_the_browser_sends(ce, admin_client):
    token = preview(admin_client, ce, "theme", text="Growing the place\n").context["token"]
    admin_client.post(url("theme_confirm", ce), {"token": token, "text": "Something else", "name": "Other"})
    assert Theme.objects.filter(council=ce, name="Growing the place").exists()
    assert not Theme.objects.filter(council=ce, name__in=["Something else", "Other"]).exists()


def test_problems_are_named_by_line_and_column_and_nothing_can_be_added(ce, admin_client):
    pasted = "9\t\n5b\n\t\tOrphan meaning\n9\tAgain\n" + "X" * 11 + "\tToo long a code\n1\t2\t3\t4\n"
    before = db_snapshot()
    response = preview(admin_client, ce, "outcome", text=pasted)
    page = text(response)
    problems = [str(problem) for problem in response.context["plan"].problems]
    assert problems == [
        "Line 1, column 2 (title): Enter the outcome\u2019s title.",
        "Line 2, column 2 (title): Enter the outcome\u2019s title.",
        "Line 3, column 1 (code): Enter the outcome\u2019s code.",
        "Line 3, column 2 (title): Enter the outcome\u2019s title.",
        "Line 5, column 1 (code): Code must be 10 characters or fewer (it is 11).",
        "Line 6, column 4: There are 4 columns; outcomes have at most 3 (code, title, what this means).",
    ]
    assert "There are 6 problems in the pasted list" in page and 'name="token"' not in page
    assert response.context["token"] is None
    assert db_snapshot() == before


def test_a_name_twice_in_the_list_is_a_problem_case_aside(ce, admin_client):
    response = preview(admin_client, ce, "theme", text="Adult Care\nadult  care\n")
    assert [str(p) for p in response.context["plan"].problems] == [
        "Line 2, column 1 (name): \u201cadult  care\u201d is on line 1 already."]


def test_an_existing_record_named_differently_is_unchanged_and_the_difference_is_said(ce, admin_client):
    theme = structure.council_records(Theme, ce).first()
    response = preview(admin_client, ce, "theme", text=f"{theme.name.upper()}\tA new description\n")
    page = text(response)
    assert response.context["token"] is None
    assert (f"Line 1: {theme.council_record_name()} (the list\u2019s description differs from the portal\u2019s: "
            "edit it to change it)") in page
    assert "every theme in the list is there already" in page


def test_service_budgets_read_service_or_funding(ce, admin_client):
    response = preview(admin_client, ce, "service_budget", text="Libraries\nGrant X,Funding line\nParks,grant\n")
    plan = response.context["plan"]
    assert [str(p) for p in plan.problems] == [
        "Line 3, column 2 (service or funding): \u201cgrant\u201d is not \u201cservice\u201d or \u201cfunding\u201d."]
    response = preview(admin_client, ce, "service_budget", text="Libraries\nGrant X,Funding line\n")
    admin_client.post(url("service_budget_confirm", ce), {"token": response.context["token"]})
    assert dict(ServiceBudget.objects.filter(council=ce, name__in=["Libraries", "Grant X"]).values_list(
        "name", "kind")) == {"Libraries": "service", "Grant X": "funding"}


def test_a_record_added_meanwhile_makes_the_confirm_add_nothing(ce, admin_client, council_admin):
    token = preview(admin_client, ce, "theme", text="First new\nSecond new\n").context["token"]
    structure.create_theme(council=ce, user=council_admin, name="second NEW")
    before = db_snapshot()
    response = admin_client.post(url("theme_confirm", ce), {"token": token}, follow=True)
    assert ("Line 2: Cheshire East Council already has a theme with the name \u201csecond NEW\u201d. "
            "Nothing has been created.") in text(response)
    assert db_snapshot() == before


@pytest.mark.parametrize("data, message", [
    ({"text": "  \n"}, "Paste a list, or choose a .csv or .xlsx file to upload."),
    ({"text": "x\n" * (MAX_LINES + 1)}, f"The list has more than {MAX_LINES:,} lines."),
    ({"text": "x" * (MAX_CHARACTERS + 1)}, f"The list is {MAX_CHARACTERS + 1:,} characters long."),
])
def test_bad_pastes_say_what_is_wrong_and_write_nothing(ce, admin_client, data, message):
    before = db_snapshot()
    response = preview(admin_client, ce, "theme", **data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and f'href="#id_text">{message}' in page
    assert db_snapshot() == before


# Uploads

def test_an_uploaded_workbook_is_read_like_a_pasted_list(ce, admin_client):
    data = xlsx([["Code", "Title"], [9, "A greener borough"], [None, None], [10.0, "Safer streets"]])
    response = preview(admin_client, ce, "outcome", file=SimpleUploadedFile("outcomes.xlsx", data))
    plan = response.context["plan"]
    assert plan.problems == [] and plan.source == "outcomes.xlsx"
    assert plan.to_create == [(2, {"code": "9", "title": "A greener borough", "what_this_means": ""}),
                              (4, {"code": "10", "title": "Safer streets", "what_this_means": ""})]
    admin_client.post(url("outcome_confirm", ce), {"token": response.context["token"]})
    assert Outcome.objects.filter(council=ce, code__in=["9", "10"]).count() == 2


def test_an_uploaded_csv_is_read(ce, admin_client):
    data = "Name,Service or funding\nLibraries,service\n".encode()
    response = preview(admin_client, ce, "service_budget", file=SimpleUploadedFile("budgets.csv", data))
    assert response.context["plan"].to_create == [(2, {"name": "Libraries", "kind": "service"})]


@pytest.mark.parametrize("name, data, message", [
    ("list.txt", b"Libraries\n", "This file is not a spreadsheet the portal can read."),
    ("list.xlsm", b"PK\x03\x04", "This is a macro-enabled workbook, which is not accepted."),
    ("list.csv", "\n".join(f"Theme {n}" for n in range(MAX_LINES + 1)).encode(),
     f"The file has {MAX_LINES + 1:,} lines with something in them."),
])
def test_a_refused_upload_says_why_and_writes_nothing(ce, admin_client, name, data, message):
    before = db_snapshot()
    response = preview(admin_client, ce, "theme", file=SimpleUploadedFile(name, data))
    assert response.status_code == 400
    assert f'href="#id_file">{message}' in text(response)
    assert db_snapshot() == before


def test_a_paste_and_an_upload_together_are_refused(ce, admin_client):
    before = db_snapshot()
    response = preview(admin_client, ce, "theme", text="One", file=SimpleUploadedFile("t.csv", b"Two\n"))
    assert response.status_code == 400
    assert "Paste a list or upload a file, not both." in text(response)
    assert db_snapshot() == before
