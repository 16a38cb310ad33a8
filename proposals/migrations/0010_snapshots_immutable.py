"""Snapshots are immutable in the database: triggers refuse every UPDATE and DELETE of a
snapshot and of its copied proposals, lines, figures and gap lines (and TRUNCATE on
PostgreSQL), as migration 0004 does for the audit trail."""

from django.db import migrations

from proposals.engine_sql import execute_per_engine

TABLES = (
    "proposals_snapshot", "proposals_snapshotproposal", "proposals_snapshotline", "proposals_snapshotfigure",
    "proposals_snapshotgapline", "proposals_snapshotgapfigure",
)
MESSAGE = "a snapshot is kept as it was taken: its rows cannot be changed or deleted"

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION proposals_snapshot_is_immutable() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = '23001';
    END $$ LANGUAGE plpgsql;""",
    *(
        statement
        for table in TABLES
        for statement in (
            f"""CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION proposals_snapshot_is_immutable();""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION proposals_snapshot_is_immutable();""",
        )
    ),
]
POSTGRES_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table};" for table in TABLES for name in ("immutable", "no_truncate")),
    "DROP FUNCTION IF EXISTS proposals_snapshot_is_immutable();",
]
SQLITE_FORWARD = [
    f"""CREATE TRIGGER {table}_no_{operation} BEFORE {operation.upper()} ON {table}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
    for table in TABLES
    for operation in ("update", "delete")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_no_{operation};" for table in TABLES for operation in ("update", "delete")
]


def forward(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD},
                       what="snapshot triggers")


def reverse(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0009_gap_snapshots_carried_from")]

    operations = [migrations.RunPython(forward, reverse)]
