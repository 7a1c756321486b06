"""The beds as the board reads them: plain values, one query per question, whatever the size.

Each bed is joined to its one active episode, its one open reservation and its one open cleaning
(each unique per bed by a constraint), so a bed is one row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from detoxdesk.beds import states
from detoxdesk.beds.models import Reservation
from detoxdesk.patients.models import Bed, Episode

BED_FIELDS = (
    "pk",
    "label",
    "facility_id",
    "facility__name",
    "staff_status__unit_id",
    "staff_status__unit__name",
    "staff_status__in_service",
    "staff_status__out_of_service_reason",
    "occupant__patient__uuid",
    "occupant__patient__given_name",
    "occupant__patient__family_name",
    "occupant__patient__record_number",
    "occupant__admitted_at",
    "held__uuid",
    "held__expires_at",
    "held__inquiry__uuid",
    "held__inquiry__given_name",
    "held__inquiry__family_name",
    "cleaning__started_at",
    "cleaning__reason",
)


def _joined(beds: QuerySet[Bed]) -> QuerySet[Bed]:
    return beds.annotate(
        occupant=FilteredRelation("episodes", condition=Q(episodes__status=Episode.Status.ACTIVE)),
        held=FilteredRelation("reservations", condition=Q(reservations__ended_at=None)),
        cleaning=FilteredRelation("cleanings", condition=Q(cleanings__done_at=None)),
    )


def _state(now: datetime) -> Case:
    return Case(
        When(occupant__pk__isnull=False, then=Value(states.OCCUPIED)),
        When(staff_status__in_service=False, then=Value(states.OUT_OF_SERVICE)),
        When(cleaning__pk__isnull=False, then=Value(states.CLEANING)),
        When(held__expires_at__gt=now, then=Value(states.RESERVED)),
        default=Value(states.AVAILABLE),
    )


def beds_at(facility_ids: Iterable[int], unit_id: int | None = None) -> QuerySet[Bed]:
    beds = Bed.objects.filter(facility_id__in=list(facility_ids))
    return beds if unit_id is None else beds.filter(staff_status__unit_id=unit_id)


def board(beds: QuerySet[Bed], now: datetime) -> list[dict[str, Any]]:
    """Every bed of ``beds`` with its state and who is in it or holds it, in one query."""
    rows = (
        _joined(beds)
        .annotate(state=_state(now))
        .order_by("facility__name", F("staff_status__unit__name").asc(nulls_first=True), "label")
        .values(*BED_FIELDS, "state")
    )
    return [_bed(row) for row in rows]


def _bed(row: dict[str, Any]) -> dict[str, Any]:
    state = row["state"]
    given, family = row["occupant__patient__given_name"], row["occupant__patient__family_name"]
    held = state == states.RESERVED
    return {
        "label": row["label"],
        "facility": row["facility__name"],
        "unit": row["staff_status__unit__name"] or "",
        "state": state,
        "state_label": states.LABELS[state],
        "out_of_service_reason": row["staff_status__out_of_service_reason"] or "",
        "patient_uuid": row["occupant__patient__uuid"],
        "initials": f"{given[:1]}{family[:1]}".upper() if given else "",
        "record_number": row["occupant__patient__record_number"] or "",
        "admitted_at": row["occupant__admitted_at"],
        "reservation_uuid": row["held__uuid"] if held else None,
        "held_for": _holder(row) if held else "",
        "held_until": row["held__expires_at"] if held else None,
        "inquiry_uuid": row["held__inquiry__uuid"] if held else None,
        "cleaning_since": row["cleaning__started_at"] if state == states.CLEANING else None,
    }


def _holder(row: dict[str, Any]) -> str:
    given, family = row["held__inquiry__given_name"], row["held__inquiry__family_name"]
    return f"{given} {family[:1]}." if family else given


def counts(beds: QuerySet[Bed], now: datetime) -> dict[tuple[int, int | None], Counter[str]]:
    """How many beds are in each state, per (facility id, unit id), counted in SQL (one query)."""
    found: dict[tuple[int, int | None], Counter[str]] = defaultdict(Counter)
    rows = (
        _joined(beds)
        .annotate(state=_state(now))
        .values("facility_id", "staff_status__unit_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        found[(row["facility_id"], row["staff_status__unit_id"])][row["state"]] += row["n"]
    return found


def available(facility_ids: Iterable[int], now: datetime) -> QuerySet[Bed]:
    """The beds of these facilities that are available now (free to reserve or move into)."""
    return (
        _joined(beds_at(facility_ids))
        .annotate(state=_state(now))
        .filter(state=states.AVAILABLE)
        .select_related("facility", "staff_status__unit")
        .order_by("facility__name", "label")
    )


def open_reservation(inquiry_id: int, now: datetime) -> Reservation | None:
    """The inquiry's reservation that still holds a bed, if any."""
    return (
        Reservation.objects.filter(inquiry_id=inquiry_id, ended_at=None, expires_at__gt=now)
        .select_related("bed__facility", "reserved_by")
        .first()
    )


def held_bed(now: datetime) -> dict[str, Subquery]:
    """Annotations for an inquiry list: the label and expiry of the bed it holds now."""
    held = Reservation.objects.filter(
        inquiry=OuterRef("pk"), ended_at=None, expires_at__gt=now
    ).order_by()
    return {
        "held_bed": Subquery(held.values("bed__label")[:1]),
        "held_until": Subquery(held.values("expires_at")[:1]),
    }


def reserved_bed_for(patient_id: int, now: datetime) -> Bed | None:
    """The bed held for this patient (through the inquiry that became them), if any."""
    held = open_for_patient(patient_id, now)
    return held.bed if held else None


def open_for_patient(patient_id: int, now: datetime) -> Reservation | None:
    return (
        Reservation.objects.filter(
            inquiry__patient_id=patient_id, ended_at=None, expires_at__gt=now
        )
        .select_related("bed__facility")
        .first()
    )
