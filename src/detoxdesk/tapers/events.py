"""Audit event names written by the tapers app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "taper.drafted": "Taper plan drafted",
    "taper.step_edited": "Taper step edited",
    "taper.signed": "Taper plan signed",
    "taper.held": "Taper plan held",
    "taper.resumed": "Taper plan resumed",
    "taper.cancelled": "Taper plan cancelled",
    "taper.viewed": "Viewed a taper plan or calendar",
    "taper.hard_day_reported": "Patient reported a hard day on the taper",
    "taper.settings_changed": "Taper and MME settings changed",
    "taper.diazepam_equivalents_set": "Diazepam-equivalent table changed",
    "opioid.recorded": "Prescribed opioid recorded",
    "opioid.stopped": "Prescribed opioid marked stopped",
}
