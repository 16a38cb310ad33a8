"""Published totals: kept beside the proposals, recorded in the audit trail, and
reconciled with the sum of their lines by the database (proposals.published)."""
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals import years as fy
from proposals.models import (
    BudgetPlan,
    ChangeSet,
    Measure,
    PublishedTotal,
    Status,
    TotalScope,
)
from proposals.money import parse_m
from proposals.permissions import SYSTEM
from proposals.published import (
    FigureInput,
    PublishedTotalError,
    TotalInput,
    Verdict,
    reconcile,
    record_published,
    record_totals,
)
from proposals.references import parse_reference
from proposals.seed import FIXTURES_DIR
from proposals.services import change_status
from reports.rollup import rollup
from tests.conftest import db_snapshot, proposal

CWAC = json.loads((FIXTURES_DIR / "cheshire-west-and-chester-2016-20.json").read_text(encoding="utf-8"))
CE = json.loads((FIXTURES_DIR / "cheshire-east-2019-22.json").read_text(encoding="utf-8"))


def k(text):
    return parse_m(text)


def fixture_lines_k(data, measure, keep=lambda item, line: True, year=None):
    """The fixture's own lines, added up here from the JSON (not by the database): in
    ``year``, or in each line's last year when none is given."""
    total = 0
    for item in data["proposals"]:
        for line in item["lines"]:
            if not keep(item, line):
                continue
            figures = line["figures"]
            label = year or max(figures, key=fy.parse_label, default=None)
            if label not in figures:
                continue
            amount = k(figures[label])
            if measure == Measure.NET or (measure == Measure.INVESTMENT and amount > 0) or (
                    measure == Measure.SAVING and amount < 0):
                total += amount
    return total


def by_label(result):
    return {total.total.label: total for total in result.totals}


# Cheshire West: what the seed loads, and what the reconciliation says of it


def test_the_seed_keeps_every_figure_cheshire_west_prints(cwac_plan):
    totals = {total.label: total for total in cwac_plan.published_totals.prefetch_related("figures")}
    assert len(totals) == len(CWAC["published_totals"]) + 3 * len(CWAC["published_profiles"])
    for code, text in CWAC["published_totals"].items():
        total = totals[f"Outcome {code} TOTAL"]
        assert (total.scope, total.outcome.code, total.measure) == (TotalScope.OUTCOME, code, Measure.NET)
        assert "Appendix 2.0" in total.source and "TOTAL row" in total.source
        assert [(f.first_year.label, f.last_year.label, f.amount_k) for f in total.figures.all()] == [
            ("2016/17", "2019/20", k(text))]
    for code, periods in CWAC["published_profiles"].items():
        for measure in (Measure.INVESTMENT, Measure.SAVING, Measure.NET):
            total = totals[f"Outcome {code} profile: {measure.value}"]
            assert (total.outcome.code, total.measure) == (code, measure)
            assert "financial profiling" in total.source
            assert {f.printed_period: f.amount_k for f in total.figures.all()} == {
                period: k(amounts[measure]) for period, amounts in periods.items()}
    assert {(f.first_year.label, f.last_year.label) for f in totals["Outcome 01 profile: net"].figures.all()} == {
        ("2016/17", "2016/17"), ("2017/18", "2019/20")}


def test_cheshire_west_nets_agree_with_the_lines(cwac_plan):
    totals = by_label(reconcile(cwac_plan))
    for code, text in CWAC["published_totals"].items():
        [check] = totals[f"Outcome {code} TOTAL"].checks
        assert (check.printed_k, check.lines_k, check.verdict) == (k(text), k(text), Verdict.AGREES)
        lines = fixture_lines_k(CWAC, Measure.NET, lambda item, line, code=code: item["outcome"] == code)
        assert check.lines_k == lines
        profile = totals[f"Outcome {code} profile: net"]
        assert profile.verdict == Verdict.AGREES
        assert profile.checks[-1].whole_span and profile.checks[-1].lines_k == lines


