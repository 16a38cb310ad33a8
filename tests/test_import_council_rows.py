"""A council's own table (as detection hands it over) -> the preview and what confirming writes:
units, sign conventions, bases, titles, kinds and the council's words for them, structure
matched or created, totals reconciled, re-import unchanged."""
from decimal import Decimal

import pytest

from outcomes.models import Outcome
from proposals.models import ChangeSet, Kind, Proposal, ServiceBudget, Theme
from tests.conftest import db_snapshot
from tests.council_import import new_council, stored
from workbooks.importing.apply import apply_import
from workbooks.importing.council import Options, cut_title, preview_council
from workbooks.importing.table import Section, Table, TableRow, TotalRow, YearColumn
from workbooks.models import KindWord

D = Decimal


def make_table(rows, *, years=(2026, 2027), unit="thousands", signs="variations", columns=None, totals=(),
               basis="cumulative", headings=None, sections=()):
    columns = columns if columns is not None else {0: "reference", 1: "title", 2: "service_budget"}
    width = max([*columns, len(columns) - 1]) + 1
    year_columns = [YearColumn(column=width + i, heading=f"{y}/{(y + 1) % 100:02d}", start_year=y)
                    for i, y in enumerate(years)]
    table = Table(
        sheet="Savings", sheets=["Savings"], header_row=3,
        headings=headings or [*(columns[i].title() for i in sorted(columns)), *(y.heading for y in year_columns)],
        columns=columns, years=year_columns, unit=unit, unit_source="the heading \u201c£000\u201d" if unit else "",
        signs=signs, signs_source="", rows=rows, totals=list(totals), sections=list(sections),
    )
    table.basis = basis
    return table


def row(number, figures, **cells):
    kind_word = cells.pop("kind_word", None)
    section = cells.pop("section", None)
    return TableRow(row=number, cells=cells, figures={y: (None if v is None else D(v)) for y, v in figures.items()},
                    section=section, kind_word=kind_word)


@pytest.fixture
def newco(db, seed):
    return new_council("newco", base_year=2025, years=(2026, 2027), outcomes=[("1", "Thriving places")],
                       budgets=["Highways", "Libraries"])


def preview(newco, table, user=None, **options):
    return preview_council(plan=newco.plan, table=table, options=Options(**options), filename="sheet.xlsx",
                           user=user or newco.officer)


def confirm(newco, result, user=None):
    assert not result.problems, [str(p) for p in result.problems]
    return apply_import(plan=newco.plan, plan_of_changes=result.plan_of_changes(), user=user or newco.officer)


def test_a_thousands_sheet_is_stored_as_printed_and_reimporting_it_is_unchanged(newco):
    table = make_table([
        row(4, {2026: "-100", 2027: "-250"}, reference="H1", title="Street lights off at midnight",
            service_budget="highways"),
        row(5, {2026: "40", 2027: None}, reference="232", title="Longer library hours", service_budget="Libraries"),
    ])
    result = preview(newco, table, outcome="thriving places", kind="revenue_savings")
    assert result.read_as[0].startswith("Read as £000: (100) \u2192 -0.100 £m")
    assert [item.label for item in result.created] == ["[H1] Street lights off at midnight",
                                                      "[232] Longer library hours"]
    assert confirm(newco, result) == (2, 0)
    assert stored(newco.plan) == {"H1": {"2026/27": -100, "2027/28": -250}, "232": {"2026/27": 40}}
    first = Proposal.objects.get(plan=newco.plan, reference="H1")
    assert first.changesets.get().action == ChangeSet.Action.IMPORT
    assert first.changesets.get().note == "Imported from sheet.xlsx"
    again = preview(newco, table, outcome="thriving places", kind="revenue_savings")
    assert (again.unchanged, again.created, again.changed, again.problems) == (2, [], [], [])


