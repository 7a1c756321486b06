"""Audit event names of the patient record: allergies, demographics and contacts."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "patient.created": "Patient record created",
    "episode.admitted": "Episode admitted",
    "episode.updated": "Episode updated",
    "program.settings_changed": "Program settings changed",
    "allergy.recorded": "Allergy recorded",
    "allergy.updated": "Allergy changed",
    "allergy.removed": "Allergy entry removed",
    "allergy.no_known_stated": "No known allergies recorded",
    "allergy.no_known_cleared": "No known allergies statement cleared by a recorded allergy",
    "allergies.viewed": "Viewed a patient's allergies",
    "patient.demographics_changed": "Patient demographics changed",
    "patient.demographics_viewed": "Viewed a patient's demographics and contacts",
    "patient.contact_added": "Patient contact added",
    "episode.code_status_set": "Code status recorded",
    "episode.code_status_viewed": "Opened the code status of an episode",
    "patients.searched": "Searched for patients",
    "patient.found_in_search": "A patient was listed in a search result",
    "golive.viewed": "Viewed the before go-live list",
}
