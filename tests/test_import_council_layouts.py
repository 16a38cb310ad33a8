"""Every council-shaped layout (tests/council_layouts.py), as .xlsx and as CSV, imported
into a new plan of a new council through the command, and a few through the pages:
every stored £k figure checked, the totals reconciled as printed, re-import unchanged."""
from decimal import ROUND_HALF_UP, Decimal

import pytest

from outcomes.models import Outcome
from proposals.models import Kind
from proposals.published import Verdict, reconcile
from tests.conftest import db_snapshot
from tests.council_import import new_council, stored
from tests.council_layouts import LAYOUTS
from tests.council_sheets import confirm, preview_through_mapping, upload
from tests.test_import_council_command import run
from workbooks.importing.council import SAVING_KINDS, kind_of_word

IN_K = {"pounds": Decimal("0.001"), "thousands": Decimal(1), "millions": Decimal(1000)}


def expected(layout, unit):
    """{reference or title: {year label: £k}} the layout's rows must be stored as."""
    out = {}
    for row in layout.expected_rows:
        kind = kind_of_word(row.cells.get("kind") or row.kind_word or "", {}, {}) or Kind.REVENUE_SAVINGS
        negate = layout.signs == "savings-positive" and kind in SAVING_KINDS
        figures = {}
        for start, value in row.figures.items():
            if value is None:
                continue
            value = -value if negate else value
            figures[f"{start}/{(start + 1) % 100:02d}"] = int(
                (value * IN_K[unit]).to_integral_value(rounding=ROUND_HALF_UP))
        out[row.cells.get("reference") or row.cells["title"]] = figures
    return out


def council_for(layout, slug):
    years = layout.start_years
    city = new_council(slug, base_year=years[0] - 1, years=years)
    Outcome.objects.create(council=city.council, code="1", title="People")
    Outcome.objects.create(council=city.council, code="3", title="Place")
    return city


def options(layout):
    fields = {name for _, name in layout.fields}
    args = ["--create-missing"]
    if "outcome" not in fields:
        args += ["--outcome", "1"]
    if "kind" not in fields:
        args += ["--kind", "Revenue Savings"]
    if "service_budget" not in fields:
        args += ["--service-budget", "General"]
    if layout.unit is None:
        args += ["--units", "thousands"]
    return args


def kept_totals_agree_as_printed(layout, plan, filename):
    """The sheet's total rows are kept as published totals of the proposals they cover,
    and the reconciliation finds the same totals adding up (or not) as the sheet does.
    (In whole pounds each figure is rounded to £1k, so a total may then differ by that.)"""
    result = reconcile(plan)
    by_label = {check.total.label: check for check in result.totals}
    assert sorted(by_label) == sorted(total.label for total in layout.expected_totals)
    for total in layout.expected_totals:
        check = by_label[total.label]
        sheet = "" if filename.endswith(".csv") else f", sheet \u2018{layout.sheet}\u2019"
        assert check.total.source == f"Imported from {filename}{sheet}, row {total.row}"
        assert check.total.proposals.count() == len(total.covers)
        if layout.unit != "pounds":
            assert check.verdict == (Verdict.AGREES if total.reconciles else Verdict.DIFFERS), total.label


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_layout_through_the_command(db, seed, tmp_path, name, fmt):
    layout = LAYOUTS[name]()
    city = council_for(layout, f"c-{name}"[:40])
    path = tmp_path / f"{name}.{fmt}"
    path.write_bytes(layout.xlsx() if fmt == "xlsx" else layout.csv())
    args = [path, "--council", city.council.slug, "--user", city.admin.username, *options(layout)]
    out = run(*args)
    assert f"{len(layout.expected_rows)} to create, 0 to change" in out
    for total in layout.expected_totals:
        assert f"{total.label}: {'adds up' if total.reconciles else 'DOES NOT ADD UP'}" in out
    assert stored(city.plan) == expected(layout, layout.unit or "thousands")
    kept_totals_agree_as_printed(layout, city.plan, path.name)
    before = db_snapshot()
    again = run(*args)
    assert f"0 to create, 0 to change, {len(layout.expected_rows)} unchanged" in again
    assert db_snapshot() == before


@pytest.mark.parametrize("name", ["thousands-under-titles", "savings-positive", "unit-row-and-kinds",
                                  "pounds-four-digit-years"])
def test_layouts_through_the_pages(db, seed, client_for, name):
    layout = LAYOUTS[name]()
    city = council_for(layout, f"p-{name}"[:40])
    client = client_for(city.admin)
    fields = {field for _, field in layout.fields}
    choices = {"create_missing": "on"}
    if "outcome" not in fields:
        choices["outcome"] = "1"
    if "kind" not in fields:
        choices["kind"] = Kind.REVENUE_SAVINGS
    if "service_budget" not in fields:
        choices["service_budget"] = "General"
    assert upload(client, city.plan, layout.xlsx(), f"{name}.xlsx").status_code == 302
    response = preview_through_mapping(client, city.plan, **choices)
    preview = response.context["preview"]
    assert not preview.problems, [str(p) for p in preview.problems]
    assert [t.reconciles for t in preview.reconciliation] == [t.reconciles for t in layout.expected_totals]
    confirm(client, city.plan, response)
    assert stored(city.plan) == expected(layout, layout.unit)
    upload(client, city.plan, layout.xlsx(), f"{name}.xlsx")
    again = preview_through_mapping(client, city.plan, **choices).context["preview"]
    assert (again.unchanged, again.created, again.changed) == (len(layout.expected_rows), [], [])
