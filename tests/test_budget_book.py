"""The budget book, generated: the page and the .docx, every proposal and figure as seed
000 prints them, theme and outcome totals equal to the database's sums, as at a
snapshot, access, bad addresses; the .docx read back with python-docx and printed to PDF
by LibreOffice within the cabinet paper's pages, [33]'s block as seed 000 prints it."""
import io
import re
import subprocess

import pytest
from django.db.models import Sum
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from proposals.models import Proposal, Variation
from proposals.permissions import SYSTEM
from proposals.snapshots import Source, take_snapshot
from reports.book import book_figure, budget_book
from tests.test_workbook_libreoffice import soffice  # noqa: F401 - the fixture

from .conftest import proposal

PAGES = {"ce": 4, "cwac": 8}
BLOCK_33 = [
    "Independent Living Fund - Attrition Factor Reductions (Revenue Savings) [33]",
    "Impact on External Care Costs Service Budget =",
]


def book_url(plan, name="reports:book"):
    return reverse(name, args=[plan.council.slug, plan.slug])


def test_the_book_has_every_counted_proposal_and_totals_equal_the_database(seed):
    for plan in seed.values():
        book = budget_book(Source(plan))
        counted = Proposal.objects.for_plan(plan).counted()
        assert book.proposal_count == counted.count()
        years = list(plan.years.all())
        for outcome in book.outcomes:
            for index, year in enumerate(years):
                db = Variation.objects.filter(line__proposal__in=counted.filter(outcome__code=outcome.code),
                                              year=year).aggregate(t=Sum("amount_k"))["t"]
                assert outcome.totals[index] == db
            for theme in outcome.themes:
                lines = [line for p in theme.proposals for line in p.lines]
                for index in range(len(years)):
                    values = [line.figures[index] for line in lines if line.figures[index] is not None]
                    assert theme.totals[index] == (sum(values) if values else None)


def test_the_book_queries_do_not_grow(ce_plan, django_assert_num_queries):
    source = Source(ce_plan)
    years = list(ce_plan.years.all())
    with django_assert_num_queries(3):
        budget_book(source, years)


def test_the_page_prints_33_as_seed_000_does(client_for, commissioner, ce_plan):
    response = client_for(commissioner).get(book_url(ce_plan))
    assert response.status_code == 200
    html = response.content.decode()
    for text in BLOCK_33:
        assert text in html
    block = html.split(BLOCK_33[0])[1].split("</tbody>")[0]
    assert block.count("-0.027") == 3
    assert "*Values represent a +/- variation to the Cheshire East Council approved budget for 2018/19." in html
    assert "Total – Changing the way we work" in html and "Total – Outcome 5" in html
    assert "No change" in html  # the winter pressures' 0.000 years, as the book prints them


def test_as_at_a_snapshot_and_bad_addresses(client_for, commissioner, officer_cwac, ce_plan, officer):
    snapshot = take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet 5 February 2019", taken_on=None)
    Proposal.objects.filter(pk=proposal(ce_plan, "33").pk).update(title="Renamed since")
    html = client_for(commissioner).get(book_url(ce_plan) + f"?as_at={snapshot.slug}").content.decode()
    assert BLOCK_33[0] in html and "Renamed since" not in html
    assert "Renamed since" in client_for(commissioner).get(book_url(ce_plan)).content.decode()
    bad = client_for(commissioner).get(book_url(ce_plan) + "?as_at=nonsense")
    assert bad.status_code == 400 and "nonsense" in bad.content.decode()
    assert client_for(officer_cwac).get(book_url(ce_plan)).status_code == 404
    assert client_for(officer_cwac).get(book_url(ce_plan, "workbooks:book_docx")).status_code == 404
    docx = client_for(commissioner).get(book_url(ce_plan, "workbooks:book_docx") + "?as_at=nonsense")
    assert docx.status_code == 400 and "nonsense" in docx.content.decode()


