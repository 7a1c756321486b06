from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from detoxdesk.clinical import products


class Program(models.Model):
    """A detox program: its facilities share one clinical policy.

    The policy values here are the program's own choices. The product ships none of them
    set where the clinical specification gives no default, and asks the director to set them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="America/New_York")
    assessment_interval_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How often withdrawal scores are due for an active episode. "
        "Unset until the medical director chooses one.",
    )
    vital_ranges = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per vital sign, the low and high values beyond which the board flags a reading.",
    )
    vital_hard_limits = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per vital sign, the low and high values outside which an entry is refused as "
        "impossible. Unset as shipped: no authoritative table exists (SPEC A5.2).",
    )
    sows_bands = models.JSONField(
        default=list,
        blank=True,
        help_text="Optional SOWS bands chosen by the program; SOWS has no published bands.",
    )
    policy_version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    class Kind(models.TextChoices):
        INPATIENT = "inpatient", "Inpatient unit"
        OUTPATIENT = "outpatient", "Outpatient clinic"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="facilities")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name_plural = "facilities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Bed(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="beds")
    label = models.CharField(max_length=32)

    class Meta:
        ordering = ["facility", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "label"], name="bed_label_unique_per_facility"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility.name} {self.label}"


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        INTERSEX = "intersex", "Intersex"
        UNKNOWN = "unknown", "Not recorded"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="patients")
    registered_at = models.ForeignKey(
        "Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_patients",
        help_text="The facility that registered the patient; its staff see the record before any "
        "episode exists.",
    )
    record_number = models.CharField(max_length=32)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=32, blank=True)
    allergies = models.TextField(
        blank=True,
        help_text="Former free-text allergies, no longer edited: migration 0003 copied them into "
        "allergy entries. Kept until every reader uses patients.allergies.",
    )
    no_known_allergies_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When staff recorded that the patient has no known allergies. Empty with no "
        "allergy entry means nobody has asked.",
    )
    no_known_allergies_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every demographics change, so a stale edit is refused."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "record_number"], name="patient_record_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Episode(models.Model):
    """One stay or course of care at a facility, from admission to discharge."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    class CodeStatus(models.TextChoices):
        NOT_RECORDED = "not_recorded", "Not recorded"
        FULL_CODE = "full_code", "Full code"
        DNR = "dnr", "Do not resuscitate (DNR)"
        DNR_DNI = "dnr_dni", "Do not resuscitate, do not intubate (DNR/DNI)"
        LIMITED = "limited", "Limited interventions (see note)"

    class Setting(models.TextChoices):
        INPATIENT = "inpatient", "Inpatient (stays overnight)"
        OUTPATIENT = "outpatient", "Outpatient (goes home between visits)"

    class Stage(models.TextChoices):
        EVALUATION = "evaluation", "Evaluation and intake"
        STABILIZATION = "stabilization", "Stabilization"
        TAPERING = "tapering", "Tapering"
        AFTERCARE = "aftercare", "Aftercare"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="episodes")
    bed = models.ForeignKey(
        Bed, null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.STABILIZATION)
    setting = models.CharField(
        max_length=12,
        choices=Setting.choices,
        default=Setting.INPATIENT,
        help_text="Chosen at admission: an outpatient goes home between scheduled visits.",
    )
    admitted_at = models.DateTimeField()
    discharged_at = models.DateTimeField(null=True, blank=True)
    assessment_interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the program's interval for this episode."
    )
    code_status = models.CharField(
        max_length=16,
        choices=CodeStatus.choices,
        default=CodeStatus.NOT_RECORDED,
        help_text="The resuscitation decision for this stay; not recorded is shown as unknown.",
    )
    code_status_note = models.CharField(max_length=300, blank=True)
    code_status_recorded_at = models.DateTimeField(null=True, blank=True)
    code_status_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code_status_version = models.PositiveIntegerField(
        default=1, help_text="Raised by every code status change, so a stale edit is refused."
    )

    class Meta:
        ordering = ["-admitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="active"),
                name="episode_one_active_per_patient",
            ),
            models.UniqueConstraint(
                fields=["bed"], condition=Q(status="active"), name="episode_one_active_per_bed"
            ),
        ]
        indexes = [models.Index(fields=["facility", "status"], name="episode_facility_status_idx")]

    def __str__(self) -> str:
        return f"{self.patient} at {self.facility} from {self.admitted_at:%Y-%m-%d}"

    def day_of_stay(self, now: datetime) -> int:
        """Day 1 is the calendar day of admission, in the active time zone."""
        first = timezone.localdate(self.admitted_at)
        return (timezone.localdate(now) - first).days + 1

    @property
    def is_outpatient(self) -> bool:
        return self.setting == self.Setting.OUTPATIENT

    def assessment_interval(self, program: Program) -> timedelta | None:
        minutes = self.assessment_interval_minutes or program.assessment_interval_minutes
        return timedelta(minutes=minutes) if minutes else None


class Allergy(models.Model):
    """One recorded allergy or intolerance of a patient.

    ``substance`` is an ingredient code of ``clinical.products`` and is what the safety check
    matches products against. ``other_substance`` is free text for a substance not in that list; it
    is shown to staff but matches no product. Exactly one of the two is filled in. An entry made in
    error is removed (``removed_at``), never deleted, so the record of what was believed stays.
    """

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe (anaphylaxis or life-threatening)"
        UNKNOWN = "unknown", "Not known"

    class Reporter(models.TextChoices):
        PATIENT = "patient", "The patient"
        FAMILY = "family", "Family or a carer"
        RECORDS = "records", "Earlier medical records"
        STAFF = "staff", "Staff observed a reaction"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergy_entries")
    substance = models.CharField(max_length=64, blank=True)
    other_substance = models.CharField(max_length=200, blank=True)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.UNKNOWN)
    reported_by = models.CharField(max_length=16, choices=Reporter.choices, blank=True)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for an entry copied from the former free-text field.",
    )
    version = models.PositiveIntegerField(default=1)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(substance="") & ~Q(other_substance=""))
                | (~Q(substance="") & Q(other_substance="")),
                name="allergy_one_substance",
            )
        ]
        indexes = [models.Index(fields=["patient", "removed_at"], name="allergy_patient_idx")]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.label

    @property
    def is_other(self) -> bool:
        return not self.substance

    @property
    def label(self) -> str:
        return products.ingredient_label(self.substance) if self.substance else self.other_substance


class Contact(models.Model):
    """Someone to reach about the patient: the emergency contact, or who called for them.

    A relative who called on the patient's behalf is stored here with their own phone, never as
    the patient's phone.
    """

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", "Emergency contact"
        CALLER = "caller", "Called on the patient's behalf"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(kind="emergency"),
                name="contact_one_emergency_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
