"""Recording withdrawal scales and vital signs: the only way they are written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import errors, scales, vitals
from detoxdesk.monitoring import sequence
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.monitoring.policy import hard_limits, scale_bands
from detoxdesk.patients.models import Episode, Program


def _check_time(field: str, when: datetime, episode: Episode, now: datetime) -> None:
    if when > now + timedelta(seconds=settings.FUTURE_TOLERANCE_SECONDS):
        raise ValidationError({field: "This time is in the future."})
    if when < episode.admitted_at:
        raise ValidationError({field: "This time is before the patient was admitted."})


def _require(user: User, capability: str, episode: Episode) -> None:
    if not permissions.can(user, capability, episode.facility):
        raise PermissionDenied("Your role cannot record this for this patient.")
    if episode.status != Episode.Status.ACTIVE:
        raise ValidationError("This episode has ended; nothing more can be recorded on it.")


def _invalid(exc: errors.InvalidInput) -> ValidationError:
    if exc.fields:
        return ValidationError(dict(exc.fields))
    return ValidationError(str(exc))


@dataclass(frozen=True)
class Observation:
    """What one bedside entry stored: the scale, and the vital signs taken with it (or None)."""

    assessment: Assessment
    vital_signs: VitalSigns | None


def do_record_assessment(
    episode: Episode,
    scale_code: str,
    answers: Mapping[str, object],
    *,
    acting_user: User,
    performed_at: datetime,
    measured_heart_rate: int | None = None,
    on_behalf_of_patient: bool = False,
    note: str = "",
    now: datetime | None = None,
    vitals: Mapping[str, Any] | None = None,
    vitals_confirmed: bool = False,
) -> Assessment:
    """Score and store one withdrawal scale; the clinical core is the authority on the total.

    ``now`` is the recording clock (the time of entry); it defaults to the present. ``vitals``,
    when it holds at least one value, are the vital signs measured with the scale: they are checked
    as :func:`do_record_vitals` checks them (``vitals_confirmed`` plays its ``confirmed``) and
    stored in the same transaction, measured at ``performed_at``. See :func:`do_record_observation`.
    """
    return do_record_observation(
        episode,
        scale_code,
        answers,
        acting_user=acting_user,
        performed_at=performed_at,
        measured_heart_rate=measured_heart_rate,
        on_behalf_of_patient=on_behalf_of_patient,
        note=note,
        now=now,
        vitals=vitals,
        vitals_confirmed=vitals_confirmed,
    ).assessment


def do_record_observation(
    episode: Episode,
    scale_code: str,
    answers: Mapping[str, object],
    *,
    acting_user: User,
    performed_at: datetime,
    measured_heart_rate: int | None = None,
    on_behalf_of_patient: bool = False,
    note: str = "",
    now: datetime | None = None,
    vitals: Mapping[str, Any] | None = None,
    vitals_confirmed: bool = False,
) -> Observation:
    """A withdrawal scale and, optionally, the vital signs taken with it: one transaction.

    Everything is checked before anything is written: the scale's answers, and the vital signs
    (definitional impossibilities, the program's hard limits, then the typo check, which raises
    :class:`VitalsNeedConfirmation` unless ``vitals_confirmed``). A measured heart rate in the
    vital signs fills the COWS pulse item like ``measured_heart_rate``; the two must agree. Both
    records and their two audit events commit together or not at all.
    """
    _require(acting_user, permissions.ASSESSMENT_RECORD, episode)
    taken = _taken(vitals)
    if taken is not None:
        _require(acting_user, permissions.VITALS_RECORD, episode)
    now = now or timezone.now()
    _check_time("performed_at", performed_at, episode, now)
    program = episode.facility.program
    clean: dict[str, int | float | None] | None = None
    unusual: dict[str, str] = {}
    if taken is not None:
        clean, unusual = _checked_vitals(taken, program, confirmed=vitals_confirmed)
        measured_heart_rate = _one_heart_rate(measured_heart_rate, clean.get("heart_rate"))
    scale = scales.get_scale(scale_code)
    answers = _with_derived_pulse(scale_code, answers, measured_heart_rate)
    try:
        result = scales.score(scale, answers, bands=scale_bands(program, scale))
    except errors.InvalidInput as exc:
        raise _invalid(exc) from None
    # Everything that can refuse the recording was checked above; only a database failure can
    # happen below, and it fails the whole request. So inside a request's transaction
    # (lib.middleware.WriteTransactionMiddleware) this joins it without a savepoint (two round
    # trips saved); on its own it is a transaction of its own.
    with transaction.atomic(savepoint=False):
        assessment = Assessment(
            episode=episode,
            scale=scale_code,
            items=dict(result.items),
            total=result.total,
            band=result.band or "",
            band_label=result.band_label or "",
            performed_at=performed_at,
            recorded_at=now,
            recorded_by=acting_user,
            on_behalf_of_patient=on_behalf_of_patient and scale_code == Scale.SOWS,
            measured_heart_rate=measured_heart_rate,
            policy_version=program.policy_version,
            note=note,
            previous_at=sequence.previous_time(episode.pk, performed_at),
        )
        entries: list[dict[str, Any]] = [
            {
                "event": "assessment.recorded",
                "actor": acting_user,
                "patient": episode.patient,
                "facility": episode.facility,
                "target": assessment,
                "changes": {"scale": scale_code, "total": result.total, "band": result.band},
            }
        ]
        row = None
        if clean is not None:
            row = _vitals_row(episode, clean, unusual, acting_user, performed_at, now)
            entries.append(_vitals_event(episode, row, clean, unusual, acting_user))
        # Both records and both events in one append: the chain head is locked and moved once,
        # and the rows, the events and the link to the assessments before and after are written
        # under that lock, in the append's one write statement.
        log.record_many(
            entries,
            inserts=[assessment] if row is None else [assessment, row],
            then=[sequence.next_update(assessment)],
        )
    return Observation(assessment, row)


def _taken(values: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The vital signs given, or None when none was taken (every value empty)."""
    if values is None or all(value in (None, "") for value in values.values()):
        return None
    return {key: None if value == "" else value for key, value in values.items()}


