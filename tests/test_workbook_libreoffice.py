"""Opened in a real spreadsheet program, the workbook gives the app's totals.

LibreOffice recalculates every formula while converting the workbook headless; the
recalculated subtotals, outcome totals and grand totals must equal the database's.
Skipped when LibreOffice is not installed, unless REQUIRE_LIBREOFFICE=1 (as in CI)."""
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from proposals.models import COUNTED_STATUSES, BudgetPlan, Proposal, Variation
from proposals.money import to_decimal_m
from tests.test_workbook_formulas import evaluate
from workbooks.exports import Export, write_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def soffice():
    if SOFFICE is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (REQUIRE_LIBREOFFICE=1) but is not installed.")
        pytest.skip("LibreOffice (soffice) is not installed; set REQUIRE_LIBREOFFICE=1 to make this a failure.")
    return SOFFICE


def recalculated(soffice, tmp_path, workbooks):
    """Convert each workbook through LibreOffice (which recalculates it); read the values."""
    sources = []
    for name, data in workbooks.items():
        path = tmp_path / "in" / f"{name}.xlsx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        sources.append(str(path))
    out = tmp_path / "out"
    profile = tmp_path / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(out), *sources],
        check=True, capture_output=True, timeout=180,
    )
    return {name: load_workbook(out / f"{name}.xlsx", data_only=True) for name in workbooks}


def exact(value):
    return Decimal(repr(value)).quantize(Decimal("0.001"))


def test_libreoffice_recalculates_the_same_totals_as_the_app(seed, soffice, tmp_path):
    books = {}
    for key, plan in seed.items():
        plan = BudgetPlan.objects.select_related("council").get(pk=plan.pk)
        out = io.BytesIO()
        write_workbook(export=Export(plan=plan, proposals=Proposal.objects.for_plan(plan).counted(), included="x"),
                       out=out)
        books[key] = out.getvalue()
    results = recalculated(soffice, tmp_path, books)

    for key, plan in seed.items():
        ours = load_workbook(io.BytesIO(books[key]))
        theirs = results[key]
        counted = Variation.objects.filter(line__proposal__plan=plan, line__proposal__status__in=COUNTED_STATUSES)
        formulas = 0
        for ws in ours.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        formulas += 1
                        recalculated_value = theirs[ws.title][cell.coordinate].value
                        assert recalculated_value is not None, f"{ws.title}!{cell.coordinate} was not calculated"
                        assert exact(recalculated_value) == evaluate(ours, ws.title, cell.coordinate), (
                            f"{key} {ws.title}!{cell.coordinate}"
                        )
        assert formulas > 20
        summary = theirs["Summary"]
        rows = {summary.cell(r, 1).value: r for r in range(12, summary.max_row + 1)
                if summary.cell(r, 2).value == "Net"}
        for index, year in enumerate(plan.years.all()):
            db = to_decimal_m(counted.filter(year=year).aggregate(t=Sum("amount_k"))["t"] or 0)
            assert exact(summary.cell(rows["All outcomes"], 3 + index).value) == db
            assert exact(summary.cell(rows["Check: the net totals of the outcome sheets"], 3 + index).value) == db
