"""proposals/structure.py: a council's outcomes, themes and service budgets are written
only by a council administrator (or a site administrator, or the system), checked in one
place, recorded in the council's audit trail, and never deleted while in use."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from outcomes.models import Outcome, OutcomeMeasure
from proposals import structure
from proposals.models import ChangeSet, ServiceBudget, Theme
from proposals.permissions import SYSTEM
from tests.conftest import db_snapshot


def latest():
    return ChangeSet.objects.order_by("pk").last()


def described(changeset):
    return [change.describe() for change in changeset.changes.order_by("pk")]


def messages(error):
    return {field: [str(m) for m in msgs] for field, msgs in error.value.message_dict.items()}


def assert_chain_intact():
    call_command("verify_history", stdout=open("/dev/null", "w"))


def test_an_administrator_creates_an_outcome_last_in_order_and_it_is_recorded(ce, council_admin):
    last = Outcome.objects.filter(council=ce).order_by("-position").first()
    outcome = structure.create_outcome(council=ce, user=council_admin, code=" 9 ", title="  A  new outcome ",
                                       what_this_means="More of it.")
    assert (outcome.code, outcome.title, outcome.position) == ("9", "A new outcome", last.position + 1)
    changeset = latest()
    assert (changeset.subject, changeset.council, changeset.user, changeset.action) == (
        outcome, ce, council_admin, ChangeSet.Action.CREATE)
    assert described(changeset) == [
        "Council: (none) \u2192 Cheshire East Council", "Code: (none) \u2192 9",
        "Title: (none) \u2192 A new outcome", "What this means: (none) \u2192 More of it.",
        f"Position: (none) \u2192 {last.position + 1}",
    ]
    assert_chain_intact()


def test_a_rename_is_recorded_with_the_old_and_new_name(ce, council_admin):
    theme = Theme.objects.filter(council=ce).first()
    old = theme.name
    structure.update_theme(theme=theme, user=council_admin, name="Growing the place")
    theme.refresh_from_db()
    assert theme.name == "Growing the place"
    changeset = latest()
    assert (changeset.subject, changeset.action, changeset.user) == (theme, ChangeSet.Action.EDIT, council_admin)
    assert described(changeset) == [f"Name: {old} \u2192 Growing the place"]
    assert_chain_intact()


def test_an_edit_that_changes_nothing_writes_no_change_set(ce, council_admin):
    budget = ServiceBudget.objects.filter(council=ce).first()
    before = ChangeSet.objects.count()
    structure.update_service_budget(service_budget=budget, user=council_admin, name=budget.name, kind=budget.kind)
    assert ChangeSet.objects.count() == before


@pytest.mark.parametrize("name", ["Adult Care", "adult care", "  ADULT   care "])
def test_a_name_is_unique_in_the_council_case_and_spaces_aside(ce, council_admin, name):
    structure.create_theme(council=ce, user=council_admin, name="Adult Care")
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        structure.create_theme(council=ce, user=council_admin, name=name)
    assert messages(error) == {
        "name": ["Cheshire East Council already has a theme with the name \u201cAdult Care\u201d."]}
    assert db_snapshot() == before


def test_the_same_name_in_another_council_is_not_a_duplicate(ce, cwac, admin_user):
    name = ServiceBudget.objects.filter(council=ce).first().name
    budget = structure.create_service_budget(council=cwac, user=admin_user, name=name.upper(),
                                             kind=ServiceBudget.Kind.FUNDING)
    assert budget.council == cwac and budget.get_kind_display() == "Funding line"


def test_renaming_to_another_records_name_is_refused_but_keeping_its_own_is_not(ce, council_admin):
    first, second = list(ServiceBudget.objects.filter(council=ce)[:2])
    structure.update_service_budget(service_budget=first, user=council_admin, name=first.name.lower())
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        structure.update_service_budget(service_budget=first, user=council_admin, name=f" {second.name.upper()} ")
    assert messages(error) == {
        "name": [f"Cheshire East Council already has a service budget with the name \u201c{second.name}\u201d."]}
    assert db_snapshot() == before


def test_a_duplicate_outcome_code_names_the_outcome(ce, council_admin):
    existing = Outcome.objects.get(council=ce, code="5")
    with pytest.raises(ValidationError) as error:
        structure.create_outcome(council=ce, user=council_admin, code="5", title="Another")
    assert messages(error) == {
        "code": [f"Cheshire East Council already has an outcome with the code \u201c5\u201d: {existing}."]}


def test_required_and_too_long_values_are_named_and_nothing_is_written(ce, council_admin):
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        structure.create_outcome(council=ce, user=council_admin, code="  ", title="x" * 301,
                                 what_this_means="y" * (structure.TEXT_LIMIT + 1))
    assert messages(error) == {
        "code": ["Enter the outcome\u2019s code."],
        "title": ["Title must be 300 characters or fewer (it is 301)."],
        "what_this_means": ["What this means must be 5,000 characters or fewer (it is 5,001)."],
    }
    with pytest.raises(ValidationError) as error:
        structure.create_service_budget(council=ce, user=council_admin, name="Ok", kind="grant")
    assert messages(error) == {"kind": ["Choose whether it is a service budget or a funding line."]}
    assert db_snapshot() == before


def test_a_null_character_is_refused_before_the_database_sees_it(ce, council_admin):
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        structure.create_theme(council=ce, user=council_admin, name="Bad\x00name")
    assert messages(error) == {"name": ["Name contains a null character, which cannot be stored; remove it."]}
    assert db_snapshot() == before


def test_an_unknown_field_is_a_programming_error(ce, council_admin):
    with pytest.raises(TypeError):
        structure.update_theme(theme=Theme.objects.filter(council=ce).first(), user=council_admin, position=3)


@pytest.mark.parametrize("who", ["officer", "approver", "commissioner", "outsider", "officer_cwac"])
def test_only_a_council_administrator_writes(request, ce, who):
    user = request.getfixturevalue(who)
    theme = Theme.objects.filter(council=ce).first()
    outcome = Outcome.objects.filter(council=ce).first()
    before = db_snapshot()
    for write in (
        lambda: structure.create_theme(council=ce, user=user, name="New"),
        lambda: structure.update_theme(theme=theme, user=user, name="New"),
        lambda: structure.delete_theme(theme=theme, user=user),
        lambda: structure.move(record=outcome, user=user, direction=structure.DOWN),
        lambda: structure.create_service_budget(council=ce, user=user, name="New"),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert db_snapshot() == before


def test_an_administrator_of_one_council_cannot_write_anothers(cwac, council_admin):
    with pytest.raises(PermissionDenied):
        structure.create_outcome(council=cwac, user=council_admin, code="99", title="Not mine")


def test_nobody_cannot_write_and_the_system_writes_as_no_user(ce):
    with pytest.raises(PermissionDenied):
        structure.create_theme(council=ce, user=None, name="New")
    theme = structure.create_theme(council=ce, user=SYSTEM, name="Published")
    assert latest().subject == theme and latest().user is None


def test_deleting_an_outcome_in_use_is_refused_naming_what_uses_it(ce, ce_plan, council_admin):
    outcome = Outcome.objects.get(council=ce, code="5")
    count = ce_plan.proposals.filter(outcome=outcome).count()
    assert count
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        structure.delete_outcome(outcome=outcome, user=council_admin)
    assert error.value.messages == [
        f"{outcome} is used by {count} proposals of plan {ce_plan.name}; move them to another outcome first."
    ]
    assert db_snapshot() == before and Outcome.objects.filter(pk=outcome.pk).exists()


def test_deleting_a_service_budget_in_use_is_refused(ce, ce_plan, council_admin):
    budget = ServiceBudget.objects.filter(council=ce, lines__isnull=False).first()
    with pytest.raises(ValidationError) as error:
        structure.delete_service_budget(service_budget=budget, user=council_admin)
    assert error.value.messages[0].startswith(f"Service budget \u201c{budget.name}\u201d is used by ")
    assert error.value.messages[0].endswith("; move them to another service budget first.")


def test_deleting_an_unused_outcome_records_it_and_its_measures(ce, council_admin):
    outcome = structure.create_outcome(council=ce, user=council_admin, code="77", title="Short-lived")
    OutcomeMeasure.objects.create(outcome=outcome, number=1, measure="Fewer things")
    pk = outcome.pk
    structure.delete_outcome(outcome=outcome, user=council_admin)
    assert not Outcome.objects.filter(pk=pk).exists()
    changeset = latest()
    assert (changeset.action, changeset.subject_id, changeset.subject_label) == (
        ChangeSet.Action.DELETE, pk, "Outcome 77 \u2013 Short-lived")
    lines = described(changeset)
    assert lines[:2] == ["Council: Cheshire East Council \u2192 (none)", "Code: 77 \u2192 (none)"]
    assert "Outcome measure 77.1 Fewer things: Measure: Fewer things \u2192 (none)" in lines
    assert_chain_intact()


def order(model, council):
    return list(structure.council_records(model, council).values_list("pk", flat=True))


def test_move_swaps_with_the_neighbour_and_records_both(ce, council_admin):
    before = order(Theme, ce)
    moved = Theme.objects.get(pk=before[1])
    count = ChangeSet.objects.count()
    structure.move(record=moved, user=council_admin, direction=structure.UP)
    assert order(Theme, ce) == [before[1], before[0], *before[2:]]
    assert ChangeSet.objects.count() == count + 2
    assert latest().subject is not None and described(latest())[0].startswith("Position: ")
    assert_chain_intact()


def test_moving_the_first_up_or_the_last_down_is_refused(ce, council_admin):
    outcomes = order(Outcome, ce)
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        structure.move(record=Outcome.objects.get(pk=outcomes[0]), user=council_admin, direction=structure.UP)
    assert error.value.messages == [f"{Outcome.objects.get(pk=outcomes[0])} is already first."]
    with pytest.raises(ValidationError) as error:
        structure.move(record=Theme.objects.get(pk=order(Theme, ce)[-1]), user=council_admin,
                       direction=structure.DOWN)
    assert error.value.messages[0].endswith("is already last.")
    assert db_snapshot() == before


def test_set_order_must_list_every_record_once(ce, council_admin):
    themes = list(structure.council_records(Theme, ce))
    before = db_snapshot()
    with pytest.raises(ValidationError):
        structure.set_order(council=ce, user=council_admin, model=Theme, records=themes[1:])
    assert db_snapshot() == before
    structure.set_order(council=ce, user=council_admin, model=Theme, records=list(reversed(themes)))
    assert order(Theme, ce) == [theme.pk for theme in reversed(themes)]
