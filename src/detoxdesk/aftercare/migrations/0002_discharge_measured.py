"""The quality report figures of a signed discharge, kept on its row: filled for those signed."""

from typing import Any

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Min, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce


def fill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Discharge = apps.get_model("aftercare", "Discharge")
    BundleItem = apps.get_model("aftercare", "BundleItem")
    Appointment = apps.get_model("aftercare", "Appointment")

    def item(code: str, value: Any) -> Coalesce:
        return Coalesce(
            Subquery(
                BundleItem.objects.filter(discharge=OuterRef("pk"), code=code)
                .annotate(v=value)
                .values("v")[:1]
            ),
            models.Value(""),
            output_field=models.CharField(),
        )

    first_handoff = (
        Appointment.objects.filter(discharge=OuterRef("pk"), is_warm_handoff=True)
        .values("discharge")
        .annotate(first=Min("when"))
        .values("first")
    )
    Discharge.objects.filter(status="signed").update(
        moud_status=item("moud", models.F("status")),
        moud_option=item("moud", KeyTextTransform("moud_option", "details")),
        naloxone_status=item("naloxone", models.F("status")),
        naloxone_how=item("naloxone", KeyTextTransform("naloxone_how", "details")),
        warm_handoff_at=Subquery(first_handoff),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="discharge",
            name="moud_option",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="discharge",
            name="moud_status",
            field=models.CharField(blank=True, editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="discharge",
            name="naloxone_how",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="discharge",
            name="naloxone_status",
            field=models.CharField(blank=True, editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="discharge",
            name="warm_handoff_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
