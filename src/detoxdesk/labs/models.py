"""Drug tests and other results: one test on one specimen (Result) and what it found (Finding).

The panels and analytes are knowledge data (``clinical.labs``); the codes stored here are its
codes. A result is a record of what was found and is never edited: a correction is a new result.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Result(models.Model):
    """One panel run on one specimen: when it was taken, how it was tested, who recorded it."""

    class Method(models.TextChoices):
        POINT_OF_CARE = "point_of_care", "Point of care"
        LABORATORY = "laboratory", "Laboratory"

    class Origin(models.TextChoices):
        FORM = "form", "Entered by hand"
        IMPORT = "import", "Imported from a file"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="lab_results"
    )
    # The episode's patient, kept here so that questions by patient read one table.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="lab_results"
    )
    panel = models.CharField(max_length=32)
    specimen = models.CharField(max_length=16)
    specimen_at = models.DateTimeField()
    method = models.CharField(max_length=16, choices=Method.choices)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.FORM)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["episode", "-specimen_at"], name="labs_result_episode_time"),
            models.Index(fields=["patient", "-specimen_at"], name="labs_result_patient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.panel} at {self.specimen_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    """What one analyte of a result showed: positive or negative, or a measured value."""

    class Outcome(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="findings")
    analyte = models.CharField(max_length=32)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    value = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    unit = models.CharField(max_length=8, blank=True)
    # The LOINC code the knowledge gave when the result was recorded; "" when none is confirmed.
    loinc = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["result", "analyte"], name="labs_finding_one_per_analyte"
            ),
            models.CheckConstraint(
                condition=(~models.Q(outcome="") & models.Q(value__isnull=True))
                | (models.Q(outcome="") & models.Q(value__isnull=False)),
                name="labs_finding_outcome_or_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.analyte}: {self.outcome or self.value}"
