"""Audit event names of the census board's pages."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "chart.viewed": "Viewed a patient's chart",
    "census.viewed": "Viewed the census board",
    "handoff.viewed": "A patient was listed on a shift handoff report",
}
