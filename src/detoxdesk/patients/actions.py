"""Writes to programs, patients and episodes, each with its audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program

PROGRAM_POLICY_FIELDS = ("assessment_interval_minutes", "vital_ranges", "sows_bands")


def do_change_program_settings(
    program: Program, *, acting_user: User, values: dict[str, Any]
) -> Program:
    """Change the program's clinical policy; bumps its version so decisions can name it."""
    if not any(
        permissions.can(acting_user, permissions.PROGRAM_CONFIGURE, f)
        for f in program.facilities.all()
    ):
        raise PermissionDenied("Only a program director can change program settings.")
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        changes = {}
        for name in PROGRAM_POLICY_FIELDS:
            old, new = getattr(locked, name), values[name]
            if old != new:
                changes[name] = [old, new]
                setattr(locked, name, new)
        if not changes:
            return locked
        locked.policy_version += 1
        locked.save()
        changes["policy_version"] = [locked.policy_version - 1, locked.policy_version]
        log.record("program.settings_changed", actor=acting_user, target=locked, changes=changes)
    return locked


def do_set_episode_interval(episode: Episode, *, acting_user: User, minutes: int | None) -> Episode:
    if not permissions.can(acting_user, permissions.EPISODE_CONFIGURE, episode.facility):
        raise PermissionDenied("Your role cannot change this episode.")
    with transaction.atomic():
        old = episode.assessment_interval_minutes
        if old == minutes:
            return episode
        episode.assessment_interval_minutes = minutes
        episode.save(update_fields=["assessment_interval_minutes"])
        log.record(
            "episode.updated",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=episode,
            changes={"assessment_interval_minutes": [old, minutes]},
        )
    return episode


def do_create_patient(program: Program, *, acting_user: User | None, **fields: Any) -> Patient:
    """Create a patient record. ``acting_user`` None means the system (demo loader, imports)."""
    if acting_user is not None and not any(
        permissions.can(acting_user, permissions.EPISODE_ADMIT, f) for f in program.facilities.all()
    ):
        raise PermissionDenied("Your role cannot create patient records.")
    with transaction.atomic():
        patient = Patient.objects.create(program=program, **fields)
        log.record(
            "patient.created",
            actor=acting_user,
            patient=patient,
            target=patient,
            changes={"record_number": patient.record_number},
        )
    return patient


def do_admit(
    patient: Patient,
    facility: Facility,
    *,
    acting_user: User | None,
    admitted_at: datetime,
    bed: Bed | None = None,
    audit_changes: Mapping[str, Any] | None = None,
) -> Episode:
    """Open an episode at ``facility``, in ``bed`` when given; None acting user means the system.

    ``audit_changes`` adds the caller's facts to the ``episode.admitted`` event (e.g. the reason
    for admitting below the level decided at evaluation)."""
    if acting_user is not None and not permissions.can(
        acting_user, permissions.EPISODE_ADMIT, facility
    ):
        raise PermissionDenied("Your role cannot admit patients here.")
    if bed is not None and bed.facility_id != facility.pk:
        raise ValidationError({"bed": "That bed belongs to another facility."})
    with transaction.atomic():
        episode = Episode.objects.create(
            patient=patient, facility=facility, bed=bed, admitted_at=admitted_at
        )
        log.record(
            "episode.admitted",
            actor=acting_user,
            patient=patient,
            facility=facility,
            target=episode,
            changes={"bed": bed.label if bed else None, **(audit_changes or {})},
        )
    return episode
