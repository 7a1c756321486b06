"""Each assessment keeps the time of its episode's latest earlier one: filled for those recorded."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import OuterRef, Subquery


def fill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Assessment = apps.get_model("monitoring", "Assessment")
    before = (
        Assessment.objects.filter(
            episode=OuterRef("episode"), performed_at__lt=OuterRef("performed_at")
        )
        .order_by("-performed_at")
        .values("performed_at")[:1]
    )
    Assessment.objects.update(previous_at=Subquery(before))


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_assessment_time_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="previous_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
