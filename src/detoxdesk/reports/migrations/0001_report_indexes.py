"""Indexes the quality report reads by: ranges of admission, discharge, due day and assessment time.

Plain ``CREATE INDEX`` statements (the same on SQLite and PostgreSQL) on tables other apps own,
so that the report's date-range scans and its per-episode look-ups read an index, not the table.
"""

from django.db import migrations

INDEXES = {
    "reports_episode_facility_admitted": "patients_episode (facility_id, admitted_at)",
    "reports_episode_facility_discharged": "patients_episode (facility_id, discharged_at)",
    "reports_episode_patient_admitted": "patients_episode (patient_id, admitted_at)",
    "reports_assessment_episode_performed": "monitoring_assessment (episode_id, performed_at)",
    "reports_assessment_performed": "monitoring_assessment (performed_at)",
    "reports_follow_up_facility_due": "aftercare_followup (facility_id, due_on, day_offset)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_program_vital_hard_limits"),
        ("monitoring", "0002_vitals_confirmed_unusual"),
        ("aftercare", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
