"""Finding the patient and episode an export command names, or saying clearly why not."""

from __future__ import annotations

import uuid

from detoxdesk.disclosures.information import Purpose
from detoxdesk.patients.models import Episode, Patient


class NotFound(ValueError):
    """The named patient, episode or purpose does not exist; the message says which."""


def patient(record_number: str, program: str | None = None) -> Patient:
    """The patient with ``record_number`` (in the program named ``program``, when given)."""
    found = Patient.objects.filter(record_number=record_number.strip()).select_related("program")
    if program:
        found = found.filter(program__name=program)
    matches = list(found[:2])
    if not matches:
        where = f" in the program {program!r}" if program else ""
        raise NotFound(f"No patient has the record number {record_number!r}{where}.")
    if len(matches) > 1:
        raise NotFound(
            f"The record number {record_number!r} is used in more than one program: "
            "name the program with --program."
        )
    return matches[0]


def episode(patient: Patient, episode_id: str | None = None) -> Episode:
    """The patient's episode ``episode_id`` (a UUID), or their latest one."""
    episodes = Episode.objects.filter(patient=patient)
    if episode_id:
        try:
            wanted = uuid.UUID(episode_id)
        except ValueError:
            raise NotFound(f"{episode_id!r} is not an episode id (a UUID).") from None
        found = episodes.filter(uuid=wanted).first()
        if found is None:
            raise NotFound(f"{patient.record_number} has no episode {episode_id}.")
        return found
    latest = episodes.order_by("-admitted_at", "-pk").first()
    if latest is None:
        raise NotFound(f"{patient.record_number} has no episode of care to export.")
    return latest


def purpose(value: str) -> str:
    if value not in Purpose.values:
        raise NotFound(f"{value!r} is not a purpose: choose {', '.join(Purpose.values)}.")
    return value
