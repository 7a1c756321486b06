"""A bed's state, worked out from the facts that make it (nothing here reads the database)."""

from __future__ import annotations

from datetime import datetime

AVAILABLE = "available"
OCCUPIED = "occupied"
RESERVED = "reserved"
CLEANING = "cleaning"
OUT_OF_SERVICE = "out_of_service"

# In the order the board counts and explains them.
LABELS: dict[str, str] = {
    AVAILABLE: "Available",
    OCCUPIED: "Occupied",
    RESERVED: "Reserved",
    CLEANING: "Cleaning",
    OUT_OF_SERVICE: "Out of service",
}


def state_of(
    *,
    occupied: bool,
    in_service: bool,
    cleaning: bool,
    reserved_until: datetime | None,
    now: datetime,
) -> str:
    """One state per bed. A patient in the bed wins (staff cannot take an occupied bed out of
    service); a reservation counts only until its expiry, so an expired one frees the bed."""
    if occupied:
        return OCCUPIED
    if not in_service:
        return OUT_OF_SERVICE
    if cleaning:
        return CLEANING
    if reserved_until is not None and now < reserved_until:
        return RESERVED
    return AVAILABLE
