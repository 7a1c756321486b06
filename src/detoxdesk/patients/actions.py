"""Writes to programs, patients and episodes, each with its audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.audit.models import AuditEvent
from detoxdesk.beds import actions as bed_actions
from detoxdesk.clinical import products
from detoxdesk.lib.dates import shown
from detoxdesk.patients import access
from detoxdesk.patients.models import (
    Allergy,
    Bed,
    Contact,
    Episode,
    Facility,
    Patient,
    Program,
)

PROGRAM_POLICY_FIELDS = (
    "assessment_interval_minutes",
    "vital_ranges",
    "vital_hard_limits",
    "sows_bands",
)


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
            old, new = getattr(locked, name), values.get(name, getattr(locked, name))
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
    setting: str | None = None,
) -> Episode:
    """Open an episode at ``facility``, in ``bed`` when given; None acting user means the system.

    ``setting`` (inpatient or outpatient) defaults to the facility's kind. An outpatient clinic
    admits only outpatients; an inpatient unit may admit an outpatient (a day programme: home at
    night), without a bed.

    ``audit_changes`` adds the caller's facts to the ``episode.admitted`` event (e.g. the reason
    for admitting below the level decided at evaluation)."""
    if acting_user is not None and not permissions.can(
        acting_user, permissions.EPISODE_ADMIT, facility
    ):
        raise PermissionDenied("Your role cannot admit patients here.")
    if bed is not None and bed.facility_id != facility.pk:
        raise ValidationError({"bed": "That bed belongs to another facility."})
    setting = setting_for_admission(facility, bed, setting)
    with transaction.atomic():
        now = timezone.now()
        held = bed_actions.admit_into(bed, patient, now=now)
        episode = Episode.objects.create(
            patient=patient, facility=facility, bed=bed, admitted_at=admitted_at, setting=setting
        )
        log.record(
            "episode.admitted",
            actor=acting_user,
            patient=patient,
            facility=facility,
            target=episode,
            changes={
                "bed": bed.label if bed else None,
                "setting": setting,
                **(audit_changes or {}),
            },
        )
        bed_actions.use_reservations(held, episode, acting_user=acting_user, now=now)
    return episode


def setting_for_admission(facility: Facility, bed: Bed | None, setting: str | None) -> str:
    """The episode's setting: the one chosen, else the facility's kind. ValidationError on
    ``setting`` for an inpatient at an outpatient clinic or an outpatient given a bed."""
    chosen = setting or (
        Episode.Setting.OUTPATIENT
        if facility.kind == Facility.Kind.OUTPATIENT
        else Episode.Setting.INPATIENT
    )
    if chosen not in Episode.Setting.values:
        raise ValidationError({"setting": "Choose inpatient or outpatient."})
    if chosen == Episode.Setting.INPATIENT and facility.kind == Facility.Kind.OUTPATIENT:
        raise ValidationError({"setting": "An outpatient clinic admits outpatients only."})
    if chosen == Episode.Setting.OUTPATIENT and bed is not None:
        raise ValidationError({"setting": "An outpatient goes home: leave the bed empty."})
    return chosen


# --- Allergies -----------------------------------------------------------------------------------

ALLERGY_FIELDS = ("substance", "other_substance", "reaction", "severity", "reported_by", "note")


def _require_patient(user: User, capability: str, patient: Patient) -> None:
    if not access.may(user, capability, patient):
        raise PermissionDenied("Your role cannot change this for this patient.")


def _check_substance(values: dict[str, Any]) -> None:
    """Exactly one of a listed ingredient or a free-text substance; refuse anything else."""
    code, other = values.get("substance", ""), values.get("other_substance", "").strip()
    if code and other:
        raise ValidationError(
            {"other_substance": "Choose a substance from the list or describe another, not both."}
        )
    if not code and not other:
        raise ValidationError({"substance": "Choose the substance, or describe another one."})
    if code and code not in dict(products.ingredient_choices()):
        raise ValidationError({"substance": "This substance is not in the list."})


def _clear_no_known_allergies(patient: Patient, acting_user: User) -> None:
    """An allergy recorded after a "no known allergies" statement replaces it, audited."""
    if patient.no_known_allergies_at is None:
        return
    old = patient.no_known_allergies_at.isoformat()
    patient.no_known_allergies_at = None
    patient.no_known_allergies_by = None
    patient.save(update_fields=["no_known_allergies_at", "no_known_allergies_by"])
    log.record(
        "allergy.no_known_cleared",
        actor=acting_user,
        patient=patient,
        target=patient,
        changes={"no_known_allergies_at": [old, None]},
    )


def do_record_allergy(
    patient: Patient, *, acting_user: User, values: dict[str, Any], now: datetime | None = None
) -> Allergy:
    """Record one allergy; it clears a "no known allergies" statement in the same transaction."""
    _require_patient(acting_user, access.ALLERGY_RECORD, patient)
    _check_substance(values)
    fields = {key: values.get(key, "") for key in ALLERGY_FIELDS}
    fields["other_substance"] = fields["other_substance"].strip()
    fields["severity"] = fields["severity"] or Allergy.Severity.UNKNOWN
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        allergy = Allergy.objects.create(
            patient=locked,
            recorded_at=now or timezone.now(),
            recorded_by=acting_user,
            **fields,
        )
        log.record(
            "allergy.recorded",
            actor=acting_user,
            patient=locked,
            target=allergy,
            changes={
                k: fields[k] for k in ("substance", "other_substance", "severity") if fields[k]
            },
        )
        _clear_no_known_allergies(locked, acting_user)
    return allergy


def do_update_allergy(
    allergy: Allergy, *, acting_user: User, values: dict[str, Any], expected_version: int
) -> Allergy:
    """Change an allergy entry; refused when someone changed it since ``expected_version``."""
    _require_patient(acting_user, access.ALLERGY_RECORD, allergy.patient)
    _check_substance(values)
    with transaction.atomic():
        locked = Allergy.objects.select_for_update().get(pk=allergy.pk)
        if locked.removed_at is not None:
            raise ValidationError("This allergy entry was removed; nothing was changed.")
        if locked.version != expected_version:
            raise ValidationError(stale_message(locked.patient, locked, "allergy.updated"))
        changes: dict[str, list[Any]] = {}
        for key in ALLERGY_FIELDS:
            new = (values.get(key) or "").strip() if key == "other_substance" else values.get(key)
            new = new or (Allergy.Severity.UNKNOWN if key == "severity" else "")
            if getattr(locked, key) != new:
                changes[key] = [getattr(locked, key), new]
                setattr(locked, key, new)
        if not changes:
            return locked
        locked.version += 1
        locked.save()
        log.record(
            "allergy.updated",
            actor=acting_user,
            patient=locked.patient,
            target=locked,
            changes=changes,
        )
    return locked


def do_remove_allergy(
    allergy: Allergy, *, acting_user: User, reason: str, now: datetime | None = None
) -> Allergy:
    """Mark an entry made in error as removed, with the reason; it stays in the history."""
    _require_patient(acting_user, access.ALLERGY_RECORD, allergy.patient)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this entry is removed."})
    with transaction.atomic():
        locked = Allergy.objects.select_for_update().get(pk=allergy.pk)
        if locked.removed_at is not None:
            return locked
        locked.removed_at = now or timezone.now()
        locked.removed_by = acting_user
        locked.removed_reason = reason.strip()[:200]
        locked.save(update_fields=["removed_at", "removed_by", "removed_reason"])
        log.record(
            "allergy.removed",
            actor=acting_user,
            patient=locked.patient,
            target=locked,
            changes={"substance": locked.label, "reason": locked.removed_reason},
        )
    return locked


def do_state_no_known_allergies(
    patient: Patient, *, acting_user: User, now: datetime | None = None
) -> Patient:
    """Record the dated statement "no known allergies"; it removes every current entry (audited).

    Stating it while entries exist means staff have checked that they do not hold: each entry is
    removed with that reason, so the history keeps what was believed before.
    """
    _require_patient(acting_user, access.ALLERGY_RECORD, patient)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        for entry in Allergy.objects.filter(patient=locked, removed_at__isnull=True):
            do_remove_allergy(
                entry,
                acting_user=acting_user,
                reason="Replaced by a statement of no known allergies.",
                now=now,
            )
        locked.no_known_allergies_at = now
        locked.no_known_allergies_by = acting_user
        locked.save(update_fields=["no_known_allergies_at", "no_known_allergies_by"])
        log.record(
            "allergy.no_known_stated",
            actor=acting_user,
            patient=locked,
            target=locked,
            changes={"no_known_allergies_at": now.isoformat()},
        )
    return locked


# --- Demographics and contacts -------------------------------------------------------------------

DEMOGRAPHIC_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "sex_at_birth",
    "gender_identity",
    "phone",
)
CONTACT_FIELDS = ("name", "relationship", "phone")


def stale_message(patient: Patient, target: Any, event: str) -> str:
    """What to tell someone whose edit was overtaken: who changed what, and when."""
    last = (
        AuditEvent.objects.filter(
            patient=patient, event=event, object_id=str(getattr(target, "uuid", target.pk))
        )
        .select_related("actor")
        .first()
    )
    text = "Someone else changed this record after you opened it, so your changes were not saved."
    if last is None:
        return text
    who = last.actor.display_name if last.actor else "the system"
    when = shown(last.at)
    changed = "; ".join(
        f"{key.replace('_', ' ')}: “{old or '—'}” → “{new or '—'}”"
        for key, (old, new) in sorted(last.changes.items())
        if isinstance(old, str | int | None) and isinstance(new, str | int | None)
    )
    return f"{text} {who} changed it at {when}: {changed}. The form now shows their values."


def do_update_demographics(
    patient: Patient,
    *,
    acting_user: User,
    values: dict[str, Any],
    contact: dict[str, str],
    expected_version: int,
) -> Patient:
    """Change the patient's demographics, own phone and emergency contact in one step.

    Refused (nothing saved) when the record changed since ``expected_version`` was read. An empty
    contact name with no other contact detail removes the emergency contact.
    """
    _require_patient(acting_user, access.DEMOGRAPHICS_EDIT, patient)
    _check_contact(contact)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        if locked.version != expected_version:
            raise ValidationError(stale_message(locked, locked, "patient.demographics_changed"))
        changes: dict[str, list[Any]] = {}
        for key in (key for key in DEMOGRAPHIC_FIELDS if key in values):
            old, new = getattr(locked, key), values[key]
            if old != new:
                changes[key] = [_plain(old), _plain(new)]
                setattr(locked, key, new)
        changes.update(_set_emergency_contact(locked, contact))
        if not changes:
            return locked
        locked.version += 1
        locked.save()
        log.record(
            "patient.demographics_changed",
            actor=acting_user,
            patient=locked,
            target=locked,
            changes=changes,
        )
    return locked


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _check_contact(contact: dict[str, str]) -> None:
    if not contact.get("name", "").strip() and any(
        contact.get(key, "").strip() for key in ("relationship", "phone")
    ):
        raise ValidationError({"contact_name": "Give the emergency contact's name."})


def _set_emergency_contact(patient: Patient, contact: dict[str, str]) -> dict[str, list[Any]]:
    """Create, change or remove the emergency contact; returns the changes for the audit."""
    found = Contact.objects.filter(patient=patient, kind=Contact.Kind.EMERGENCY).first()
    wanted = {key: contact.get(key, "").strip() for key in CONTACT_FIELDS}
    if not wanted["name"]:
        if found is None:
            return {}
        found.delete()
        return {"emergency_contact": [found.name, None]}
    if found is None:
        Contact.objects.create(patient=patient, kind=Contact.Kind.EMERGENCY, **wanted)
        return {f"contact_{key}": ["", value] for key, value in wanted.items() if value}
    changes = {
        f"contact_{key}": [getattr(found, key), value]
        for key, value in wanted.items()
        if getattr(found, key) != value
    }
    if changes:
        for key, value in wanted.items():
            setattr(found, key, value)
        found.save()
    return changes


def do_add_caller_contact(
    patient: Patient, *, acting_user: User, name: str, relationship: str, phone: str
) -> Contact:
    """Keep the person who called on the patient's behalf, with their own phone, as a contact."""
    _require_patient(acting_user, access.DEMOGRAPHICS_EDIT, patient)
    with transaction.atomic():
        contact = Contact.objects.create(
            patient=patient,
            kind=Contact.Kind.CALLER,
            name=name.strip() or "Caller (name not given)",
            relationship=relationship.strip(),
            phone=phone.strip(),
        )
        log.record(
            "patient.contact_added",
            actor=acting_user,
            patient=patient,
            target=contact,
            changes={"kind": contact.kind, "relationship": contact.relationship},
        )
    return contact