def test_pounds_are_rounded_to_the_nearest_thousand_half_away_from_zero_and_each_rounding_listed(newco):
    table = make_table([
        row(4, {2026: "-437369", 2027: "-437500"}, reference="OP13", title="Foster carers",
            service_budget="Highways"),
        row(5, {2026: "437500", 2027: "5000"}, reference="OP14", title="Hub", service_budget="Highways"),
    ], unit="pounds")
    result = preview(newco, table, outcome="1", kind="revenue_savings")
    assert result.rounded == [
        "OP13 2026/27: (437,369) \u2192 -437 £k",
        "OP13 2027/28: (437,500) \u2192 -438 £k",
        "OP14 2026/27: 437,500 \u2192 +438 £k",
    ]
    confirm(newco, result)
    assert stored(newco.plan) == {"OP13": {"2026/27": -437, "2027/28": -438}, "OP14": {"2026/27": 438, "2027/28": 5}}


def test_millions_are_exact_and_a_fourth_decimal_is_a_problem_naming_the_cell(newco):
    table = make_table([
        row(4, {2026: "1.5", 2027: "-0.0275"}, reference="M1", title="A", service_budget="Highways"),
    ], unit="millions")
    before = db_snapshot()
    [problem] = preview(newco, table, outcome="1", kind="pressure").problems
    assert str(problem).startswith("Sheet \u2018Savings\u2019, row 4, column E (2027/28):")
    assert "three decimal places of £m" in str(problem)
    assert db_snapshot() == before


def test_savings_shown_as_positive_become_negative_variations_but_growth_stays_positive(newco):
    table = make_table([
        row(4, {2026: "100", 2027: "150"}, reference="S1", title="Saving", service_budget="Highways",
            kind_word="Efficiency saving"),
        row(5, {2026: "-20", 2027: "0"}, reference="S2", title="A reversal in the savings", service_budget="Highways",
            kind_word="Savings"),
        row(6, {2026: "60", 2027: "60"}, reference="G1", title="Demand", service_budget="Highways", kind_word="Growth"),
        row(7, {2026: "5", 2027: "5"}, reference="I1", title="Fees", service_budget="Highways", kind_word="Income"),
    ], signs="savings-positive")
    result = preview(newco, table, outcome="1")
    confirm(newco, result)
    assert stored(newco.plan) == {
        "S1": {"2026/27": -100, "2027/28": -150}, "S2": {"2026/27": 20, "2027/28": 0},
        "G1": {"2026/27": 60, "2027/28": 60}, "I1": {"2026/27": -5, "2027/28": -5},
    }
    kinds = dict(Proposal.objects.filter(plan=newco.plan).values_list("reference", "kind"))
    assert kinds == {"S1": Kind.REVENUE_SAVINGS, "S2": Kind.REVENUE_SAVINGS, "G1": Kind.PRESSURE,
                     "I1": Kind.INCOME_GENERATION}


def test_incremental_figures_are_added_up_into_variations_to_the_base_year(newco):
    table = make_table([
        row(4, {2026: "-100", 2027: "-50", 2028: "150"}, reference="R1", title="Stepped", service_budget="Highways"),
    ], years=(2026, 2027, 2028), basis="incremental")
    from proposals.models import PlanYear

    PlanYear.objects.create(plan=newco.plan, start_year=2028)
    result = preview(newco, table, outcome="1", kind="revenue_savings")
    assert any("Incremental" in words for words in result.read_as)
    confirm(newco, result)
    assert stored(newco.plan) == {"R1": {"2026/27": -100, "2027/28": -150, "2028/29": 0}}


def test_without_a_title_column_the_title_is_the_description_cut_at_a_word(newco):
    long = "Review of the home to school transport policy " * 10
    table = make_table([row(4, {2026: "-1"}, reference="T1", description=long, service_budget="Highways")],
                       years=(2026,), columns={0: "reference", 1: "description", 2: "service_budget"})
    confirm(newco, preview(newco, table, outcome="1", kind="revenue_savings"))
    saved = Proposal.objects.get(plan=newco.plan, reference="T1")
    assert len(saved.title) <= 300 and saved.title.endswith("\u2026")
    assert long.startswith(saved.title[:-1]) and long[len(saved.title) - 1] == " "
    assert saved.description == long.strip()
    assert cut_title("Short one") == "Short one"


