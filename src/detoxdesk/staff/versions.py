"""Version checks for edit forms, without a version column on tables other apps own.

A form carries a fingerprint of the values it was read with; the action recomputes it under the
row lock and refuses the save when someone else changed the record in between.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError


def fingerprint(*values: object) -> str:
    """A short, stable digest of ``values`` (what the edit form showed)."""
    raw = json.dumps(values, default=str, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def check_version(read_at: str, *current: object, now_reads: str) -> None:
    """Refuse a stale edit: ``read_at`` is the form's fingerprint, ``current`` the locked values.

    ``now_reads`` describes the record as it is now, so the person sees the other change.
    """
    if read_at != fingerprint(*current):
        raise ValidationError(
            "Someone else changed this record after you opened the form; nothing was saved. "
            f"It now reads: {now_reads}. Check it and save again.",
            code="stale",
        )
