"""A backup, restored into a fresh database, gives the same roll-ups and history.

The commands are the ones the README gives a council's IT team: on PostgreSQL
``pg_dump -Fc`` then ``pg_restore`` into a new database; on SQLite the online backup
(``sqlite3 db.sqlite3 ".backup …"``, here through Python's sqlite3 backup API, the same
SQLite call). The restored database is then read by a separate process, as a council
would after a restore, and must agree with the original to the last £ thousand and the
last history row.
"""
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump/pg_restore/python with fixed argument lists
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from proposals.models import Change, ChangeSet, Proposal, Status
from proposals.services import LineInput, change_status, save_proposal
from reports.rollup import GROUPINGS, VIEWS, rollup

from .conftest import proposal

BASE_DIR = Path(settings.BASE_DIR)


def fingerprint():
    """Every roll-up of every plan (each grouping, each view) and every history row."""
    from proposals.models import BudgetPlan

    rollups = {}
    for plan in BudgetPlan.objects.select_related("council").order_by("council__slug", "slug"):
        proposals = Proposal.objects.filter(plan=plan)
        for by in GROUPINGS:
            for view in VIEWS:
                result = rollup(plan=plan, proposals=proposals, by=by, view=view)
                rollups[f"{plan.council.slug}/{plan.slug}/{by}/{view}"] = {
                    "rows": [
                        [row.key, row.label, {y: _cell(c) for y, c in row.years.items()}, _cell(row.total)]
                        for row in result.rows
                    ],
                    "totals": {y: _cell(c) for y, c in result.totals.items()},
                    "grand_total": _cell(result.grand_total),
                }
    changesets = [
        [pk, proposal_id, council_id, user_id, at.isoformat(), action, version, note, previous_hash, hash_]
        for pk, proposal_id, council_id, user_id, at, action, version, note, previous_hash, hash_
        in ChangeSet.objects.order_by("pk").values_list(
            "pk", "proposal_id", "council_id", "user_id", "at", "action", "version", "note", "previous_hash", "hash",
        )
    ]
    changes = [list(row) for row in Change.objects.order_by("pk").values_list()]
    proposals = [list(row) for row in Proposal.objects.order_by("pk").values_list("pk", "status", "version", "net_k")]
    return {"rollups": rollups, "changesets": changesets, "changes": changes, "proposals": proposals}


def _cell(cell):
    return [cell.increase, cell.decrease, cell.net, cell.profiled]


def fingerprint_of(database_url):
    """The fingerprint as a fresh process sees it through ``database_url``."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "budget_portal.settings_test"}
    code = (
        "import json, django; django.setup();"
        "from tests.test_backup_restore import fingerprint; print(json.dumps(fingerprint()))"
    )
    result = subprocess.run(  # nosec B603 # fixed arguments, no shell
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def edited(seed, officer, approver):
    """The seed (out to consultation) plus a history worth keeping: a figure changed, then approved."""
    growth = proposal(seed["ce"], "41")
    lines = [
        LineInput(line.service_budget, {v.year: v.amount_k for v in line.variations.select_related("year")})
        for line in growth.lines.select_related("service_budget")
    ]
    first_year = seed["ce"].years.order_by("start_year").first()
    lines[0].figures[first_year] += 250
    save_proposal(proposal=growth, user=officer, fields={}, lines=lines, expected_version=growth.version)
    change_status(proposal=growth, user=approver, to=Status.APPROVED)
    return seed


def _as_json(value):
    return json.loads(json.dumps(value))


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_identical_rollups_and_history(edited, tmp_path):
    before = _as_json(fingerprint())
    assert before["changesets"][-1][5] == ChangeSet.Action.STATUS  # the test has real history to lose

    if connection.vendor == "postgresql":
        restored_url = _backup_and_restore_postgresql(tmp_path)
    elif connection.vendor == "sqlite":
        restored_url = _backup_and_restore_sqlite(tmp_path)
    else:  # pragma: no cover
        pytest.fail(f"No backup procedure documented for {connection.vendor}")

    try:
        after = fingerprint_of(restored_url)
    finally:
        if connection.vendor == "postgresql":
            _drop_database(restored_url)
    assert after == before


def _backup_and_restore_sqlite(tmp_path):
    backup = tmp_path / "backup.sqlite3"
    restored = tmp_path / "restored.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(backup) as target:  # sqlite3 db.sqlite3 ".backup backup.sqlite3"
        connection.connection.backup(target)
    target.close()
    with sqlite3.connect(backup) as source, sqlite3.connect(restored) as target:  # ".restore"
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{restored}"


def _pg_args():
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _pg_env():
    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def _pg_tool(name, *args):
    tool = shutil.which(name)
    if tool is None:
        pytest.fail(f"{name} is not installed: PostgreSQL backups cannot be tested")
    result = subprocess.run(  # nosec B603 # fixed arguments, no shell
        [tool, *_pg_args(), *args], env=_pg_env(), capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{name} failed: {result.stderr}"


def _backup_and_restore_postgresql(tmp_path):
    db = connection.settings_dict
    dump = tmp_path / "budget_portal.dump"
    fresh = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", db["NAME"])
    _pg_tool("createdb", fresh)
    _pg_tool("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh}", str(dump))
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{fresh}"


def _drop_database(url):
    _pg_tool("dropdb", "--if-exists", url.rsplit("/", 1)[1])
