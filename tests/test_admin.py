"""The Django admin as a finance officer uses it: their council's proposals only, figures
in £m, and every save going through proposals.services (audit trail, stored net, lock)."""
import pytest
from django.urls import reverse

from proposals.models import Change, ChangeSet, ImpactLine, Proposal, Status, Variation
from proposals.permissions import SYSTEM
from proposals.services import LineInput, change_status, save_proposal
from tests.conftest import db_snapshot, proposal

CHANGELIST = "admin:proposals_proposal_changelist"


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def officer_client(client_for, officer):
    return client_for(staff(officer))


def change_url(p):
    return reverse("admin:proposals_proposal_change", args=[p.pk])


def listed(response):
    return list(response.context["cl"].result_list)


def form_data(response):
    """The admin change form's fields as a browser would post them back, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    data["_save"] = "Save"
    return data


def open_change_form(client, p):
    response = client.get(change_url(p))
    assert response.status_code == 200
    return response


def set_figure(p, start_year, amount_k):
    """Change one figure of a single-line proposal through the services, as another save would."""
    line = p.lines.get()
    figures = {v.year: v.amount_k for v in line.variations.select_related("year")}
    year = p.plan.years.get(start_year=start_year)
    figures[year] = amount_k
    save_proposal(proposal=p, user=SYSTEM, fields={}, lines=[LineInput(line.service_budget, figures)],
                  expected_version=p.version)
    p.refresh_from_db()


# Who sees what

def test_officer_sees_only_their_councils_proposals(officer_client, ce_plan):
    response = officer_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    shown = listed(response)
    assert len(shown) == Proposal.objects.filter(plan=ce_plan).count() == 18
    assert {p.plan.council.slug for p in shown} == {"cheshire-east"}
    assert "Cheshire West" not in response.content.decode()


def test_changelist_shows_reference_and_net_in_pounds_m(officer_client, ce_plan):
    content = officer_client.get(reverse(CHANGELIST)).content.decode()
    assert "[33]" in content and "[NEW]" in content
    assert "-0.081" in content  # [33]: -0.027 in each of three years
    assert "+20.500" in content  # [41]: +3.500, +8.500, +8.500


def test_officer_of_another_council_cannot_open_a_cheshire_east_proposal(client_for, officer_cwac, ce_plan):
    client = client_for(staff(officer_cwac))
    p33 = proposal(ce_plan, "33")
    assert p33 not in listed(client.get(reverse(CHANGELIST)))
    response = client.get(change_url(p33))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    before = db_snapshot()
    response = client.post(change_url(p33), {"title": "Taken over", "expected_version": p33.version})
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert db_snapshot() == before


def test_commissioner_cannot_change_proposals_in_the_admin(client_for, commissioner, ce_plan):
    client = client_for(staff(commissioner))
    p33 = proposal(ce_plan, "33")
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(change_url(p33)).status_code == 403
    before = db_snapshot()
    assert client.post(change_url(p33), {"title": "Changed", "expected_version": p33.version}).status_code == 403
    assert db_snapshot() == before
    assert "Proposals" not in client.get(reverse("admin:index")).content.decode()


def test_approver_gets_nothing_in_the_admin(client_for, approver, ce_plan):
    client = client_for(staff(approver))
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(change_url(proposal(ce_plan, "33"))).status_code == 403


def test_officer_chooses_only_their_councils_outcomes_themes_and_budgets(officer_client, ce_plan):
    response = open_change_form(officer_client, proposal(ce_plan, "33"))
    form = response.context["adminform"].form
    assert {o.council_id for o in form.fields["outcome"].queryset} == {ce_plan.council_id}
    assert {t.council_id for t in form.fields["theme"].queryset} == {ce_plan.council_id}
    line_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert {b.council_id for b in line_form.fields["service_budget"].queryset} == {ce_plan.council_id}


def test_officer_sees_only_their_councils_history(client_for, officer_cwac, ce_plan):
    client = client_for(staff(officer_cwac))
    shown = listed(client.get(reverse("admin:proposals_changeset_changelist")))
    assert shown and {c.council.slug for c in shown} == {"cheshire-west-and-chester"}


# Search and filters

@pytest.mark.parametrize("term, expected", [
    ("33", ["33"]), ("[33]", ["33"]), ("Healthwatch", ["39"]), ("winter pressures", [None]),
    ("[NEW]", [None, None, None]),
])
def test_search_by_reference_and_title(officer_client, ce_plan, term, expected):
    shown = listed(officer_client.get(reverse(CHANGELIST), {"q": term}))
    assert sorted(p.reference or "" for p in shown) == sorted(r or "" for r in expected)


def test_filter_by_plan(client_for, admin_user, ce_plan, cwac_plan):
    client = client_for(admin_user)
    shown = listed(client.get(reverse(CHANGELIST), {"plan__id__exact": cwac_plan.pk}))
    assert set(shown) == set(Proposal.objects.filter(plan=cwac_plan)) and len(shown) > 0


def test_filter_by_outcome(client_for, admin_user, cwac_plan):
    outcome = Proposal.objects.filter(plan=cwac_plan).last().outcome
    shown = listed(client_for(admin_user).get(reverse(CHANGELIST), {"outcome__id__exact": outcome.pk}))
    assert set(shown) == set(Proposal.objects.filter(outcome=outcome))
    assert 0 < len(shown) < Proposal.objects.filter(plan=cwac_plan).count()


def test_filter_by_theme(officer_client, ce_plan):
    theme = proposal(ce_plan, "33").theme
    shown = listed(officer_client.get(reverse(CHANGELIST), {"theme__id__exact": theme.pk}))
    assert set(shown) == set(Proposal.objects.filter(theme=theme))
    assert 0 < len(shown) < 18


def test_filter_by_kind(officer_client, ce_plan):
    shown = listed(officer_client.get(reverse(CHANGELIST), {"kind__exact": "revenue_investment"}))
    assert set(shown) == set(Proposal.objects.filter(plan=ce_plan, kind="revenue_investment"))
    assert 0 < len(shown) < 18


def test_filter_by_status(officer_client, officer, ce_plan):
    p36 = proposal(ce_plan, "36")
    change_status(proposal=p36, user=officer, to=Status.DRAFT)
    shown = listed(officer_client.get(reverse(CHANGELIST), {"status__exact": "draft"}))
    assert shown == [p36]


def test_filters_offer_only_the_officers_council(officer_client, ce_plan, cwac_plan):
    content = officer_client.get(reverse(CHANGELIST)).content.decode()
    assert "Changing the way we work" in content  # a Cheshire East theme, in the theme filter
    for theme in cwac_plan.council.themes.all():
        assert f">{theme.name}<" not in content
    for outcome in cwac_plan.council.outcomes.all():
        assert outcome.title not in content


# The change form

def test_change_form_shows_figures_in_pounds_m(officer_client, ce_plan):
    response = open_change_form(officer_client, proposal(ce_plan, "33"))
    line_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert [line_form[f"figure_{y}"].value() for y in (2019, 2020, 2021)] == ["-0.027", "-0.027", "-0.027"]
    content = response.content.decode()
    assert 'value="-0.027"' in content
    for label in ("2019/20", "2020/21", "2021/22"):
        assert label in content


def test_no_change_shows_as_zero_and_unprofiled_as_blank(officer_client, ce_plan):
    p44 = proposal(ce_plan, "44")  # 0-19 Healthy Child Programme: 0.000, -0.150, -0.150
    set_figure(p44, 2021, None)  # 2021/22 unprofiled
    line_form = open_change_form(officer_client, p44).context["inline_admin_formsets"][0].formset.forms[0]
    assert line_form["figure_2019"].value() == "0.000"
    assert line_form["figure_2020"].value() == "-0.150"
    assert line_form["figure_2021"].value() == ""


def test_changing_one_figure_saves_it_through_the_audit_trail(officer_client, officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    data = form_data(open_change_form(officer_client, p33))
    data["lines-0-figure_2020"] = "-0.030"
    before_changesets = ChangeSet.objects.count()

    response = officer_client.post(change_url(p33), data)

    assert response.status_code == 302
    year = ce_plan.years.get(start_year=2020)
    variation = Variation.objects.get(line__proposal=p33, year=year)
    assert (variation.amount_k, variation.increment_k) == (-30, -3)
    assert Variation.objects.get(line__proposal=p33, year__start_year=2021).increment_k == 3
    p33.refresh_from_db()
    assert p33.net_k == -27 - 30 - 27
    assert p33.version == 2 and p33.updated_by == officer
    assert ChangeSet.objects.count() == before_changesets + 1
    changeset = ChangeSet.objects.get(proposal=p33, version=2)
    assert changeset.user == officer and changeset.action == ChangeSet.Action.EDIT
    change = changeset.changes.get()
    assert (change.kind, change.field, change.year_label, change.old, change.new) == (
        Change.Kind.FIGURE, "External Care Costs", "2020/21", "-0.027", "-0.030"
    )


def test_posting_the_form_back_unchanged_records_nothing(officer_client, ce_plan):
    p45 = proposal(ce_plan, "45")
    data = form_data(open_change_form(officer_client, p45))
    before = db_snapshot()
    assert officer_client.post(change_url(p45), data).status_code == 302
    assert db_snapshot() == before


def test_header_change_and_a_new_line_are_one_save(officer_client, officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    grant = ce_plan.council.service_budgets.get(name="Additional Ringfenced Grant Funding")
    data = form_data(open_change_form(officer_client, p33))
    data.update({"title": "ILF attrition", "lines-1-service_budget": grant.pk, "lines-1-figure_2019": "No change"})
    assert officer_client.post(change_url(p33), data).status_code == 302
    changeset = ChangeSet.objects.get(proposal=p33, version=2)
    assert sorted(changeset.changes.values_list("kind", flat=True)) == ["field", "figure", "line"]
    assert Variation.objects.get(line__service_budget=grant, line__proposal=p33).amount_k == 0


def test_removing_a_line_goes_through_the_audit_trail(officer_client, ce_plan):
    winter = Proposal.objects.get(plan=ce_plan, title__startswith="New Adult Social Care Winter")
    data = form_data(open_change_form(officer_client, winter))
    data["lines-1-DELETE"] = "on"
    assert officer_client.post(change_url(winter), data).status_code == 302
    assert winter.lines.count() == 1
    winter.refresh_from_db()
    assert winter.net_k == 1451
    assert ChangeSet.objects.get(proposal=winter, version=2).changes.filter(kind=Change.Kind.LINE).count() == 1


@pytest.mark.parametrize("field, value, message", [
    ("lines-0-figure_2020", "-0.0275", "more than three decimal places"),
    ("lines-0-figure_2020", "about minus 27k", "is not a figure in £m"),
    ("lines-0-figure_2021", "27000000", "check the figure is in £m"),
    ("reference", "34", "[34] is already used in this plan"),
    ("title", "", "This field is required"),
])
def test_bad_input_shows_an_error_and_saves_nothing(officer_client, ce_plan, field, value, message):
    p33 = proposal(ce_plan, "33")
    data = form_data(open_change_form(officer_client, p33))
    data[field] = value
    data["description"] = "Also changed, but must not be saved either."
    before = db_snapshot()

    response = officer_client.post(change_url(p33), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert db_snapshot() == before


def test_the_same_service_budget_twice_is_an_error(officer_client, ce_plan):
    p33 = proposal(ce_plan, "33")
    data = form_data(open_change_form(officer_client, p33))
    data.update({"lines-1-service_budget": data["lines-0-service_budget"], "lines-1-figure_2019": "-0.001"})
    before = db_snapshot()
    response = officer_client.post(change_url(p33), data)
    assert response.status_code == 200
    assert "External Care Costs is already on another line of this proposal" in response.content.decode()
    assert db_snapshot() == before


def test_a_save_from_an_old_version_is_refused_and_says_who_changed_what(client_for, officer, officer2, ce_plan):
    client = client_for(staff(officer))
    p33 = proposal(ce_plan, "33")
    data = form_data(open_change_form(client, p33))
    data["lines-0-figure_2019"] = "-0.028"
    save_proposal(proposal=p33, user=officer2, fields={"title": "Renamed meanwhile"}, lines=[
        LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.select_related("year")})
        for line in p33.lines.all()
    ], expected_version=1)
    before = db_snapshot()

    response = client.post(change_url(p33), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "changed by someone else" in content and "L. Brown" in content and "Renamed meanwhile" in content
    assert db_snapshot() == before


def test_an_approved_proposal_is_read_only(client_for, officer_cwac, cwac_plan):
    client = client_for(staff(officer_cwac))
    approved = Proposal.objects.filter(plan=cwac_plan, status=Status.APPROVED).first()
    response = client.get(change_url(approved))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="title"' not in content and "read-only until an approver returns it to draft" in content
    assert "not profiled" in content  # its figures are still shown, in £m
    before = db_snapshot()
    response = client.post(change_url(approved), {"title": "Changed", "expected_version": approved.version})
    assert response.status_code == 403
    assert db_snapshot() == before


# Adding

def test_officer_adds_a_proposal_then_its_lines(officer_client, officer, ce_plan):
    p33 = proposal(ce_plan, "33")
    response = officer_client.post(reverse("admin:proposals_proposal_add"), {
        "plan": ce_plan.pk, "reference": "", "title": "Shared Lives expansion", "kind": "revenue_savings",
        "outcome": p33.outcome_id, "theme": p33.theme_id, "description": "",
    })
    added = Proposal.objects.get(title="Shared Lives expansion")
    assert response.status_code == 302 and response.url == change_url(added)
    assert added.reference is None and added.status == Status.DRAFT and added.created_by == officer
    assert ChangeSet.objects.get(proposal=added).action == ChangeSet.Action.CREATE


def test_adding_with_a_duplicate_reference_or_another_councils_plan_is_refused(officer_client, ce_plan, cwac_plan):
    p33 = proposal(ce_plan, "33")
    before = db_snapshot()
    for plan, message in ((ce_plan, "[33] is already used in this plan"), (cwac_plan, "Select a valid choice")):
        response = officer_client.post(reverse("admin:proposals_proposal_add"), {
            "plan": plan.pk, "reference": "33", "title": "Again", "kind": "revenue_savings",
            "outcome": p33.outcome_id,
        })
        assert response.status_code == 200 and message in response.content.decode()
    assert db_snapshot() == before


# The audit trail

@pytest.mark.parametrize("who", ["admin_user", "officer"])
def test_nobody_can_change_or_delete_history_in_the_admin(client_for, request, ce_plan, who):
    user = request.getfixturevalue(who)
    client = client_for(staff(user))
    changeset = ChangeSet.objects.filter(proposal__plan=ce_plan).first()
    change = Change.objects.filter(changeset=changeset).first()
    before = db_snapshot()
    for model, obj in (("changeset", changeset), ("change", change)):
        url = reverse(f"admin:proposals_{model}_change", args=[obj.pk])
        page = client.get(url)
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.post(url, {"note": "rewritten"}).status_code == 403
        delete_url = reverse(f"admin:proposals_{model}_delete", args=[obj.pk])
        assert client.get(delete_url).status_code == 403
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert client.get(reverse(f"admin:proposals_{model}_add")).status_code == 403
    assert db_snapshot() == before
    assert ImpactLine.objects.exists()


@pytest.mark.parametrize("model, council_path", [
    ("proposals_budgetplan", "council"), ("proposals_theme", "council"),
    ("proposals_servicebudget", "council"), ("outcomes_outcome", "council"),
])
def test_officer_sees_only_their_councils_plans_themes_budgets_and_outcomes(officer_client, seed, model,
                                                                           council_path):
    shown = listed(officer_client.get(reverse(f"admin:{model}_changelist")))
    assert shown and {getattr(obj, council_path).slug for obj in shown} == {"cheshire-east"}


def test_officer_adds_themes_only_to_their_own_council(client_for, officer_cwac, ce_plan):
    client = client_for(staff(officer_cwac))
    form = client.get(reverse("admin:proposals_theme_add")).context["adminform"].form
    assert [c.slug for c in form.fields["council"].queryset] == ["cheshire-west-and-chester"]
    before = ce_plan.council.themes.count()
    response = client.post(reverse("admin:proposals_theme_add"), {"council": ce_plan.council_id, "name": "Sneaky"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert ce_plan.council.themes.count() == before


def test_officer_cannot_change_plans(client_for, officer, ce_plan):
    client = client_for(staff(officer))
    url = reverse("admin:proposals_budgetplan_change", args=[ce_plan.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "Renamed"}).status_code == 403
