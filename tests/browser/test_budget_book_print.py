"""The budget book page printed by the browser's own print (its print stylesheet): the
content alone, no navigation, A4 landscape, [33]'s block as seed 000 prints it. Axe on the
page; screenshots at 1280 and 375 px."""
import re

import pytest
from pypdf import PdfReader

from .conftest import SCREENSHOTS, assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_the_budget_book_prints_from_the_browser(open_as, commissioner, ce_plan, tmp_path):
    page = open_as(commissioner)
    page.goto(f"/c/{ce_plan.council.slug}/{ce_plan.slug}/book/")
    page.get_by_role("heading", name="Outcome 5 – People live well and for longer").wait_for()
    assert_accessible(page, "book-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "book-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    pdf = tmp_path / "book.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=False)
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape, from the print stylesheet's @page
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in reader.pages))
    assert "Independent Living Fund - Attrition Factor Reductions (Revenue Savings) [33]" in text
    assert "Impact on External Care Costs Service Budget = -0.027 -0.027 -0.027" in text
    assert "Skip to main content" not in text and "Sign out" not in text and "Roll-up" not in text
    assert "Download the budget book" not in text
    assert len(reader.pages) <= 8
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "book-printed.pdf").write_bytes(pdf.read_bytes())
