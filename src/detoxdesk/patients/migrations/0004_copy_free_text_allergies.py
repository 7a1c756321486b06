"""Copy each patient's former free-text allergies into an "other substance" allergy entry.

The text is kept whole (never parsed, so nothing is lost or misread), and the entry says where it
came from so staff can review it and choose the substance from the list. The old column stays.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

NOTE = (
    "Copied from the former free-text allergy field. Review it with the patient and, where the "
    "substance is in the list, record it from the list: free text matches no medicine."
)


def copy_allergies(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Patient = apps.get_model("patients", "Patient")
    Allergy = apps.get_model("patients", "Allergy")
    for patient in Patient.objects.exclude(allergies="").iterator():
        text = patient.allergies.strip()
        if not text:
            continue
        Allergy.objects.create(
            patient=patient,
            other_substance=text[:200],
            note=NOTE if len(text) <= 200 else f"{NOTE} Full text: {text}",
            recorded_at=patient.created_at,
        )


def remove_copies(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Allergy = apps.get_model("patients", "Allergy")
    Allergy.objects.filter(recorded_by__isnull=True, note__startswith=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_allergies_contacts_version")]

    operations = [migrations.RunPython(copy_allergies, remove_copies)]