def test_cheshire_west_gross_profiles_differ_from_the_lines_exactly_as_printed(cwac_plan):
    """The document's investment and saving over 2016-2020 are not its lines' (0.17 to
    1.15m apart) while the nets agree: shown, figure by figure, not hidden or fixed."""
    totals = by_label(reconcile(cwac_plan))
    differences = []
    for code, periods in CWAC["published_profiles"].items():
        for measure in (Measure.INVESTMENT, Measure.SAVING):
            total = totals[f"Outcome {code} profile: {measure.value}"]
            assert total.verdict == Verdict.DIFFERS
            *per_period, span = total.checks
            # The lines are published only by 2020, so no period can be checked on its own...
            assert [(c.printed_k, c.verdict) for c in per_period] == [
                (k(amounts[measure]), Verdict.UNCHECKED) for amounts in periods.values()]
            assert all("2016/17" in c.in_words for c in per_period)
            # ... and over the whole span the printed sum and the lines differ.
            printed = sum(k(amounts[measure]) for amounts in periods.values())
            lines = fixture_lines_k(CWAC, measure, lambda item, line, code=code: item["outcome"] == code)
            assert (span.whole_span, span.printed_k, span.lines_k) == (True, printed, lines)
            assert span.difference_k == printed - lines != 0
            assert span.in_words == f"Differs by {'+' if printed > lines else '-'}" \
                                    f"{Decimal(abs(printed - lines)) / 1000:.3f}"
            assert total.differences == [span]
            differences.append(abs(span.difference_k))
    assert (min(differences), max(differences)) == (170, 1151)


def test_cheshire_west_headline(cwac_plan):
    result = reconcile(cwac_plan)
    assert result.headline == "6 of 12 published totals agree with the lines"
    assert (result.agree, result.differ, result.unchecked, result.all_agree) == (6, 6, 0, False)


def test_the_seed_recorded_the_totals_in_the_audit_trail(cwac_plan):
    changeset = ChangeSet.objects.get(subject_id=cwac_plan.pk, subject_type__model="budgetplan",
                                      action=ChangeSet.Action.SEED)
    assert changeset.user is None and changeset.council_id == cwac_plan.council_id
    described = [change.describe() for change in changeset.changes.all()]
    assert "Published total Outcome 01 TOTAL (net): by 2020 (2019/20): (none) \u2192 +3.211" in described
    assert "Published total Outcome 03 profile: investment (investment): 2017-2020 (2017/18 to 2019/20): " \
           "(none) \u2192 +0.095" in described


def test_cheshire_east_prints_no_totals_and_none_are_invented(ce_plan):
    assert CE["published_totals"] == {} and "published_profiles" not in CE
    assert not ce_plan.published_totals.exists()
    assert reconcile(ce_plan).totals == []


# Recording an import's totals


def ce_total(plan, references, label="Total", row=18):
    proposals = [proposal(plan, reference) for reference in references]
    figures = {
        year.pk: fixture_lines_k(CE, Measure.NET, lambda item, line: parse_reference(item["reference"]) in references,
                                 year=year.label)
        for year in plan.years.all()
    }
    return {"label": label, "row": row, "proposals": proposals, "figures": figures}


def test_an_imports_total_that_adds_up_agrees_year_by_year(ce_plan, officer):
    [row] = record_totals(plan=ce_plan, user=officer, source="Imported from outcome5.xlsx, sheet Savings",
                          totals=[ce_total(ce_plan, ["33", "35", "41"])])
    assert row.source == "Imported from outcome5.xlsx, sheet Savings, row 18"
    [total] = reconcile(ce_plan).totals
    assert total.verdict == Verdict.AGREES
    assert [check.period for check in total.checks] == ["2019/20", "2020/21", "2021/22"]
    assert [check.verdict for check in total.checks] == [Verdict.AGREES] * 3
    assert total.covers == "The 3 proposals it lists"
    changeset = ChangeSet.objects.filter(subject_id=ce_plan.pk, subject_type__model="budgetplan").latest("id")
    assert (changeset.action, changeset.user, changeset.note) == (
        ChangeSet.Action.IMPORT, officer, "Imported from outcome5.xlsx, sheet Savings")
    assert "Published total Total (net): Source: (none) \u2192 Imported from outcome5.xlsx, sheet Savings, row 18" \
        in [change.describe() for change in changeset.changes.all()]


