"""The Fiscal Data Package of a published plan (``manage.py export_fdp`` and its public
download): the reference validator, ``frictionless validate``, passes on both seed
councils' packages, and the CSV's totals by year equal the public roll-up's net."""
import csv
import json
import subprocess  # nosec B404 # the validator's own command line, with fixed arguments
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from proposals.permissions import SYSTEM
from proposals.snapshots import take_snapshot
from publishing import fdp
from publishing.services import public_source, publish
from reports.rollup import rollup

from .conftest import db_snapshot

pytestmark = pytest.mark.django_db

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def exported(plan, folder):
    call_command("export_fdp", "--council", plan.council.slug, "--plan", plan.slug, "--out", str(folder))
    return json.loads((folder / "datapackage.json").read_text()), list(csv.DictReader(
        (folder / fdp.CSV_NAME).open(encoding="utf-8")))


@pytest.mark.parametrize("plan_fixture", ["ce_plan", "cwac_plan"])
def test_frictionless_validates_each_seed_councils_package_and_its_totals_are_the_rollups(
        plan_fixture, request, tmp_path):
    plan = request.getfixturevalue(plan_fixture)
    snapshot = take_snapshot(plan=plan, user=SYSTEM, name="Cabinet")
    publication = publish(plan=plan, user=SYSTEM, snapshot=snapshot)
    descriptor, rows = exported(plan, tmp_path)

    assert FRICTIONLESS.exists()
    checked = subprocess.run([str(FRICTIONLESS), "validate", "datapackage.json"], cwd=tmp_path,  # nosec B603
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "INVALID" not in checked.stdout.upper().replace("NOT INVALID", "")

    assert descriptor["model"]["measures"]["amount"]["currency"] == "GBP"
    assert descriptor["model"]["measures"]["amount"]["factor"] == 1000
    years = list(plan.years.all())
    assert descriptor["fiscalPeriod"] == {"start": f"{years[0].start_year}-04-01",
                                          "end": f"{years[-1].start_year + 1}-03-31"}
    classification = descriptor["model"]["dimensions"]["administrative_classification"]
    assert classification["primaryKey"] == ["council_code", "outcome_code", "service_budget"]
    assert rows and {row["budget_phase"] for row in rows} <= {"approved", "proposed"}
    assert {row["council_code"] for row in rows} == {plan.council.slug}

    by_year = defaultdict(int)
    for row in rows:
        by_year[row["fiscal_year"]] += int(row["amount"])
    result = rollup(plan=plan, proposals=public_source(publication).proposals(), by="outcome")
    assert dict(by_year) == {year: result.totals[year].net for year in result.year_labels
                             if result.totals[year].profiled}


def test_the_public_download_is_the_command_s_package(ce_plan, tmp_path, client):
    publish(plan=ce_plan, user=SYSTEM)
    descriptor, _rows = exported(ce_plan, tmp_path)
    base = f"/public/{ce_plan.council.slug}/{ce_plan.slug}/"
    assert client.get(f"{base}datapackage.json").json() == descriptor
    assert client.get(f"{base}budget.csv").content.decode() == (tmp_path / fdp.CSV_NAME).read_text()


def test_a_text_cell_that_looks_like_a_formula_stays_text(ce_plan, tmp_path):
    p = ce_plan.proposals.filter(status="approved").first() or ce_plan.proposals.first()
    type(p).objects.filter(pk=p.pk).update(title="=HYPERLINK(\"http://x\")")
    take = take_snapshot(plan=ce_plan, user=SYSTEM, name="Formula")
    publish(plan=ce_plan, user=SYSTEM, snapshot=take)
    _descriptor, rows = exported(ce_plan, tmp_path)
    assert {row["proposal"] for row in rows if "HYPERLINK" in row["proposal"]} <= {"'=HYPERLINK(\"http://x\")"}


def test_export_refuses_an_unpublished_plan_and_bad_arguments(ce_plan, tmp_path):
    before = db_snapshot()
    with pytest.raises(CommandError, match="is not published: publish it first"):
        call_command("export_fdp", "--council", "cheshire-east", "--plan", ce_plan.slug, "--out", str(tmp_path))
    assert not any(tmp_path.iterdir())
    with pytest.raises(CommandError, match="No council 'nowhere'"):
        call_command("export_fdp", "--council", "nowhere", "--plan", ce_plan.slug, "--out", str(tmp_path))
    publish(plan=ce_plan, user=SYSTEM)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(CommandError, match="is a file, not a folder"):
        call_command("export_fdp", "--council", "cheshire-east", "--plan", ce_plan.slug, "--out", str(a_file))
    assert db_snapshot()["proposals"] == before["proposals"]
