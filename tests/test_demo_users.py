"""Demo users, whose password is published in the README, exist only when a developer
asks for them (`seed_demo --demo-users`, as `make run` does) with DEBUG on. DEBUG is
off unless the environment turns it on, whichever entry point starts Django."""
import io
import subprocess  # nosec B404 # runs manage.py and python with fixed argument lists
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from proposals.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from proposals.models import Proposal

from .conftest import db_snapshot
from .test_security_headers import BASE_DIR, manage, production_env


def quiet():
    return io.StringIO()


def users():
    return set(get_user_model().objects.values_list("username", flat=True))


def test_demo_users_are_created_only_when_asked_for(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=quiet())
    assert users() == set()
    assert Proposal.objects.count() == 47  # the seed's plans (the session loaded them too)
    call_command("seed_demo", "--demo-users", stdout=quiet())
    assert users() == set(DEMO_USERS)


def test_seed_demo_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--demo-users", stdout=quiet())
    before = (db_snapshot(), list(get_user_model().objects.order_by("pk").values_list("username", "password")))
    call_command("seed_demo", "--demo-users", stdout=quiet())
    after = (db_snapshot(), list(get_user_model().objects.order_by("pk").values_list("username", "password")))
    assert before == after
    assert users() == set(DEMO_USERS)


def test_without_the_flag_debug_off_loads_the_plans_and_no_users(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", stdout=quiet())
    assert users() == set()
    assert Proposal.objects.count() == 47  # the seed's plans (the session loaded them too)


def test_demo_users_are_refused_when_debug_is_off_and_nothing_is_created(db, settings):
    settings.DEBUG = False
    before = db_snapshot()
    with pytest.raises(CommandError, match=r"--demo-users .* needs DEBUG=1 .* Nothing was loaded"):
        call_command("seed_demo", "--demo-users", stdout=quiet())
    assert users() == set()
    assert db_snapshot() == before


def test_the_demo_password_meets_the_password_rules(db):
    for username, (first, last, _roles, _superuser) in DEMO_USERS.items():
        user = get_user_model()(username=username, first_name=first, last_name=last,
                                email=f"{username}@example.invalid")
        validate_password(DEMO_PASSWORD, user)


def development_env_without_debug(tmp_path):
    """A developer's shell that has not said DEBUG: no DEBUG at all, a SECRET_KEY, a fresh database."""
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del env["DEBUG"]
    return env


def test_manage_py_runs_with_debug_off_unless_told(tmp_path):
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
                    env=development_env_without_debug(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_wsgi_runs_with_debug_off_unless_told(tmp_path):
    code = "import budget_portal.wsgi; from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(  # nosec B603 # fixed arguments, no shell
        [sys.executable, "-c", code], cwd=BASE_DIR, env=development_env_without_debug(tmp_path),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_manage_py_seed_demo_on_a_server_creates_no_demo_users(tmp_path):
    env = development_env_without_debug(tmp_path)
    count = ("from django.contrib.auth.models import User; from proposals.models import Proposal; "
             "print(User.objects.count(), Proposal.objects.count())")
    assert manage("migrate", "--noinput", env=env).returncode == 0
    assert manage("seed_demo", env=env).returncode == 0
    assert manage("shell", "-c", count, env=env).stdout.split()[-2:] == ["0", "47"]
    result = manage("seed_demo", "--demo-users", env=env)
    assert result.returncode != 0
    assert "--demo-users creates accounts with a published password, so it needs DEBUG=1" in result.stderr
    assert manage("shell", "-c", count, env=env).stdout.split()[-2:] == ["0", "47"]
