"""Migration proposals 0007 (a plan's unit and closed flag) keeps every trigger on
SQLite, which rebuilds proposals_budgetplan to add them; and ``manage.py create_plan``
exits with status 1 and its message on stderr. Both run ``manage.py`` on a SQLite file
of their own."""
import os
import sqlite3
import subprocess  # nosec B404 # the tests run manage.py itself
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(database, *args):
    return subprocess.run(  # nosec B603 # fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1"},
    )


def triggers(database):
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("migration") / "db.sqlite3"
    assert manage(path, "migrate", "-v0").returncode == 0
    return path


def test_every_trigger_is_kept_by_0007_both_ways(database):
    before = manage(database, "migrate", "proposals", "0006", "-v0")
    assert before.returncode == 0, before.stderr
    at_0006 = triggers(database)
    tables = {table for _name, table, _sql in at_0006}
    # Those of 0002, 0004, 0005 and 0006, on the tables 0007 rebuilds and those that name them.
    assert {"proposals_budgetplan", "proposals_proposal", "proposals_variation", "proposals_impactline",
            "proposals_changeset", "proposals_change"} <= tables
    assert "proposals_budgetplan_council_fixed" in {name for name, *_ in at_0006}
    forward = manage(database, "migrate", "proposals", "0007", "-v0")
    assert forward.returncode == 0, forward.stderr
    assert triggers(database) == at_0006
    with sqlite3.connect(database) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(proposals_budgetplan)")}
    assert {"unit", "is_closed"} <= columns
    back = manage(database, "migrate", "proposals", "0006", "-v0")
    assert back.returncode == 0, back.stderr
    assert triggers(database) == at_0006
    assert manage(database, "migrate", "-v0").returncode == 0
    assert triggers(database) == at_0006


def test_create_plan_exits_1_with_its_message_on_stderr(database):
    result = manage(database, "create_plan", "--council", "nowhere-at-all", "--slug", "x", "--name", "X",
                    "--base-year", "2001/02", "--years", "2002/03")
    assert result.returncode == 1
    assert "No council has the slug 'nowhere-at-all'" in result.stderr
