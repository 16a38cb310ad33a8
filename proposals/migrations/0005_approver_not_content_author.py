"""Segregation of duties in the database: nobody approves a proposal whose content they
changed (created, edited or imported it) since it was created or last approved.

``approved_version`` keeps the version of the last approval (it stays when the proposal
returns to draft); a trigger on both databases refuses setting ``approved_by`` to a user
with a content ChangeSet after it, and refuses moving ``approved_version`` except in the
approval itself, so the window cannot be shifted first. The history's action names are
written out here as they are stored (create, edit, import, seed; a status move is not
content)."""
from django.db import migrations, models

from proposals.engine_sql import execute_per_engine

CONTENT_BY_APPROVER = """
    SELECT 1 FROM proposals_changeset c
    WHERE c.proposal_id = NEW.id AND c.user_id = NEW.approved_by_id
      AND c.action IN ('create', 'edit', 'import', 'seed')
      AND c.version > COALESCE(OLD.approved_version, 0)
"""
OWN_WORK = "proposal approved by someone who changed its content since it was created or last approved"
WINDOW = "approved_version changes only when the proposal is approved"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION proposals_approver_not_content_author() RETURNS trigger AS $$
DECLARE
  approving boolean := NEW.approved_by_id IS NOT NULL AND NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id;
BEGIN
  IF approving AND EXISTS ({CONTENT_BY_APPROVER}) THEN
    RAISE EXCEPTION '{OWN_WORK}' USING ERRCODE = '23514';
  END IF;
  IF NEW.approved_version IS DISTINCT FROM OLD.approved_version AND NOT approving THEN
    RAISE EXCEPTION '{WINDOW}' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_approver_not_content_author
  BEFORE UPDATE OF approved_by_id, approved_version ON proposals_proposal
  FOR EACH ROW EXECUTE FUNCTION proposals_approver_not_content_author();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS proposals_approver_not_content_author ON proposals_proposal;
DROP FUNCTION IF EXISTS proposals_approver_not_content_author();
"""
SQLITE_APPROVING = "NEW.approved_by_id IS NOT NULL AND NEW.approved_by_id IS NOT OLD.approved_by_id"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER proposals_approver_not_content_author BEFORE UPDATE OF approved_by_id ON proposals_proposal
    WHEN {SQLITE_APPROVING} AND EXISTS ({CONTENT_BY_APPROVER})
    BEGIN SELECT RAISE(ABORT, '{OWN_WORK}'); END;""",
    f"""CREATE TRIGGER proposals_approved_version_with_approval BEFORE UPDATE OF approved_version ON proposals_proposal
    WHEN NEW.approved_version IS NOT OLD.approved_version AND NOT ({SQLITE_APPROVING})
    BEGIN SELECT RAISE(ABORT, '{WINDOW}'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS proposals_approver_not_content_author;",
    "DROP TRIGGER IF EXISTS proposals_approved_version_with_approval;",
]


def forward(apps, schema_editor):
    # Proposals approved now were approved at their current version (before the trigger exists).
    apps.get_model("proposals", "Proposal").objects.filter(status="approved").update(
        approved_version=models.F("version")
    )
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD},
                       what="approver trigger")


def reverse(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0004_history_append_only")]
    operations = [
        migrations.AddField(
            model_name="proposal",
            name="approved_version",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True,
                help_text="The version it was last approved at, kept when it returns to draft: whoever changes "
                          "its content after this may not approve it.",
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
