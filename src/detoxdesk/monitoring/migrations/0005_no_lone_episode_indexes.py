"""Assessments and vital signs lose their lone episode indexes: the composite indexes that begin
with the episode serve every look-up by episode, and each recording writes two indexes fewer.

A lone ``(episode_id)`` index also offered the planner a way to read a whole stay and sort it for
"the episode's latest twenty": a plan made without the values (a reused one) took it, and for a
stay of 32,000 assessments that was twenty times slower than the ordered index scan.
"""

from django.db import migrations, models

# The names Django gave the foreign keys' indexes (the same on every database).
LONE_INDEXES = {
    "monitoring_assessment_episode_id_9855421e": ("monitoring_assessment", "episode_id"),
    "monitoring_vitalsigns_episode_id_cf34fc7b": ("monitoring_vitalsigns", "episode_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_assessment_previous_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assessment",
                    name="episode",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="assessments",
                        to="patients.episode",
                    ),
                ),
                migrations.AlterField(
                    model_name="vitalsigns",
                    name="episode",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="vital_signs",
                        to="patients.episode",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})",
                )
                for name, (table, column) in LONE_INDEXES.items()
            ],
        ),
    ]