# --- Code status ---------------------------------------------------------------------------------


def do_set_code_status(
    episode: Episode,
    *,
    acting_user: User,
    code_status: str,
    note: str,
    expected_version: int,
    now: datetime | None = None,
) -> Episode:
    """Record the episode's code status; refused when it changed since ``expected_version``."""
    if not permissions.can(acting_user, permissions.EPISODE_CONFIGURE, episode.facility):
        raise PermissionDenied("Your role cannot record the code status here.")
    if code_status not in Episode.CodeStatus.values:
        raise ValidationError({"code_status": "Choose a code status from the list."})
    note = note.strip()
    if code_status == Episode.CodeStatus.LIMITED and not note:
        raise ValidationError({"code_status_note": "Say which interventions are limited."})
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        if locked.code_status_version != expected_version:
            raise ValidationError(stale_message(locked.patient, locked, "episode.code_status_set"))
        changes = {
            key: [old, new]
            for key, old, new in (
                ("code_status", locked.code_status, code_status),
                ("code_status_note", locked.code_status_note, note),
            )
            if old != new
        }
        if not changes:
            return locked
        locked.code_status, locked.code_status_note = code_status, note
        locked.code_status_recorded_at = now or timezone.now()
        locked.code_status_recorded_by = acting_user
        locked.code_status_version += 1
        locked.save(
            update_fields=[
                "code_status",
                "code_status_note",
                "code_status_recorded_at",
                "code_status_recorded_by",
                "code_status_version",
            ]
        )
        log.record_for(locked, "episode.code_status_set", actor=acting_user, changes=changes)
    return locked