def test_the_councils_words_for_kinds_are_remembered_for_its_next_import(newco):
    table = make_table([row(4, {2026: "10"}, reference="W1", title="Winter", service_budget="Highways",
                            kind_word="Demand led")], years=(2026,))
    [problem] = preview(newco, table, outcome="1").problems
    assert "\u201cDemand led\u201d is not a kind the portal knows" in str(problem)
    result = preview(newco, table, outcome="1", kind_words={"demand led": Kind.PRESSURE})
    confirm(newco, result)
    word = KindWord.objects.get(council=newco.council)
    assert (word.word, word.kind) == ("demand led", Kind.PRESSURE)
    assert ChangeSet.objects.filter(council=newco.council, subject_id=word.pk, action=ChangeSet.Action.CREATE).exists()
    other = make_table([row(4, {2026: "20"}, reference="W2", title="More", service_budget="Highways",
                            kind_word="Demand  LED")], years=(2026,))
    result = preview(newco, other, outcome="1")
    assert not result.problems
    assert result.created[0].data["fields"]["kind"] == Kind.PRESSURE


def test_missing_structure_is_a_problem_unless_an_administrator_creates_it(newco):
    table = make_table([
        row(4, {2026: "-5"}, reference="X1", title="A", service_budget="Parks", outcome="Greener city",
            section="Environment"),
        row(5, {2026: "-6"}, reference="X2", title="B", service_budget="parks", outcome="greener city",
            section="Environment"),
    ], years=(2026,), columns={0: "reference", 1: "title", 2: "service_budget", 3: "outcome"})
    before = db_snapshot()
    problems = [str(p) for p in preview(newco, table, kind="revenue_savings").problems]
    tail = " of Newco Council (and 1 more row): check the spelling, or ask a council administrator to add it."
    assert problems == [
        "Sheet \u2018Savings\u2019, row 4: \u201cGreener city\u201d is not an outcome" + tail,
        "Sheet \u2018Savings\u2019, row 4: \u201cEnvironment\u201d is not a theme" + tail,
        "Sheet \u2018Savings\u2019, row 4: \u201cParks\u201d is not a service budget" + tail,
    ]
    refused = preview(newco, table, kind="revenue_savings", create_missing=True)
    assert "Only the council's administrators can create" in str(refused.problems[0])
    assert db_snapshot() == before

    result = preview(newco, table, user=newco.admin, kind="revenue_savings", create_missing=True)
    assert [(item.kind_word, str(item)) for item in result.structure] == [
        ("Outcome", "2 \u2013 Greener city"), ("Theme", "Environment"), ("Service budget", "Parks"),
    ]
    confirm(newco, result, user=newco.admin)
    outcome = Outcome.objects.get(council=newco.council, code="2")
    assert outcome.title == "Greener city"
    assert set(Proposal.objects.filter(plan=newco.plan).values_list("outcome", "theme__name")) == {
        (outcome.pk, "Environment")}
    assert ServiceBudget.objects.filter(council=newco.council, name="Parks").count() == 1
    assert Theme.objects.filter(council=newco.council, name="Environment").count() == 1
    again = preview(newco, table, user=newco.admin, kind="revenue_savings", create_missing=True)
    assert (again.unchanged, again.structure, again.created) == (2, [], [])


def test_a_changed_figure_in_a_reimport_is_a_change_from_old_to_new(newco):
    first = make_table([row(4, {2026: "-100"}, reference="C1", title="Change me", service_budget="Highways")],
                       years=(2026,))
    confirm(newco, preview(newco, first, outcome="1", kind="revenue_savings"))
    second = make_table([row(4, {2026: "-120"}, reference="C1", title="Change me", service_budget="Highways")],
                        years=(2026,))
    result = preview(newco, second, outcome="1", kind="revenue_savings")
    assert [item.changes for item in result.changed] == [["2026/27 Highways: -0.100 \u2192 -0.120"]]
    assert confirm(newco, result) == (0, 1)
    assert stored(newco.plan) == {"C1": {"2026/27": -120}}


def test_a_fraction_of_a_thousand_in_a_thousands_sheet_is_a_problem(newco):
    table = make_table([row(4, {2026: "0.5", 2027: "0.25"}, reference="U1", title="Unit", service_budget="Highways")])
    table.unit_warnings = ["Read as £000, the figures are all under 100 \u2026"]
    result = preview(newco, table, outcome="1", kind="pressure")
    assert result.unit_warnings == table.unit_warnings
    assert str(result.problems[0]) == (
        "Sheet \u2018Savings\u2019, row 4, column D (2026/27): \u201c0.5\u201d is not in whole £000: the portal keeps "
        "whole £ thousands."
    )


