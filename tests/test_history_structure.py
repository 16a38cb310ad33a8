"""Changes to plans and their years, outcomes and their measures, themes, service budgets,
councils and memberships made in the admin are in the audit trail, with old and new
values, in the council's hash chain, and on the council's recent changes page."""
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from councils.models import Council, Membership, Role
from outcomes.models import Outcome
from proposals.models import ChangeSet, ServiceBudget, Theme
from tests.conftest import make_user
from tests.test_admin import form_data, staff


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def ce(seed):
    return Council.objects.get(slug="cheshire-east")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def edit(client, obj, **changes):
    """Post ``obj``'s admin change form back with ``changes``; it must save."""
    data = form_data(client.get(change_url(obj)))
    data.update(changes)
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def latest():
    return ChangeSet.objects.order_by("pk").last()


def described(changeset):
    return [change.describe() for change in changeset.changes.order_by("pk")]


def assert_chain_intact():
    call_command("verify_history", stdout=open("/dev/null", "w"))


def test_an_outcome_edited_in_the_admin_is_recorded_from_old_to_new(admin_client, admin_user, ce):
    outcome = Outcome.objects.get(council=ce, code="5")
    old_title = outcome.title
    edit(admin_client, outcome, title="People live well, and for longer")
    changeset = latest()
    assert (changeset.subject, changeset.council, changeset.user) == (outcome, ce, admin_user)
    assert changeset.action == ChangeSet.Action.EDIT and changeset.proposal is None
    assert described(changeset) == [f"Title: {old_title} \u2192 People live well, and for longer"]
    assert_chain_intact()


def test_an_outcome_measure_changed_inline_is_in_the_outcomes_change_set(admin_client, seed):
    outcome = Outcome.objects.get(council__slug="cheshire-west-and-chester", code="01")
    measure = outcome.measures.order_by("number").first()
    data = form_data(admin_client.get(change_url(outcome)))
    index = next(i for i in range(int(data["measures-TOTAL_FORMS"])) if data[f"measures-{i}-id"] == measure.pk)
    data[f"measures-{index}-target"] = "75%"
    assert admin_client.post(change_url(outcome), data).status_code == 302
    label = f"Outcome measure {str(measure)[:60]}: Target"
    assert described(latest()) == [f"{label}: {measure.target or '(none)'} \u2192 75%"]
    assert latest().subject == outcome


def test_saving_an_unchanged_form_records_nothing(admin_client, ce):
    before = ChangeSet.objects.count()
    edit(admin_client, Outcome.objects.get(council=ce, code="5"))
    assert ChangeSet.objects.count() == before


def test_a_theme_added_by_an_officer_is_recorded_with_its_values(client_for, officer, ce):
    client = client_for(staff(officer))
    response = client.post(reverse("admin:proposals_theme_add"),
                           {"council": ce.pk, "name": "Prevention", "position": 9})
    assert response.status_code == 302
    theme = Theme.objects.get(council=ce, name="Prevention")
    changeset = latest()
    assert (changeset.subject, changeset.action, changeset.user) == (theme, ChangeSet.Action.CREATE, officer)
    assert described(changeset) == [
        f"Council: (none) \u2192 {ce.name}", "Name: (none) \u2192 Prevention", "Position: (none) \u2192 9",
    ]


