"""The database keeps every proposal inside one council: its plan, outcome and theme, and
its lines' service budgets, all belong to the same council.

Two sides hold it. A proposal or impact line may only name records of its plan's council
(checked when it is written), and a plan, outcome, theme or service budget cannot move to
another council while a proposal or impact line refers to it (checked when its council
changes). Foreign keys cannot say either (the councils are reached by different paths),
so they are triggers, written for each database we run on, as in 0002.
"""
from django.db import migrations

from proposals.engine_sql import execute_per_engine

# (table whose council is fixed once used, the table that refers to it, its column, noun)
STRUCTURE = [
    ("proposals_budgetplan", "proposals_proposal", "plan_id", "budget plan"),
    ("outcomes_outcome", "proposals_proposal", "outcome_id", "outcome"),
    ("proposals_theme", "proposals_proposal", "theme_id", "theme"),
    ("proposals_servicebudget", "proposals_impactline", "service_budget_id", "service budget"),
]

PROPOSAL_IN_ITS_COUNCIL = """
    SELECT 1 FROM proposals_budgetplan b
    JOIN outcomes_outcome o ON o.id = NEW.outcome_id AND o.council_id = b.council_id
    WHERE b.id = NEW.plan_id
      AND (NEW.theme_id IS NULL OR EXISTS (
        SELECT 1 FROM proposals_theme t WHERE t.id = NEW.theme_id AND t.council_id = b.council_id))
"""
PROPOSAL_MESSAGE = "a proposal''s outcome and theme must belong to its plan''s council"

LINE_IN_ITS_COUNCIL = """
    SELECT 1 FROM proposals_proposal p
    JOIN proposals_budgetplan b ON b.id = p.plan_id
    JOIN proposals_servicebudget s ON s.id = NEW.service_budget_id AND s.council_id = b.council_id
    WHERE p.id = NEW.proposal_id
"""
LINE_MESSAGE = "an impact line''s service budget must belong to its proposal''s council"


def triggers(differs):
    """(name, table, events, condition to refuse, message) of every trigger; ``differs`` is
    the engine's null-safe inequality."""
    for table, referrer, column, noun in STRUCTURE:
        used = f"SELECT 1 FROM {referrer} WHERE {column} = OLD.id"  # nosec B608 # names from STRUCTURE, constants
        yield (
            f"{table}_council_fixed", table, ["UPDATE OF council_id"],
            f"NEW.council_id {differs} OLD.council_id AND EXISTS ({used})",
            f"this {noun} is used by proposals; its council cannot change",
        )
    yield (
        "proposals_proposal_in_its_council", "proposals_proposal", ["INSERT", "UPDATE OF plan_id, outcome_id, theme_id"],
        f"NOT EXISTS ({PROPOSAL_IN_ITS_COUNCIL})", PROPOSAL_MESSAGE,
    )
    yield (
        "proposals_impactline_in_its_council", "proposals_impactline", ["INSERT", "UPDATE OF proposal_id, service_budget_id"],
        f"NOT EXISTS ({LINE_IN_ITS_COUNCIL})", LINE_MESSAGE,
    )


def postgres_forward():
    for name, table, events, condition, message in triggers("IS DISTINCT FROM"):
        yield f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
  IF {condition} THEN
    RAISE EXCEPTION '{message}' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {name} BEFORE {" OR ".join(events)} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
"""


def postgres_reverse():
    for name, table, *_ in triggers("IS DISTINCT FROM"):
        yield f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"


def sqlite_names(name, events):
    """SQLite's triggers have one event each: ``name``, or ``name_insert`` and ``name_update``."""
    if len(events) == 1:
        return [(name, events[0])]
    return [(f"{name}_{event.split()[0].lower()}", event) for event in events]


def sqlite_forward():
    for name, table, events, condition, message in triggers("IS NOT"):
        for trigger, event in sqlite_names(name, events):
            yield (f"CREATE TRIGGER {trigger} BEFORE {event} ON {table} WHEN {condition} "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END;")


def sqlite_reverse():
    for name, _, events, *_ in triggers("IS NOT"):
        for trigger, _ in sqlite_names(name, events):
            yield f"DROP TRIGGER IF EXISTS {trigger};"


def forward(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": postgres_forward(), "sqlite": sqlite_forward()},
                       what="council triggers")


def reverse(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": postgres_reverse(), "sqlite": sqlite_reverse()})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_approver_not_content_author"), ("outcomes", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
