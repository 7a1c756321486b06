"""Staff invitations, the administrative state of facilities, units and beds, and emergency grants.

The patients app owns facilities and beds; what only administration needs (a facility switched
off, the units of a facility, a bed out of service) lives here so that it can change without
touching the clinical tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models

from detoxdesk.accounts.models import Role


class StaffInvitation(models.Model):
    """An e-mailed, single-use link that lets a new staff member set up their account.

    The link carries a signed token; only its SHA-256 hash is stored, so a database reader cannot
    use an open invitation. Accepting it creates the account and its first role.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    facility = models.ForeignKey("patients.Facility", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_invitation",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["facility", "-created_at"], name="staff_invite_facility_idx")
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.created_at:%Y-%m-%d})"

    def is_usable(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at


class FacilityStatus(models.Model):
    """Whether a facility is in use. A facility with no row here is active."""

    facility = models.OneToOneField(
        "patients.Facility", on_delete=models.CASCADE, related_name="staff_status"
    )
    active = models.BooleanField(default=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "facility statuses"

    def __str__(self) -> str:
        return f"{self.facility}: {'active' if self.active else 'inactive'}"


class Unit(models.Model):
    """A named part of a facility (a wing, a floor) that beds belong to."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["facility", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "name"], name="unit_name_unique_per_facility"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility.name} — {self.name}"


class BedStatus(models.Model):
    """A bed's unit and service state. A bed with no row here is in service, in no unit."""

    bed = models.OneToOneField(
        "patients.Bed", on_delete=models.CASCADE, related_name="staff_status"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="beds"
    )
    in_service = models.BooleanField(default=True)
    out_of_service_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "bed statuses"

    def __str__(self) -> str:
        return f"{self.bed}: {'in service' if self.in_service else 'out of service'}"


class EmergencyGrant(models.Model):
    """A clinician's time-limited, read-only opening of one chart outside their facilities.

    ONC 170.315(d)(6): the reason is required and kept; the director reviews every grant.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_grants"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [
            models.Index(fields=["user", "expires_at"], name="emergency_user_expires_idx"),
            models.Index(fields=["-granted_at"], name="emergency_granted_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"Emergency access by {self.user} to {self.patient} at {self.granted_at:%Y-%m-%d %H:%M}"
        )

    def is_active(self, now: datetime) -> bool:
        return self.granted_at <= now < self.expires_at
