"""A proposal's governance (key decision, consultation, equality impact assessment, who
answers for it): checked with clear messages, edited through the one audited and
version-checked write path, shown, filtered, printed, kept in snapshots, and the
council's rule that an assessment is completed before approval."""
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from councils.models import Council, Role
from proposals import governance, structure
from proposals.models import ChangeSet, EiaStatus, Proposal, SnapshotProposal, Status
from proposals.permissions import WorkflowError
from proposals.roll_forward import roll_forward
from proposals.services import ConflictError, LineInput, change_status, create_proposal, save_proposal
from proposals.snapshots import take_snapshot
from tests.conftest import db_snapshot, make_user, proposal
from tests.editing import form_data, url
from tests.test_generate_demo import generate
from tests.test_import_helpers import exported_workbook, upload

START, END = dt.date(2018, 11, 5), dt.date(2019, 1, 2)
RECORDED = {
    "key_decision": "yes", "consultation_needed": "yes", "consultation_start": START, "consultation_end": END,
    "consultation_outcome": "Most respondents agreed.", "eia_needed": "yes", "eia_status": "completed",
    "eia_url": "https://example.gov.uk/eia/33", "portfolio_holder": "Cllr Jane Smith",
    "lead_officer": "Director of Adults' Services",
}


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")


def save(p, user, **fields):
    p.refresh_from_db()
    return save_proposal(proposal=p, user=user, fields=fields, lines=_lines(p), expected_version=p.version)


def _lines(p):
    return [LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.select_related("year")})
            for line in p.lines.select_related("service_budget")]


def page(client, p, **query):
    plan = p.plan
    return client.get(reverse("reports:proposal_detail", args=[plan.council.slug, plan.slug, p.pk]), query)


def list_page(client, plan, **query):
    return client.get(reverse("reports:proposal_list", args=[plan.council.slug, plan.slug]), query)


# The rules, with their messages; nothing is written.

