"""Finding and reading a council's own proposals table (workbooks/importing/detect.py).

Councils' own published tables (../shared/layouts: Walsall, Southampton, Brighton & Hove)
are read through the upload path and checked against every figure and total they print;
council-shaped sheets built in tests/council_layouts.py are read as .xlsx and as CSV."""
import io
import json
import time as clock
from decimal import Decimal
from pathlib import Path

import pytest

from proposals import years as fy
from tests.council_layouts import LAYOUTS, Layout
from workbooks.importing.detect import BadChoice, NoTable, cell_text, field_of_heading, read_table, year_of_heading
from workbooks.importing.figures import FigureError, parse_figure, unit_in
from workbooks.importing.table import Choices
from workbooks.uploads import Table as Upload
from workbooks.uploads import read_upload

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "layouts"
if not SHARED.exists():  # a worktree beside /work/shared, or the main checkout
    SHARED = Path("/work/shared/layouts")
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="the councils' layouts are in ../shared/layouts")


def read(data, filename, choices=None):
    return read_table(read_upload(io.BytesIO(data), filename), choices or Choices())


def shared(name):
    path = SHARED / f"{name}.xlsx"
    return read(path.read_bytes(), path.name), json.loads((SHARED / f"{name}.json").read_text())


def by_reference(table):
    return {row.cells["reference"]: row for row in table.rows}


# ---------------------------------------------------------------- the councils' own tables


@needs_shared
def test_walsall_every_figure_and_its_total_column_with_the_one_pound_out():
    table, printed = shared("walsall-2026-27")
    assert table.sheet == "Children's Services" and table.header_row == 4
    assert [fy.label(y.start_year) for y in table.years] == printed["years"]
    assert [y.heading for y in table.years] == printed["year_headings_as_printed"]
    assert table.unit == "pounds" and "(£)" in table.unit_source
    assert table.signs == "variations" and "negative" in table.signs_source
    assert table.title_rows == printed["title_rows_as_printed"]
    assert [s.text for s in table.sections] == printed["section_headings"]
    rows = by_reference(table)
    assert len(table.rows) == len(printed["rows"]) == printed["rows_transcribed"]
    for expected in printed["rows"]:
        row = rows[expected["cells"]["Ref"]]
        assert row.cells["title"] == expected["cells"]["Description"]
        assert row.section == expected["section"]
        for label, figure in expected["figures_pounds"].items():
            if label != "Total":
                assert row.figures[fy.parse_label(label)] == Decimal(figure), (row.row, label)
    # The Total column adds each row's years, so the figures are each year's change.
    assert table.basis == "incremental" and "Total" in table.basis_source
    totals = {t.reference: t for t in table.row_totals}
    assert len(totals) == len(printed["printed_totals"])
    for expected in printed["printed_totals"]:
        total = totals[expected["row"]]
        assert total.printed == Decimal(expected["printed"])
        assert total.sum == Decimal(expected["sum_of_covered"])
        assert total.reconciles is expected["matches"]
    [out] = [t for t in table.row_totals if not t.reconciles]
    assert (out.reference, out.row, out.difference) == ("OP16", 9, Decimal(1))
    assert table.totals == [] and table.problems == []


@needs_shared
def test_southampton_every_figure_with_the_unit_row_skipped():
    table, printed = shared("southampton-2008-09")
    assert table.header_row == 3 and table.unit_row == 4
    assert table.unit == "thousands" and "row under the headings" in table.unit_source
    assert [fy.label(y.start_year) for y in table.years] == printed["years"]
    ignored = {table.headings[c] for c in table.ignored_columns}
    assert {"HoS", "FTE In Post", "FTE Vacant", "Impact / Issues"} <= ignored
    assert table.columns == {0: "reference", 1: "service_budget", 2: "title"}
    assert [s.text for s in table.sections] == printed["section_headings"]
    rows = by_reference(table)
    assert len(table.rows) == len(printed["rows"])
    for expected in printed["rows"]:
        row = rows[expected["cells"]["Ref"]]
        assert row.cells["service_budget"] == expected["cells"]["Service Activity"]
        assert row.cells["title"] == expected["cells"]["Description of Item"]
        assert row.section == expected["section"]
        assert {fy.label(y): v for y, v in row.figures.items()} == {
            label: Decimal(v) for label, v in expected["figures_k"].items()}
    assert table.signs == "variations"
    assert table.basis == "cumulative" and "nothing on the sheet says" in table.basis_source
    assert printed["printed_totals"] == table.totals == [] and table.problems == []


