"""Audit event names written by the labs app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "lab_result.recorded": "Drug test or other result recorded",
    "lab_result.imported": "Results imported from a file",
    "lab_result.viewed": "Viewed drug tests and other results",
}
