"""manage.py import_workbook with a council's own sheet: what it detects, the mapping
options, --dry-run, every stored £k figure, re-import unchanged, and bad arguments
refused with a message, exit status 1 and nothing written."""
import io
import os
import re
import subprocess  # nosec B404 - runs this project's own manage.py
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from proposals.models import ChangeSet, Kind, Proposal
from tests.conftest import db_snapshot
from tests.council_import import new_council, stored
from tests.council_sheets import LAYOUTS, expected_k, layout
from tests.test_import_council_pages import ANYTOWN_K, ANYTOWN_ROWS, NO_UNIT_ROWS, as_csv, workbook


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_workbook", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def walsall(db, seed):
    return new_council("walsall-cmd", base_year=2025, years=(2026, 2027, 2028, 2029), outcomes=[("1", "Children")])


WALSALL = LAYOUTS / "walsall-2026-27.xlsx"
WALSALL_OPTIONS = ("--council", "walsall-cmd", "--kind", "Revenue Savings", "--outcome", "children",
                   "--service-budget", "Children's Services", "--create-missing")


def test_walsall_prints_what_it_detected_and_a_dry_run_writes_nothing(walsall):
    before = db_snapshot()
    out = run(WALSALL, *WALSALL_OPTIONS, "--dry-run")
    assert "Detected in sheet \u2018Children's Services\u2019, header row 4:" in out
    assert "column A \u201cRef\u201d: Reference" in out
    assert "unit: £ (pounds), from the heading" in out and "basis: incremental" in out
    assert "11 to create, 0 to change, 0 unchanged" in out
    assert "create service budget Children's Services" in out and "create theme Children's Services" in out
    assert "rounded OP13 2026/27: (437,369) \u2192 -437 £k" in out
    assert "Dry run: nothing was imported." in out
    assert db_snapshot() == before


def test_walsall_is_imported_as_the_published_document_and_reimporting_it_changes_nothing(walsall):
    _data, printed = layout("walsall-2026-27")
    out = run(WALSALL, *WALSALL_OPTIONS)
    assert "Imported walsall-2026-27.xlsx: 11 created, 0 changed." in out
    assert stored(walsall.plan) == {
        row["cells"]["Ref"]: expected_k({y: row["figures_pounds"][y] for y in printed["years"]}, unit="pounds",
                                        incremental=True)
        for row in printed["rows"]
    }
    assert set(Proposal.objects.filter(plan=walsall.plan).values_list("status", "kind", "created_by")) == {
        ("draft", Kind.REVENUE_SAVINGS, None)}
    assert set(ChangeSet.objects.filter(proposal__plan=walsall.plan).values_list("action", "note", "user")) == {
        (ChangeSet.Action.IMPORT, "Imported from walsall-2026-27.xlsx", None)}
    before = db_snapshot()
    again = run(WALSALL, *WALSALL_OPTIONS)
    assert "0 to create, 0 to change, 11 unchanged" in again and "Nothing was imported." in again
    assert db_snapshot() == before


def test_southampton_thousands_by_a_named_officer_with_its_columns_mapped(db, seed):
    city = new_council("soton-cmd", base_year=2007, years=(2008, 2009, 2010), outcomes=[("1", "Learning")])
    _data, printed = layout("southampton-2008-09")
    run(LAYOUTS / "southampton-2008-09.xlsx", "--council", "soton-cmd", "--plan", "round-1", "--user",
        city.admin.username, "--outcome", "Learning", "--kind", "revenue_savings", "--create-missing",
        "--map", "Service Activity=service_budget", "Description of Item=description", "Impact / Issues=title")
    assert stored(city.plan) == {row["cells"]["Ref"]: row["figures_k"] for row in printed["rows"]}
    csl1 = Proposal.objects.get(plan=city.plan, reference="CSL1")
    first = printed["rows"][0]["cells"]
    assert csl1.description == first["Description of Item"]
    assert csl1.title == " ".join(first["Impact / Issues"].split())[:300]
    assert set(ChangeSet.objects.filter(proposal__plan=city.plan).values_list("user", flat=True)) == {city.admin.pk}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_sheet_in_millions_with_savings_shown_positive(db, seed, tmp_path, fmt):
    town = new_council("anytown-cmd", base_year=2023, years=(2024, 2025, 2026), outcomes=[("1", "Thriving")],
                       budgets=["Libraries", "Adult care"])
    path = tmp_path / f"anytown.{fmt}"
    path.write_bytes(workbook(ANYTOWN_ROWS) if fmt == "xlsx" else as_csv(ANYTOWN_ROWS))
    out = run(path, "--council", "anytown-cmd", "--outcome", "1", "--user", town.officer.username)
    assert "signs: Savings shown as positive" in out
    assert re.search(r"total row \d+ Total: DOES NOT ADD UP\n    2024/25: printed 1.95, the rows add up to", out)
    assert stored(town.plan) == ANYTOWN_K


