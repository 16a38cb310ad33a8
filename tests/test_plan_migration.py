"""Migration proposals 0007 (a plan's unit and closed flag) keeps every trigger on
SQLite, which rebuilds proposals_budgetplan to add them; and ``manage.py create_plan``
exits with status 1 and its message on stderr. Both run ``manage.py`` on a SQLite file
of their own."""
import json
import os
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


# Run in one process, from an empty database: migrate to 0006, forward to 0007, back, forward
# again and on to the latest, printing the triggers (and budgetplan's columns) after each step, as JSON.
STEPS = """
import json
from django.core.management import call_command
from django.db import connection

def state():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        found = [list(row) for row in cursor.fetchall()]
        cursor.execute("PRAGMA table_info(proposals_budgetplan)")
        columns = [row[1] for row in cursor.fetchall()]
    return {"triggers": found, "columns": columns}

out = {}
for name, target in [("0006", "0006"), ("0007", "0007"), ("back", "0006"), ("again", "0007"), ("latest", None)]:
    call_command("migrate", *(["proposals", target] if target else []), verbosity=0)
    out[name] = state()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """(a database migrated from empty by STEPS, to the latest migration; what STEPS printed)."""
    path = tmp_path_factory.mktemp("migration") / "db.sqlite3"
    result = manage(path, "shell", "-c", STEPS)
    assert result.returncode == 0, result.stderr
    return path, json.loads(result.stdout.strip().splitlines()[-1])


def test_every_trigger_is_kept_by_0007_both_ways(migrated):
    _database, steps = migrated
    at_0006 = steps["0006"]["triggers"]
    tables = {table for _name, table, _sql in at_0006}
    # Those of 0002, 0004, 0005 and 0006: on the table 0007 rebuilds and on those whose triggers name it.
    assert {"proposals_budgetplan", "proposals_proposal", "proposals_variation", "proposals_impactline",
            "proposals_changeset", "proposals_change"} <= tables
    assert "proposals_budgetplan_council_fixed" in {name for name, *_ in at_0006}
    assert "unit" not in steps["0006"]["columns"]
    for step in ("0007", "back", "again"):
        assert steps[step]["triggers"] == at_0006, step
    assert {"unit", "is_closed"} <= set(steps["0007"]["columns"])
    assert "unit" not in steps["back"]["columns"]
    # The later migrations (0009 adds a column to proposals_proposal) keep them too.
    assert {tuple(t) for t in at_0006} <= {tuple(t) for t in steps["latest"]["triggers"]}


def test_create_plan_exits_1_with_its_message_on_stderr(migrated):
    result = manage(migrated[0], "create_plan", "--council", "nowhere-at-all", "--slug", "x", "--name", "X",
                    "--base-year", "2001/02", "--years", "2002/03")
    assert result.returncode == 1
    assert "No council has the slug 'nowhere-at-all'" in result.stderr