@needs_shared
def test_brighton_and_hove_is_a_budget_build_up_not_a_plan_of_years():
    path = SHARED / "brighton-and-hove-2024-25.xlsx"
    with pytest.raises(NoTable) as refused:
        read(path.read_bytes(), path.name)
    message = str(refused.value)
    assert "Appendix 1" in message and "row 3" in message
    assert "none of them heads a year" in message and "build-up" in message
    assert "2023/24 Adjusted Base" in message


@needs_shared
def test_brighton_and_hove_nested_totals_when_its_columns_are_mapped_by_hand():
    """Mapped column by column (each money column read as a "year"), every figure and each
    nested total (Total Directorate Spending → NET REVENUE EXPENDITURE → BUDGET REQUIREMENT)."""
    printed = json.loads((SHARED / "brighton-and-hove-2024-25.json").read_text())
    keys = list(printed["rows"][0]["figures_k"])
    starts = {key: 2001 + i for i, key in enumerate(keys)}
    columns = {0: "title", **{i + 1: fy.label(starts[key]) for i, key in enumerate(keys)}}
    path = SHARED / "brighton-and-hove-2024-25.xlsx"
    table = read(path.read_bytes(), path.name, Choices(header_row=3, columns=columns, unit="thousands"))
    rows = {row.cells["title"]: row for row in table.rows}
    totals = {t.label: t for t in table.totals}
    items = [r for r in printed["rows"] if r["kind"] == "item"]
    assert len(rows) == len(items) and len(totals) == len(printed["rows"]) - len(items)
    for expected in items:
        row = rows[expected["cells"]["(row label)"]]
        assert row.figures == {starts[k]: Decimal(v) for k, v in expected["figures_k"].items()}
    row_of = {**{label: r.row for label, r in rows.items()}, **{label: t.row for label, t in totals.items()}}
    for expected in printed["printed_totals"]:
        total = totals[expected["row"]]
        start = starts[expected["column"]]
        assert total.printed[start] == Decimal(expected["printed"])
        assert total.sums[start] == Decimal(expected["sum_of_covered"])
        assert (start not in total.differences) is expected["matches"]
        covered = set()
        for label in expected["covers"]:
            inner = totals.get(label)
            covered |= set(inner.covers) if inner else {row_of[label]}
        assert total.covers == sorted(covered)
    assert all(t.reconciles for t in table.totals)


# ---------------------------------------------------------------- council-shaped sheets


def check_layout(layout: Layout, table):
    assert table.sheet == layout.sheet
    assert table.header_row == layout.header_row
    assert [y.start_year for y in table.years] == layout.start_years
    assert table.unit == layout.unit
    assert (table.unit_source == "") is (layout.unit is None)
    assert table.signs == layout.signs
    mapped = {i: name for i, (_, name) in enumerate(layout.fields) if name}
    assert table.columns == mapped
    assert [r.row for r in table.rows] == [r.row for r in layout.expected_rows]
    for row, expected in zip(table.rows, layout.expected_rows, strict=True):
        assert row.cells == expected.cells, row.row
        assert row.figures == expected.figures, row.row
        assert (row.section, row.kind_word) == (expected.section, expected.kind_word), row.row
    assert [t.row for t in table.totals] == [t.row for t in layout.expected_totals]
    for total, expected in zip(table.totals, layout.expected_totals, strict=True):
        assert total.label == expected.label
        assert total.printed == expected.printed, total.row
        assert total.covers == expected.covers, total.row
        assert total.sums == expected.sums, total.row
        assert total.reconciles is expected.reconciles, total.row
    assert table.problems == []


@pytest.mark.parametrize("name", sorted(LAYOUTS))
@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_council_shaped_sheets_are_read_figure_by_figure(name, form):
    layout = LAYOUTS[name]()
    data = layout.xlsx() if form == "xlsx" else layout.csv()
    table = read(data, f"{name}.{form}")
    if form == "csv":
        layout.sheet = f"{name}.csv"
    check_layout(layout, table)


def test_a_total_that_does_not_match_its_rows_is_named():
    table = read(LAYOUTS["millions-total-out"]().xlsx(), "m.xlsx")
    [total] = table.totals
    assert total.label == "Total" and total.covers == [4, 5]
    assert total.differences == {2024: Decimal("0.100"), 2025: Decimal("0")} or total.differences == {
        2024: Decimal("0.100")}
    assert not total.reconciles


