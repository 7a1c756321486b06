"""Plain factory functions for the controlled-substance ledger tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.controlled import actions
from detoxdesk.controlled.models import Entry, Location, Lot, Product
from detoxdesk.medications import actions as medications
from detoxdesk.medications.models import Administration, Order
from detoxdesk.patients.models import Episode, Facility
from factories_medications import sign_prn


def make_location(
    facility: Facility, director: User, name: str = "Cart 1", kind: str = "cart"
) -> Location:
    return actions.do_save_location(facility, user=director, name=name, kind=kind)


def make_product(
    facility: Facility,
    director: User,
    substance: str = "methadone",
    mg: str = "10",
    form: str = "solution",
    per_container: int = 500,
    **more: Any,
) -> Product:
    return actions.do_save_product(
        facility.program,
        user=director,
        facility=facility,
        substance=substance,
        label=more.pop("label", ""),
        strength_mg=Decimal(mg),
        strength=more.pop("strength", ""),
        dosage_form=form,
        units_per_container=per_container,
        **more,
    )


def receive(
    location: Location, product: Product, user: User, units: str, lot: str = "L1", **more: Any
) -> Entry:
    return actions.do_receive(
        location,
        product,
        user=user,
        lot_number=lot,
        units_received=Decimal(units),
        supplier=more.pop("supplier", "Harbor Wholesale"),
        document_number=more.pop("document_number", "INV-1"),
        **more,
    )


def stocked(unit: Any, units: str = "10", **product: Any) -> tuple[Location, Lot]:
    """A cart at the unit's ward holding ``units`` of one lot (methadone 10 mg/mL by default)."""
    location = make_location(unit.ward, unit.director)
    made = make_product(unit.ward, unit.director, **product)
    entry = receive(location, made, unit.nurse, units)
    return location, entry.lot


def methadone_order(episode: Episode, prescriber: User, dose: str = "20") -> Order:
    """A PRN methadone order, so a dose can be given at any time of the test."""
    return sign_prn(episode, prescriber, "methadone", dose, "opioid withdrawal")


def give(
    order: Order,
    user: User,
    at: datetime | None = None,
    draw: medications.StockDraw | None = None,
    outcome: str = "given",
    reason: str = "",
) -> Administration:
    return medications.do_record_administration(
        order,
        acting_user=user,
        outcome=outcome,
        occurred_at=at or timezone.now(),
        reason=reason,
        confirmation=medications.DoseConfirmation(acknowledge_warnings=True),
        draw=draw,
    )
