"""Audit event names written by the directory app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {}
