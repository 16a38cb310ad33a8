"""ReportChoices.load: the plan, its council, its years and the filters' choices in one
query, the same as fetching each on its own, and a 404 for a plan the user may not see."""
import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from councils.access import council_roles
from proposals.models import BudgetPlan
from reports.filters import ReportChoices
from tests.conftest import make_user


def fields(objects):
    return [{f.attname: getattr(o, f.attname) for f in o._meta.concrete_fields} for o in objects]


def test_one_query_gives_the_same_plan_and_choices_as_one_query_each(commissioner, ce_plan):
    council_slug = ce_plan.council.slug
    council_roles(commissioner).in_council(ce_plan.council_id)  # a request reads them once, for its navigation too
    with CaptureQueriesContext(connection) as captured:
        plan, choices = ReportChoices.load(commissioner, council_slug, ce_plan.slug)
        years = choices.years
        council_name = plan.council.name
        assert all(year.plan is plan for year in years)
    assert len(captured) == 1
    expected = ReportChoices.for_plan(BudgetPlan.objects.select_related("council").get(pk=ce_plan.pk))
    assert fields([plan]) == fields([ce_plan]) and council_name == ce_plan.council.name
    assert fields(years) == fields(expected.years) and years
    for name in ("plans", "outcomes", "themes", "budgets", "years"):
        assert fields(getattr(choices, name)) == fields(getattr(expected, name)), name
        assert getattr(choices, name), name
    with CaptureQueriesContext(connection) as captured:
        [str(o) for o in choices.outcomes] + [t.description for t in choices.themes] + [p.note for p in choices.plans]
    assert len(captured) == 0  # every field came with the one query


def test_a_plan_of_a_council_the_user_has_no_role_in_is_a_404(ce_plan, cwac_plan):
    stranger = make_user("stranger", memberships=[("cheshire-west-and-chester", "commissioner")])
    assert ReportChoices.load(stranger, cwac_plan.council.slug, cwac_plan.slug)[0].pk == cwac_plan.pk
    with pytest.raises(Http404):
        ReportChoices.load(stranger, ce_plan.council.slug, ce_plan.slug)
    with pytest.raises(Http404):
        ReportChoices.load(stranger, cwac_plan.council.slug, ce_plan.slug if ce_plan.slug != cwac_plan.slug else "nope")
    with pytest.raises(Http404):
        ReportChoices.load(stranger, "no-such-council", cwac_plan.slug)


def test_a_signed_out_or_deactivated_user_gets_a_404_and_an_administrator_sees_every_council(ce_plan):
    from django.contrib.auth.models import AnonymousUser

    gone = make_user("gone", memberships=[("cheshire-east", "commissioner")])
    gone.is_active = False
    gone.save()
    for user in (AnonymousUser(), gone):
        with pytest.raises(Http404):
            ReportChoices.load(user, ce_plan.council.slug, ce_plan.slug)
    admin = make_user("site-admin", superuser=True)
    assert ReportChoices.load(admin, ce_plan.council.slug, ce_plan.slug)[0].pk == ce_plan.pk