def docx_of(client, plan):
    response = client.get(book_url(plan, "workbooks:book_docx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    return b"".join(response.streaming_content)


def test_the_docx_reads_back_with_every_proposal_and_figure(seed, client_for, commissioner):
    for plan in seed.values():
        document = Document(io.BytesIO(docx_of(client_for(commissioner), plan)))
        text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
        book = budget_book(Source(plan))
        for outcome in book.outcomes:
            for theme in outcome.themes:
                for entry in theme.proposals:
                    assert entry.heading in text
                    for line in entry.lines:
                        assert line.words in text
        # Every figure, in order, row by row.
        rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
        lines = [line for o in book.outcomes for t in o.themes for p in t.proposals for line in p.lines]
        printed = [row[1:] for row in rows if row[0].startswith("Impact on ")]
        assert len(printed) == len(lines)
        for row, line in zip(printed, lines, strict=True):
            assert row == [book_figure(v, plan.unit) for v in line.figures]
        section = document.sections[0]
        assert section.page_width > section.page_height  # landscape
        for table in document.tables:
            assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # the header row repeats
            # Every row is the table's width, a proposal's heading row (one cell spanning all) too.
            grid = sum(int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol")))
            for row in table.rows:
                widths = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst]
                assert sum(widths) == grid, (row.cells[0].text[:40], widths, grid)
        names = {style.name for style in document.styles}
        assert {"Budget Proposal", "Budget Description", "Budget Note"} <= names
        assert document.core_properties.language == "en-GB"
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        assert any(h.startswith("Outcome ") for h in headings)


@pytest.mark.parametrize("which", ["ce", "cwac"])
def test_the_docx_prints_within_its_pages(seed, client_for, commissioner, soffice, tmp_path, which):  # noqa: F811
    plan = seed[which]
    source = tmp_path / f"{which}.docx"
    source.write_bytes(docx_of(client_for(commissioner), plan))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    pages = [page.extract_text() or "" for page in PdfReader(tmp_path / f"{which}.pdf").pages]
    assert len(pages) <= PAGES[which], f"{len(pages)} pages"
    if which == "ce":
        text = re.sub(r"\s+", " ", "\n".join(pages))
        assert "Independent Living Fund - Attrition Factor Reductions (Revenue Savings) [33]" in text
        assert "Impact on External Care Costs Service Budget = -0.027 -0.027 -0.027" in text


def test_docx_cells_keep_tabs_breaks_spaces_and_their_styles(ce_plan, client_for, commissioner):
    # A cell's paragraph is a copy of its style's template unless its text holds a tab or
    # a line break, which python-docx's own text setter turns into w:tab and w:br.
    Proposal.objects.filter(plan=ce_plan, reference="33").update(title="Tabbed\there,\r\nbroken ")
    Proposal.objects.filter(plan=ce_plan, reference="45").update(title="  spaced  ")
    document = Document(io.BytesIO(docx_of(client_for(commissioner), ce_plan)))
    cells = {cell.text: cell for table in document.tables for row in table.rows for cell in row.cells}
    heading = next(text for text in cells if text.startswith("Tabbed"))
    assert heading.startswith("Tabbed\there,\n\nbroken ")  # "\r\n": two breaks, as python-docx writes them
    assert cells[heading].paragraphs[0].style.name == "Budget Proposal"
    assert cells[heading].paragraphs[0]._p.xpath(".//w:tab")  # a real tab, not one in the text
    spaced = next(text for text in cells if "[45]" in text)
    assert spaced.startswith("  spaced  ")
    assert cells[spaced].paragraphs[0].style.name == "Budget Proposal"
    # Figures right-aligned by their style; the header and total rows bold.
    table = document.tables[0]
    header, total = table.rows[0].cells, table.rows[-1].cells
    assert [p.style.name for c in header[1:] for p in c.paragraphs] == ["Budget Figure"] * (len(header) - 1)
    assert all(run.bold for c in [*header, *total] for p in c.paragraphs for run in p.runs)
    assert total[0].text.startswith("Total – ")
    line = next(row.cells for row in table.rows if row.cells[0].text.startswith("Impact on "))
    assert line[0].paragraphs[0].style.name == "Budget Line"
    assert not any(run.bold for c in line for p in c.paragraphs for run in p.runs)
