"""Export -> import: an unchanged file changes nothing; edited figures change exactly
those figures, recorded in the history with the uploader as author."""
import pytest
from django.core.management import call_command
from django.urls import reverse

from proposals.models import Change, ChangeSet, Proposal, Status, Variation
from proposals.services import LineInput, save_proposal
from tests.conftest import db_snapshot, proposal
from tests.test_import_helpers import confirm, edit_workbook, exported_flat, exported_workbook, find_cell, upload
from workbooks.importing.portal import preview_import


@pytest.mark.parametrize("council", ["ce", "cwac"])
@pytest.mark.parametrize("fmt", ["workbook", "csv", "xlsx"])
def test_reimporting_an_unchanged_export_reports_no_changes(seed, admin_user, client_for, council, fmt):
    plan = seed[council]
    client = client_for(admin_user)
    data = exported_workbook(client, plan) if fmt == "workbook" else exported_flat(client, plan, fmt)
    before = db_snapshot()
    response = upload(client, plan, data, "book.csv" if fmt == "csv" else "book.xlsx")
    preview = response.context["preview"]
    assert (preview.created, preview.changed, preview.conflicts, preview.problems) == ([], [], [], [])
    assert preview.unchanged == Proposal.objects.filter(plan=plan).counted().count()
    assert "There is nothing to import" in response.content.decode()
    assert db_snapshot() == before


def edit_three_figures(wb):
    ws = wb["Outcome 5"]
    find_cell(ws, "[33]", "2020/21").value = -0.03
    find_cell(ws, "[41]", "2021/22").value = 9.25
    find_cell(ws, "[NEW]", "2019/20", budget="Additional Ringfenced Grant Funding").value = -1.5


def test_three_edited_figures_are_exactly_three_changes_in_the_history(ce_plan, officer, client_for):
    client = client_for(officer)
    data = edit_workbook(exported_workbook(client, ce_plan), edit_three_figures)
    response = upload(client, ce_plan, data)
    preview = response.context["preview"]
    assert not preview.problems and preview.unchanged == 15
    assert sorted(change for item in preview.changed for change in item.changes) == [
        "2019/20 Additional Ringfenced Grant Funding: -1.451 \u2192 -1.500",
        "2020/21 External Care Costs: -0.027 \u2192 -0.030",
        "2021/22 External Care Costs: +8.500 \u2192 +9.250",
    ]
    page = response.content.decode()
    assert "-0.027 \u2192 -0.030" in page and "Import these changes" in page
    changesets_before = ChangeSet.objects.count()

    response = confirm(client, ce_plan, response)
    assert response.status_code == 302

    imports = ChangeSet.objects.filter(action=ChangeSet.Action.IMPORT)
    assert ChangeSet.objects.count() == changesets_before + 3 == changesets_before + imports.count()
    assert set(imports.values_list("user", flat=True)) == {officer.pk}
    changes = Change.objects.filter(changeset__in=imports)
    assert sorted(c.describe() for c in changes) == sorted(preview_change for item in preview.changed
                                                           for preview_change in item.changes)
    p33 = proposal(ce_plan, "33")
    assert p33.version == 2 and p33.updated_by == officer
    figure = Variation.objects.get(line__proposal=p33, year__start_year=2020)
    assert (figure.amount_k, figure.increment_k) == (-30, -3)  # the increment follows the edit
    assert Variation.objects.get(line__proposal=p33, year__start_year=2021).increment_k == 3
    assert proposal(ce_plan, "41").net_k == 3500 + 8500 + 9250

    history = client.get(reverse("proposals:history", args=[ce_plan.council.slug, ce_plan.slug, p33.pk]))
    text = history.content.decode()
    assert "Imported from a spreadsheet" in text and "-0.027 \u2192 -0.030" in text
    call_command("verify_history", stdout=open("/dev/null", "w"))  # the imports are in the council's chain


