"""Audit events lose their lone actor and patient indexes: the ``(actor, -at)`` and
``(patient, -at)`` indexes begin with those columns and serve every look-up by them (the audit
log's filters, the checks behind ``PROTECT``), and each event written updates two indexes fewer.

The indexes are dropped by name rather than by altering the fields: on SQLite, altering a field
rebuilds the table, and the rebuilt table would lack the append-only triggers of 0003.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The names Django gave the foreign keys' indexes (the same on every database).
LONE_INDEXES = {
    "audit_auditevent_actor_id_270bb4b7": "actor_id",
    "audit_auditevent_patient_id_82c45eaf": "patient_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_triggers"),
        ("patients", "0008_patient_gender_identity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Who acted; empty for the system.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX IF NOT EXISTS {name} ON audit_auditevent ({column})",
                )
                for name, column in LONE_INDEXES.items()
            ],
        ),
    ]
