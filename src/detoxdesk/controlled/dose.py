"""The ledger's part of the dose form: which lots at which locations a dose can be drawn from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from detoxdesk.controlled.models import Stock

if TYPE_CHECKING:
    from detoxdesk.controlled.models import Location, Lot
    from detoxdesk.patients.models import Facility


def _fmt(value: object) -> str:
    text = f"{value:f}" if hasattr(value, "is_finite") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def stock_choices(facility: Facility, drug: str) -> list[tuple[str, str]]:
    """(value, label) of every lot of ``drug`` at the facility's active locations, with its
    balance; a lot at zero stays listed so the nurse sees it is empty. One query."""
    rows = (
        Stock.objects.filter(
            location__facility=facility,
            location__active=True,
            product__substance=drug,
            product__active=True,
            product__program_id=facility.program_id,
        )
        .select_related("location", "lot", "product")
        .order_by("location__name", "product__strength_mg", "lot__expires_on", "lot__number")
    )
    choices = []
    for row in rows:
        product = row.product
        expiry = f", expires {row.lot.expires_on:%Y-%m-%d}" if row.lot.expires_on else ""
        choices.append(
            (
                f"{row.location.uuid}:{row.lot.uuid}",
                f"{row.location.name} · {product} · lot {row.lot.number}{expiry} "
                f"({_fmt(row.units)} {product.unit} in stock)",
            )
        )
    return choices


def parse_choice(value: str, facility: Facility, drug: str) -> tuple[Location, Lot]:
    """The location and lot of a value of :func:`stock_choices`; ValidationError otherwise."""
    location_uuid, _, lot_uuid = value.partition(":")
    row = (
        Stock.objects.filter(
            location__facility=facility,
            location__uuid=location_uuid,
            lot__uuid=lot_uuid,
            product__substance=drug,
        )
        .select_related("location__facility", "lot__product")
        .first()
        if _uuidish(location_uuid) and _uuidish(lot_uuid)
        else None
    )
    if row is None:
        raise ValidationError({"controlled_stock": "Choose a location and lot from the list."})
    return row.location, row.lot


def _uuidish(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
