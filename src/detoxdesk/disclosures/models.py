"""Part 2 consents (every 42 CFR 2.31(a) element), their revocation, and each disclosure made.

Written only by :mod:`detoxdesk.disclosures.actions`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from detoxdesk.disclosures.information import Information, Purpose
from detoxdesk.lib.dates import shown


class Consent(models.Model):
    """A written consent to disclose: the nine elements of section 2.31(a), each a field."""

    class Kind(models.TextChoices):
        SPECIFIC = "specific", "Specific recipients and purposes"
        TPO = "tpo", "Single consent for all future treatment, payment and health care operations"

    class ExpiryEvent(models.TextChoices):
        NONE = "none", "None"
        END_OF_TREATMENT = "end_of_treatment", "End of treatment"

    class Signature(models.TextChoices):
        PAPER = "paper", "Signed on paper (scanned copy attached)"
        PORTAL = "portal", "Signed by the patient in the portal"

    class Status(models.TextChoices):
        AWAITING_SIGNATURE = "awaiting_signature", "Awaiting the patient's signature"
        ACTIVE = "active", "Signed"
        REVOKED = "revoked", "Revoked"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # (1) the patient
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    facility = models.ForeignKey(
        "patients.Facility",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The facility whose staff recorded the consent.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SPECIFIC)
    # (2) who may make the disclosure
    disclosing_party = models.CharField(max_length=300)
    # (3) a specific and meaningful description of the information
    information = models.JSONField(default=list, help_text="Information category codes.")
    information_detail = models.TextField(blank=True)
    # (4) recipients by name, or a class of recipients
    recipient_names = models.JSONField(default=list)
    recipient_class = models.CharField(max_length=300, blank=True)
    recipient_is_covered_entity = models.BooleanField(
        default=False,
        help_text="The recipient is a HIPAA covered entity or business associate receiving the "
        "record for treatment, payment or operations: the redisclosure statement is included.",
    )
    # (5) purposes
    purposes = models.JSONField(default=list)
    # (6) the right to revoke and how
    revocation_statement = models.TextField()
    # (7) expiry: a date or an event
    expires_on = models.DateField(null=True, blank=True)
    expiry_event = models.CharField(max_length=32, choices=ExpiryEvent.choices, blank=True)
    # (8) signature and (9) date signed
    signature_method = models.CharField(max_length=16, choices=Signature.choices)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_authority = models.CharField(
        max_length=200,
        blank=True,
        help_text="Empty when the patient signs; otherwise why this person may sign.",
    )
    signed_on = models.DateField(null=True, blank=True)
    signed_in_portal_at = models.DateTimeField(null=True, blank=True)
    scan = models.BinaryField(null=True, blank=True, editable=False)
    scan_content_type = models.CharField(max_length=64, blank=True)
    scan_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["patient", "status"], name="consent_patient_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=False) | ~Q(expiry_event=""),
                name="consent_has_expiry",
            )
        ]

    def __str__(self) -> str:
        return f"Consent for {self.patient} ({self.get_status_display()})"

    @property
    def is_tpo(self) -> bool:
        return self.kind == self.Kind.TPO

    def information_labels(self) -> list[str]:
        return [Information(code).label for code in self.information if code in Information.values]

    def purpose_labels(self) -> list[str]:
        return [Purpose(code).label for code in self.purposes if code in Purpose.values]

    def recipients_text(self) -> str:
        parts = list(self.recipient_names)
        if self.recipient_class:
            parts.append(self.recipient_class)
        return "; ".join(parts)

    def expiry_text(self) -> str:
        if self.expires_on:
            return shown(self.expires_on, "DATE_FORMAT")
        return str(self.ExpiryEvent(self.expiry_event).label) if self.expiry_event else ""


class Revocation(models.Model):
    """The patient's written revocation: stops new disclosures; past ones stand."""

    class Form(models.TextChoices):
        LETTER = "letter", "Signed letter or form handed in or posted"
        PORTAL = "portal", "Revoked by the patient in the portal"

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="revocation")
    form = models.CharField(max_length=16, choices=Form.choices)
    received_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Revocation of {self.consent}"


class Disclosure(models.Model):
    """One disclosure: what left, to whom, why, and on what legal basis."""

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", "Written consent"
        MEDICAL_EMERGENCY = "medical_emergency", "Medical emergency (42 CFR 2.51)"
        PATIENT_ACCESS = "patient_access", "The patient's own copy"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="disclosures"
    )
    episode = models.ForeignKey(
        "patients.Episode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "patients.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The facility the disclosure was made from.",
    )
    disclosed_at = models.DateTimeField()
    recipient = models.CharField(max_length=300)
    recipient_address = models.CharField(max_length=500, blank=True)
    information = models.CharField(max_length=32, choices=Information.choices)
    description = models.CharField(max_length=500)
    purpose = models.CharField(max_length=32, choices=Purpose.choices, blank=True)
    legal_basis = models.CharField(max_length=24, choices=LegalBasis.choices)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when made from the command line by an operator.",
    )
    notice = models.TextField(blank=True, help_text="The section 2.32 notice that went with it.")
    consent_copy = models.JSONField(default=dict, blank=True)
    # Section 2.51: documented immediately after an emergency disclosure.
    emergency_personnel = models.CharField(max_length=200, blank=True)
    emergency_facility = models.CharField(max_length=300, blank=True)
    emergency_nature = models.TextField(blank=True)
    director_reviewed_at = models.DateTimeField(null=True, blank=True)
    director_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-disclosed_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "-disclosed_at"], name="disclosure_patient_at_idx"),
            models.Index(
                fields=["legal_basis", "director_reviewed_at"], name="disclosure_review_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(legal_basis="consent") | Q(consent__isnull=False),
                name="disclosure_consent_basis_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_information_display()} to {self.recipient} at {self.disclosed_at}"

    @property
    def is_emergency(self) -> bool:
        return self.legal_basis == self.LegalBasis.MEDICAL_EMERGENCY
