"""Discharge with its bundle, appointments, referrals and the follow-ups that come after."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from detoxdesk.clinical import aftercare as rules


class AftercareSettings(models.Model):
    """A program's aftercare choices; created on first use, edited by the director."""

    program = models.OneToOneField(
        "patients.Program", on_delete=models.CASCADE, related_name="aftercare_settings"
    )
    follow_up_days = models.JSONField(
        default=list,
        blank=True,
        help_text="Days after discharge on which follow-ups fall due; empty means the shipped "
        "default.",
    )
    overdue_grace_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days a follow-up stays due before it counts as overdue; unset means overdue "
        "from the day after it falls due.",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "aftercare settings"

    def __str__(self) -> str:
        return f"Aftercare settings of {self.program}"


class DischargeKind(models.TextChoices):
    COMPLETED = "completed", "Completed"
    AMA = "ama", "Left against medical advice"
    TRANSFERRED = "transferred", "Transferred"
    ADMINISTRATIVE = "administrative", "Administrative"


class Discharge(models.Model):
    """One episode's discharge: prepared item by item, then signed (which ends the episode)."""

    Kind = DischargeKind

    class Status(models.TextChoices):
        PREPARING = "preparing", "Being prepared"
        SIGNED = "signed", "Signed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.OneToOneField(
        "patients.Episode", on_delete=models.PROTECT, related_name="discharge"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="discharges"
    )
    kind = models.CharField(max_length=16, choices=DischargeKind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    medications_text = models.TextField(
        "medications and doses",
        blank=True,
        help_text="What the patient takes after discharge, in plain words, one per line.",
    )
    instructions = models.TextField(
        "other instructions", blank=True, help_text="Anything else the patient should know."
    )
    handoff_delay_acknowledged = models.BooleanField(
        default=False,
        help_text="A clinician acknowledged a warm hand-off later than the recommended window.",
    )
    # What the quality report counts, fixed at signing (the bundle no longer changes after it), so
    # years of discharges are counted from their own row. Blank or null until signed.
    moud_status = models.CharField(max_length=16, blank=True, editable=False)
    moud_option = models.CharField(max_length=32, blank=True, editable=False)
    naloxone_status = models.CharField(max_length=16, blank=True, editable=False)
    naloxone_how = models.CharField(max_length=32, blank=True, editable=False)
    warm_handoff_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["patient", "status"], name="discharge_patient_status_idx")]

    def __str__(self) -> str:
        return f"Discharge of {self.patient} ({self.get_kind_display()})"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class BundleItem(models.Model):
    """One item of the discharge bundle and how it was resolved."""

    class Code(models.TextChoices):
        MOUD = "moud", "MOUD offered or continued"
        NALOXONE = "naloxone", "Naloxone dispensed or prescribed"
        OVERDOSE_EDUCATION = "overdose_education", "Overdose and lost-tolerance education"
        WARM_HANDOFF = "warm_handoff", "Warm hand-off appointment"
        REFERRALS = "referrals", "Referrals"
        CRISIS_NUMBERS = "crisis_numbers", "Crisis numbers given"

    class Status(models.TextChoices):
        OPEN = rules.ITEM_OPEN, "Not yet resolved"
        DONE = rules.ITEM_DONE, "Done"
        DECLINED = rules.ITEM_DECLINED, "Declined"
        NOT_APPLICABLE = rules.ITEM_NOT_APPLICABLE, "Not applicable"

    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=32, choices=Code.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["discharge", "code"], name="bundle_item_unique_per_discharge"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "done"]) | ~Q(reason=""),
                name="bundle_item_reason_when_declined_or_na",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.get_status_display()}"


class Appointment(models.Model):
    """An appointment after discharge (the warm hand-off among them)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="appointments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="aftercare_appointments"
    )
    when = models.DateTimeField()
    provider_name = models.CharField("provider", max_length=200)
    place = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_warm_handoff = models.BooleanField(default=False)

    class Meta:
        ordering = ["when"]
        indexes = [models.Index(fields=["patient", "when"], name="appointment_patient_when_idx")]

    def __str__(self) -> str:
        return f"{self.provider_name} at {self.when:%Y-%m-%d %H:%M}"


class Referral(models.Model):
    """A referral on the discharge; name, address and phone are copied from the directory."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="referrals")
    resource = models.ForeignKey(
        "directory.Resource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aftercare_referrals",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=64, blank=True)
    address = models.CharField(max_length=400, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FollowUp(models.Model):
    """One contact due some days after discharge; its state (due, overdue) is derived on read."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="follow_ups")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="follow_ups"
    )
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="follow_ups"
    )
    day_offset = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField(null=True)
    engaged_in_moud = models.BooleanField(null=True)
    opioid_use = models.BooleanField(null=True)
    overdose = models.BooleanField(null=True)
    readmitted = models.BooleanField(null=True)
    needs_help_now = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    inquiry_uuid = models.UUIDField(
        null=True, blank=True, help_text="The intake inquiry opened because help was needed now."
    )

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["discharge", "day_offset"], name="follow_up_one_per_day_offset"
            )
        ]
        indexes = [
            models.Index(
                fields=["facility", "recorded_at", "due_on"], name="follow_up_worklist_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Day {self.day_offset} follow-up of {self.patient}"

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None
