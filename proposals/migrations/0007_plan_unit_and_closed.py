"""A plan's unit (£m or £000: how its figures are shown and typed; they are stored in
£k either way) and whether it is closed (read-only).

SQLite rebuilds proposals_budgetplan to add them, so every trigger is set aside first
and put back after (``proposals.engine_sql``); PostgreSQL adds the columns in place."""
from django.db import migrations, models

from proposals.engine_sql import put_back_sqlite_triggers, set_aside_sqlite_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('councils', '0002_council_administrator'),
        ('proposals', '0006_structure_council_fixed'),
    ]

    operations = [
        migrations.RunPython(set_aside_sqlite_triggers, put_back_sqlite_triggers),
        migrations.AddField(
            model_name='budgetplan',
            name='is_closed',
            field=models.BooleanField(default=False, help_text='A closed plan is read-only: its proposals cannot change.', verbose_name='closed'),
        ),
        migrations.AddField(
            model_name='budgetplan',
            name='unit',
            field=models.CharField(choices=[('millions', '£m, to three decimal places'), ('thousands', '£000 (whole thousands)')], default='millions', help_text="The unit the council's figures are shown and typed in.", max_length=10),
        ),
        migrations.AddConstraint(
            model_name='budgetplan',
            constraint=models.CheckConstraint(condition=models.Q(('unit__in', ('millions', 'thousands'))), name='plan_unit_valid'),
        ),
        migrations.RunPython(put_back_sqlite_triggers, set_aside_sqlite_triggers),
    ]
