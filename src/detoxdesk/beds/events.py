"""Audit event names written by the beds app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "bed.reserved": "Bed reserved for an inquiry",
    "bed.reservation_released": "Bed reservation released",
    "bed.reservation_used": "Bed reservation used by the admission",
    "bed.cleaning_started": "Bed set to cleaning",
    "bed.cleaning_done": "Bed cleaning marked done",
    "bed.transferred": "Patient moved to another bed",
    "bed.board_viewed": "Viewed the bed board",
    "bed.transfers_viewed": "Viewed a patient's bed moves (the move form)",
}