def test_no_unit_no_year_and_no_title_are_each_a_problem_and_nothing_is_read(newco):
    table = make_table([row(4, {2026: "1"}, reference="N1", service_budget="Highways")], unit=None,
                       columns={0: "reference", 1: "service_budget"}, years=())
    messages = [p.message for p in preview(newco, table, outcome="1", kind="pressure").problems]
    assert messages == [
        "The sheet does not say which unit its figures are in: choose £, £000 or £m.",
        "No column is a financial year (a heading such as 2024/25): map a column to a year.",
        "Map a column to the title or the description of each proposal.",
    ]


def test_a_year_outside_the_plan_is_a_problem_naming_its_column(newco):
    table = make_table([row(4, {2026: "1", 2031: "2"}, reference="N1", title="A", service_budget="Highways")],
                       years=(2026, 2031))
    [problem] = preview(newco, table, outcome="1", kind="pressure").problems
    assert str(problem) == ("Sheet \u2018Savings\u2019, row 3, column E (2031/32): 2031/32 is not a year of this plan, "
                            "which runs from 2026/27 to 2027/28.")


def test_rows_without_an_outcome_kind_or_budget_say_what_to_choose(newco):
    table = make_table([row(4, {2026: "1"}, reference="N1", title="A")], columns={0: "reference", 1: "title"})
    messages = [p.message for p in preview(newco, table).problems]
    assert messages == [
        "This row has no kind: map a Kind column, or choose one kind for the whole sheet.",
        "This row has no outcome: map an Outcome column, or choose one outcome for the whole sheet.",
        "This row has no service budget: map a Service budget column, or choose one service budget for the "
        "whole sheet.",
    ]


def test_the_same_reference_twice_is_a_problem(newco):
    table = make_table([row(4, {2026: "1"}, reference="D1", title="A", service_budget="Highways"),
                        row(5, {2026: "2"}, reference="[D1]", title="B", service_budget="Highways")])
    [problem] = preview(newco, table, outcome="1", kind="pressure").problems
    assert str(problem).startswith("Sheet \u2018Savings\u2019, row 5, column A (Reference): Reference [D1] is on row 4")


def test_the_sheets_totals_are_reconciled_and_kept_in_pounds_thousands(newco):
    rows = [row(4, {2026: "-5000", 2027: "0"}, reference="OP12", title="A", service_budget="Highways"),
            row(5, {2026: "-437369", 2027: "645032"}, reference="OP13", title="B", service_budget="Highways")]
    totals = [TotalRow(row=6, label="Total", printed={2026: D(-442370), 2027: D(645032)}, covers=[4, 5],
                       sums={2026: D(-442369), 2027: D(645032)})]
    table = make_table(rows, unit="pounds", totals=totals, sections=[Section(row=2, text="Children's Services")])
    result = preview(newco, table, outcome="1", kind="revenue_savings")
    [total] = result.reconciliation
    assert not total.reconciles
    assert total.lines == ["2026/27: printed (442,370), the rows add up to (442,369): 1 apart",
                           "2027/28: 645,032 adds up"]
    year = {y.start_year: y.pk for y in newco.plan.years.all()}
    assert result.plan_of_changes()["totals"] == [{
        "label": "Total", "row": 6, "sheet": "Savings", "proposal_keys": [["created", 0], ["created", 1]],
        "figures": {str(year[2026]): -442, str(year[2027]): 645},
    }]


def test_a_thousands_plan_previews_its_figures_in_thousands(newco):
    """A £000 plan's preview names the figures it would store in £000, as its pages show them."""
    newco.plan.unit = "thousands"
    newco.plan.save(update_fields=["unit"])
    table = make_table([
        row(4, {2026: "-100", 2027: "-250"}, reference="H1", title="Street lights off at midnight",
            service_budget="highways"),
    ])
    result = preview(newco, table, outcome="thriving places", kind="revenue_savings")
    assert result.read_as[0].startswith("Read as £000: (100) \u2192 -100 £000")
    assert result.created[0].changes == ["2026/27 Highways: -100", "2027/28 Highways: -250"]
