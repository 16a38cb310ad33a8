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
# They wait in a temporary table of the migration's connection, set_aside_triggers. PostgreSQL alters tables
# in place and keeps its triggers: nothing to do there.


def set_aside_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE set_aside_triggers AS "
                       "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        cursor.execute("SELECT name FROM set_aside_triggers")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def put_back_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM set_aside_triggers ORDER BY rowid")
        for _name, sql in cursor.fetchall():
            cursor.execute(sql)
        cursor.execute("DROP TABLE set_aside_triggers")
