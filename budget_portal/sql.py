"""Pieces of hand-written SQL read off the models' ``_meta``, for the few queries the ORM
took longer to build and compile than the database took to run (README, "Why some
queries are written as they are"). Names only ever come from ``_meta``; every value is
a query parameter."""


def column(alias, model, name):
    """ "r.target_k": the column of ``model``'s field ``name`` (``"pk"``: its primary key), as ``alias``."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return f"{alias}.{field.column}"


def join(model, alias, name, to):
    """The join along the foreign key ``name`` of ``model`` (as ``alias``) to the model it
    names (as ``to``): inner where the key is required, left where it may be empty, as the
    ORM joins it."""
    key = model._meta.get_field(name)
    kind = "LEFT JOIN" if key.null else "JOIN"
    return (f"{kind} {key.related_model._meta.db_table} {to} "
            f"ON {to}.{key.target_field.column} = {alias}.{key.column}")