def test_a_total_whose_proposals_no_longer_add_up_shows_the_difference(ce_plan, officer):
    printed = ce_total(ce_plan, ["33", "35", "41"])
    years = list(ce_plan.years.all())
    printed["figures"][years[1].pk] += 1  # printed £1k more in 2020/21 than its rows
    record_totals(plan=ce_plan, user=officer, source="Imported from book.xlsx, sheet S", totals=[printed])
    [total] = reconcile(ce_plan).totals
    assert [check.verdict for check in total.checks] == [Verdict.AGREES, Verdict.DIFFERS, Verdict.AGREES]
    assert total.differences[0].difference_k == 1
    assert total.differences[0].in_words == "Differs by +0.001"

    # Withdrawing a proposal takes its lines out of every report's sums, this one's too.
    withdrawn = proposal(ce_plan, "41")
    change_status(proposal=withdrawn, user=officer, to=Status.WITHDRAWN)
    [total] = reconcile(ce_plan).totals
    forty_one = {label: k(text) for label, text in next(
        item for item in CE["proposals"] if parse_reference(item["reference"]) == "41")["lines"][0]["figures"].items()}
    assert [check.difference_k for check in total.checks] == [
        forty_one[year.label] + (1 if year == years[1] else 0) for year in years]
    assert total.verdict == Verdict.DIFFERS


def test_a_change_over_a_period_is_its_last_year_less_the_year_before(ce_plan):
    """[41] Growth in Demand: +3.500, +8.500, +8.500; [35] -0.500 each year. From 2020/21 to
    2021/22 the lines rose by 5.000 and [35] did not change."""
    years = list(ce_plan.years.all())
    totals = [
        TotalInput(label=f"{measure} 2020-2022", source="Test", measure=measure, scope=TotalScope.PROPOSALS,
                   proposals=[proposal(ce_plan, "41"), proposal(ce_plan, "35")],
                   figures=[FigureInput(years[1], years[2], printed, "2020-2022")])
        for measure, printed in ((Measure.NET, 5000), (Measure.INVESTMENT, 5000), (Measure.SAVING, 0))
    ]
    record_published(plan=ce_plan, user=SYSTEM, totals=totals, action=ChangeSet.Action.SEED)
    result = reconcile(ce_plan)
    assert [(t.checks[0].period, t.checks[0].lines_k, t.verdict) for t in result.totals] == [
        ("2020-2022 (2020/21 to 2021/22)", 5000, Verdict.AGREES), ("2020-2022 (2020/21 to 2021/22)", 5000,
                                                                   Verdict.AGREES),
        ("2020-2022 (2020/21 to 2021/22)", 0, Verdict.AGREES)]


