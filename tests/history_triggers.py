"""Getting past the audit trail's triggers, as only the database's owner can: for the
tests that play an attacker with those rights, and for the flush that ends every
transactional test. The application has no such way round them."""
import contextlib

HISTORY_TABLES = ("proposals_changeset", "proposals_change")
# Snapshots are immutable the same way (migration 0010): the flush gets past them too.
SNAPSHOT_TABLES = (
    "proposals_snapshot", "proposals_snapshotproposal", "proposals_snapshotline", "proposals_snapshotfigure",
    "proposals_snapshotgapline", "proposals_snapshotgapfigure",
)
GUARDED_TABLES = HISTORY_TABLES + SNAPSHOT_TABLES


@contextlib.contextmanager
def history_triggers_off(connection):
    """PostgreSQL: ``session_replication_role = replica``, which skips ordinary triggers
    (a superuser's setting); SQLite: the triggers dropped, then created again as they were."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ("
            + ", ".join(["%s"] * len(GUARDED_TABLES)) + ")", GUARDED_TABLES
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)
