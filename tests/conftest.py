"""The cast every test shares: two councils' seed data and a named user for each role.

- ``officer``: finance officer of Cheshire East (council A)
- ``officer_cwac``: finance officer of Cheshire West and Chester (council B)
- ``approver``: approver of both; ``commissioner``: commissioner of both
- ``outsider``: signed in, no council at all; ``admin``: administrator
"""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from councils.models import Council, Membership, Role
from proposals.models import BudgetPlan, Proposal
from proposals.seed import load_plan_file, seed_files
from tests.history_triggers import history_triggers_off

PASSWORD = "test-password-123"


@pytest.fixture(autouse=True, scope="session")
def _flush_past_history_triggers():
    """Transactional and browser tests end with Django's flush (DELETE on SQLite, TRUNCATE
    on PostgreSQL), which the audit trail's triggers refuse: the test run lets it through."""
    operations = type(connection.ops)
    flush = operations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with history_triggers_off(self.connection):
            flush(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "execute_sql_flush", execute_sql_flush)
        yield


# The councils the seed loads, so a test of other data (generate_demo's) can leave them out.
SEED_COUNCILS = ("cheshire-east", "cheshire-west-and-chester")


def generated_councils():
    """Every council but the seed's: what a test that generates its own data made."""
    return Council.objects.exclude(slug__in=SEED_COUNCILS)


def load_seed():
    for path in seed_files():
        load_plan_file(path)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Both seed plans, loaded once into the test database, exactly as `seed_demo` loads
    them. Each test runs in a transaction that is rolled back, so no test sees another's
    writes; a transactional test's flush empties the database, and ``seed`` loads again."""
    with django_db_blocker.unblock():
        load_seed()


@pytest.fixture
def seed(db):
    """Both seed plans. Loading is idempotent: after the session's load this only reads
    (two queries a file); after a transactional test's flush it loads them again."""
    load_seed()
    return {
        "ce": BudgetPlan.objects.get(council__slug="cheshire-east"),
        "cwac": BudgetPlan.objects.get(council__slug="cheshire-west-and-chester"),
    }


@pytest.fixture
def ce_plan(seed):
    return seed["ce"]


@pytest.fixture
def cwac_plan(seed):
    return seed["cwac"]


@pytest.fixture
def ce(seed):
    return Council.objects.get(slug="cheshire-east")


@pytest.fixture
def cwac(seed):
    return Council.objects.get(slug="cheshire-west-and-chester")


def make_user(username, *, memberships=(), superuser=False, first="", last=""):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=first or username.title(), last_name=last or "Tester",
        is_superuser=superuser, is_staff=superuser,
    )
    for slug, role in memberships:
        Membership.objects.create(user=user, council=Council.objects.get(slug=slug), role=role)
    return user


@pytest.fixture
def officer(seed):
    return make_user("officer", memberships=[("cheshire-east", Role.OFFICER)], first="Jo", last="Smith")


@pytest.fixture
def officer2(seed):
    return make_user("officer2", memberships=[("cheshire-east", Role.OFFICER)], first="Lee", last="Brown")


@pytest.fixture
def officer_cwac(seed):
    return make_user("officer_cwac", memberships=[("cheshire-west-and-chester", Role.OFFICER)])


@pytest.fixture
def approver(seed):
    return make_user(
        "approver",
        memberships=[("cheshire-east", Role.APPROVER), ("cheshire-west-and-chester", Role.APPROVER)],
        first="Alex", last="Morgan",
    )


@pytest.fixture
def commissioner(seed):
    return make_user(
        "commissioner",
        memberships=[("cheshire-east", Role.COMMISSIONER), ("cheshire-west-and-chester", Role.COMMISSIONER)],
    )


@pytest.fixture
def council_admin(seed):
    return make_user("council_admin", memberships=[("cheshire-east", Role.COUNCIL_ADMIN)], first="Pat", last="Jones")


@pytest.fixture
def outsider(seed):
    return make_user("outsider")


@pytest.fixture
def admin_user(seed):
    return make_user("admin", superuser=True)


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as ``user``."""
    from django.test import Client

    def _client(user):
        c = Client()
        c.force_login(user)
        return c

    return _client


def proposal(plan, reference):
    return Proposal.objects.get(plan=plan, reference=reference)


USER_COLUMNS = [field.attname for field in get_user_model()._meta.concrete_fields if field.name != "last_login"]


def db_snapshot():
    """Everything a bad input must leave untouched, as comparable values."""
    from delivery.models import DeliveryReturn, MonitoringPeriod
    from outcomes.models import MeasureValue, Outcome, OutcomeMeasure
    from proposals.models import (
        Change,
        ChangeSet,
        ImpactLine,
        PublishedFigure,
        PublishedTotal,
        ServiceBudget,
        Theme,
        Variation,
    )
    from publishing.models import Publication
    from workbooks.models import KindWord

    return {
        "monitoring_periods": list(MonitoringPeriod.objects.order_by("pk").values_list()),
        "publications": list(Publication.objects.order_by("pk").values_list()),
        "delivery_returns": list(DeliveryReturn.objects.order_by("pk").values_list()),
        "outcomes": list(Outcome.objects.order_by("pk").values_list()),
        "measures": list(OutcomeMeasure.objects.order_by("pk").values_list()),
        "measure_values": list(MeasureValue.objects.order_by("pk").values_list()),
        "themes": list(Theme.objects.order_by("pk").values_list()),
        "service_budgets": list(ServiceBudget.objects.order_by("pk").values_list()),
        "proposals": list(Proposal.objects.order_by("pk").values_list()),
        "lines": list(ImpactLine.objects.order_by("pk").values_list()),
        "variations": list(Variation.objects.order_by("pk").values_list()),
        "published_totals": list(PublishedTotal.objects.order_by("pk").values_list()),
        "published_figures": list(PublishedFigure.objects.order_by("pk").values_list()),
        "kind_words": list(KindWord.objects.order_by("pk").values_list()),
        "changesets": ChangeSet.objects.count(),
        "changes": Change.objects.count(),
        # A sign-in (last_login) is not a change.
        "users": list(get_user_model().objects.order_by("pk").values_list(*USER_COLUMNS)),
        "memberships": list(Membership.objects.order_by("pk").values_list()),
    }
