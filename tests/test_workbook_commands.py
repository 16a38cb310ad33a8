"""export_workbook and import_workbook do what the pages do, from the command line."""
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from proposals.models import ChangeSet, Variation
from tests.conftest import db_snapshot, proposal
from tests.test_import_helpers import edit_workbook, find_cell


def export(tmp_path, council="cheshire-east"):
    out = tmp_path / "book.xlsx"
    call_command("export_workbook", "--council", council, "--out", str(out), stdout=io.StringIO())
    return out


def test_export_workbook_writes_the_cabinet_workbook(seed, tmp_path):
    out = export(tmp_path, "cheshire-west-and-chester")
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Incremental", "Gap", "Outcome 01", "Outcome 02", "Outcome 03"]
    assert wb["Summary"]["B3"].value == "Cheshire West and Chester Council"


def test_export_workbook_refuses_an_unknown_council(seed, tmp_path):
    with pytest.raises(CommandError, match="There is no"):
        call_command("export_workbook", "--council", "atlantis", "--out", str(tmp_path / "x.xlsx"))


def test_import_workbook_dry_run_changes_nothing(ce_plan, tmp_path):
    out = export(tmp_path)
    out.write_bytes(edit_workbook(
        out.read_bytes(), lambda wb: setattr(find_cell(wb["Outcome 5"], "[33]", "2019/20"), "value", -0.05)
    ))
    before = db_snapshot()
    stdout = io.StringIO()
    call_command("import_workbook", str(out), "--council", "cheshire-east", "--dry-run", stdout=stdout)
    assert "2019/20 External Care Costs: -0.027 \u2192 -0.050" in stdout.getvalue()
    assert "Dry run" in stdout.getvalue()
    assert db_snapshot() == before


def test_import_workbook_applies_as_the_named_officer(ce_plan, officer, tmp_path):
    out = export(tmp_path)
    out.write_bytes(edit_workbook(
        out.read_bytes(), lambda wb: setattr(find_cell(wb["Outcome 5"], "[33]", "2019/20"), "value", -0.05)
    ))
    call_command("import_workbook", str(out), "--council", "cheshire-east", "--plan", "2019-22",
                 "--user", "officer", stdout=io.StringIO())
    p33 = proposal(ce_plan, "33")
    assert Variation.objects.get(line__proposal=p33, year__start_year=2019).amount_k == -50
    changeset = p33.changesets.first()
    assert (changeset.action, changeset.user) == (ChangeSet.Action.IMPORT, officer)


def test_import_workbook_needs_a_finance_officer(ce_plan, commissioner, tmp_path):
    out = export(tmp_path)
    with pytest.raises(CommandError, match="--user"):
        call_command("import_workbook", str(out), "--council", "cheshire-east")
    with pytest.raises(CommandError, match="not a finance officer"):
        call_command("import_workbook", str(out), "--council", "cheshire-east", "--user", "commissioner")


def test_import_workbook_refuses_a_bad_file_and_changes_nothing(ce_plan, officer, tmp_path):
    bad = tmp_path / "bad.xlsm"
    bad.write_bytes(b"PK\x03\x04junk")
    before = db_snapshot()
    with pytest.raises(CommandError, match="macro-enabled"):
        call_command("import_workbook", str(bad), "--council", "cheshire-east", "--user", "officer")
    out = export(tmp_path)
    out.write_bytes(edit_workbook(
        out.read_bytes(), lambda wb: setattr(find_cell(wb["Outcome 5"], "[33]", "2019/20"), "value", "lots")
    ))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_workbook", str(out), "--council", "cheshire-east", "--user", "officer",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert db_snapshot() == before