@pytest.mark.parametrize("measure", [Measure.NET, Measure.INVESTMENT, Measure.SAVING])
def test_plan_outcome_theme_and_budget_totals_are_the_roll_ups_sums(ce_plan, measure):
    """Every scope adds up the same lines as the roll-up, year by year."""
    years = list(ce_plan.years.all())
    cell_of = {Measure.NET: "net", Measure.INVESTMENT: "increase", Measure.SAVING: "decrease"}[measure]
    counted = ce_plan.proposals.counted()
    scopes = {
        TotalScope.PLAN: ({}, rollup(plan=ce_plan, proposals=counted).totals),
        TotalScope.OUTCOME: ({"outcome": proposal(ce_plan, "41").outcome},
                             rollup(plan=ce_plan, proposals=counted).rows[0].years),
        TotalScope.THEME: ({"theme": proposal(ce_plan, "41").theme},
                           rollup(plan=ce_plan, proposals=counted.filter(theme=proposal(ce_plan, "41").theme))
                           .totals),
    }
    budget = proposal(ce_plan, "41").lines.get().service_budget
    by_service = rollup(plan=ce_plan, proposals=counted, by="service")
    scopes[TotalScope.SERVICE_BUDGET] = (
        {"service_budget": budget}, next(row for row in by_service.rows if row.key == budget.name).years)
    inputs = []
    for scope, (records, cells) in scopes.items():
        inputs.append(TotalInput(
            label=scope.value, source="Test", measure=measure, scope=scope, **records,
            figures=[FigureInput(years[0], year, getattr(cells[year.label], cell_of)) for year in years],
        ))
    record_published(plan=ce_plan, user=SYSTEM, totals=inputs, action=ChangeSet.Action.SEED)
    result = reconcile(ce_plan)
    assert [total.verdict for total in result.totals] == [Verdict.AGREES] * 4
    assert all(check.lines_k == check.printed_k for total in result.totals for check in total.checks)
    assert any(check.lines_k for total in result.totals for check in total.checks)


def test_a_year_no_line_has_a_figure_in_cannot_be_checked(cwac_plan):
    years = list(cwac_plan.years.all())
    outcome = cwac_plan.proposals.first().outcome
    record_published(plan=cwac_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[TotalInput(
        label="By year", source="Test", scope=TotalScope.OUTCOME, outcome=outcome,
        figures=[FigureInput(years[0], year, 0) for year in years])])
    total = by_label(reconcile(cwac_plan))["By year"]
    assert [check.verdict for check in total.checks] == [Verdict.UNCHECKED] * 3 + [Verdict.DIFFERS]
    assert total.checks[0].in_words == "Cannot be checked: none of its lines has a figure in 2016/17"
    assert total.verdict == Verdict.DIFFERS


def test_a_scope_with_no_lines_at_all_differs_by_the_whole_printed_figure(cwac_plan):
    years = list(cwac_plan.years.all())
    theme = cwac_plan.council.themes.create(name="Nothing under this yet")
    record_published(plan=cwac_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[TotalInput(
        label="Empty theme", source="Test", scope=TotalScope.THEME, theme=theme,
        figures=[FigureInput(years[0], years[-1], -250)])])
    [check] = by_label(reconcile(cwac_plan))["Empty theme"].checks
    assert (check.lines_k, check.difference_k, check.in_words) == (0, -250, "Differs by -0.250")


# Who may record, and bad input


@pytest.mark.parametrize("who", ["commissioner", "approver", "outsider", "council_admin"])
def test_only_officers_record_an_imports_totals(request, ce_plan, who):
    user = request.getfixturevalue(who)
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        record_totals(plan=ce_plan, user=user, source="x.xlsx, sheet S", totals=[ce_total(ce_plan, ["33"])])
    assert db_snapshot() == before


def test_an_officer_of_another_council_may_not(cwac_plan, officer):
    with pytest.raises(PermissionDenied):
        record_totals(plan=cwac_plan, user=officer, source="x.xlsx", totals=[])


def bad_cases(ce_plan, cwac_plan):
    good = ce_total(ce_plan, ["33"])
    other_year = cwac_plan.years.first()
    yield {**good, "label": ""}, "needs a label"
    yield {**good, "label": "x" * 201}, "needs a label of 1 to 200"
    yield {**good, "figures": {other_year.pk: 1}}, "not one of Budget proposals 2019/20 to 2021/22"
    yield {**good, "proposals": [cwac_plan.proposals.first()]}, "lists a proposal of another plan"
    yield {**good, "proposals": []}, "lists none"
    yield {**good, "figures": {}}, "has no figures"
    yield {**good, "figures": {ce_plan.years.first().pk: Decimal("1.5")}}, "whole £ thousands"
    yield {**good, "figures": {ce_plan.years.first().pk: 10**9}}, "more than £100,000m"


