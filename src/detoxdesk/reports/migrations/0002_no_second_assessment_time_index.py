"""The report's ``(episode_id, performed_at)`` index on assessments goes: monitoring's
``assessment_time_idx`` ``(episode_id, performed_at, id)`` begins with the same columns and
serves the same look-ups, and each recording writes one index fewer."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_report_indexes"),
        ("monitoring", "0003_assessment_time_idx"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS reports_assessment_episode_performed",
            "CREATE INDEX IF NOT EXISTS reports_assessment_episode_performed "
            "ON monitoring_assessment (episode_id, performed_at)",
        )
    ]