def test_sub_totals_and_a_grand_total_over_them_reconcile():
    table = read(LAYOUTS["thousands-under-titles"]().xlsx(), "t.xlsx")
    adults, place, grand = table.totals
    assert grand.covers == adults.covers + place.covers
    assert grand.printed == {2024: Decimal(955), 2025: Decimal(1995), 2026: Decimal(3250)}
    assert all(t.reconciles for t in table.totals)
    assert table.title_rows == ["Anytown Borough Council", "Budget proposals 2024/25 to 2026/27 (\u00a3000)"]
    assert "\u00a3000" in table.unit_source and "title" in table.unit_source


def test_references_stay_as_printed():
    table = read(LAYOUTS["quoted-thousands-in-headings"]().xlsx(), "q.xlsx")
    assert [r.cells["reference"] for r in table.rows] == ["232", "233", "240", "241", "242"]
    assert "outcome" not in table.columns.values()
    assert {table.headings[c] for c in table.ignored_columns} == {"Head of Service", "FTE"}
    assert cell_text(232.0) == "232" and cell_text(Decimal("232")) == "232" and cell_text(1.5) == "1.5"


def test_savings_printed_positive_say_why():
    table = read(LAYOUTS["savings-positive"]().xlsx(), "s.xlsx")
    assert table.signs == "savings-positive"
    assert "Savings proposals" in table.signs_source and "no figure is negative" in table.signs_source
    assert table.unit == "thousands" and "\u00a3k" in table.unit_source


def test_positive_figures_with_nothing_saying_savings_are_variations():
    layout = Layout("plain", [("Ref", "reference"), ("Title", "title")], [("2024/25", 2024)])
    layout.header().proposal("G1", "Growth item", figures=[10])
    table = read(layout.xlsx(), "p.xlsx")
    assert table.signs == "variations" and "nothing on the sheet says they are savings" in table.signs_source


def test_kind_headings_become_the_rows_kind_and_themes_their_section():
    table = read(LAYOUTS["unit-row-and-kinds"]().xlsx(), "k.xlsx")
    assert [(s.text, s.kind_word) for s in table.sections] == [("Savings", "Savings"), ("Growth", "Growth")]
    assert [r.kind_word for r in table.rows] == ["Savings", "Savings", "Growth"]
    assert table.unit_row == table.header_row + 1


def test_no_unit_anywhere_leaves_it_to_the_officer():
    table = read(LAYOUTS["no-unit"]().csv(), "n.csv")
    assert table.unit is None and table.unit_source == ""
    chosen = read(LAYOUTS["no-unit"]().csv(), "n.csv", Choices(unit="thousands"))
    assert (chosen.unit, chosen.unit_source) == ("thousands", "chosen")


def test_a_cover_sheet_is_passed_over_and_every_sheet_is_listed():
    layout = LAYOUTS["spaced-years-thousands"]()
    layout.extra_sheets = [("Cover", [["Anytown Council"], ["Budget 2024/25"]])]
    table = read(layout.xlsx(), "c.xlsx")
    assert table.sheet == "Proposals" and table.sheets == ["Cover", "Proposals"]
    with pytest.raises(NoTable) as refused:
        read(layout.xlsx(), "c.xlsx", Choices(sheet="Cover"))
    assert "Sheet \u2018Cover\u2019" in str(refused.value) and "24/25" in str(refused.value)
    with pytest.raises(BadChoice, match="no sheet \u201cSummary\u201d"):
        read(layout.xlsx(), "c.xlsx", Choices(sheet="Summary"))


def test_no_table_anywhere_says_what_it_looked_for():
    with pytest.raises(NoTable) as refused:
        read_table([Upload("Notes", [(1, ["Some notes"]), (2, ["Ref", "Title", "Amount"])])])
    message = str(refused.value)
    assert "2024/25" in message and "Notes" in message and "reference, title or description" in message


# ---------------------------------------------------------------- choices