@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"consultation_needed": "no", "consultation_start": START}, "consultation_start",
     "Consultation dates are kept only for a proposal that needs consultation, and this one\u2019s is no"),
    ({"consultation_start": START}, "consultation_start", "this one\u2019s is not recorded"),
    ({"consultation_needed": "yes", "consultation_start": END, "consultation_end": START}, "consultation_end",
     "The consultation ends (5 November 2018) before it starts (2 January 2019)"),
    ({"eia_url": "javascript:alert(1)"}, "eia_url", "starting http:// or https://"),
    ({"eia_url": "ftp://example.gov.uk/eia"}, "eia_url", "starting http:// or https://"),
    ({"key_decision": "maybe"}, "key_decision", "\u201cmaybe\u201d is not a choice for key decision: use yes or no"),
    ({"eia_status": "done"}, "eia_status", "use not_started, in_progress, completed or not_needed"),
    ({"portfolio_holder": "x" * 201}, "portfolio_holder", "Portfolio holder is 201 characters long; it can be at "
                                                          "most 200"),
])
def test_the_service_refuses_bad_governance_and_writes_nothing(p41, officer, fields, field, message):
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused:
        save(p41, officer, **fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert db_snapshot() == before


def test_a_new_proposal_with_bad_governance_is_not_created(ce_plan, officer, p41):
    before = db_snapshot()
    with pytest.raises(ValidationError, match="starting http"):
        create_proposal(plan=ce_plan, user=officer, lines=[],
                        fields={"title": "New", "kind": "pressure", "outcome": p41.outcome, "eia_url": "data:x"})
    assert db_snapshot() == before


def test_a_consultation_of_one_day_is_fine():
    assert governance.check({"consultation_needed": "yes", "consultation_start": START, "consultation_end": START}) \
        == {}


# The write path: audited and version-checked.

def test_every_governance_change_is_recorded_with_before_and_after(p41, officer):
    changeset = save(p41, officer, **RECORDED)
    described = {change.field: (change.old, change.new) for change in changeset.changes.all()}
    assert described["Key decision"] == ("", "Yes")
    assert described["Consultation start"] == ("", "5 November 2018")
    assert described["Equality impact assessment status"] == ("", "Completed")
    assert described["Portfolio holder"] == ("", "Cllr Jane Smith")
    assert len(described) == len(RECORDED)
    changeset = save(p41, officer, eia_status="in_progress")
    assert [c.describe() for c in changeset.changes.all()] == [
        "Equality impact assessment status: Completed \u2192 In progress"]


def test_a_stale_governance_edit_is_refused(p41, officer, officer2):
    save(p41, officer, key_decision="yes")
    before = db_snapshot()
    with pytest.raises(ConflictError):
        save_proposal(proposal=p41, user=officer2, fields={"key_decision": "no"}, lines=_lines(p41),
                      expected_version=p41.version - 1)
    assert db_snapshot() == before


def test_the_edit_form_saves_governance(client_for, officer, p41):
    data = form_data(p41, key_decision="yes", consultation_needed="yes", consultation_start="2018-11-05",
                     consultation_end="02/01/2019", eia_needed="yes", eia_status="completed",
                     eia_url="https://example.gov.uk/eia", portfolio_holder="Cllr Jane Smith", lead_officer="Ann Lee")
    assert client_for(officer).post(url("edit", p41), data).status_code == 302
    p41.refresh_from_db()
    assert (p41.key_decision, p41.consultation_start, p41.consultation_end, p41.eia_status, p41.lead_officer) == (
        "yes", START, END, "completed", "Ann Lee")


def test_the_edit_form_shows_what_is_wrong_and_saves_nothing(client_for, officer, p41):
    before = db_snapshot()
    data = form_data(p41, consultation_needed="no", consultation_start="2018-11-05", eia_url="javascript:alert(1)")
    response = client_for(officer).post(url("edit", p41), data)
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "Consultation dates are kept only for a proposal that needs consultation" in html
    assert "starting http:// or https://" in html
    assert 'href="#id_consultation_start"' in html
    assert db_snapshot() == before


def test_the_edit_form_has_fieldsets_with_legends_for_the_answers(client_for, officer, p41):
    html = client_for(officer).get(url("edit", p41)).content.decode()
    for label in ("Key decision", "Consultation needed", "Equality impact assessment status"):
        assert f"<legend>{label}</legend>" in html
    assert 'for="id_portfolio_holder"' in html and 'for="id_consultation_start"' in html


# Shown and filtered.

def test_the_page_shows_governance_and_not_recorded(client_for, commissioner, officer, p41):
    html = page(client_for(commissioner), p41).content.decode()
    assert '<h2 id="governance">Governance</h2>' in html
    assert html.count("Not recorded") == 9
    save(p41, officer, **RECORDED)
    html = page(client_for(commissioner), p41).content.decode()
    assert "5 November 2018 to 2 January 2019" in html
    assert '<a href="https://example.gov.uk/eia/33"' in html
    assert "Cllr Jane Smith" in html and "Not recorded" not in html.split('id="governance"')[1].split("</dl>")[0]


def test_another_councils_proposal_is_still_a_404(client_for, officer_cwac, p41):
    assert page(client_for(officer_cwac), p41).status_code == 404


def test_the_recent_changes_page_shows_governance_changes_readably(client_for, officer, p41):
    save(p41, officer, eia_status="in_progress")
    html = client_for(officer).get(reverse("proposals:recent_changes", args=[p41.plan.council.slug])).content.decode()
    assert "Equality impact assessment status" in html and "In progress" in html


@pytest.mark.parametrize(("query", "expected"), [
    ({"key_decision": "yes"}, {"41"}),
    ({"eia_status": "in_progress"}, {"41"}),
    ({"consultation_needed": "yes"}, {"41"}),
    ({"key_decision": "no"}, set()),
])
def test_the_list_filters_by_governance(client_for, commissioner, officer, ce_plan, p41, query, expected):
    save(p41, officer, key_decision="yes", consultation_needed="yes", eia_status="in_progress")
    response = list_page(client_for(commissioner), ce_plan, **query)
    assert response.status_code == 200
    shown = {p.reference for p in response.context["table"].data}
    assert shown == expected


def test_not_recorded_is_a_filter_value(client_for, commissioner, officer, ce_plan, p41):
    everything = {p.reference for p in list_page(client_for(commissioner), ce_plan).context["table"].data}
    save(p41, officer, key_decision="yes")
    response = list_page(client_for(commissioner), ce_plan, key_decision="none")
    assert {p.reference for p in response.context["table"].data} == everything - {"41"}


@pytest.mark.parametrize(("name", "message"), [
    ("key_decision", "\u201cmaybe\u201d is not a choice for key decision: use yes or no, or none for not recorded."),
    ("eia_status", "\u201cmaybe\u201d is not a choice for equality impact assessment status: use not_started, "
                   "in_progress, completed or not_needed, or none for not recorded."),
    ("consultation_needed", "\u201cmaybe\u201d is not a choice for consultation needed: use yes, no or not_known"),
])
def test_a_bad_governance_filter_value_says_so(client_for, commissioner, ce_plan, name, message):
    response = list_page(client_for(commissioner), ce_plan, **{name: "maybe"})
    assert response.status_code == 400
    assert message in response.content.decode()


# Printed: the budget book and its .docx.

def book(client, plan, fmt=None):
    name = "workbooks:book_docx" if fmt else "reports:book"
    return client.get(reverse(name, args=[plan.council.slug, plan.slug]))


def test_the_book_prints_a_governance_line_once_recorded(client_for, commissioner, officer, ce_plan, p41):
    assert "book-governance" not in book(client_for(commissioner), ce_plan).content.decode()
    save(p41, officer, **RECORDED)
    html = book(client_for(commissioner), ce_plan).content.decode()
    assert html.count('class="book-governance"') == 1
    assert "Key decision: Yes" in html and "Consultation: Yes, 5 November 2018 to 2 January 2019" in html
    assert "Equality impact assessment: Completed" in html and "Lead officer: Director of Adults&#x27; Services" in html


def test_the_docx_prints_the_governance_line(client_for, commissioner, officer, ce_plan, p41):
    save(p41, officer, key_decision="no", eia_status="not_started", portfolio_holder="Cllr Jane Smith")
    response = book(client_for(commissioner), ce_plan, fmt="docx")
    document = Document(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    lines = [p.text for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs
             if p.style.name == "Budget Governance"]
    assert set(lines) == {"Key decision: No \u00b7 Consultation: Not recorded \u00b7 Equality impact assessment: "
                          "Not started \u00b7 Portfolio holder: Cllr Jane Smith \u00b7 Lead officer: Not recorded"}


# Snapshots and roll forward keep it.

def test_a_snapshot_keeps_governance_as_it_was(p41, officer, approver, ce_plan):
    save(p41, officer, **RECORDED)
    snapshot = take_snapshot(plan=ce_plan, user=approver, name="Cabinet")
    save(p41, officer, eia_status="in_progress")
    copy = SnapshotProposal.objects.get(snapshot=snapshot, proposal_id=p41.pk)
    assert governance.values_of(copy) == RECORDED


# The council's rule: a completed impact assessment before approval.

def submitted(p, officer):
    change_status(proposal=p, user=officer, to=Status.DRAFT) if p.status != Status.DRAFT else None
    p.refresh_from_db()
    change_status(proposal=p, user=officer, to=Status.SUBMITTED)
    p.refresh_from_db()
    return p


@pytest.fixture
def draft(ce_plan, officer, p41):
    line = p41.lines.select_related("service_budget").get()
    return create_proposal(
        plan=ce_plan, user=officer,
        fields={"title": "Extra care housing", "kind": "revenue_savings", "outcome": p41.outcome,
                "eia_needed": "yes", "eia_status": "in_progress"},
        lines=[LineInput(line.service_budget, {ce_plan.years.get(start_year=2019): -250})],
    )


def rule(on):
    Council.objects.filter(slug="cheshire-east").update(require_completed_eia=on)


def test_with_the_rule_on_approval_without_a_completed_eia_is_refused(draft, officer, approver):
    rule(True)
    p = submitted(draft, officer)
    p = Proposal.objects.select_related("plan__council").get(pk=p.pk)
    before = db_snapshot()
    with pytest.raises(WorkflowError) as refused:
        change_status(proposal=p, user=approver, to=Status.APPROVED)
    assert str(refused.value).startswith(
        "[NEW] cannot be approved: its equality impact assessment is not completed (status: in progress).")
    assert db_snapshot() == before


@pytest.mark.parametrize("status", [EiaStatus.COMPLETED, EiaStatus.NOT_NEEDED])
def test_with_the_rule_on_a_completed_or_not_needed_eia_is_approved(draft, officer, approver, status):
    rule(True)
    save(draft, officer, eia_status=status)
    p = submitted(draft, officer)
    change_status(proposal=p, user=approver, to=Status.APPROVED)
    assert Proposal.objects.get(pk=p.pk).status == Status.APPROVED


def test_with_the_rule_off_it_is_approved_as_before(draft, officer, approver):
    rule(False)
    p = submitted(draft, officer)
    change_status(proposal=p, user=approver, to=Status.APPROVED)
    assert Proposal.objects.get(pk=p.pk).status == Status.APPROVED


def test_the_page_says_why_it_cannot_be_approved(client_for, draft, officer, approver):
    rule(True)
    p = submitted(draft, officer)
    html = page(client_for(approver), p).content.decode()
    assert "its equality impact assessment is not completed (status: in progress)" in html
    assert 'name="to" value="approved"' not in html


def test_the_refusal_over_http_changes_nothing(client_for, draft, officer, approver):
    rule(True)
    p = submitted(draft, officer)
    before = db_snapshot()
    client_for(approver).post(url("status", p), {"to": Status.APPROVED, "version": p.version})
    assert db_snapshot() == before


def test_a_council_administrator_turns_the_rule_on_and_it_is_recorded(client_for, council_admin, ce):
    address = reverse("administration:approval_rules", args=[ce.slug])
    assert client_for(council_admin).post(address, {"require_completed_eia": "on"}).status_code == 302
    assert Council.objects.get(pk=ce.pk).require_completed_eia
    change = ChangeSet.objects.filter(council=ce).latest("id").changes.get()
    assert change.new == "True" and "equality impact assessment" in change.field


def test_only_a_council_administrator_sets_the_rule(client_for, officer, officer_cwac, ce):
    address = reverse("administration:approval_rules", args=[ce.slug])
    assert client_for(officer).post(address, {"require_completed_eia": "on"}).status_code == 403
    assert client_for(officer_cwac).get(address).status_code == 404
    with pytest.raises(Exception, match="administrators"):
        structure.set_approval_rules(council=ce, user=officer, require_completed_eia=True)
    assert not Council.objects.get(pk=ce.pk).require_completed_eia


# Printed in the cabinet workbook; the import leaves it as it is.

def test_the_workbook_has_the_governance_columns(client_for, commissioner, officer, ce_plan, p41):
    save(p41, officer, **RECORDED)
    wb = load_workbook(io.BytesIO(exported_workbook(client_for(commissioner), ce_plan)))
    ws = wb["Outcome 5"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    header = next(row for row in rows if row and row[0] == "Reference")
    columns = {name: index for index, name in enumerate(header) if name}
    assert list(columns)[-7:] == ["Key decision", "Consultation", "EIA status", "Portfolio holder", "Lead officer",
                                  "Proposal id", "Version"]
    row41 = next(row for row in rows if row[0] == "[41]")
    assert [row41[columns[name]] for name in ("Key decision", "Consultation", "EIA status", "Portfolio holder",
                                               "Lead officer")] == [
        "Yes", "Yes, 5 November 2018 to 2 January 2019", "Completed", "Cllr Jane Smith",
        "Director of Adults' Services"]
    row33 = next(row for row in rows if row[0] == "[33]")
    assert row33[columns["Key decision"]] == "Not recorded"
    # Printed (in the print area), not hidden like the id and version.
    last_printed = ws.print_area[0].split(":")[1] if isinstance(ws.print_area, list) else ws.print_area
    assert get_column_letter(columns["Lead officer"] + 1) in last_printed


def test_reimporting_an_export_with_governance_changes_nothing(client_for, admin_user, officer, ce_plan, p41):
    save(p41, officer, **RECORDED)
    client = client_for(admin_user)
    data = exported_workbook(client, ce_plan)
    before = db_snapshot()
    preview = upload(client, ce_plan, data, "book.xlsx").context["preview"]
    assert (preview.created, preview.changed, preview.conflicts, preview.problems) == ([], [], [], [])
    assert db_snapshot() == before


def test_roll_forward_carries_governance_with_the_proposal(ce_plan, officer, seed):
    both = make_user("both", memberships=[("cheshire-east", Role.COUNCIL_ADMIN), ("cheshire-east", Role.OFFICER)])
    p45 = proposal(ce_plan, "45")
    save(p45, officer, **RECORDED)
    new_plan, _result = roll_forward(plan=ce_plan, user=both, slug="2020-23", name="Next",
                                     statuses=(Status.DRAFT, Status.SUBMITTED, Status.CONSULTATION, Status.APPROVED))
    carried = Proposal.objects.get(plan=new_plan, reference="45")
    assert governance.values_of(carried) == RECORDED
    recorded = {c.field for c in ChangeSet.objects.get(proposal=carried).changes.all()}
    assert {"Key decision", "Lead officer"} <= recorded  # the carried values are in its history


def test_a_conflicting_edit_takes_in_their_governance_and_keeps_mine(client_for, officer, officer2, p41):
    opened = form_data(p41)
    assert client_for(officer).post(url("edit", p41), {**opened, "consultation_needed": "yes",
                                                       "consultation_start": "2018-11-05"}).status_code == 302
    second = client_for(officer2)
    response = second.post(url("edit", p41), {**opened, "lead_officer": "Ann Lee"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="05/11/2018"' in html and 'value="Ann Lee"' in html
    assert 'value="yes" id="id_consultation_needed_1" checked' in html
    assert 'id="id_consultation_needed_conflict">J. Smith changed this to Yes; their change is kept.' in html
    p41.refresh_from_db()
    merged = {**opened, "version": p41.version, "consultation_needed": "yes", "consultation_start": "2018-11-05",
              "lead_officer": "Ann Lee"}
    assert second.post(url("edit", p41), merged).status_code == 302
    p41.refresh_from_db()
    assert (p41.consultation_needed, p41.consultation_start, p41.lead_officer) == ("yes", START, "Ann Lee")


def test_generated_demo_councils_get_governance_and_the_seed_councils_none(seed):
    generate()
    demo = Proposal.objects.exclude(plan__council__slug__in=("cheshire-east", "cheshire-west-and-chester"))
    assert demo.exists() and not demo.filter(key_decision="").exists()
    assert not demo.filter(status=Status.APPROVED).exclude(eia_status=EiaStatus.COMPLETED).exists()
    assert set(demo.filter(key_decision="yes").values_list("consultation_needed", flat=True)) <= {"yes"}
    seeded = Proposal.objects.filter(plan__council__slug__in=("cheshire-east", "cheshire-west-and-chester"))
    assert not any(governance.recorded(p) for p in seeded)
