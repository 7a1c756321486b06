"""The dispensing log of 21 CFR 1304.24(a) as CSV: a stable contract (columns and entry codes
must not change; tests/controlled/test_log_command.py pins them)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from detoxdesk.controlled.models import Entry

COLUMNS = (
    "facility",
    "location",
    "substance",
    "strength",
    "dosage_form",
    "lot",
    "entry",
    "occurred_at",
    "patient_record_number",
    "amount",
    "amount_take_home",
    "unit",
    "balance_after",
    "recorded_by_initials",
    "witness_initials",
)
ENTRY_CODES = (
    "receipt",
    "administration",
    "waste",
    "return",
    "destruction",
    "transfer_in",
    "transfer_out",
    "take_home",
    "adjustment",
)


def initials(user: object) -> str:
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    found = f"{first[:1]}{last[:1]}".upper()
    return found or str(getattr(user, "username", ""))[:3].upper()


def number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def witnesses(entry: Entry) -> str:
    return " ".join(initials(w) for w in (entry.witness, entry.second_witness) if w is not None)


def row(entry: Entry) -> list[str]:
    zone = ZoneInfo(entry.facility.program.timezone)
    return [
        entry.facility.name,
        entry.location.name,
        entry.product.substance,
        entry.product.strength,
        entry.product.dosage_form,
        entry.lot.number,
        entry.kind,
        entry.occurred_at.astimezone(zone).isoformat(timespec="minutes"),
        entry.patient.record_number if entry.patient else "",
        number(entry.amount),
        number(entry.amount_take_home),
        entry.product.unit,
        number(entry.balance_after),
        initials(entry.recorded_by),
        witnesses(entry),
    ]


def rows(entries: Iterable[Entry]) -> Iterator[list[str]]:
    yield list(COLUMNS)
    for entry in entries:
        yield row(entry)


def write(entries: Iterable[Entry], out: Any) -> int:
    """Write the log to ``out`` (anything with ``write(str)``); the number of entries."""
    writer = csv.writer(out, lineterminator="\n")
    written = -1
    for values in rows(entries):
        writer.writerow(values)
        written += 1
    return written
