"""The registry of audit event names. An event that is not listed here cannot be written."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "auth.signed_in": "Signed in",
    "auth.sign_in_failed": "Failed sign-in",
    "auth.locked_out": "Account locked after repeated failed sign-ins",
    "auth.signed_out": "Signed out",
    "chart.viewed": "Viewed a patient's chart",
    "flowsheet.viewed": "Opened a flowsheet",
    "census.viewed": "Viewed the census board",
    "audit.viewed": "Read the audit log",
    "patient.created": "Patient record created",
    "episode.admitted": "Episode admitted",
    "episode.updated": "Episode updated",
    "assessment.recorded": "Withdrawal scale recorded",
    "vitals.recorded": "Vital signs recorded",
    "program.settings_changed": "Program settings changed",
}


def label(name: str) -> str:
    return EVENTS.get(name, name)
