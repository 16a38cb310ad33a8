"""The audit trail becomes append-only in the database and a hash chain per council.

Change sets may also record a structural record (``subject``) instead of a proposal.
Existing change sets are chained in id order (the one UPDATE these tables ever get),
then triggers refuse every UPDATE and DELETE of a change set or a change, and on
PostgreSQL TRUNCATE too, written for each database we run on.

On SQLite a later migration that alters these tables rebuilds them, which drops their
triggers: such a migration must create them again (``forward`` below). The history
tamper tests fail if a trigger is missing.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from proposals.engine_sql import execute_per_engine
from proposals.history import CHANGE_COLUMNS, digest

TABLES = ("proposals_changeset", "proposals_change")
MESSAGE = "the audit trail is append-only: its rows cannot be changed or deleted"

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION proposals_history_is_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = '23001';
    END $$ LANGUAGE plpgsql;""",
    *(
        statement
        for table in TABLES
        for statement in (
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION proposals_history_is_append_only();""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION proposals_history_is_append_only();""",
        )
    ),
]
POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_{name} ON {table};"
        for table in TABLES
        for name in ("append_only", "no_truncate")
    ),
    "DROP FUNCTION IF EXISTS proposals_history_is_append_only();",
]
# SQLite has no TRUNCATE: a DELETE without WHERE runs the DELETE trigger.
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
                       what="append-only triggers")


def reverse(apps, schema_editor):
    execute_per_engine(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


def chain_existing(apps, schema_editor):
    """Hash every existing change set, council by council in id order, with the digest
    and the columns verify_history checks (imported, not copied: a copy that drifted
    would break every chain this migration writes)."""
    ChangeSet = apps.get_model("proposals", "ChangeSet")
    Change = apps.get_model("proposals", "Change")
    changes = {}
    for row in Change.objects.order_by("changeset_id", "id").values_list("changeset_id", *CHANGE_COLUMNS):
        changes.setdefault(row[0], []).append(row[1:])
    heads = {}
    for changeset in ChangeSet.objects.order_by("id"):
        changeset.previous_hash = heads.get(changeset.council_id, "")
        changeset.hash = digest(
            previous_hash=changeset.previous_hash, council_id=changeset.council_id,
            proposal_id=changeset.proposal_id, subject_type=None, subject_id=None, subject_label="",
            user_id=changeset.user_id, at=changeset.at, action=changeset.action, version=changeset.version,
            note=changeset.note, changes=changes.get(changeset.pk, []),
        )
        changeset.save(update_fields=["previous_hash", "hash"])
        heads[changeset.council_id] = changeset.hash


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('councils', '0001_initial'),
        ('proposals', '0003_change_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='changeset',
            name='hash',
            field=models.CharField(default='', help_text='SHA-256 over this change set, its changes and previous_hash.', max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='changeset',
            name='previous_hash',
            field=models.CharField(blank=True, help_text="The council's previous change set's hash.", max_length=64),
        ),
        migrations.AddField(
            model_name='changeset',
            name='subject_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='changeset',
            name='subject_label',
            field=models.CharField(blank=True, help_text='The record, as it was named then.', max_length=300),
        ),
        migrations.AddField(
            model_name='changeset',
            name='subject_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
        ),
        migrations.AlterField(
            model_name='changeset',
            name='action',
            field=models.CharField(choices=[('create', 'Created'), ('edit', 'Edited'), ('status', 'Status changed'), ('import', 'Imported from a spreadsheet'), ('seed', 'Loaded from the published document'), ('delete', 'Deleted')], max_length=10),
        ),
        migrations.AlterField(
            model_name='changeset',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name='changeset',
            name='proposal',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='changesets', to='proposals.proposal'),
        ),
        migrations.AlterField(
            model_name='changeset',
            name='version',
            field=models.PositiveIntegerField(blank=True, help_text="The proposal's version after this save.", null=True),
        ),
        migrations.AddIndex(
            model_name='changeset',
            index=models.Index(fields=['council', 'id'], name='changeset_council_chain'),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='changeset',
            constraint=models.UniqueConstraint(fields=('council', 'previous_hash'), name='changeset_chain_does_not_fork'),
        ),
        migrations.AddConstraint(
            model_name='changeset',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('proposal__isnull', False), ('subject_id__isnull', True), ('subject_type__isnull', True), ('version__isnull', False)), models.Q(('proposal__isnull', True), ('subject_id__isnull', False), ('subject_type__isnull', False)), _connector='OR'), name='changeset_is_of_a_proposal_or_a_subject'),
        ),
        migrations.RunPython(forward, reverse),
    ]