def test_bad_totals_are_refused_with_a_message_and_nothing_written(ce_plan, cwac_plan, officer):
    for bad, message in bad_cases(ce_plan, cwac_plan):
        before = db_snapshot()
        with pytest.raises(PublishedTotalError, match=message):
            # A good total first: nothing of it is written either.
            record_totals(plan=ce_plan, user=officer, source="x.xlsx, sheet S",
                          totals=[ce_total(ce_plan, ["35"]), bad])
        assert db_snapshot() == before, message


def test_a_scope_of_another_council_is_refused(ce_plan, cwac_plan):
    before = db_snapshot()
    with pytest.raises(PublishedTotalError, match="is not Cheshire East Council"):
        record_published(plan=ce_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[TotalInput(
            label="Wrong", source="Test", scope=TotalScope.OUTCOME, outcome=cwac_plan.proposals.first().outcome,
            figures=[FigureInput(ce_plan.years.first(), ce_plan.years.first(), 0)])])
    with pytest.raises(PublishedTotalError, match="covers an outcome; it names no outcome"):
        record_published(plan=ce_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[TotalInput(
            label="Nothing", source="Test", scope=TotalScope.OUTCOME,
            figures=[FigureInput(ce_plan.years.first(), ce_plan.years.first(), 0)])])
    assert db_snapshot() == before


def test_the_database_refuses_a_scope_that_names_two_records(ce_plan):
    from django.db import IntegrityError, transaction

    p = proposal(ce_plan, "41")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedTotal.objects.create(plan=ce_plan, label="x", source="y", scope=TotalScope.OUTCOME,
                                      outcome=p.outcome, theme=p.theme)


# Queries


def test_reconcile_takes_a_fixed_number_of_queries(cwac_plan, ce_plan, officer):
    def count(plan):
        with CaptureQueriesContext(connection) as queries:
            result = reconcile(plan)
        return len(queries), result

    small, _ = count(cwac_plan)
    for n in range(40):
        record_totals(plan=ce_plan, user=officer, source=f"book{n}.xlsx, sheet S",
                      totals=[ce_total(ce_plan, ["33", "35", "41"], label=f"Total {n}")])
    record_published(plan=ce_plan, user=SYSTEM, action=ChangeSet.Action.SEED, totals=[TotalInput(
        label="Periods", source="Test", scope=TotalScope.PLAN,
        figures=[FigureInput(year, year, 0) for year in ce_plan.years.all()])])
    large, result = count(ce_plan)
    assert small == large == 4
    assert len(result.totals) == 41 and result.agree == 40


def test_period_parsing():
    assert fy.parse_period("2016/17") == (2016, 2016)
    assert fy.parse_period("2017-2020") == (2017, 2019)
    assert fy.parse_period("2017 \u2013 2020") == (2017, 2019)
    for bad in ("2020-2017", "2017", "17-20", ""):
        with pytest.raises(fy.YearError):
            fy.parse_period(bad)


def test_a_plan_without_totals_takes_no_span_query(seed):  # seed: loaded again after a flush
    plan = BudgetPlan.objects.get(council__slug="cheshire-east")
    with CaptureQueriesContext(connection) as queries:
        reconcile(plan)
    assert len(queries) == 3


def test_an_outcome_a_total_covers_keeps_its_council(cwac_plan):
    """What uses an outcome names its published totals too (the council-fixed rule, and
    what a page refusing to delete it says)."""
    outcome = cwac_plan.council.outcomes.get(code="01")
    proposals = sum(1 for item in CWAC["proposals"] if item["outcome"] == "01")
    totals = ("01" in CWAC["published_totals"]) + 3 * ("01" in CWAC["published_profiles"])
    assert outcome.council_uses() == (
        f"{proposals} proposals of plan {cwac_plan.name} and {totals} published totals of plan {cwac_plan.name}")
