"""Finance officers edit a proposal in the budget-book form: header fields and a grid of
impact lines by year, figures typed as people write them."""
import pytest

from proposals.models import ChangeSet, Proposal, ServiceBudget, Status
from tests.conftest import proposal
from tests.editing import current_lines, form_data, new_url, set_figure, shown_message, url


@pytest.fixture
def p41(ce_plan):
    return proposal(ce_plan, "41")



def test_the_form_shows_the_header_and_a_grid_of_lines_by_year(client_for, officer, p41):
    response = client_for(officer).get(url("edit", p41))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Growth in Demand for Adult Social Care" in html
    for label in ("2019/20", "2020/21", "2021/22"):
        assert f'<th scope="col" class="num">{label}</th>' in html
    assert 'value="+8.500"' in html
    assert f'name="version" value="{p41.version}"' in html
    assert 'name="add_line"' in html


def test_it_saves_a_changed_figure_and_records_it(client_for, officer, p41):
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2020, "+8.75")
    response = client_for(officer).post(url("edit", p41), form_data(p41, lines=lines))
    assert response.status_code == 302
    p41.refresh_from_db()
    assert p41.version == 2 and p41.updated_by == officer
    assert p41.net_k == 3500 + 8750 + 8500
    change = ChangeSet.objects.filter(proposal=p41).latest("id").changes.get()
    assert change.describe() == "2020/21 External Care Costs: +8.500 \u2192 +8.750"


def test_a_save_stamps_when_and_by_whom_with_the_header_and_net_in_one_update(client_for, officer, p41):
    before = p41.updated_at
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2021, "+9")
    data = form_data(p41, lines=lines)
    data["title"] = "Growth in demand for adult social care (revised)"
    assert client_for(officer).post(url("edit", p41), data).status_code == 302
    p41.refresh_from_db()
    assert p41.updated_at > before
    assert (p41.title, p41.version, p41.updated_by, p41.net_k) == (
        "Growth in demand for adult social care (revised)", 2, officer, 3500 + 8500 + 9000)


@pytest.mark.parametrize("typed, expected_k", [
    ("-0.027", -27), ("+3.5", 3500), ("(0.150)", -150), ("No change", 0), ("0", 0), ("£1.2m", 1200),
])
def test_figures_are_read_as_people_write_them(client_for, officer, p41, typed, expected_k):
    budget_id = p41.lines.get().service_budget_id
    lines = set_figure(current_lines(p41), budget_id, 2021, typed)
    client_for(officer).post(url("edit", p41), form_data(p41, lines=lines))
    assert p41.lines.get().variations.get(year__start_year=2021).amount_k == expected_k


def test_a_blank_year_is_unprofiled_not_zero(client_for, officer, p41):
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2021, "")
    client_for(officer).post(url("edit", p41), form_data(p41, lines=lines))
    assert not p41.lines.get().variations.filter(year__start_year=2021).exists()


def test_header_fields_are_saved(client_for, officer, p41, ce_plan):
    theme = ce_plan.council.themes.get(name="Reducing subsidy")
    data = form_data(p41, title="Growth in demand (revised)", reference="[41A]", theme=theme.pk,
                     description="Revised after consultation.", kind="pressure")
    assert client_for(officer).post(url("edit", p41), data).status_code == 302
    p41.refresh_from_db()
    assert (p41.title, p41.reference, p41.theme, p41.kind) == ("Growth in demand (revised)", "41A", theme, "pressure")
    assert p41.description == "Revised after consultation."


def test_a_blank_reference_makes_it_new(client_for, officer, p41):
    client_for(officer).post(url("edit", p41), form_data(p41, reference=""))
    p41.refresh_from_db()
    assert p41.reference is None and p41.display_reference == "[NEW]"


