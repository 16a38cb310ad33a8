"""CSV and .xlsx downloads: exactly the page's rows and figures, numbers as numbers,
and text a spreadsheet would run as a formula kept as text."""
import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from proposals.models import Proposal
from proposals.money import parse_m, to_decimal_m
from reports.spreadsheet_text import formula_safe
from tests.conftest import proposal

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "|cmd",
           "\uff1d1+1", "\n=1+1", "<script>alert(1)</script>"]


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def read_xlsx(response):
    """(sheet, rows from the header row on): the title block above it is read by title_block."""
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return sheet, rows[header_row(rows) - 1:]


def header_row(rows):
    """The 1-based row of a download's header (below its title block)."""
    return next(number for number, row in enumerate(rows, start=1) if row and row[0] in ("Key", "Ref"))


def url(name, the_plan, query=""):
    return reverse(f"reports:{name}", args=[the_plan.council.slug, the_plan.slug]) + (f"?{query}" if query else "")


def test_rollup_csv_has_the_published_cheshire_west_totals(client_for, commissioner, cwac_plan):
    rows = read_csv(client_for(commissioner).get(url("rollup_csv", cwac_plan)))
    assert rows[0] == ["Key", "Group", "Figure", "2016/17", "2017/18", "2018/19", "2019/20", "Cash over the period"]
    nets = {row[0]: row[6] for row in rows[1:] if row[2] == "Net" and row[0]}
    assert nets == {"01": "3.211", "02": "-4.548", "03": "-5.171"}
    unprofiled = next(row for row in rows if row[0] == "01")
    assert unprofiled[3] == ""  # no figure in 2016/17: blank, not 0


def test_rollup_xlsx_has_numbers_in_a_three_decimal_format(client_for, commissioner, cwac_plan):
    sheet, rows = read_xlsx(client_for(commissioner).get(url("rollup_xlsx", cwac_plan)))
    assert rows[0][:3] == ["Key", "Group", "Figure"]
    net_01 = next(row for row in rows if row[0] == "01" and row[2] == "Net")
    assert Decimal(str(net_01[6])).quantize(Decimal("0.001")) == Decimal("3.211")
    assert net_01[3] is None
    cell = next(c for c in sheet["G"] if c.row > header_row([[c.value for c in r] for r in sheet.iter_rows()])
                and c.value is not None)
    assert cell.data_type == "n" and cell.number_format == "0.000"
    assert sheet.freeze_panes == f"A{header_row([[c.value for c in r] for r in sheet.iter_rows()]) + 1}"


