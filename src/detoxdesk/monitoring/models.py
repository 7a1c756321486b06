from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models


def is_late(happened_at: datetime, recorded_at: datetime) -> bool:
    return recorded_at - happened_at > timedelta(minutes=settings.LATE_ENTRY_MINUTES)


class Scale(models.TextChoices):
    COWS = "cows", "COWS"
    SOWS = "sows", "SOWS"
    CIWA_AR = "ciwa_ar", "CIWA-Ar"


class Assessment(models.Model):
    """One completed withdrawal scale. Totals and bands are computed by the clinical core."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: ``assessment_time_idx`` and ``assessment_latest_idx`` begin with the
    # episode and serve every look-up by it; a lone one was one more index per recording, and
    # offered the planner a way to read a long stay whole and sort it.
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    scale = models.CharField(max_length=16, choices=Scale.choices)
    items = models.JSONField(help_text="Item key to the value chosen.")
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=32, blank=True)
    band_label = models.CharField(max_length=64, blank=True)
    performed_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of_patient = models.BooleanField(
        default=False, help_text="A self-report scale entered by staff for the patient."
    )
    measured_heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    policy_version = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    # The time of the episode's latest earlier assessment (any scale), kept by
    # ``monitoring.sequence.link`` as each one is recorded: the report's "on time" reads it
    # instead of ordering years of assessments.
    previous_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-performed_at"]
        indexes = [
            models.Index(
                fields=["episode", "scale", "-performed_at"], name="assessment_latest_idx"
            ),
            # The chart's history pages and trend window: one episode's rows in time order,
            # whatever the scale (the id breaks ties for keyset paging).
            models.Index(fields=["episode", "performed_at", "id"], name="assessment_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} {self.total} at {self.performed_at:%Y-%m-%d %H:%M}"

    @property
    def is_late_entry(self) -> bool:
        return is_late(self.performed_at, self.recorded_at)


class VitalSigns(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: ``vitals_latest_idx`` begins with the episode.
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="vital_signs", db_index=False
    )
    measured_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature_c = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    confirmed_unusual = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields outside the typo-check range that the recorder confirmed as measured.",
    )

    class Meta:
        verbose_name_plural = "vital signs"
        ordering = ["-measured_at"]
        indexes = [models.Index(fields=["episode", "-measured_at"], name="vitals_latest_idx")]

    def __str__(self) -> str:
        return f"Vitals at {self.measured_at:%Y-%m-%d %H:%M}"

    @property
    def is_late_entry(self) -> bool:
        return is_late(self.measured_at, self.recorded_at)
