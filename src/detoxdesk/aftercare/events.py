"""Audit event names written by the aftercare app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "discharge.started": "Discharge started",
    "discharge.viewed": "Opened a discharge bundle",
    "discharge.item_recorded": "Discharge bundle item recorded",
    "discharge.referral_added": "Referral added to a discharge",
    "discharge.referral_removed": "Referral removed from a discharge",
    "discharge.appointment_added": "Appointment added to a discharge",
    "discharge.updated": "Discharge summary text changed",
    "discharge.signed": "Discharge signed",
    "discharge.summary_viewed": "Opened a discharge summary",
    "episode.discharged": "Episode discharged",
    "follow_up.viewed": "Opened a follow-up",
    "follow_up.recorded": "Follow-up outcome recorded",
    "follow_up.worklist_viewed": "Viewed the follow-up worklist",
    "aftercare.settings_changed": "Aftercare settings changed",
}