def test_list_downloads_are_every_matching_row_in_the_pages_order(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    page = client.get(url("proposal_list", ce_plan, "sort=-y2020&per_page=100"))
    shown = [p.display_reference + " " + p.title for p in page.context["table"].data.data]
    rows = read_csv(client.get(url("proposal_list_csv", ce_plan, "sort=-y2020")))
    assert [f"{r[0]} {r[1]}" for r in rows[1:]] == shown
    _, xrows = read_xlsx(client.get(url("proposal_list_xlsx", ce_plan, "sort=-y2020")))
    assert [f"{r[0]} {r[1]}" for r in xrows[1:]] == shown


def test_list_csv_has_41s_figures_in_both_views(client_for, commissioner, ce_plan):
    client = client_for(commissioner)
    rows = read_csv(client.get(url("proposal_list_csv", ce_plan)))
    assert rows[0] == ["Ref", "Title", "Outcome", "Theme", "Kind", "Status", "2019/20", "2020/21", "2021/22",
                       "Net: cash over the period"]
    row = next(r for r in rows if r[0] == "[41]")
    assert row[6:] == ["3.500", "8.500", "8.500", "20.500"]
    rows = read_csv(client.get(url("proposal_list_csv", ce_plan, "view=incremental")))
    assert next(r for r in rows if r[0] == "[41]")[6:] == ["3.500", "5.000", "0.000", "8.500"]


def test_a_bad_filter_gives_a_400_with_the_message_and_no_file(client_for, commissioner, ce_plan):
    response = client_for(commissioner).get(url("proposal_list_xlsx", ce_plan, "year=2099/00"))
    assert response.status_code == 400
    assert "is not a year of this plan" in response.content.decode()
    assert "attachment" not in response.get("Content-Disposition", "")


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_come_back_as_text(client_for, commissioner, ce_plan, title):
    Proposal.objects.filter(pk=proposal(ce_plan, "41").pk).update(title=title)
    client = client_for(commissioner)
    sheet, rows = read_xlsx(client.get(url("proposal_list_xlsx", ce_plan, "q=41")))
    assert rows[1][1] == title
    first = sheet[f"B{header_row([[c.value for c in r] for r in sheet.iter_rows()]) + 1}"]
    assert first.data_type == "s"
    assert first.quotePrefix == (not title.startswith("<"))
    assert rows[1][6] == 3.5  # the figures stay numbers
    csv_rows = read_csv(client.get(url("proposal_list_csv", ce_plan, "q=41")))
    assert csv_rows[1][1] == formula_safe(title)
    assert csv_rows[1][1] == title if title.startswith("<") else csv_rows[1][1] == "'" + title


def test_formula_safe_leaves_plain_text_alone():
    assert formula_safe("Direct Payments Review") == "Direct Payments Review"
    assert formula_safe("Care - older people") == "Care - older people"
    assert formula_safe("=1+1") == "'=1+1"


def test_a_hostile_group_label_is_text_in_the_rollup_xlsx(client_for, commissioner, ce_plan):
    ce_plan.council.outcomes.filter(code="5").update(title="=cmd|' /C calc'!A0")
    sheet, rows = read_xlsx(client_for(commissioner).get(url("rollup_xlsx", ce_plan)))
    assert rows[1][1] == "Outcome 5 – =cmd|' /C calc'!A0"
    ce_plan.council.themes.filter(name="Reducing subsidy").update(name="=2+5")
    sheet, rows = read_xlsx(client_for(commissioner).get(url("rollup_xlsx", ce_plan, "by=theme")))
    cell = next(c for c in sheet["B"] if c.value == "=2+5")
    assert cell.data_type == "s"


def test_downloads_of_another_council_are_not_found(client_for, officer_cwac, ce_plan):
    client = client_for(officer_cwac)
    for name in ("rollup_csv", "rollup_xlsx", "proposal_list_csv", "proposal_list_xlsx"):
        assert client.get(url(name, ce_plan)).status_code == 404


def test_download_figures_are_exact(client_for, commissioner, ce_plan):
    rows = read_csv(client_for(commissioner).get(url("proposal_list_csv", ce_plan, "per_page=100")))
    total = sum(Decimal(r[6]) for r in rows[1:])
    assert total == to_decimal_m(parse_m("3.588"))


def test_an_xlsx_download_has_its_title_block_widths_and_print_setup(client_for, commissioner, ce_plan):
    response = client_for(commissioner).get(url("rollup_xlsx", ce_plan, "kind=revenue_savings&view=incremental"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    top = header_row(rows)
    block = [row[0] for row in rows[:top - 1] if row[0]]
    assert block[0] == "Cheshire East Council: Budget proposals 2019/20 to 2021/22"
    assert block[1].startswith("Roll-up by outcome, incremental: change from the year before, £m; minus is a saving.")
    assert block[2] == "Counting proposals that are: Draft, Submitted, Out to consultation and Approved."
    assert block[3] == "Filters: Kind: Revenue Savings."
    assert block[4].startswith("As at ") and block[4].endswith("(UK time)")
    assert sheet.print_title_rows == f"${top}:${top}"
    assert sheet.freeze_panes == f"A{top + 1}"
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth) == ("landscape", 1)
    assert sheet.oddHeader.left.text == "Cheshire East Council" and "Page &P of &N" in sheet.oddFooter.right.text
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFG"]
    longest_group = max(len(str(row[1])) for row in rows[top:] if row[1])
    assert widths[1] >= min(longest_group, 60) and all(w >= 8 for w in widths)


def test_a_download_as_at_a_snapshot_says_so(client_for, commissioner, ce_plan):
    from proposals.permissions import SYSTEM
    from proposals.snapshots import take_snapshot

    take_snapshot(plan=ce_plan, user=SYSTEM, name="Cabinet 5 February 2019")
    response = client_for(commissioner).get(url("proposal_list_xlsx", ce_plan, "as_at=cabinet-5-february-2019"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    texts = [row[0].value for row in sheet.iter_rows(max_row=6) if row[0].value]
    assert any(text.startswith("As at Cabinet 5 February 2019 (") for text in texts)


def test_the_csv_stays_plain_for_scripts(client_for, commissioner, ce_plan):
    rows = read_csv(client_for(commissioner).get(url("rollup_csv", ce_plan)))
    assert rows[0][:3] == ["Key", "Group", "Figure"]


def test_a_long_page_header_is_cut_at_a_word_never_mid_word():
    from reports.printing import HEADER_LENGTH, _header_text

    text = "Cheshire West and Chester Council: Commissioning intentions 2016 to 2020 – Roll-up by service"
    cut = _header_text(text)
    assert len(cut) <= HEADER_LENGTH and cut.endswith("…")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " "
    assert _header_text("A & B") == "A && B"
