"""The patient portal: invitations, the link from a patient account to its patient, cravings."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

CRAVING_MIN = 0
CRAVING_MAX = 10  # the 0-10 craving rating named in the issue


class PortalAccount(models.Model):
    """Links one patient sign-in to exactly one patient. Such a user has no facility membership."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_account"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Portal account of {self.patient}"


class Invitation(models.Model):
    """A one-time link staff give a patient to set up their portal account.

    Only a hash of the token is stored; the token itself is shown once to the inviting staff member.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_invitations"
    )
    facility = models.ForeignKey("patients.Facility", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.patient} ({self.created_at:%Y-%m-%d})"

    def is_usable(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at


class CravingRating(models.Model):
    """A patient's own 0-10 rating of how strong their craving is."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="craving_ratings"
    )
    episode = models.ForeignKey(
        "patients.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="craving_ratings",
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(CRAVING_MIN), MaxValueValidator(CRAVING_MAX)]
    )
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["patient", "-recorded_at"], name="craving_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=CRAVING_MIN, rating__lte=CRAVING_MAX),
                name="craving_rating_range",
            )
        ]

    def __str__(self) -> str:
        return f"Craving {self.rating}/10 at {self.recorded_at:%Y-%m-%d %H:%M}"
