"""The cabinet workbook's "Changes since <snapshot>" sheet: written when the plan has a
snapshot (the latest by default, ?since= to choose, ?since=none for none), its changes
as formulas LibreOffice recalculates to the comparison's, and its rows the changes made."""
import io

from django.urls import reverse
from openpyxl import load_workbook

from proposals.money import to_decimal_m
from proposals.snapshots import Source
from reports.compare import compare
from tests.test_compare import made  # noqa: F401 - the fixture
from tests.test_workbook_libreoffice import exact, recalculated, soffice  # noqa: F401 - the fixture


def download(client, plan, **params):
    response = client.get(reverse("workbooks:export", args=[plan.council.slug, plan.slug]), params)
    return response, (b"".join(response.streaming_content) if response.status_code == 200 else response.content)


def test_the_sheet_is_recalculated_to_the_changes(client_for, commissioner, ce_plan, made, soffice, tmp_path):  # noqa: F811
    response, data = download(client_for(commissioner), ce_plan)
    wb = load_workbook(io.BytesIO(data))
    name = "Changes since Cabinet 5 Februar"  # 31 characters, the most a sheet name may have
    assert name in wb.sheetnames
    ws = wb[name]
    assert ws["A1"].value.startswith("Changes since Cabinet 5 February 2019 – ")
    texts = [cell.value for row in ws.iter_rows() for cell in row]
    assert "Added after the Cabinet" in " ".join(str(t) for t in texts if t)
    theirs = recalculated(soffice, tmp_path, {"ce": data})["ce"][name]
    result = compare(Source(ce_plan, made["snapshot"]), Source(ce_plan))
    for offset, (year, _a, _b, change, _ra, _rb, gap_change) in enumerate(result.effect()):
        row = 5 + offset
        assert theirs.cell(row, 1).value == year.label
        assert exact(theirs.cell(row, 4).value) == to_decimal_m(change)
        if gap_change is not None:
            assert exact(theirs.cell(row, 7).value) == to_decimal_m(gap_change)


def test_no_sheet_without_a_snapshot_or_with_since_none(client_for, commissioner, ce_plan, made):  # noqa: F811
    client = client_for(commissioner)
    _, data = download(client, ce_plan, since="none")
    assert not [n for n in load_workbook(io.BytesIO(data)).sheetnames if n.startswith("Changes")]
    response, data = download(client, ce_plan, since="nope")
    assert response.status_code == 400 and "“nope” is not a snapshot of" in data.decode()


def test_a_plan_with_no_snapshot_has_no_changes_sheet(client_for, commissioner, cwac_plan):
    _, data = download(client_for(commissioner), cwac_plan)
    assert not [n for n in load_workbook(io.BytesIO(data)).sheetnames if n.startswith("Changes")]
