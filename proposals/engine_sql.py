"""SQL written for each database engine, run by the migrations that add triggers."""


def execute_per_engine(schema_editor, statements, *, what=None):
    """Execute ``statements[vendor]`` (SQL statements, or one string) on ``schema_editor``'s
    database, with no parameters (so a ``%`` stays a ``%``). ``what`` names what they make,
    for the error on an engine none were written for; None does nothing there (a reverse)."""
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        if what is None:
            return
        raise RuntimeError(f"No {what} written for {vendor}")
    found = statements[vendor]
    for statement in [found] if isinstance(found, str) else found:
        schema_editor.execute(statement, params=None)


# SQLite rebuilds a table to add a NOT NULL column or a constraint (create a copy, drop
# the table, rename the copy), which drops the table's own triggers and fails on the
# rename while another table's trigger names it. A migration that does so sets every
# trigger aside first and puts them back after, exactly as they were written:
#   operations = [RunPython(set_aside_sqlite_triggers, put_back_sqlite_triggers), <the
#                 operations>, RunPython(put_back_sqlite_triggers, set_aside_sqlite_triggers)]
# They wait in a temporary table of the migration's connection. PostgreSQL alters tables
# in place and keeps its triggers: nothing to do there.
SET_ASIDE_TABLE = "set_aside_triggers"


def set_aside_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {SET_ASIDE_TABLE} AS "  # nosec B608 # a constant name
                       "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        cursor.execute(f"SELECT name FROM {SET_ASIDE_TABLE}")  # nosec B608 # a constant name
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def put_back_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT name, sql FROM {SET_ASIDE_TABLE} ORDER BY rowid")  # nosec B608 # a constant name
        for _name, sql in cursor.fetchall():
            cursor.execute(sql)
        cursor.execute(f"DROP TABLE {SET_ASIDE_TABLE}")
