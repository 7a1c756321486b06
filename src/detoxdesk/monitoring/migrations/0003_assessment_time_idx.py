"""An index on (episode, performed_at, id) for the chart's keyset-paged history and trend window."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_vitals_confirmed_unusual"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(
                fields=["episode", "performed_at", "id"], name="assessment_time_idx"
            ),
        ),
    ]
