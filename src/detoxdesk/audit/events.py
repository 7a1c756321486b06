"""The registry of audit event names. An event that is not listed here cannot be written."""

from __future__ import annotations

from detoxdesk.accounts.events import EVENTS as ACCOUNT_EVENTS
from detoxdesk.aftercare.events import EVENTS as AFTERCARE_EVENTS
from detoxdesk.directory.events import EVENTS as DIRECTORY_EVENTS
from detoxdesk.intake.events import EVENTS as INTAKE_EVENTS
from detoxdesk.medications.events import EVENTS as MEDICATION_EVENTS
from detoxdesk.patients.events import EVENTS as PATIENT_EVENTS
from detoxdesk.portal.events import EVENTS as PORTAL_EVENTS
from detoxdesk.reports.events import EVENTS as REPORT_EVENTS
from detoxdesk.staff.events import EVENTS as STAFF_EVENTS
from detoxdesk.tapers.events import EVENTS as TAPER_EVENTS

CORE_EVENTS: dict[str, str] = {
    "auth.signed_in": "Signed in",
    "auth.sign_in_failed": "Failed sign-in",
    "auth.locked_out": "Username locked at an address after repeated failed password checks",
    "auth.signed_out": "Signed out",
    "chart.viewed": "Viewed a patient's chart",
    "flowsheet.viewed": "Opened a flowsheet",
    "census.viewed": "Viewed the census board",
    "audit.viewed": "Read the audit log",
    "audit.exported": "Downloaded an audit report",
    "access.denied": "Was refused a patient record (403 or 404)",
    "medication_facts.viewed": "Opened the medication facts of an episode",
    "vitals_form.viewed": "Opened the vital signs form of an episode",
    "patient.created": "Patient record created",
    "episode.admitted": "Episode admitted",
    "episode.updated": "Episode updated",
    "assessment.recorded": "Withdrawal scale recorded",
    "vitals.recorded": "Vital signs recorded",
    "program.settings_changed": "Program settings changed",
}

# Each app lists its own event names in its ``events.py``; together they are the registry.
EVENTS: dict[str, str] = {
    **CORE_EVENTS,
    **ACCOUNT_EVENTS,
    **INTAKE_EVENTS,
    **MEDICATION_EVENTS,
    **TAPER_EVENTS,
    **AFTERCARE_EVENTS,
    **DIRECTORY_EVENTS,
    **PORTAL_EVENTS,
    **STAFF_EVENTS,
    **PATIENT_EVENTS,
    **REPORT_EVENTS,
}


def label(name: str) -> str:
    return EVENTS.get(name, name)
