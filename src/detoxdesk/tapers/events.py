"""Audit event names written by the tapers app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {}