def test_a_proposal_changed_since_the_export_is_a_conflict_not_overwritten(ce_plan, officer, officer2, client_for):
    client = client_for(officer)
    data = edit_workbook(exported_workbook(client, ce_plan), edit_three_figures)
    p33 = proposal(ce_plan, "33")
    line = p33.lines.get()
    years = list(ce_plan.years.all())
    save_proposal(proposal=p33, user=officer2, fields={}, expected_version=1,
                  lines=[LineInput(service_budget=line.service_budget, figures={y: -40 for y in years})])

    response = upload(client, ce_plan, data)
    preview = response.context["preview"]
    assert len(preview.conflicts) == 1 and "[33]" in preview.conflicts[0]
    assert "version 1" in preview.conflicts[0] and "version 2" in preview.conflicts[0]
    assert [item.label.split()[0] for item in preview.changed] == ["[41]", "[NEW]"]
    confirm(client, ce_plan, response)
    assert list(Variation.objects.filter(line__proposal=p33).values_list("amount_k", flat=True)) == [-40, -40, -40]
    assert proposal(ce_plan, "41").version == 2


def test_a_file_imported_once_reports_no_changes_the_second_time(ce_plan, officer, client_for):
    client = client_for(officer)
    data = edit_workbook(exported_workbook(client, ce_plan), edit_three_figures)
    confirm(client, ce_plan, upload(client, ce_plan, data))
    preview = upload(client, ce_plan, data).context["preview"]
    assert (preview.changed, preview.conflicts, preview.unchanged) == ([], [], 18)


def test_a_new_row_creates_a_draft_proposal_recorded_as_imported(ce_plan, officer, client_for):
    client = client_for(officer)

    def add(wb):
        wb["Outcome 5"].append(["[NEW]", "Shared reablement hub", "Revenue Savings", "5", "Reducing subsidy", "",
                                "Leisure", -0.1, "-0.250", "No change"])

    response = upload(client, ce_plan, edit_workbook(exported_workbook(client, ce_plan), add))
    preview = response.context["preview"]
    assert [item.label for item in preview.created] == ["[NEW] Shared reablement hub"]
    confirm(client, ce_plan, response)
    created = Proposal.objects.get(plan=ce_plan, title="Shared reablement hub")
    assert created.status == Status.DRAFT and created.reference is None and created.created_by == officer
    amounts = Variation.objects.filter(line__proposal=created).values_list("amount_k", flat=True)
    assert sorted(amounts) == [-250, -100, 0]
    assert created.changesets.get().action == ChangeSet.Action.IMPORT


def test_importing_a_new_row_twice_does_not_duplicate_it(ce_plan, officer, client_for):
    client = client_for(officer)

    def add(wb):
        wb["Outcome 5"].append(["[NEW]", "Shared reablement hub", "Revenue Savings", "5", "Reducing subsidy", "",
                                "Leisure", -0.1, -0.25, 0])

    data = edit_workbook(exported_workbook(client, ce_plan), add)
    confirm(client, ce_plan, upload(client, ce_plan, data))
    preview = upload(client, ce_plan, data).context["preview"]
    assert (preview.created, preview.changed, preview.unchanged) == ([], [], 19)

    def change(wb):
        add(wb)
        wb["Outcome 5"].cell(wb["Outcome 5"].max_row, 8).value = -0.2

    before = db_snapshot()
    edited = edit_workbook(exported_workbook(client, ce_plan, "status=consultation"), change)
    preview = upload(client, ce_plan, edited).context["preview"]
    [problem] = preview.problems
    assert "[NEW] Shared reablement hub is already in the portal" in str(problem)
    assert db_snapshot() == before
    assert Proposal.objects.filter(title="Shared reablement hub").count() == 1


def test_an_approved_proposal_cannot_be_changed_by_import(cwac_plan, officer_cwac, client_for):
    client = client_for(officer_cwac)

    def edit(wb):
        find_cell(wb["Outcome 01"], "[01-1]", "2019/20").value = 5

    before = db_snapshot()
    response = upload(client, cwac_plan, edit_workbook(exported_workbook(client, cwac_plan), edit))
    [problem] = response.context["preview"].problems
    assert "is approved, so it cannot be changed by import" in str(problem)
    assert "Import these changes" not in response.content.decode()
    assert db_snapshot() == before


