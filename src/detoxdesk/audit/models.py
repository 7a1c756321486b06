from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from detoxdesk.audit.chain import GENESIS


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One thing that happened to or in a patient's record, or to an account. Append-only.

    Write events only through :func:`detoxdesk.audit.log.record`, which links each one into the
    hash chain (:mod:`detoxdesk.audit.chain`). The database refuses updates and deletes
    (migration ``0003_append_only_triggers``).
    """

    # Set by ``log.record`` before the insert, because the time is part of the event's hash.
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    event = models.CharField(max_length=64)
    # The actor and the patient have no index of their own: the (actor, -at) and (patient, -at)
    # indexes begin with them and serve every look-up by either (migration 0004).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Who acted; empty for the system.",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    facility = models.ForeignKey(
        "patients.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_id = models.CharField(max_length=32)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(
        max_length=64, default=GENESIS, help_text="The chain hash of the event before this one."
    )
    chain_hash = models.CharField(
        max_length=64, default="", help_text="SHA-256 of this event's canonical form and prev_hash."
    )

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="audit_patient_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["event", "-at"], name="audit_event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The id is set before the insert (it is hashed), so "new" is Django's adding state.
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")


HEAD_ID = 1


class AuditChainHead(models.Model):
    """The one row that remembers the end of the chain.

    Appending locks this row, so events join the chain one at a time, and it lets
    ``verify_audit`` notice events removed from the end, which no link inside the chain shows.
    """

    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    events = models.BigIntegerField(default=0, help_text="How many events the chain holds.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_one_head")
        ]

    def __str__(self) -> str:
        return f"Audit chain: {self.events} events, last id {self.last_event_id}"
