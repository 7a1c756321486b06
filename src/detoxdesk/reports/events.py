"""Audit event names written by the reports app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "reports.viewed": "Viewed the program quality report",
    "reports.exported": "Downloaded the program quality report as CSV",
    "reports.episodes_viewed": "Opened the list of episodes behind a report figure",
}