def test_each_choice_overrides_what_is_detected():
    data = LAYOUTS["quoted-thousands-in-headings"]().xlsx()
    table = read(data, "q.xlsx", Choices(columns={2: "description", 3: "", 5: ""}, signs="savings-positive",
                                          basis="incremental"))
    assert table.columns == {0: "reference", 1: "title", 2: "description"}
    assert [y.start_year for y in table.years] == [2024]
    assert table.rows[0].cells["description"] == "J. Smith"
    assert (table.signs, table.signs_source) == ("savings-positive", "chosen")
    assert (table.basis, table.basis_source) == ("incremental", "chosen")
    relabelled = read(data, "q.xlsx", Choices(columns={4: "2030/31", 5: "2031/32"}))
    assert [y.start_year for y in relabelled.years] == [2030, 2031]
    assert set(relabelled.rows[0].figures) == {2030, 2031}


def test_a_chosen_header_row_is_read_as_the_header():
    layout = LAYOUTS["thousands-under-titles"]()
    with pytest.raises(NoTable, match="row 1 has no column read as a year"):
        read(layout.xlsx(), "t.xlsx", Choices(header_row=1))
    table = read(layout.xlsx(), "t.xlsx", Choices(header_row=layout.header_row))
    assert table.header_row == layout.header_row


@pytest.mark.parametrize("choices, message", [
    (Choices(columns={0: "title"}), "both read as Title"),
    (Choices(columns={0: "2024/25"}), "both read as 2024/25"),
    (Choices(columns={0: "colour"}), "neither a field"),
    (Choices(unit="furlongs"), "not a unit"),
    (Choices(signs="upside-down"), "not a sign convention"),
    (Choices(basis="sideways"), "not a basis"),
])
def test_a_choice_that_cannot_apply_is_refused_with_a_message(choices, message):
    with pytest.raises(BadChoice, match=message):
        read(LAYOUTS["thousands-under-titles"]().xlsx(), "t.xlsx", choices)


# ---------------------------------------------------------------- basis


def test_a_total_column_equal_to_the_final_year_says_cumulative():
    rows = [(1, ["Ref", "Title", "2024/25", "2025/26", "Total"]),
            (2, ["A", "One", -10, -20, -20]), (3, ["B", "Two", -5, -5, -5]), (4, ["C", "Three", 0, 7, 7])]
    table = read_table([Upload("S", rows)])
    assert table.total_column == 4 and table.row_totals == []
    assert table.basis == "cumulative" and "final year on 3 of 3 rows" in table.basis_source


def test_the_title_saying_cumulative_or_incremental_decides_the_basis():
    rows = [(1, ["Year-on-year changes (incremental)"]), (2, ["Ref", "Title", "2024/25"]), (3, ["A", "One", 5])]
    table = read_table([Upload("S", rows)])
    assert table.basis == "incremental" and "incremental" in table.basis_source


# ---------------------------------------------------------------- cells and problems


def test_a_cell_that_is_not_a_figure_is_a_problem_naming_sheet_row_and_column():
    rows = [(1, ["Ref", "Title", "2024/25 \u00a3000", "2025/26 \u00a3000"]),
            (2, ["A1", "One", "TBC", "(20)"]), (3, ["A2", "Two", "=ROUND(D2,0)", 5])]
    table = read_table([Upload("Savings", rows)])
    first, second = table.problems
    assert str(first).startswith("Sheet \u2018Savings\u2019, row 2, column C (2024/25 \u00a3000)")
    assert "TBC" in str(first)
    assert (second.row, second.column) == (3, "C (2024/25 \u00a3000)") and "ROUND" in second.message
    assert table.rows[0].figures == {2024: None, 2025: Decimal(-20)}


@pytest.mark.parametrize("printed, figure", [
    ("(150)", -150), ("\u2212150", -150), ("-150", -150), ("1,234", 1234), ("\u00a31,234", 1234),
    ("(\u00a31,234)", -1234), ("\u00a3(1,234)", -1234), ("-", 0), ("\u2013", 0), ("nil", 0), ("Nil", 0),
    ("", None), ("  ", None), (None, None), ("0.125", Decimal("0.125")), (12, 12), (0.1, Decimal("0.1")),
    (-0.027, Decimal("-0.027")), (Decimal("1.5"), Decimal("1.5")), ("+3", 3),
])
def test_printed_figures_are_read_exactly(printed, figure):
    assert parse_figure(printed) == (None if figure is None else Decimal(figure))


@pytest.mark.parametrize("printed", ["TBC", "1,23", "12.3.4", "(150", "--5", "\u0661\u0662", True,
                                     "1e5", "nan", float("inf"), "x" * 100])
