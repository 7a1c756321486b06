"""Audit event names of withdrawal scales and vital signs."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "flowsheet.viewed": "Opened a flowsheet",
    "vitals_form.viewed": "Opened the vital signs form of an episode",
    "assessment.recorded": "Withdrawal scale recorded",
    "vitals.recorded": "Vital signs recorded",
}