def _checked_vitals(
    values: Mapping[str, Any], program: Program, *, confirmed: bool
) -> tuple[dict[str, int | float | None], dict[str, str]]:
    """The validated vital signs and the confirmed unusual fields, or the refusal."""
    try:
        clean = vitals.validate_vitals(values, hard_limits=hard_limits(program))
    except errors.InvalidInput as exc:
        raise _invalid(exc) from None
    warnings = vitals.plausibility_warnings(clean)
    if warnings and not confirmed:
        raise VitalsNeedConfirmation(warnings)
    return clean, warnings


def _one_heart_rate(measured: int | None, in_vitals: int | float | None) -> int | None:
    """The heart rate the COWS pulse item is scored from: given once, or twice and the same."""
    if in_vitals is None:
        return measured
    if measured is not None and measured != in_vitals:
        raise ValidationError(
            {
                "heart_rate": f"The vital signs give a heart rate of {in_vitals}/min but the "
                f"measured resting heart rate is {measured}/min: enter one rate."
            }
        )
    return int(in_vitals)


def _with_derived_pulse(
    scale_code: str, answers: Mapping[str, object], heart_rate: int | None
) -> Mapping[str, object]:
    """COWS: fill the pulse item from a measured heart rate, or check the two agree."""
    if scale_code != Scale.COWS or heart_rate is None:
        return answers
    derived = scales.cows_pulse_item(heart_rate)
    given = answers.get("resting_pulse_rate")
    if given in (None, ""):
        return {**answers, "resting_pulse_rate": derived}
    if given != derived:
        raise ValidationError(
            {
                "resting_pulse_rate": f"A measured heart rate of {heart_rate}/min scores "
                f"{derived} on this item, not {given}."
            }
        )
    return answers


VITAL_KEYS = ("heart_rate", "systolic", "diastolic", "respiratory_rate", "temperature_c", "spo2")


class VitalsNeedConfirmation(ValidationError):
    """Values outside the typo-check range: nothing is saved until the recorder confirms them.

    ``warnings`` maps each field to its message. It is a validation error, so a caller that does
    not offer confirmation still shows a clear message per field; the web form offers it.
    """

    def __init__(self, warnings: dict[str, str]) -> None:
        super().__init__(dict(warnings))
        self.warnings = warnings


def do_record_vitals(
    episode: Episode,
    values: Mapping[str, Any],
    *,
    acting_user: User,
    measured_at: datetime,
    confirmed: bool = False,
    now: datetime | None = None,
) -> VitalSigns:
    """Store one set of vitals; every value a body can have is accepted.

    The clinical core refuses only definitional impossibilities (and the program's own hard
    limits, unset as shipped). A value outside the typo-check range raises
    :class:`VitalsNeedConfirmation` unless ``confirmed``; the confirmed fields are kept.
    """
    _require(acting_user, permissions.VITALS_RECORD, episode)
    now = now or timezone.now()
    _check_time("measured_at", measured_at, episode, now)
    try:
        clean = vitals.validate_vitals(values, hard_limits=hard_limits(episode.facility.program))
    except errors.InvalidInput as exc:
        raise _invalid(exc) from None
    warnings = vitals.plausibility_warnings(clean)
    if warnings and not confirmed:
        raise VitalsNeedConfirmation(warnings)
    with transaction.atomic(savepoint=False):  # checked above: see do_record_observation
        return _store_vitals(episode, clean, warnings, acting_user, measured_at, now)


def _store_vitals(
    episode: Episode,
    clean: Mapping[str, int | float | None],
    warnings: Mapping[str, str],
    acting_user: User,
    measured_at: datetime,
    now: datetime,
) -> VitalSigns:
    """Write one set of checked vital signs and its audit event (inside the caller's atomic)."""
    row = _vitals_row(episode, clean, warnings, acting_user, measured_at, now)
    log.record_many([_vitals_event(episode, row, clean, warnings, acting_user)], inserts=[row])
    return row


def _vitals_row(
    episode: Episode,
    clean: Mapping[str, int | float | None],
    warnings: Mapping[str, str],
    acting_user: User,
    measured_at: datetime,
    now: datetime,
) -> VitalSigns:
    """One set of checked vital signs, not yet saved: written with its audit event."""
    return VitalSigns(
        episode=episode,
        measured_at=measured_at,
        recorded_at=now,
        recorded_by=acting_user,
        confirmed_unusual=sorted(warnings),
        **{key: clean.get(key) for key in VITAL_KEYS},
    )


def _vitals_event(
    episode: Episode,
    row: VitalSigns,
    clean: Mapping[str, int | float | None],
    warnings: Mapping[str, str],
    acting_user: User,
) -> dict[str, Any]:
    """The ``vitals.recorded`` audit entry of ``row``, for :func:`log.record_many`."""
    changes: dict[str, object] = {
        key: _json(clean.get(key)) for key in VITAL_KEYS if clean.get(key) is not None
    }
    if warnings:
        changes["confirmed_unusual"] = sorted(warnings)
    return {
        "event": "vitals.recorded",
        "actor": acting_user,
        "patient": episode.patient,
        "facility": episode.facility,
        "target": row,
        "changes": changes,
    }


def _json(value: object) -> object:
    return value if isinstance(value, int | float) else str(value)
