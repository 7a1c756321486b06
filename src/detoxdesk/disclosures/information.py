"""What a disclosure can carry: the information categories a consent names.

Counseling notes are kept apart (segmentation): "all my records" never covers them, only a consent
that names them does.
"""

from __future__ import annotations

from django.db import models


class Information(models.TextChoices):
    ALL_RECORDS = "all_records", "All my records at this program, except counseling notes"
    CHART = "chart", "The chart: demographics, withdrawal scores, vital signs and medications"
    DISCHARGE_SUMMARY = "discharge_summary", "The discharge summary and aftercare plan"
    TAPER_CALENDAR = "taper_calendar", "The taper calendar"
    FHIR_BUNDLE = "fhir_bundle", "A standard (FHIR) record of an episode of care"
    EHI_EXPORT = "ehi_export", "The full electronic health information export"
    COUNSELING_NOTES = "counseling_notes", "Counseling notes"


class Purpose(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    PAYMENT = "payment", "Payment"
    OPERATIONS = "operations", "Health care operations"
    PATIENT_REQUEST = "patient_request", "At the request of the patient"


# Only a consent that names these specifically covers them.
SEGMENTED = frozenset({Information.COUNSELING_NOTES.value})
# What "all my records" covers: every category except itself and the segmented ones.
GENERAL = frozenset(
    code for code in Information.values if code not in SEGMENTED | {Information.ALL_RECORDS}
)
TPO = frozenset({Purpose.TREATMENT.value, Purpose.PAYMENT.value, Purpose.OPERATIONS.value})
# The recipient string meaning the patient themself.
PATIENT = "patient"


def covers(categories: list[str] | tuple[str, ...], information: str) -> bool:
    """True when a consent naming ``categories`` covers ``information``."""
    if information in categories:
        return True
    return information in GENERAL and Information.ALL_RECORDS.value in categories


def label(code: str) -> str:
    try:
        return str(Information(code).label)
    except ValueError:
        return code