def test_a_deleted_service_budget_is_recorded_with_what_it_was(admin_client, admin_user, ce):
    budget = ServiceBudget.objects.create(council=ce, name="Unused budget", kind=ServiceBudget.Kind.FUNDING)
    pk = budget.pk
    response = admin_client.post(reverse("admin:proposals_servicebudget_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302 and not ServiceBudget.objects.filter(pk=pk).exists()
    changeset = latest()
    assert (changeset.subject_id, changeset.subject_label, changeset.action) == (pk, "Unused budget",
                                                                                 ChangeSet.Action.DELETE)
    assert described(changeset) == [
        f"Council: {ce.name} \u2192 (none)", "Name: Unused budget \u2192 (none)", "Kind: Funding line \u2192 (none)",
    ]
    assert_chain_intact()


def test_themes_deleted_together_from_the_list_are_each_recorded(admin_client, ce):
    themes = [Theme.objects.create(council=ce, name=f"Spare {n}") for n in (1, 2)]
    response = admin_client.post(reverse("admin:proposals_theme_changelist"), {
        "action": "delete_selected", "_selected_action": [t.pk for t in themes], "post": "yes",
    })
    assert response.status_code == 302 and not Theme.objects.filter(name__startswith="Spare").exists()
    deleted = ChangeSet.objects.filter(action=ChangeSet.Action.DELETE).order_by("pk")
    assert [c.subject_label for c in deleted] == ["Spare 1", "Spare 2"]


def test_a_plan_and_its_years_changed_in_the_admin_are_one_change_set(admin_client, ce_plan):
    years = list(ce_plan.years.order_by("start_year"))
    data = {
        "council": ce_plan.council_id, "name": "MTFS (revised)", "slug": ce_plan.slug, "base_year": ce_plan.base_year,
        "source": ce_plan.source, "note": ce_plan.note,
        "years-TOTAL_FORMS": len(years) + 1, "years-INITIAL_FORMS": len(years),
        "years-MIN_NUM_FORMS": 0, "years-MAX_NUM_FORMS": 1000,
        f"years-{len(years)}-start_year": years[-1].start_year + 1, f"years-{len(years)}-plan": ce_plan.pk,
        "_save": "Save",
    }
    for i, year in enumerate(years):
        data.update({f"years-{i}-id": year.pk, f"years-{i}-plan": ce_plan.pk, f"years-{i}-start_year": year.start_year})
    response = admin_client.post(change_url(ce_plan), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    changeset = latest()
    added = years[-1].start_year + 1
    assert changeset.subject == ce_plan
    assert described(changeset) == [
        f"Name: {ce_plan.name} \u2192 MTFS (revised)",
        f"Plan year {added}/{(added + 1) % 100:02d}: Start year: (none) \u2192 {added}",
    ]
    assert_chain_intact()


def test_memberships_are_recorded_whether_added_alone_or_on_the_councils_page(admin_client, ce):
    jo = make_user("jo")
    response = admin_client.post(reverse("admin:councils_membership_add"),
                                 {"user": jo.pk, "council": ce.pk, "role": Role.APPROVER})
    assert response.status_code == 302
    membership = Membership.objects.get(user=jo)
    assert latest().subject == membership and latest().council == ce
    assert described(latest()) == [
        "User: (none) \u2192 jo", f"Council: (none) \u2192 {ce.name}", "Role: (none) \u2192 Approver",
    ]

    data = form_data(admin_client.get(change_url(ce)))
    index = next(i for i in range(int(data["memberships-TOTAL_FORMS"])) if data[f"memberships-{i}-id"] == membership.pk)
    data[f"memberships-{index}-DELETE"] = "on"
    assert admin_client.post(change_url(ce), data).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    changeset = latest()
    assert changeset.subject == ce and changeset.council == ce
    row = f"Membership {str(membership)[:60]}"
    assert described(changeset) == [f"{row}: User: jo \u2192 (none)", f"{row}: Role: Approver \u2192 (none)"]
    assert_chain_intact()


def test_a_membership_moved_to_another_council_is_in_both_chains(admin_client, ce):
    cwac = Council.objects.get(slug="cheshire-west-and-chester")
    membership = Membership.objects.create(user=make_user("sam"), council=ce, role=Role.OFFICER)
    edit(admin_client, membership, council=cwac.pk)
    moved = ChangeSet.objects.filter(subject_id=membership.pk, action=ChangeSet.Action.EDIT)
    assert sorted(c.council.slug for c in moved) == ["cheshire-east", "cheshire-west-and-chester"]
    assert all(described(c) == [f"Council: {ce.name} \u2192 {cwac.name}"] for c in moved)
    assert_chain_intact()


def test_the_councils_recent_changes_page_shows_structural_changes(admin_client, client_for, officer, ce):
    outcome = Outcome.objects.get(council=ce, code="5")
    edit(admin_client, outcome, title="People live well, and for longer")
    html = unescape(client_for(officer).get(reverse("proposals:recent_changes", args=[ce.slug])).content.decode())
    assert "Outcome 5 \u2013 People live well, and for longer<br><span class=\"hint\">Outcome</span>" in html
    assert f"Title: {outcome.title} \u2192 People live well, and for longer" in html
