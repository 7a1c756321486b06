"""The audit report as CSV (ONC 170.315(d)(3)): one row per event, in chain order.

Columns, in order (``docs/audit.md`` describes them for auditors):

``event_id, time_utc, event, description, actor_username, actor_name, patient_record_number,
facility, object_type, object_id, changes, ip_address, request_id, chain_hash``

A cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from detoxdesk.audit.events import label
from detoxdesk.audit.models import AuditEvent

COLUMNS = (
    "event_id",
    "time_utc",
    "event",
    "description",
    "actor_username",
    "actor_name",
    "patient_record_number",
    "facility",
    "object_type",
    "object_id",
    "changes",
    "ip_address",
    "request_id",
    "chain_hash",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """A file-like sink that hands back the one line ``csv.writer`` just wrote."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def row(event: AuditEvent) -> list[str]:
    """The report's cells for one event (``actor``, ``patient``, ``facility`` preloaded)."""
    actor, patient, facility = event.actor, event.patient, event.facility
    values: list[Any] = [
        event.pk,
        event.at.astimezone(UTC).isoformat(timespec="seconds"),
        event.event,
        label(event.event),
        actor.username if actor else "system",
        actor.display_name if actor else "",
        patient.record_number if patient else "",
        facility.name if facility else "",
        event.object_type,
        event.object_id,
        json.dumps(event.changes, sort_keys=True, ensure_ascii=False) if event.changes else "",
        event.ip_address,
        event.request_id,
        event.chain_hash,
    ]
    return [_cell(v) for v in values]


def lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV text, header first, one line at a time (for a streaming response)."""
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for event in events:
        yield writer.writerow(row(event))
