"""Audit event names written by the outpatient app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "outpatient.visit_plan_set": "Outpatient visit schedule set",
    "outpatient.visit_recorded": "Outpatient visit recorded",
    "outpatient.reviewed": "Outpatient episode reviewed",
    "outpatient.viewed": "Viewed an outpatient episode's visits",
    "outpatient.settings_changed": "Outpatient review settings changed",
}
