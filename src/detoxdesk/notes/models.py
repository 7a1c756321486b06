"""Progress notes, their addenda and co-signatures, note templates, and amendment requests.

A signed note never changes: ``Note.save`` and ``Note.delete`` refuse once the stored row is
signed, and corrections are ``Addendum`` rows shown beneath it. A co-signature is a row of its
own for the same reason.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SignedNoteError(Exception):
    """A change to a signed note was attempted (corrections are addenda)."""


class NoteQuerySet(models.QuerySet["Note"]):
    """Bulk writes refuse to touch a signed note, as ``Note.save`` does."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=Note.Status.SIGNED).exists():
            raise SignedNoteError("A signed note cannot change; write an addendum.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=Note.Status.SIGNED).exists():
            raise SignedNoteError("A signed note cannot be deleted.")
        return super().delete()


class NoteTemplate(models.Model):
    """A program's version of a shipped template (``notes.defaults``), keyed the same."""

    program = models.ForeignKey(
        "patients.Program", on_delete=models.PROTECT, related_name="note_templates"
    )
    key = models.CharField(max_length=32)
    name = models.CharField(max_length=80)
    sections = models.JSONField(help_text="The headings, in order: key, label and hint of each.")
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "key"]
        constraints = [
            models.UniqueConstraint(fields=["program", "key"], name="note_template_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.program})"


class NoteSettings(models.Model):
    """The program's note rules: which roles' notes need a co-signature."""

    program = models.OneToOneField(
        "patients.Program", on_delete=models.PROTECT, related_name="note_settings"
    )
    cosign_roles = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "note settings"

    def __str__(self) -> str:
        return f"Note settings of {self.program}"


class GroupSession(models.Model):
    """One group session; each attendee's note points here and shares its topic."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="group_sessions"
    )
    topic = models.CharField(max_length=200)
    event_at = models.DateTimeField()
    led_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Group: {self.topic} at {self.event_at:%Y-%m-%d %H:%M}"


class Note(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey("patients.Episode", on_delete=models.PROTECT, related_name="notes")
    template_key = models.CharField(max_length=32)
    title = models.CharField(max_length=80, help_text="The template's name when written.")
    template_version = models.PositiveIntegerField(
        default=0, help_text="The program template's version (0: as shipped)."
    )
    sections = models.JSONField(help_text="Key, label and text of each section, in order.")
    plan = models.ForeignKey(
        "intake.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notes",
    )
    goal = models.CharField(
        max_length=500, blank=True, help_text="The treatment-plan goal addressed, as written there."
    )
    group_session = models.ForeignKey(
        GroupSession, null=True, blank=True, on_delete=models.PROTECT, related_name="notes"
    )
    event_at = models.DateTimeField(help_text="When what the note describes happened.")
    written_at = models.DateTimeField(help_text="When the text was last written.")
    late_entry = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    cosign_required = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    objects = NoteQuerySet.as_manager()
    # The status as read from the database: a row stored signed refuses every change.
    _stored_status: str | None = None

    class Meta:
        ordering = ["-event_at", "-id"]
        indexes = [
            models.Index(fields=["episode", "-event_at", "-id"], name="note_episode_time_idx"),
            models.Index(fields=["episode", "template_key", "-event_at"], name="note_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False),
                name="note_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} at {self.event_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_locked:
            raise SignedNoteError("A signed note cannot change; write an addendum.")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_locked or self.status == self.Status.SIGNED:
            raise SignedNoteError("A signed note cannot be deleted.")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Note:
        note = super().from_db(db, field_names, values)
        note._stored_status = note.status
        return note

    @property
    def is_locked(self) -> bool:
        return self._stored_status == self.Status.SIGNED

    @property
    def text(self) -> str:
        """The body as plain text: each section's label and text, empty sections left out."""
        return text_of(self.sections)


def text_of(sections: list[dict[str, Any]]) -> str:
    parts = [f"{s['label']}: {s['text'].strip()}" for s in sections if s.get("text", "").strip()]
    return "\n".join(parts)


class Cosignature(models.Model):
    note = models.OneToOneField(Note, on_delete=models.PROTECT, related_name="cosignature")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Co-signature of {self.note}"


class AmendmentRequest(models.Model):
    """A patient's request to correct their record (ONC 170.315(d)(4))."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        DENIED = "denied", "Denied"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="amendment_requests"
    )
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="amendment_requests"
    )
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.PROTECT, related_name="amendment_requests"
    )
    record = models.CharField(
        max_length=200, blank=True, help_text="The record meant, in the patient's words."
    )
    correction = models.TextField(help_text="What is wrong and what it should say.")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    denial_reason = models.TextField(blank=True)
    disagreement = models.TextField(blank=True)
    disagreement_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["facility", "status"], name="amendment_worklist_idx")]

    def __str__(self) -> str:
        return f"Amendment request of {self.patient} ({self.get_status_display()})"


class Addendum(models.Model):
    """A dated, signed correction or addition beneath a signed note."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    amendment_request = models.OneToOneField(
        AmendmentRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addendum",
    )

    class Meta:
        verbose_name_plural = "addenda"
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"Addendum to {self.note} at {self.signed_at:%Y-%m-%d %H:%M}"
