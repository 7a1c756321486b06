"""Inquiries, evaluation, placement and treatment plans."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from detoxdesk.patients.models import Episode, Facility, Patient, Program


class IntakeSettings(models.Model):
    """A program's intake choices; created on first use, edited by the director."""

    class RecordNumbers(models.TextChoices):
        ENTERED = "entered", "Staff enter the record number"
        GENERATED = "generated", "Generated from a prefix and a running number"

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="intake_settings"
    )
    max_contact_attempts = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="After this many unanswered attempts an inquiry may be closed as not reachable. "
        "Unset until the program chooses.",
    )
    record_numbers = models.CharField(
        max_length=16, choices=RecordNumbers.choices, default=RecordNumbers.ENTERED
    )
    record_number_prefix = models.CharField(max_length=12, blank=True)
    bed_hold_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How long a bed reserved from the intake queue stays held, in hours, unless the "
        "coordinator chooses another expiry. Unset until the program chooses; until then the "
        "coordinator enters the expiry of each reservation.",
    )
    default_facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where public inquiries go when the person does not choose a place.",
    )

    class Meta:
        verbose_name_plural = "intake settings"

    def __str__(self) -> str:
        return f"Intake settings of {self.program}"


class Inquiry(models.Model):
    """Someone asked for help, for themselves or someone they care about."""

    class Urgency(models.IntegerChoices):
        URGENT = 0, "Urgent"
        PRIORITY = 1, "Priority"
        ROUTINE = 2, "Routine"

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTING = "contacting", "Contacting"
        SCHEDULED = "scheduled", "Evaluation scheduled"
        CONVERTED = "converted", "Became a patient"
        CLOSED = "closed", "Closed"

    class ForWhom(models.TextChoices):
        SELF = "self", "For myself"
        OTHER = "other", "For someone I care about"

    class Source(models.TextChoices):
        WEB = "web", "Public form"
        STAFF = "staff", "Opened by staff"
        PHONE = "phone", "Phone call taken by staff"

    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"

    class CloseReason(models.TextChoices):
        REFERRED = "referred_elsewhere", "Referred elsewhere"
        NOT_REACHABLE = "not_reachable", "Not reachable after repeated attempts"
        DECLINED = "declined", "Declined"
        DUPLICATE = "duplicate", "Duplicate of another inquiry"

    OPEN_STATUSES = (Status.NEW, Status.CONTACTING, Status.SCHEDULED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="inquiries")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    for_whom = models.CharField(max_length=8, choices=ForWhom.choices, default=ForWhom.SELF)
    overdose_now = models.BooleanField(default=False)
    thinking_of_suicide = models.BooleanField(default=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    contact_method = models.CharField(
        max_length=8, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    contact_time = models.CharField(max_length=100, blank=True)
    caller_name = models.CharField(max_length=200, blank=True)
    caller_relationship = models.CharField(max_length=100, blank=True)
    substances = models.JSONField(default=list, blank=True)
    last_use = models.DateField(null=True, blank=True)
    message = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why staff opened this inquiry.")
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.ROUTINE)
    urgency_reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    received_at = models.DateTimeField(default=timezone.now)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    evaluation_at = models.DateTimeField(null=True, blank=True)
    evaluation_note = models.CharField(max_length=200, blank=True)
    closed_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    closed_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["urgency", "received_at"]
        verbose_name_plural = "inquiries"
        indexes = [
            models.Index(
                fields=["facility", "status", "urgency", "received_at"], name="inquiry_queue_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Inquiry {self.uuid}"

    @property
    def person_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ContactAttempt(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        VOICEMAIL = "voicemail", "Left voicemail"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        DECLINED = "declined", "Declined"

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.attempted_at:%Y-%m-%d %H:%M}"


class Evaluation(models.Model):
    """A structured evaluation: draft, completed (placement worked out), signed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"
        SIGNED = "signed", "Signed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="evaluations")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="evaluations")
    inquiry = models.ForeignKey(
        Inquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    placement = models.JSONField(
        default=dict, blank=True, help_text="The calculator's output when completed."
    )
    recommended_level = models.CharField(max_length=8, blank=True)
    chosen_level = models.CharField(max_length=8, blank=True)
    level_reason = models.TextField(blank=True)
    level_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level_decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    admission_level_warning = models.TextField(
        blank=True, help_text="The warning acknowledged on admission below the decided level."
    )
    admission_level_reason = models.TextField(
        blank=True, help_text="Why the patient was admitted below the decided level."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Evaluation of {self.patient} ({self.get_status_display()})"

    @property
    def level_overridden(self) -> bool:
        return bool(self.chosen_level) and self.chosen_level != self.recommended_level


class TreatmentPlan(models.Model):
    """The plan drafted from a signed or completed evaluation; editable until signed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    class Pathway(models.TextChoices):
        UNDECIDED = "undecided", "Not decided yet"
        BUPRENORPHINE = "buprenorphine", "Buprenorphine (start and continue, or taper)"
        METHADONE = "methadone", "Methadone (start and continue, or taper)"
        SYMPTOMATIC = "symptomatic", "Lofexidine or clonidine with comfort medications"
        NALTREXONE_AFTER = "naltrexone_after", "Withdrawal management, then naltrexone"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="plan")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    problems = models.TextField()
    goals = models.TextField()
    interventions = models.TextField()
    medication_pathway = models.CharField(
        max_length=20, choices=Pathway.choices, default=Pathway.UNDECIDED
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Treatment plan for {self.evaluation.patient}"