def test_what_is_not_a_figure_is_refused(printed):
    with pytest.raises(FigureError):
        parse_figure(printed)


@pytest.mark.parametrize("text, unit", [
    ("\u00a3000", "thousands"), ("\u00a3'000", "thousands"), ("\u00a3\u2019000", "thousands"),
    ("\u00a3k", "thousands"), ("(\u00a3K)", "thousands"), ("\u00a3 thousands", "thousands"),
    ("\u00a3000s", "thousands"), ("\u00a3m", "millions"), ("\u00a3M", "millions"), ("\u00a3 million", "millions"),
    ("(\u00a3)", "pounds"), ("\u00a3", "pounds"), ("Savings of \u00a31,234", None), ("Budget", None), ("", None),
])
def test_units_are_read_from_headings_and_titles(text, unit):
    found = unit_in(text)
    assert (found[0] if found else None) == unit


@pytest.mark.parametrize("heading, start", [
    ("2024/25", 2024), ("2024-25", 2024), ("24/25", 2024), ("2024/2025", 2024), ("2024 / 2025 \u00a3000", 2024),
    ("2024/25 \u00a3'000", 2024), ("2026/27\n(\u00a3)", 2026), ("2024\u201325", 2024), ("Saving 2024/25", 2024),
    ("FY 2025/26 \u00a3m", 2025), ("99/00", 1999),
])
def test_year_headings_in_the_forms_councils_print(heading, start):
    found = year_of_heading(heading)
    assert found is not None and found.is_year and found.start_year == start


@pytest.mark.parametrize("heading", ["2023/24 Adjusted Base \u00a3'000", "2024/25 Original Budget",
                                     "2024/25 to 2026/27", "2024/26", "Total", "2024", "Ref"])
def test_what_is_not_a_year_heading(heading):
    found = year_of_heading(heading)
    assert found is None or not found.is_year


@pytest.mark.parametrize("heading, name", [
    ("Ref", "reference"), ("Ref.", "reference"), ("Reference", "reference"), ("No.", "reference"),
    ("Proposal ref", "reference"), ("Title", "title"), ("Proposal", "title"), ("Saving", "title"),
    ("Savings proposal", "title"), ("Name", "title"), ("Description", "description"), ("Details", "description"),
    ("Detail", "description"), ("Description of Item", "description"), ("Service", "service_budget"),
    ("Service area", "service_budget"), ("Service Activity", "service_budget"), ("Service budget", "service_budget"),
    ("Budget", "service_budget"), ("Outcome", "outcome"), ("Priority", "outcome"), ("Theme", "theme"),
    ("Category", "theme"), ("Kind", "kind"), ("Type", "kind"), ("Saving or Growth", "kind"), ("Status", "status"),
    ("PROPOSAL\nREF", "reference"), ("FTE", None), ("Head of Service", None), ("Total", None), ("%", None),
])
def test_headings_name_fields_whatever_their_case_and_punctuation(heading, name):
    assert field_of_heading(heading) == name


# ---------------------------------------------------------------- bounded on hostile sheets


def test_hostile_headings_and_formulas_are_read_in_bounded_time():
    long_heading = "2024/" + " " * 50_000 + "25" + "(£'" * 10_000
    rows = [(1, ["Ref", "Title", "2024/25", "2025/26", long_heading]),
            (2, ["A", "One", "=" + "(" * 400 + "1" + ")" * 400, "=SUM(A1:XFD1048576)"]),
            (3, ["B", "Two", "=D3", "=C3"]),
            (4, ["C", "Three", "=" + "1+" * 600 + "1", "=FOO(1)"])]
    started = clock.perf_counter()
    table = read_table([Upload("Hostile", rows)])
    assert clock.perf_counter() - started < 5
    messages = [p.message for p in table.problems]
    assert any("nests more than 40 levels" in m for m in messages)
    assert any("refers back to itself" in m for m in messages)
    assert any("longer than 1,000 characters" in m for m in messages)
    assert any("reads SUM and SUBTOTAL, not FOO" in m for m in messages)