def test_add_another_line_redraws_the_form_with_a_blank_row_and_keeps_what_was_typed(client_for, officer, p41):
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2019, "+3.9")
    data = form_data(p41, lines=lines + [{"service_budget": "", "y2019": ""}], title="Typed, not saved")
    data["add_line"] = "1"
    response = client_for(officer).post(url("edit", p41), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="+3.9"' in html and 'value="Typed, not saved"' in html
    # the line that was there, the blank row that was there, and one more
    assert 'name="lines-TOTAL_FORMS" value="3"' in html
    assert 'id="id_lines-2-service_budget"' in html
    assert "There is a problem" not in html
    p41.refresh_from_db()
    assert p41.version == 1 and p41.title == "Growth in Demand for Adult Social Care"


def test_a_new_line_is_added_and_an_old_one_removed(client_for, officer, ce_plan, p41):
    old_budget = p41.lines.get().service_budget
    new_budget = ServiceBudget.objects.get(council=ce_plan.council, name="Additional Ringfenced Grant Funding")
    lines = current_lines(p41)
    lines[0]["DELETE"] = "on"
    lines.append({"service_budget": new_budget.pk, "y2019": "-1.451", "y2020": "", "y2021": "No change"})
    assert client_for(officer).post(url("edit", p41), form_data(p41, lines=lines)).status_code == 302
    line = p41.lines.get()
    assert line.service_budget == new_budget
    assert {v.year.start_year: v.amount_k for v in line.variations.select_related("year")} == {2019: -1451, 2021: 0}
    described = [c.describe() for c in ChangeSet.objects.filter(proposal=p41).latest("id").changes.all()]
    assert f"{old_budget.name}: 2019/20 +3.500, 2020/21 +8.500, 2021/22 +8.500 \u2192 removed" in described
    assert "Additional Ringfenced Grant Funding: (none) \u2192 added" in described


def test_blank_rows_are_ignored(client_for, officer, p41):
    lines = current_lines(p41) + [{"service_budget": "", "y2019": "", "y2020": "  "}] * 2
    assert client_for(officer).post(url("edit", p41), form_data(p41, lines=lines)).status_code == 302
    p41.refresh_from_db()
    assert p41.version == 1  # nothing changed, nothing recorded
    assert p41.lines.count() == 1


def test_saving_unchanged_says_so_and_records_nothing(client_for, officer, p41):
    before = ChangeSet.objects.count()
    client = client_for(officer)
    client.post(url("edit", p41), form_data(p41))
    assert "Nothing had changed" in shown_message(client, p41)
    assert ChangeSet.objects.count() == before


def test_an_officer_creates_a_new_proposal(client_for, officer, ce_plan):
    budget = ServiceBudget.objects.get(council=ce_plan.council, name="Leisure")
    outcome = ce_plan.council.outcomes.get()
    data = form_data(title="Leisure centre energy savings", kind="revenue_savings", outcome=outcome.pk,
                     lines=[{"service_budget": budget.pk, "y2019": "-0.1", "y2020": "(0.250)", "y2021": "-0.25"},
                            {"service_budget": "", "y2019": ""}])
    response = client_for(officer).post(new_url(ce_plan), data)
    assert response.status_code == 302
    created = Proposal.objects.get(title="Leisure centre energy savings")
    assert created.status == Status.DRAFT and created.reference is None and created.created_by == officer
    assert created.net_k == -600
    assert created.changesets.get().action == ChangeSet.Action.CREATE


def test_the_new_proposal_form_starts_with_blank_rows(client_for, officer, ce_plan):
    html = client_for(officer).get(new_url(ce_plan)).content.decode()
    assert 'name="lines-TOTAL_FORMS" value="3"' in html
    assert "Create proposal" in html


def test_an_approved_proposal_cannot_be_edited_until_returned_to_draft(client_for, officer, p41):
    Proposal.objects.filter(pk=p41.pk).update(status=Status.APPROVED)
    client = client_for(officer)
    assert client.get(url("edit", p41)).status_code == 302
    assert "is approved, so it cannot be changed" in shown_message(client, p41)
    assert client.post(url("edit", p41), form_data(p41, title="Sneaky")).status_code == 302
    assert "is approved, so it cannot be changed" in shown_message(client, p41)
    p41.refresh_from_db()
    assert p41.title == "Growth in Demand for Adult Social Care"


def test_what_users_type_is_shown_escaped(client_for, officer, p41):
    nasty = '<script>alert("x")</script>'
    client = client_for(officer)
    client.post(url("edit", p41), form_data(p41, title=nasty, description=nasty))
    for page in ("edit", "history"):
        html = client.get(url(page, p41)).content.decode()
        assert nasty not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    html = client.get(f"/c/{p41.plan.council.slug}/changes/").content.decode()
    assert nasty not in html and "&lt;script&gt;" in html


def test_the_roll_up_reflects_a_saved_change_at_once(client_for, officer, p41, ce_plan):
    from reports.rollup import rollup

    def outcome_5(view):
        result = rollup(plan=ce_plan, proposals=Proposal.objects.for_plan(ce_plan).counted(), view=view)
        return result.totals["2020/21"].net

    before, before_step = outcome_5("cumulative"), outcome_5("incremental")
    lines = set_figure(current_lines(p41), p41.lines.get().service_budget_id, 2020, "+8.750")
    client_for(officer).post(url("edit", p41), form_data(p41, lines=lines))
    assert outcome_5("cumulative") == before + 250
    assert outcome_5("incremental") == before_step + 250  # 2021/22's step shrinks by as much
