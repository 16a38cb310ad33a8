"""Every kind of bad file gets a clear message and changes nothing."""
import io
import re

import pytest
from django.test import override_settings

from tests.conftest import db_snapshot
from tests.test_import_helpers import (
    add_part,
    edit_workbook,
    exported_flat,
    exported_workbook,
    find_cell,
    replace_part,
    upload,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
"""


@pytest.fixture
def client(officer, client_for):
    return client_for(officer)


@pytest.fixture
def book(ce_plan, client):
    return exported_workbook(client, ce_plan)


def refused(client, plan, data, name="proposals.xlsx"):
    """Upload ``data``; assert it is refused as a whole and nothing changed; return the message."""
    before = db_snapshot()
    response = upload(client, plan, data, name)
    assert response.status_code == 400
    assert db_snapshot() == before
    assert "Nothing has been imported" in response.content.decode()
    [message] = response.context["form"].errors["file"]
    assert "workbooks_import" not in client.session
    return message


def problems(client, plan, data, name="proposals.xlsx"):
    """Upload ``data``; assert the preview lists problems, offers no import, changed nothing."""
    before = db_snapshot()
    response = upload(client, plan, data, name)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.problems and not preview.can_apply
    assert "Import these changes" not in response.content.decode()
    assert db_snapshot() == before
    assert "workbooks_import" not in client.session
    return [str(p) for p in preview.problems]


def test_a_file_that_is_not_a_spreadsheet(ce_plan, client):
    assert "not a spreadsheet" in refused(client, ce_plan, b"%PDF-1.4 not a workbook", "minutes.pdf")
    assert "not a spreadsheet" in refused(client, ce_plan, b"%PDF-1.4 not a workbook", "renamed.xlsx")


def test_a_zip_that_is_not_a_workbook(ce_plan, client):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "not a spreadsheet" in refused(client, ce_plan, out.getvalue())


def test_a_macro_enabled_workbook_by_name(ce_plan, client, book):
    assert "macro-enabled" in refused(client, ce_plan, book, "proposals.xlsm")


def test_a_macro_enabled_workbook_renamed_to_xlsx(ce_plan, client, book):
    data = add_part(book, "xl/vbaProject.bin", b"\x00\x01 macro")
    assert "macro-enabled" in refused(client, ce_plan, data)


def test_an_old_binary_xls(ce_plan, client):
    message = refused(client, ce_plan, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old.xls")
    assert "old-format Excel file (.xls)" in message


def test_a_file_over_the_size_limit(ce_plan, client, book):
    with override_settings(UPLOAD_MAX_BYTES=len(book) - 1):
        message = refused(client, ce_plan, book)
    assert "over the limit" in message


def test_more_rows_than_the_limit(ce_plan, client, book):
    with override_settings(UPLOAD_MAX_ROWS=30):
        assert "more than 30 rows" in refused(client, ce_plan, book)


def test_more_rows_than_the_limit_in_a_csv(ce_plan, client):
    data = exported_flat(client, ce_plan, "csv")
    with override_settings(UPLOAD_MAX_ROWS=5):
        assert "more than 5 rows" in refused(client, ce_plan, data, "list.csv")


def test_malformed_xml(ce_plan, client, book):
    data = replace_part(book, "xl/worksheets/sheet3.xml", lambda xml: xml[: len(xml) // 2])
    message = refused(client, ce_plan, data)
    assert "damaged" in message and "xl/worksheets/sheet3.xml" in message


def test_a_billion_laughs_entity(ce_plan, client, book):
    def attack(xml):
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
        return BILLION_LAUGHS + body.replace(b"Cheshire East Council", b"&lol4;", 1)

    data = replace_part(book, "xl/worksheets/sheet1.xml", attack)
    assert "document type declaration, an entity or an external reference" in refused(client, ce_plan, data)


def test_an_external_entity(ce_plan, client, book):
    def attack(xml):
        return EXTERNAL_ENTITY + re.sub(rb"^<\?xml[^>]*\?>", b"", xml)

    data = replace_part(book, "[Content_Types].xml", attack)
    assert "has been refused" in refused(client, ce_plan, data)


def test_a_csv_that_is_not_utf8(ce_plan, client):
    data = "Reference,Title\n[33],Caf\u00e9\n".encode("utf-16")
    assert "not UTF-8" in refused(client, ce_plan, data, "list.csv")


def test_a_file_without_proposal_columns(ce_plan, client):
    assert "No sheet in this file has the proposal columns" in refused(client, ce_plan, b"a,b\n1,2\n", "x.csv")


def test_an_unknown_column_heading(ce_plan, client, book):
    def edit(wb):
        wb["Outcome 5"].cell(7, 20).value = "Notes"

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert problem.startswith("Sheet \u2018Outcome 5\u2019, row 7, column T")
    assert "Unknown column heading \u201cNotes\u201d" in problem


def test_text_in_a_figure(ce_plan, client, book):
    def edit(wb):
        find_cell(wb["Outcome 5"], "[33]", "2020/21").value = "about 30k"

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert problem.startswith("Sheet \u2018Outcome 5\u2019, row 9, column I (2020/21):")
    assert "\u201cabout 30k\u201d is not a figure in £m" in problem


def test_a_formula_in_a_figure(ce_plan, client, book):
    def edit(wb):
        find_cell(wb["Outcome 5"], "[33]", "2020/21").value = "=0.01*3"

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert "is a formula; type the figure itself" in problem


def test_more_than_three_decimals(ce_plan, client, book):
    def edit(wb):
        find_cell(wb["Outcome 5"], "[33]", "2021/22").value = -0.0275

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert "column J (2021/22)" in problem and "more than three decimal places" in problem


def test_a_year_outside_the_plan(ce_plan, client, book):
    def edit(wb):
        wb["Outcome 5"].cell(7, 20).value = "2023/24"

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert "2023/24 is not a year of this plan, which runs from 2019/20 to 2021/22" in problem


def test_an_unknown_outcome(ce_plan, client, book):
    def edit(wb):
        ws = wb["Outcome 5"]
        ws.cell(find_cell(ws, "[34]", "2019/20").row, 4).value = "7"

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert "column D (Outcome)" in problem and "\u201c7\u201d is not an outcome of Cheshire East Council" in problem


def test_an_unknown_service_budget(ce_plan, client, book):
    def edit(wb):
        ws = wb["Outcome 5"]
        ws.cell(find_cell(ws, "[34]", "2019/20").row, 7).value = "Pothole Fund"

    [problem] = problems(client, ce_plan, edit_workbook(book, edit))
    assert "column G (Service budget)" in problem
    assert "\u201cPothole Fund\u201d is not a service budget of Cheshire East Council" in problem


def test_every_problem_is_listed_with_its_sheet_row_and_column(ce_plan, client, book):
    def edit(wb):
        ws = wb["Outcome 5"]
        find_cell(ws, "[33]", "2019/20").value = "lots"
        find_cell(ws, "[41]", "2020/21").value = 1.2345
        ws.cell(find_cell(ws, "[36]", "2019/20").row, 3).value = "Windfall"

    found = problems(client, ce_plan, edit_workbook(book, edit))
    assert len(found) == 3
    assert [p.split(":")[0] for p in found] == [
        "Sheet \u2018Outcome 5\u2019, row 9, column H (2019/20)",
        "Sheet \u2018Outcome 5\u2019, row 12, column C (Kind)",
        "Sheet \u2018Outcome 5\u2019, row 23, column I (2020/21)",
    ]
