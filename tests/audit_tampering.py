"""Helpers for tests that tamper with the audit table behind the application's back."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from detoxdesk.audit import guard
from detoxdesk.audit.models import HEAD_ID, AuditChainHead


def raw(sql: str, params: list[Any] | None = None) -> None:
    """Run one SQL statement with the database's audit triggers lifted, as an intruder would."""
    with guard.lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def insert_raw(fields: dict[str, Any], prev_hash: str, chain_hash: str) -> None:
    """Insert an event row with plain SQL, outside ``log.record``."""
    values = {
        **fields,
        "at": connection.ops.adapt_datetimefield_value(fields["at"]),
        "changes": json.dumps(fields["changes"]),
        "prev_hash": prev_hash,
        "chain_hash": chain_hash,
    }
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({columns}) VALUES ({marks})",  # noqa: S608
            list(values.values()),
        )


def leave_id_gap(size: int) -> None:
    """Make the next event's id skip ``size`` ids, as a database restored from parts might."""
    head = AuditChainHead.objects.get(pk=HEAD_ID)
    AuditChainHead.objects.filter(pk=HEAD_ID).update(last_event_id=(head.last_event_id or 0) + size)
