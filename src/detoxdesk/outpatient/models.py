"""Outpatient episodes: the visit schedule, the visits, the clinician's reviews, and the program's
review settings (unset as shipped: SPEC gives no outpatient numbers)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class OutpatientSettings(models.Model):
    """The score rises that send an outpatient episode for review. SPEC gives none: unset."""

    program = models.OneToOneField(
        "patients.Program", on_delete=models.CASCADE, related_name="outpatient_settings"
    )
    review_cows_rise = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Review when a COWS total is at least this much above the one before. Unset: "
        "no COWS rise sends an episode for review.",
    )
    review_sows_rise = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Review when a SOWS total is at least this much above the one before. Unset: "
        "no SOWS rise sends an episode for review.",
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "outpatient settings"

    def __str__(self) -> str:
        return f"Outpatient settings of {self.program}"


class VisitPlan(models.Model):
    """The visit schedule an outpatient episode follows: every ``every_days`` days (1: daily)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.OneToOneField(
        "patients.Episode", on_delete=models.PROTECT, related_name="visit_plan"
    )
    first_visit_on = models.DateField()
    every_days = models.PositiveSmallIntegerField(help_text="1 for daily visits.")
    last_visit_on = models.DateField(null=True, blank=True)
    home_check_ins = models.BooleanField(
        default=True, help_text="The patient sends a SOWS from home on the days between visits."
    )
    version = models.PositiveIntegerField(default=1)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Visits every {self.every_days} day(s) from {self.first_visit_on}"


class Visit(models.Model):
    """One outpatient visit that took place. Its scores, vitals and observed doses are recorded
    with the monitoring and medication forms, and shown with the visit by day."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="outpatient_visits"
    )
    visit_on = models.DateField()
    attended_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-visit_on"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "visit_on"], name="visit_one_per_day")
        ]

    def __str__(self) -> str:
        return f"Visit on {self.visit_on}"


class Review(models.Model):
    """A clinician's review of an outpatient episode sent for review; reasons before it are
    answered by it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="outpatient_reviews"
    )
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.JSONField(default=list, help_text="The reasons shown when it was reviewed.")
    note = models.TextField()

    class Meta:
        ordering = ["-reviewed_at"]
        indexes = [models.Index(fields=["episode", "-reviewed_at"], name="op_review_latest_idx")]

    def __str__(self) -> str:
        return f"Reviewed at {self.reviewed_at:%Y-%m-%d %H:%M}"
