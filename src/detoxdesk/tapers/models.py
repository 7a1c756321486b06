"""Taper plans and morphine milligram equivalents.

A plan stores its engine input (``parameters``) and its history of edits, holds and resumes
(``TaperEvent``); the schedule is rebuilt from both by the clinical core, and the last result is
kept in ``steps`` so that pages read it without recomputing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class MethadoneFactors(models.TextChoices):
    CDC2022 = "cdc2022", "CDC 2022: one factor for all methadone doses"
    CDC2016 = "cdc2016", "CDC 2016: tiered factors by methadone mg/day"


class TaperSettings(models.Model):
    """A program's taper and MME choices. Its clinical numbers ship unset: SPEC gives none."""

    program = models.OneToOneField(
        "patients.Program", on_delete=models.CASCADE, related_name="taper_settings"
    )
    hold_cows_at = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Flag the next reduction when a COWS total is at or above this. Unset: no flag.",
    )
    hold_sows_at = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Flag the next reduction when a SOWS total is at or above this. Unset: no flag.",
    )
    flag_on_hard_day = models.BooleanField(
        default=True, help_text="Flag the next reduction when the patient reports a hard day."
    )
    methadone_factors = models.CharField(
        max_length=8, choices=MethadoneFactors.choices, default=MethadoneFactors.CDC2022
    )
    slow_near_end_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Long-term tapers: from this percentage of the original dose, reduce less often.",
    )
    slow_near_end_every_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Long-term tapers: days between reductions near the end."
    )
    diazepam_equivalents = models.JSONField(
        default=list,
        blank=True,
        help_text="Rows of {drug, diazepam_per_unit, source}, set by a medical director. SPEC A7 "
        "gives no table: it ships empty, and no equivalent is shown while it is.",
    )
    diazepam_equivalents_version = models.PositiveIntegerField(
        default=0, help_text="Raised on every change of the table; a stale form is refused."
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "taper settings"

    def __str__(self) -> str:
        return f"Taper settings of {self.program}"

    @property
    def has_hold_threshold(self) -> bool:
        return self.hold_cows_at is not None or self.hold_sows_at is not None


class PrescribedOpioid(models.Model):
    """An opioid the patient is prescribed (for MME and long-term tapers)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="prescribed_opioids"
    )
    drug = models.CharField(max_length=32)
    dose = models.DecimalField(max_digits=9, decimal_places=3)
    unit = models.CharField(max_length=8)
    doses_per_day = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    prescriber = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["drug", "recorded_at"]
        indexes = [models.Index(fields=["patient", "stopped_on"], name="opioid_patient_active_idx")]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose} {self.unit}"


class TaperPlan(models.Model):
    class Kind(models.TextChoices):
        BUPRENORPHINE = "buprenorphine", "Buprenorphine withdrawal taper"
        METHADONE = "methadone", "Methadone withdrawal taper"
        LOFEXIDINE = "lofexidine", "Lofexidine wind-down"
        LONG_TERM_OPIOID = "long_term_opioid", "Long-term opioid taper"
        BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine taper"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Signed and active"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="taper_plans"
    )
    episode = models.ForeignKey(
        "patients.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taper_plans",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    drug = models.CharField(max_length=64, help_text="The drug tapered, e.g. methadone.")
    unit = models.CharField(max_length=16, default="mg")
    increment = models.DecimalField(max_digits=9, decimal_places=3)
    current_daily_dose = models.DecimalField(max_digits=9, decimal_places=3)
    start_date = models.DateField()
    parameters = models.JSONField(default=dict, help_text="The rest of the engine's input.")
    steps = models.JSONField(default=list, help_text="The schedule as last computed.")
    notes = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    held_from = models.DateField(null=True, blank=True)
    policy_version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    order_uuid = models.UUIDField(
        null=True, blank=True, help_text="The medication order this plan drives, if any."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "status"], name="taperplan_patient_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.patient} from {self.start_date}"

    @property
    def is_live(self) -> bool:
        """Signed and not cancelled: it drives the calendar and the medication record."""
        return self.status in (self.Status.ACTIVE, self.Status.HELD)

    @property
    def stop_findings(self) -> list[dict[str, str]]:
        """The engine's stops (``abrupt_taper``): the plan cannot be signed while it has one."""
        return [f for f in self.findings if f.get("severity") == "stop"]

    @property
    def warning_findings(self) -> list[dict[str, str]]:
        """The engine's warnings: signing needs them acknowledged."""
        return [f for f in self.findings if f.get("severity") != "stop"]


class TaperEvent(models.Model):
    """One change to a plan, replayed in order on the engine's plan."""

    class Kind(models.TextChoices):
        DRAFTED = "drafted", "Drafted"
        EDITED = "edited", "Step edited"
        SIGNED = "signed", "Signed"
        HELD = "held", "Held"
        RESUMED = "resumed", "Resumed"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(TaperPlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class HardDayReport(models.Model):
    """The patient's own report that a day of the taper is hard; it can flag the next reduction."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TaperPlan, on_delete=models.CASCADE, related_name="hard_days")
    reported_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"Hard day reported at {self.reported_at:%Y-%m-%d %H:%M}"
