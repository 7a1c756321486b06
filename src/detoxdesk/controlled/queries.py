"""Bounded reads of the ledger for pages, the census board and the dispensing log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum

from detoxdesk.controlled.models import Count, Discrepancy, Entry, Inventory, Location, Stock

if TYPE_CHECKING:
    from detoxdesk.patients.models import Facility


def open_discrepancies(facility_ids: Iterable[int]) -> list[Discrepancy]:
    """The open discrepancies of these facilities, newest first (one query; for the census)."""
    return list(
        Discrepancy.objects.filter(facility_id__in=list(facility_ids), resolved_at=None)
        .select_related("location", "product", "facility")
        .order_by("-opened_at")[:50]
    )


@dataclass(frozen=True)
class Balance:
    location: Location
    product_label: str
    unit: str
    schedule: str
    units: Decimal
    lots: list[Stock]


def balances(facility: Facility) -> list[Balance]:
    """Per location and product, the balance and its lots (one query)."""
    rows = (
        Stock.objects.filter(location__facility=facility)
        .select_related("location", "lot", "product")
        .order_by("location__name", "product__substance", "product__strength_mg", "lot__number")
    )
    grouped: dict[tuple[int, int], list[Stock]] = {}
    for row in rows:
        grouped.setdefault((row.location_id, row.product_id), []).append(row)
    found = []
    for lots in grouped.values():
        first = lots[0]
        found.append(
            Balance(
                first.location,
                str(first.product),
                first.product.unit,
                first.product.schedule,
                sum((r.units for r in lots), Decimal(0)),
                lots,
            )
        )
    return found


def locations(facility: Facility) -> list[Location]:
    return list(Location.objects.filter(facility=facility).order_by("name"))


def recent_counts(facility: Facility, limit: int = 20) -> list[Count]:
    return list(
        Count.objects.filter(location__facility=facility)
        .select_related("location", "counted_by", "cosigned_by")
        .order_by("-counted_at")[:limit]
    )


def discrepancies(facility: Facility, limit: int = 50) -> list[Discrepancy]:
    return list(
        Discrepancy.objects.filter(facility=facility)
        .select_related("location", "product", "resolved_by")
        .order_by("resolved_at", "-opened_at")[:limit]
    )


def inventories(facility: Facility, limit: int = 20) -> list[Inventory]:
    return list(
        Inventory.objects.filter(facility=facility)
        .select_related("signed_by")
        .order_by("-taken_on", "-pk")[:limit]
    )


def day_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last`` in the program's time zone."""
    tz = ZoneInfo(zone)
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )


def log_entries(
    facilities: Iterable[Facility],
    first: date,
    last: date,
    *,
    location: Location | None = None,
    substance: str = "",
    kind: str = "",
) -> QuerySet[Entry]:
    """The dispensing log (21 CFR 1304.24(a)): entries of the days ``first`` to ``last``, in the
    order of each product and location's balance (so the rows of one product and location add
    up). Days are read in each facility's program time zone."""
    chosen = list(facilities)
    entries = Entry.objects.none()
    for zone in sorted({f.program.timezone for f in chosen}):
        start, end = day_bounds(first, last, zone)
        entries = entries | Entry.objects.filter(
            facility__in=[f for f in chosen if f.program.timezone == zone],
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
    if location is not None:
        entries = entries.filter(location=location)
    if substance:
        entries = entries.filter(product__substance=substance)
    if kind:
        entries = entries.filter(kind=kind)
    return entries.select_related(
        "facility__program",
        "location",
        "product",
        "lot",
        "patient",
        "recorded_by",
        "witness",
        "second_witness",
    ).order_by(
        "facility__name",
        "location__name",
        "product__substance",
        "product__strength_mg",
        "product__dosage_form",
        "pk",
    )


def balance_of(location: Location, product_id: int) -> Decimal:
    total = Stock.objects.filter(location=location, product_id=product_id).aggregate(
        total=Sum("units")
    )["total"]
    return total or Decimal(0)
