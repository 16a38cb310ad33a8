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
