"""Audit event names written by the portal app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "portal.invite_viewed": "Opened a patient's portal invitation page",
    "portal.invited": "Patient invited to the portal",
    "portal.account_created": "Patient set up a portal account",
    "portal.viewed": "Patient viewed their portal",
    "portal.sows_submitted": "Patient submitted a SOWS in the portal",
    "portal.craving_recorded": "Patient rated their craving in the portal",
}
