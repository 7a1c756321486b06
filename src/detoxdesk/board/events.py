"""Audit event names of the census board's pages."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "handoff.viewed": "A patient was listed on a shift handoff report",
}
