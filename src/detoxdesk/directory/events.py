"""Audit event names written by the directory app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "resource.created": "Directory resource added",
    "resource.updated": "Directory resource changed",
    "resource.verified": "Directory resource verified",
    "resource.imported": "Directory resources imported from a CSV file",
    "place.imported": "Postcodes and places imported from a CSV file",
    "directory.viewed": "Searched or viewed the resource directory",
}
