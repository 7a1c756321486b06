"""What the bed board stores: reservations, cleaning and transfers.

A bed's state is worked out when it is read (:mod:`detoxdesk.beds.states`), from one fact each:
occupied is an active episode in the bed (``patients.Episode``), out of service is
``staff.BedStatus``, cleaning is an open :class:`Cleaning`, reserved is an open
:class:`Reservation` whose expiry is still ahead. An expired reservation frees the bed by the
clock alone; the row is closed as expired by the next write to the bed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Reservation(models.Model):
    """A bed held for someone in the intake queue until ``expires_at``."""

    class End(models.TextChoices):
        ADMITTED = "admitted", "Used by the admission"
        RELEASED = "released", "Released by staff"
        EXPIRED = "expired", "Expired"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bed = models.ForeignKey("patients.Bed", on_delete=models.PROTECT, related_name="reservations")
    inquiry = models.ForeignKey(
        "intake.Inquiry", on_delete=models.PROTECT, related_name="bed_reservations"
    )
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reserved_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end = models.CharField(max_length=12, choices=End.choices, blank=True)
    episode = models.ForeignKey(
        "patients.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The admission that used the reservation.",
    )

    class Meta:
        ordering = ["-reserved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"], condition=Q(ended_at=None), name="reservation_one_open_per_bed"
            ),
            models.UniqueConstraint(
                fields=["inquiry"],
                condition=Q(ended_at=None),
                name="reservation_one_open_per_inquiry",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("reserved_at")), name="reservation_expires_after"
            ),
        ]

    def __str__(self) -> str:
        return f"Bed {self.bed_id} held until {self.expires_at:%Y-%m-%d %H:%M}"

    def holds(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at


class Cleaning(models.Model):
    """A bed waiting to be cleaned, from a discharge, a transfer or a staff request."""

    class Reason(models.TextChoices):
        DISCHARGE = "discharge", "After a discharge"
        TRANSFER = "transfer", "After a patient moved out"
        REQUESTED = "requested", "Requested by staff"

    bed = models.ForeignKey("patients.Bed", on_delete=models.PROTECT, related_name="cleanings")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"], condition=Q(done_at=None), name="cleaning_one_open_per_bed"
            )
        ]

    def __str__(self) -> str:
        return f"Cleaning of bed {self.bed_id} from {self.started_at:%Y-%m-%d %H:%M}"


class Transfer(models.Model):
    """One move of an episode's patient from one bed (and unit) to another."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="bed_transfers"
    )
    from_bed = models.ForeignKey(
        "patients.Bed", null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_bed = models.ForeignKey("patients.Bed", on_delete=models.PROTECT, related_name="+")
    from_unit = models.CharField(max_length=100, blank=True, help_text="The unit's name then.")
    to_unit = models.CharField(max_length=100, blank=True, help_text="The unit's name then.")
    reason = models.CharField(max_length=200)
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-moved_at"]
        indexes = [models.Index(fields=["episode", "-moved_at"], name="transfer_episode_idx")]

    def __str__(self) -> str:
        return f"Move of episode {self.episode_id} at {self.moved_at:%Y-%m-%d %H:%M}"
