"""A proposal stays inside one council: its plan, outcome, theme and its lines' service
budgets all belong to the plan's council. A plan, outcome, theme or service budget in use
cannot move to another council (in the admin, in any model form, in the database), and
the database refuses a proposal or line naming another council's records."""
import pytest
from django.db import IntegrityError, connection, transaction
from django.forms import modelform_factory
from django.urls import reverse
from django.utils.html import escape

from councils.models import Council, Role
from outcomes.models import Outcome
from proposals.models import BudgetPlan, ImpactLine, Proposal, ServiceBudget, Theme
from tests.conftest import db_snapshot, make_user, proposal
from tests.test_admin import form_data


def structure():
    """Every structural record's council, and every proposal and line (what a refusal leaves alone)."""
    return {
        "plans": list(BudgetPlan.objects.order_by("pk").values_list("pk", "council_id")),
        "outcomes": list(Outcome.objects.order_by("pk").values_list("pk", "council_id")),
        "themes": list(Theme.objects.order_by("pk").values_list("pk", "council_id")),
        "budgets": list(ServiceBudget.objects.order_by("pk").values_list("pk", "council_id")),
        **db_snapshot(),
    }


def refused_by_the_database(fn):
    before = structure()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            fn()
    assert structure() == before


@pytest.fixture
def two_council_officer(seed):
    return make_user(
        "officer_both", memberships=[("cheshire-east", Role.OFFICER), ("cheshire-west-and-chester", Role.OFFICER)],
    )


@pytest.fixture
def cwac(seed):
    return Council.objects.get(slug="cheshire-west-and-chester")


def used_records(ce_plan):
    p33 = proposal(ce_plan, "33")
    budget = p33.lines.first().service_budget
    return {"outcome": p33.outcome, "theme": p33.theme, "servicebudget": budget, "budgetplan": ce_plan}


def expected_message(ce_plan, model):
    record = used_records(ce_plan)[model]
    of_plan = f"of plan {ce_plan.name}"
    if model == "outcome":
        name, uses = str(record), f"{record.proposals.count()} proposals {of_plan}"
    elif model == "theme":
        name, uses = f"Theme \u201c{record}\u201d", f"{record.proposals.count()} proposals {of_plan}"
    elif model == "servicebudget":
        name, uses = f"Service budget \u201c{record}\u201d", f"{record.lines.count()} impact lines {of_plan}"
    else:
        name, uses = f"Budget plan \u201c{record.name}\u201d", f"{record.proposals.count()} proposals"
    return f"{name} is used by {uses}; its council cannot change."


def test_the_outcome_names_the_eighteen_proposals_that_use_it(ce_plan):
    assert expected_message(ce_plan, "outcome") == (
        f"Outcome 5 \u2013 People live well and for longer is used by 18 proposals of plan {ce_plan.name}; "
        "its council cannot change."
    )


@pytest.mark.parametrize("who", ["admin_user", "two_council_officer"])
@pytest.mark.parametrize("model", ["outcome", "theme", "servicebudget", "budgetplan"])
def test_moving_a_record_in_use_to_another_council_is_refused_in_the_admin(
    client_for, request, ce_plan, cwac, who, model,
):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = client_for(user)
    record = used_records(ce_plan)[model]
    url = reverse(f"admin:{record._meta.app_label}_{model}_change", args=[record.pk])
    page = client.get(url)
    if model == "budgetplan" and not user.is_superuser:
        assert client.post(url, {**form_data(page), "council": cwac.pk}).status_code == 403  # plans: administrators
        return
    data = {**form_data(page), "council": cwac.pk}
    before = structure()

    response = client.post(url, data)

    assert response.status_code == 200
    assert escape(expected_message(ce_plan, model)) in response.content.decode()
    assert structure() == before


def test_a_record_nothing_uses_may_move_to_another_council(client_for, admin_user, ce_plan, cwac):
    theme = Theme.objects.create(council=ce_plan.council, name="Not used yet")
    client = client_for(admin_user)
    url = reverse("admin:proposals_theme_change", args=[theme.pk])
    response = client.post(url, {**form_data(client.get(url)), "council": cwac.pk})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.council == cwac


def test_any_model_form_refuses_it(ce_plan, cwac):
    outcome = proposal(ce_plan, "33").outcome
    form = modelform_factory(Outcome, fields=["council", "code", "title"])(
        {"council": cwac.pk, "code": outcome.code, "title": outcome.title}, instance=outcome,
    )
    assert not form.is_valid()
    assert form.non_field_errors() == [expected_message(ce_plan, "outcome")]


@pytest.mark.parametrize("table", ["outcomes_outcome", "proposals_theme", "proposals_servicebudget",
                                   "proposals_budgetplan"])
def test_the_database_refuses_moving_a_record_in_use(ce_plan, cwac, table):
    record = {
        "outcomes_outcome": "outcome", "proposals_theme": "theme", "proposals_servicebudget": "servicebudget",
        "proposals_budgetplan": "budgetplan",
    }[table]
    pk = used_records(ce_plan)[record].pk

    def move():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET council_id = %s WHERE id = %s", [cwac.pk, pk])  # nosec B608

    refused_by_the_database(move)


def test_the_database_lets_an_unused_record_move(ce_plan, cwac):
    theme = Theme.objects.create(council=ce_plan.council, name="Not used yet")
    Theme.objects.filter(pk=theme.pk).update(council=cwac)
    theme.refresh_from_db()
    assert theme.council == cwac


def test_the_database_refuses_a_proposal_with_another_councils_outcome_or_theme(ce_plan, cwac_plan):
    p33 = proposal(ce_plan, "33")
    other_outcome = Outcome.objects.filter(council=cwac_plan.council).first()
    other_theme = Theme.objects.create(council=cwac_plan.council, name="Another council's theme")
    refused_by_the_database(lambda: Proposal.objects.filter(pk=p33.pk).update(outcome=other_outcome))
    refused_by_the_database(lambda: Proposal.objects.filter(pk=p33.pk).update(theme=other_theme))
    refused_by_the_database(lambda: Proposal.objects.filter(pk=p33.pk).update(plan=cwac_plan))
    refused_by_the_database(lambda: Proposal.objects.create(
        plan=ce_plan, outcome=other_outcome, title="Across councils", kind="revenue_savings",
    ))
    refused_by_the_database(lambda: Proposal.objects.create(
        plan=ce_plan, outcome=p33.outcome, theme=other_theme, title="Across councils", kind="revenue_savings",
    ))


def test_the_database_refuses_a_line_with_another_councils_service_budget(ce_plan, cwac_plan):
    p33 = proposal(ce_plan, "33")
    line = p33.lines.first()
    other_budget = ServiceBudget.objects.filter(council=cwac_plan.council).first()
    refused_by_the_database(lambda: ImpactLine.objects.filter(pk=line.pk).update(service_budget=other_budget))
    refused_by_the_database(lambda: ImpactLine.objects.create(proposal=p33, service_budget=other_budget, position=9))
    cwac_proposal = Proposal.objects.filter(plan=cwac_plan).first()
    refused_by_the_database(lambda: ImpactLine.objects.filter(pk=line.pk).update(proposal=cwac_proposal))
