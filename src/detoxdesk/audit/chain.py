"""The hash chain over audit events: the canonical form of an event and its SHA-256 link.

Each event stores ``prev_hash`` (the ``chain_hash`` of the event before it in id order, or
:data:`GENESIS` for the first) and ``chain_hash``, the SHA-256 of its canonical form. Changing,
removing or slipping in an event breaks a link that :mod:`detoxdesk.audit.verify` finds.

The canonical form, version 1 (it must never change for existing rows; a new form needs a new
version marker and a migration):

- a JSON object with exactly the keys of :data:`FIELDS` plus ``"prev"`` and ``"v": 1``;
- keys sorted, no whitespace (``separators=(",", ":")``), ASCII only (``ensure_ascii``), no NaN;
- ``at`` in UTC as ISO 8601 with microseconds: ``2026-03-02T15:00:00.000000+00:00``;
- foreign keys as their integer ids or ``null``; strings as stored; ``ip_address`` as stored or
  ``null``;
- ``changes`` as its JSON value with a float that holds a whole number written as that integer,
  because PostgreSQL's ``jsonb`` gives ``1e20`` back as ``100000000000000000000``.

The bytes hashed are the UTF-8 encoding of that text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

VERSION = 1
GENESIS = "0" * 64

# The stored fields an event's hash covers, by the model's attribute names.
FIELDS: tuple[str, ...] = (
    "id",
    "at",
    "event",
    "actor_id",
    "patient_id",
    "facility_id",
    "request_id",
    "object_type",
    "object_id",
    "changes",
    "ip_address",
)


def _json_value(value: Any) -> Any:
    """``value`` with whole-number floats as integers, so both databases give one form back."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _utc(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("An audit event's time must be timezone-aware.")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(fields: Mapping[str, Any], prev_hash: str) -> bytes:
    """The canonical bytes of one event (``fields`` holds every name of :data:`FIELDS`)."""
    content: dict[str, Any] = {name: fields[name] for name in FIELDS}
    content["at"] = _utc(fields["at"])
    content["changes"] = _json_value(fields["changes"] or {})
    content["ip_address"] = fields["ip_address"] or None
    content["prev"] = prev_hash
    content["v"] = VERSION
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return text.encode("utf-8")


def digest(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The hex SHA-256 of the event's canonical form, linked to ``prev_hash``."""
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()