def test_the_sign_convention_and_unit_can_be_overridden(db, seed, tmp_path):
    town = new_council("override-cmd", base_year=2023, years=(2024, 2025), outcomes=[("1", "Thriving")],
                       budgets=["Libraries"])
    path = tmp_path / "nounit.xlsx"
    path.write_bytes(workbook(NO_UNIT_ROWS))
    run(path, "--council", "override-cmd", "--outcome", "1", "--kind", "Revenue Savings", "--units", "millions",
        "--signs", "savings-positive", "--basis", "incremental")
    assert stored(town.plan) == {"N1": {"2024/25": 5000, "2025/26": 10000}}


@pytest.mark.parametrize(("args", "message"), [
    (("--sheet", "Nope"), "There is no sheet 'Nope' in nounit.xlsx; its sheets are: Appendix A."),
    (("--header-row", "99"), "--header-row '99' is not a row of the sheet, which has 2 rows."),
    (("--map", "Notes=title"), "No column of sheet \u2018Appendix A\u2019 (header row 1) is headed 'Notes'"),
    (("--map", "Ref=cost centre"), "'cost centre' is not one of reference, title"),
    (("--map", "Ref=title", "Title=title"), "--map: title is mapped to two columns ('Ref' and 'Title')."),
    (("--map", "Ref"), "--map 'Ref' is not HEADING=FIELD."),
    (("--units", "furlongs"), "--units 'furlongs' is not one of: pounds, thousands, millions."),
    (("--signs", "upside"), "--signs 'upside' is not one of: variations, savings-positive."),
    (("--basis", "sideways"), "--basis 'sideways' is not one of: cumulative, incremental."),
    (("--kind", "Magic"), "--kind 'Magic' is not a kind"),
    ((), "does not say which unit its figures are in, and the portal never guesses it: give --units"),
    (("--units", "thousands", "--map", "2024/25=", "2025/26="), "has no column read as a year"),
    (("--units", "thousands", "--user", "nobody"), "There is no active user 'nobody'."),
    (("--units", "thousands", "--user", "officer"), "officer is not a finance officer of Badargs Council."),
    (("--units", "thousands", "--create-missing", "--user", "badargs-officer"), "is not an administrator of"),
    (("--units", "thousands", "--outcome", "Nowhere"), "1 problem(s) in nounit.xlsx; nothing was imported."),
])
def test_bad_arguments_are_refused_with_a_message_and_nothing_written(db, seed, officer, tmp_path, args, message):
    new_council("badargs", base_year=2023, years=(2024, 2025), outcomes=[("1", "Thriving")], budgets=["Libraries"])
    path = tmp_path / "nounit.xlsx"
    path.write_bytes(workbook(NO_UNIT_ROWS))
    before = db_snapshot()
    with pytest.raises(CommandError) as refused:
        run(path, "--council", "badargs", "--kind", "pressure", "--outcome", "1", *args)
    assert message in str(refused.value)
    assert db_snapshot() == before


def test_mapping_options_are_refused_for_the_portals_own_export(ce_plan, tmp_path):
    from tests.test_workbook_commands import export

    with pytest.raises(CommandError, match="is the portal's own export, read as it is: leave out --units"):
        run(export(tmp_path), "--council", "cheshire-east", "--units", "millions", "--dry-run")


def test_a_bad_argument_exits_with_status_1_and_a_message_on_stderr(tmp_path):
    path = tmp_path / "missing.xlsx"
    env = {**os.environ, "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(  # nosec B603 - fixed arguments
        [sys.executable, "manage.py", "import_workbook", str(path), "--council", "no-such-council"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert f"Cannot read {path}: No such file or directory." in result.stderr