def test_totals_over_totals_over_totals_are_cut_off_at_a_budget():
    """Each row adding up every row above it would cost the square of the rows."""
    rows = [(1, ["Ref", "Title", "2024/25"]), (2, ["A", "One", 5])]
    rows += [(n, [f"R{n}", "x", f"=SUM(C2:C{n - 1})"]) for n in range(3, 2000)]
    started = clock.perf_counter()
    table = read_table([Upload("Hostile", rows)])
    assert clock.perf_counter() - started < 10  # about 1 s alone; the budgets, not the clock, are the point
    messages = [p.message for p in table.problems]
    assert any("read more than 200,000 cells" in m for m in messages)
    assert any("more than 200,000 rows in all" in m for m in messages)


# ---------------------------------------------------------------- more layouts


def test_figures_typed_as_text_in_a_workbook_are_read_as_printed():
    layout = Layout("text-figures", [("Ref", "reference"), ("Title", "title")],
                    [("2024/25", 2024), ("2025/26", 2025), ("2026/27", 2026), ("2027/28", 2027)])
    layout.header()
    layout.proposal("T1", "One", figures=[-150, 1234, 0, 0], as_text=["(150)", "\u00a31,234", "-", "nil"])
    layout.proposal("T2", "Two", figures=[-5, None, 7, 0], as_text=["\u22125", "", "+7", "\u2013"])
    check_layout(layout, read(layout.xlsx(), "t.xlsx"))


def test_a_sum_over_a_sub_total_and_its_own_rows_counts_them_twice_and_says_so():
    layout = Layout("double", [("Ref", "reference"), ("Title", "title")], [("2024/25", 2024)])
    layout.header().proposal("A", "One", figures=[-10]).proposal("B", "Two", figures=[-5])
    layout.total("Sub-total")
    rows = read_upload(io.BytesIO(layout.xlsx()), "d.xlsx")[0].rows
    rows.append((5, ["Total", None, "=SUM(C2:C4)"]))
    table = read_table([Upload("Proposals", rows)])
    sub, grand = table.totals
    assert grand.covers == sub.covers == [2, 3]
    assert grand.printed == {2024: Decimal(-30)} and grand.sums == {2024: Decimal(-15)}
    assert grand.differences == {2024: Decimal(-15)}


def test_a_header_printed_again_after_a_page_break_is_skipped():
    rows = [(1, ["Ref", "Title", "2024/25"]), (2, ["A", "One", -1]), (3, []),
            (4, ["Ref", "Title", "2024/25", None]), (5, ["B", "Two", -2])]
    table = read_table([Upload("S", rows)])
    assert [r.cells["reference"] for r in table.rows] == ["A", "B"] and table.problems == []


def test_a_row_of_figures_with_no_words_is_a_total():
    rows = [(1, ["Ref", "Title", "2024/25"]), (2, ["A", "One", -1]), (3, ["B", "Two", -2]), (4, [None, None, -3])]
    table = read_table([Upload("S", rows)])
    [total] = table.totals
    assert (total.row, total.label, total.covers, total.reconciles) == (4, "", [2, 3], True)
    assert any("Row 4" in note for note in table.notes)


def test_the_unit_from_another_heading_and_a_title_naming_another_is_noted():
    rows = [(1, ["Savings in \u00a3m"]), (2, []), (3, ["Ref", "Title", "2024/25", "Total \u00a3000"]),
            (4, ["A", "One", -1, -1])]
    table = read_table([Upload("S", rows)])
    assert table.unit == "thousands" and "Total \u00a3000" in table.unit_source
    assert any("\u00a3m" in note and "another unit" in note for note in table.notes)


def test_a_unit_row_may_have_other_words_beside_the_years():
    rows = [(1, ["Ref", "Title", "2024/25", "2025/26", "FTE"]), (2, [None, None, "\u00a3m", "\u00a3m", "posts"]),
            (3, ["A", "One", -0.5, -1, 2])]
    table = read_table([Upload("S", rows)])
    assert (table.unit_row, table.unit) == (2, "millions")
    assert table.rows[0].figures == {2024: Decimal("-0.5"), 2025: Decimal(-1)}


def test_a_theme_heading_under_a_kind_heading_gives_the_rows_both():
    rows = [(1, ["Ref", "Title", "2024/25"]), (2, ["Savings"]), (3, ["Adults"]), (4, ["A", "One", -1]),
            (5, ["Growth proposals"]), (6, ["B", "Two", 5]), (7, ["Source: budget book"])]
    table = read_table([Upload("S", rows)])
    assert [(r.kind_word, r.section) for r in table.rows] == [("Savings", "Adults"), ("Growth proposals", None)]
    assert [s.text for s in table.sections] == ["Savings", "Adults", "Growth proposals"]  # the note heads nothing