def test_the_preview_changes_nothing_and_the_confirmation_cannot_be_replayed(ce_plan, officer, client_for):
    client = client_for(officer)
    data = edit_workbook(exported_workbook(client, ce_plan), edit_three_figures)
    before = db_snapshot()
    response = upload(client, ce_plan, data)
    assert db_snapshot() == before
    assert confirm(client, ce_plan, response).status_code == 302
    after = db_snapshot()
    replay = confirm(client, ce_plan, response)
    assert replay.status_code == 302
    assert db_snapshot() == after


def test_figures_sent_back_with_the_confirmation_are_ignored(ce_plan, officer, client_for):
    client = client_for(officer)
    data = edit_workbook(exported_workbook(client, ce_plan), edit_three_figures)
    response = upload(client, ce_plan, data)
    url = reverse("workbooks:import_confirm", args=[ce_plan.council.slug, ce_plan.slug])
    client.post(url, {"token": response.context["token"], "figures": "-99", "plan_of_changes": "{}"})
    assert Variation.objects.get(line__proposal=proposal(ce_plan, "33"), year__start_year=2020).amount_k == -30
    assert not Variation.objects.filter(amount_k=-99000).exists()


def test_a_proposal_changed_between_preview_and_confirmation_stops_the_whole_import(
    ce_plan, officer, officer2, client_for
):
    client = client_for(officer)
    response = upload(client, ce_plan, edit_workbook(exported_workbook(client, ce_plan), edit_three_figures))
    p41 = proposal(ce_plan, "41")
    save_proposal(proposal=p41, user=officer2, fields={"title": "Growth in demand (revised)"}, expected_version=1,
                  lines=[LineInput(service_budget=line.service_budget,
                                   figures={v.year: v.amount_k for v in line.variations.all()})
                         for line in p41.lines.all()])
    before = db_snapshot()
    followed = client.get(confirm(client, ce_plan, response)["Location"])
    assert "changed in the portal after the preview" in followed.content.decode()
    assert db_snapshot() == before


def test_the_flat_csv_round_trips_an_edit(ce_plan, officer):
    import csv
    import io

    from django.test import Client

    client = Client()
    client.force_login(officer)
    text = exported_flat(client, ce_plan, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    target = next(r for r in rows if r[header.index("Reference")] == "[35]")
    target[header.index("2021/22")] = "(0.600)"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    preview = preview_import(plan=ce_plan, file=io.BytesIO(out.getvalue().encode()), filename="list.csv")
    assert [c for item in preview.changed for c in item.changes] == [
        "2021/22 Commissioning \u2013 External Care Costs: -0.500 \u2192 -0.600"
    ]


def test_a_status_changed_in_the_portal_since_the_export_does_not_block_other_changes(
    ce_plan, officer, approver, client_for
):
    from proposals.services import change_status

    client = client_for(officer)
    data = edit_workbook(exported_workbook(client, ce_plan),
                         lambda wb: setattr(find_cell(wb["Outcome 5"], "[41]", "2021/22"), "value", 9.25))
    change_status(proposal=proposal(ce_plan, "33"), user=approver, to=Status.APPROVED)
    preview = upload(client, ce_plan, data).context["preview"]
    assert not preview.problems and not preview.conflicts
    assert [item.label.split()[0] for item in preview.changed] == ["[41]"]


def test_a_status_typed_into_the_file_is_refused(ce_plan, officer, client_for):
    client = client_for(officer)

    def edit(wb):
        ws = wb["Outcome 5"]
        ws.cell(find_cell(ws, "[33]", "2019/20").row, 6).value = "Approved"

    before = db_snapshot()
    edited = edit_workbook(exported_workbook(client, ce_plan), edit)
    [problem] = upload(client, ce_plan, edited).context["preview"].problems
    assert "a status is changed through the approval workflow, not by import" in str(problem)
    assert db_snapshot() == before
