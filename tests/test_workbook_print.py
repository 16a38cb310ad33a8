"""The cabinet workbook prints: both seed councils' workbooks, as downloaded, converted to
PDF by LibreOffice, fit the page counts a cabinet paper allows (Cheshire East 4 pages in
all, Cheshire West and Chester 8), every page carries the header and footer (council,
sheet, as at, "Page x of y"), no page has labels without their figures, and the
internal columns (proposal id, version) do not print. The pages are kept as PNG images
in artifacts/workbook-pages/ where pdftoppm is installed (CI), to be looked at.

Skipped without LibreOffice unless REQUIRE_LIBREOFFICE=1 (as in CI)."""
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.test_workbook_libreoffice import soffice  # noqa: F401 - the fixture

FIGURE = re.compile(r"-?\d+\.\d{3}")
PAGES = {"ce": 4, "cwac": 8}
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "workbook-pages"


def downloaded(client, plan):
    response = client.get(reverse("workbooks:export", args=[plan.council.slug, plan.slug]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def to_pdf(soffice, tmp_path, name, data):  # noqa: F811
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(data)
    profile = tmp_path / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return tmp_path / f"{name}.pdf"


@pytest.mark.parametrize("which", ["ce", "cwac"])
def test_the_cabinet_workbook_prints_within_its_pages(seed, client_for, commissioner, soffice, tmp_path,  # noqa: F811
                                                      which):
    plan = seed[which]
    data = downloaded(client_for(commissioner), plan)
    pdf = to_pdf(soffice, tmp_path, which, data)
    pages = [page.extract_text() or "" for page in PdfReader(pdf).pages]
    assert len(pages) <= PAGES[which], f"{len(pages)} pages"
    sheets = load_workbook(io.BytesIO(data)).sheetnames
    for number, text in enumerate(pages, start=1):
        assert plan.council.name in text, f"page {number} has no header"
        assert f"Page {number} of {len(pages)}" in text, f"page {number} has no page number"
        assert "As at" in text
        assert FIGURE.search(text), f"page {number} has labels without their figures"
        assert not re.search(r"period\s*Proposal id", text)  # the internal columns do not print
    printed = "\n".join(pages)
    for sheet in sheets:
        assert sheet.split(" – ")[0] in printed or sheet in ("Incremental", "Summary", "Gap"), sheet
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / f"cabinet-workbook-{which}")],
                       check=True, timeout=120)


def test_the_print_setup_of_every_sheet(seed, client_for, commissioner):
    book = load_workbook(io.BytesIO(downloaded(client_for(commissioner), seed["ce"])))
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize in ("9", 9), ws.title
        # fitToWidth absent is the standard's default, 1 (XlsxWriter leaves it out)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1, "1"), ws.title
        assert ws.page_setup.fitToHeight in (0, "0"), ws.title
        assert ws.print_title_rows, ws.title
        assert "Page &P of &N" in ws.oddFooter.right.text
        assert ws.print_area, ws.title
        fonts = {cell.font.name for row in ws.iter_rows() for cell in row if cell.value is not None}
        assert fonts <= {"Calibri"}, (ws.title, fonts)  # one family
    outcome = book["Outcome 5"]
    header = {cell.value: cell.column_letter for cell in outcome[7]}
    assert outcome.column_dimensions[header["Proposal id"]].hidden
    assert outcome.column_dimensions[header["Version"]].hidden
    assert header["Proposal id"] not in outcome.print_area[0]


@pytest.mark.parametrize("name, query, most", [("rollup_xlsx", "by=service", 2), ("proposal_list_xlsx", "", 2)])
def test_the_rollup_and_list_downloads_print_with_their_title_block(seed, client_for, commissioner, soffice,  # noqa: F811
                                                                    tmp_path, name, query, most):
    plan = seed["cwac"]
    response = client_for(commissioner).get(reverse(f"reports:{name}", args=[plan.council.slug, plan.slug])
                                            + (f"?{query}" if query else ""))
    pdf = to_pdf(soffice, tmp_path, name, response.content)
    pages = [page.extract_text() or "" for page in PdfReader(pdf).pages]
    assert len(pages) <= most, f"{len(pages)} pages"
    assert "Counting proposals that are:" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert plan.council.name in text and f"Page {number} of {len(pages)}" in text, f"page {number}"
        assert FIGURE.search(text), f"page {number} has labels without their figures"
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / f"download-{name}")],
                       check=True, timeout=120)