def test_a_chosen_description_column_is_not_read_as_the_title():
    data = LAYOUTS["unit-row-and-kinds"]().xlsx()
    table = read(data, "k.xlsx", Choices(columns={1: "description"}))
    assert table.columns == {0: "reference", 1: "description", 2: "service_budget"}
    assert table.notes == []


@pytest.mark.parametrize("unit, figures, warned", [
    ("\u00a3m", [-0.25, 1.5], None), ("\u00a3m", [-1200, 3], "\u00a31.2bn"),
    ("\u00a3000", [-0.25, 1.5], "in \u00a3m?"), ("\u00a3000", [-250, 1500], None),
    ("\u00a3000", [-2500000, 1], "in \u00a3?"), ("(\u00a3)", [-0.25, 0.5], "in \u00a3m?"),
    ("(\u00a3)", [-5000, 7], None),
])
def test_figures_whose_size_suggests_another_unit_are_flagged(unit, figures, warned):
    rows = [(1, ["Ref", "Title", f"2024/25 {unit}", f"2025/26 {unit}"]), (2, ["A", "One", *figures])]
    table = read_table([Upload("S", rows)])
    if warned is None:
        assert table.unit_warnings == []
    else:
        [warning] = table.unit_warnings
        assert warned in warning and "row 2" in warning


def test_the_choices_read_are_plain_text_values():
    table = read(LAYOUTS["savings-positive"]().xlsx(), "s.xlsx")
    for value in (table.unit, table.signs, table.basis):
        assert type(value) is str


def test_a_subtotal_leaves_out_the_subtotals_inside_it_as_a_spreadsheet_does():
    rows = [(1, ["Ref", "Title", "2024/25"]), (2, ["A", "One", -1]), (3, ["B", "Two", -2]),
            (4, ["Subtotal", None, "=SUBTOTAL(9,C2:C3)"]), (5, ["C", "Three", -4]),
            (6, ["Total", None, "=SUBTOTAL(9,C2:C5)"])]
    table = read_table([Upload("S", rows)])
    sub, grand = table.totals
    assert (sub.printed, grand.printed) == ({2024: Decimal(-3)}, {2024: Decimal(-7)})
    assert grand.covers == [2, 3, 5] and grand.reconciles


def test_a_unit_repeated_in_a_section_heading_row_is_no_figure():
    rows = [(1, ["Ref", "Title", "2024/25", "2025/26"]), (2, ["Adults", None, "\u00a3'000", "\u00a3'000"]),
            (3, ["A", "One", -1, -1])]
    table = read_table([Upload("S", rows)])
    assert table.problems == [] and [s.text for s in table.sections] == ["Adults"]
    assert table.rows[0].section == "Adults"


@pytest.mark.parametrize("upper, lower", [
    ([None, None, "2024/25", "2025/26"], ["Ref", "Title", "\u00a3000", "\u00a3000"]),
    (["Ref", "Title", None, None], [None, None, "2024/25 \u00a3000", "2025/26 \u00a3000"]),
])
def test_headings_over_two_rows_are_read_as_one_header(upper, lower):
    rows = [(1, ["Savings 2024/25"]), (2, upper), (3, lower), (4, ["A", "One", -1, -2])]
    for chosen in (None, 3):
        table = read_table([Upload("S", rows)], Choices(header_row=chosen))
        assert (table.header_row, table.title_rows, table.unit) == (3, ["Savings 2024/25"], "thousands")
        assert table.columns == {0: "reference", 1: "title"} and [y.start_year for y in table.years] == [2024, 2025]
        assert table.rows[0].figures == {2024: Decimal(-1), 2025: Decimal(-2)}
        assert "rows 2 and 3" in table.notes[0]


def test_a_heading_above_a_whole_header_row_is_not_joined_to_it():
    rows = [(1, ["Budget book"]), (2, []), (3, ["Savings"]), (4, ["Ref", "Title", "2024/25"]), (5, ["A", "One", 1])]
    table = read_table([Upload("S", rows)])
    assert table.header_row == 4 and table.notes == []
    assert [(s.text, s.kind_word) for s in table.sections] == [("Savings", "Savings")]
    assert table.rows[0].kind_word == "Savings" and table.signs == "savings-positive"
