"""What every medication write shares: the permission and open-episode check, who may override
a stop, and the confirmation of a safety check (a stop overridden with a reason, warnings
acknowledged) with its audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import Role, User
from detoxdesk.audit import log
from detoxdesk.medications.models import MedicationSettings
from detoxdesk.medications.safety import SafetyCheck
from detoxdesk.patients.models import Episode


def _require(user: User, capability: str, episode: Episode) -> None:
    if not permissions.can(user, capability, episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    if episode.status != Episode.Status.ACTIVE:
        raise ValidationError("This episode has ended; nothing more can be recorded on it.")


def may_override(user: User, episode: Episode, settings: MedicationSettings) -> bool:
    """Prescribers may override a stop; nurses only where the program allows it."""
    if permissions.can(user, permissions.SAFETY_OVERRIDE, episode.facility):
        return True
    is_nurse = user.memberships.filter(facility=episode.facility, role=Role.NURSE).exists()
    return settings.nurses_may_override_stops and is_nurse


def _confirm(
    check: SafetyCheck,
    *,
    user: User,
    episode: Episode,
    settings: MedicationSettings,
    acknowledge_warnings: bool,
    override_reason: str,
    covered: bool = False,
) -> None:
    """Refuse unless every stop is overridden with a reason by an authorised user (or covered
    by the prescriber's override on the order) and every warning is acknowledged."""
    if check.stops and not covered:
        if not may_override(user, episode, settings):
            raise PermissionDenied(
                "The safety check stopped this dose and your role cannot override a stop: "
                "ask a prescriber."
            )
        if not override_reason.strip():
            raise ValidationError(
                {"override_reason": "The safety check stopped this: give the override reason."}
            )
    if check.warnings and not acknowledge_warnings:
        raise ValidationError(
            {"acknowledge_warnings": "Acknowledge the safety warnings before going on."}
        )


def _audit_confirmation(
    check: SafetyCheck, *, user: User, episode: Episode, target: Any, override_reason: str
) -> None:
    if check.stops:
        log.record(
            "safety.stop_overridden",
            actor=user,
            patient=episode.patient,
            facility=episode.facility,
            target=target,
            changes={"findings": [f.code for f in check.stops], "reason": override_reason.strip()},
        )
    if check.warnings:
        log.record(
            "safety.warning_acknowledged",
            actor=user,
            patient=episode.patient,
            facility=episode.facility,
            target=target,
            changes={"findings": [f.code for f in check.warnings]},
        )


def _clock(now: datetime | None) -> datetime:
    return now or timezone.now()
