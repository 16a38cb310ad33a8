"""The database refuses a figure for a year that is not one of its proposal's plan's
years. A plain foreign key cannot say this (the year and the line reach the plan by
different paths), so it is a trigger, written for each database we run on."""
from django.db import migrations

from proposals.engine_sql import execute_per_engine

CHECK = """
    SELECT 1 FROM proposals_impactline l
    JOIN proposals_proposal p ON p.id = l.proposal_id
    JOIN proposals_planyear y ON y.plan_id = p.plan_id
    WHERE l.id = NEW.line_id AND y.id = NEW.year_id
"""
MESSAGE = "variation year is not a year of the proposal''s plan"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION proposals_variation_year_in_plan() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS ({CHECK}) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_variation_year_in_plan
  BEFORE INSERT OR UPDATE OF line_id, year_id ON proposals_variation
  FOR EACH ROW EXECUTE FUNCTION proposals_variation_year_in_plan();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS proposals_variation_year_in_plan ON proposals_variation;
DROP FUNCTION IF EXISTS proposals_variation_year_in_plan();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER proposals_variation_year_in_plan_insert BEFORE INSERT ON proposals_variation
    WHEN NOT EXISTS ({CHECK})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER proposals_variation_year_in_plan_update BEFORE UPDATE OF line_id, year_id ON proposals_variation
    WHEN NOT EXISTS ({CHECK})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS proposals_variation_year_in_plan_insert;",
    "DROP TRIGGER IF EXISTS proposals_variation_year_in_plan_update;",
]


def forward(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD},
                       what="year-in-plan trigger")


def reverse(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
