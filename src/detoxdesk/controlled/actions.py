"""Every write of the controlled-substance ledger.

Each ``do_*`` checks permission, validates, locks the stock rows it changes (every lot of the
product at the location, in one order, so two changes of the same product and location happen one
after the other), checks the balance inside the transaction, appends the entry with the balance
after it, and writes the audit event in the same transaction. Nothing is ever edited: a correction
is a reversing entry. ``draw_for_administration`` is called by the medication record when a dose of
a controlled product is given, inside that dose's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.audit import log
from detoxdesk.clinical import controlled as rules
from detoxdesk.controlled.models import (
    Count,
    CountLine,
    Discrepancy,
    DoseDraw,
    Entry,
    Inventory,
    InventoryLine,
    Location,
    Lot,
    Product,
    Stock,
)
from detoxdesk.staff.versions import check_version, fingerprint

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.medications.models import Administration
    from detoxdesk.patients.models import Episode, Facility, Program

UNIT = Decimal("0.001")
MAX_UNITS = Decimal("999999999.999")  # the column's limit, not a clinical one

Kind = Entry.Kind


def _clock(now: datetime | None) -> datetime:
    return now or timezone.now()


def _require(user: User, capability: str, facility: Facility) -> None:
    if not permissions.can(user, capability, facility):
        raise PermissionDenied("Your role does not allow this in the controlled-substance ledger.")


def units(value: Decimal | int | str | None, field: str = "units") -> Decimal:
    """A positive number of units, to three decimals; ValidationError naming ``field``."""
    try:
        number = Decimal(str(value)) if value is not None and str(value).strip() else None
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: "Enter a number of units."})
    if number <= 0:
        raise ValidationError({field: "Enter a number of units greater than zero."})
    if number > MAX_UNITS:
        raise ValidationError({field: "This number is too large."})
    if number != number.quantize(UNIT):
        raise ValidationError({field: "Enter units to at most three decimals."})
    return number.quantize(UNIT)


def _check_time(when: datetime, now: datetime) -> None:
    if when > now + timedelta(seconds=django_settings.FUTURE_TOLERANCE_SECONDS):
        raise ValidationError({"occurred_at": "This time is in the future."})


def _witness(witness: User | None, user: User, facility: Facility, field: str = "witness") -> User:
    if witness is None:
        raise ValidationError({field: "A witness must sign: enter their username and password."})
    if witness.pk == user.pk:
        raise ValidationError({field: "The witness must be someone other than you."})
    if not permissions.can(witness, permissions.CONTROLLED_RECORD, facility):
        raise ValidationError({field: "The witness cannot record controlled substances here."})
    return witness


# --- Locking and appending -----------------------------------------------------------------------


def _locked(location: Location, product: Product) -> list[Stock]:
    """Every stock row of ``product`` at ``location``, locked until the transaction ends."""
    return list(
        Stock.objects.select_for_update().filter(location=location, product=product).order_by("pk")
    )


def _row(rows: list[Stock], location: Location, lot: Lot, create: bool) -> Stock | None:
    for row in rows:
        if row.lot_id == lot.pk:
            return row
    if not create:
        return None
    row, _ = Stock.objects.get_or_create(
        location=location, lot=lot, defaults={"product": lot.product}
    )
    row = Stock.objects.select_for_update().get(pk=row.pk)
    rows.append(row)
    return row


@dataclass(frozen=True)
class Move:
    """One change of stock to append (``amount`` signed)."""

    kind: str
    amount: Decimal
    occurred_at: datetime
    fields: Mapping[str, Any]


def _append(
    location: Location, lot: Lot, move: Move, *, user: User, now: datetime, rows: list[Stock]
) -> Entry:
    """Apply ``move`` to the locked ``rows`` and append its entry; ValidationError when the lot's
    balance would go below zero."""
    product = lot.product
    row = _row(rows, location, lot, create=move.amount > 0)
    available = row.units if row is not None else Decimal(0)
    if available + move.amount < 0:
        raise ValidationError(
            {
                "units": f"Only {_fmt(available)} {product.unit} of {product} {lot} are at "
                f"{location}: the balance cannot go below zero. Nothing was saved."
            }
        )
    if row is not None and move.amount:
        row.units = available + move.amount
        Stock.objects.filter(pk=row.pk).update(units=row.units)
    balance = sum((r.units for r in rows), Decimal(0))
    entry = Entry.objects.create(
        facility_id=location.facility_id,
        location=location,
        product=product,
        lot=lot,
        kind=move.kind,
        amount=move.amount,
        balance_after=balance,
        occurred_at=move.occurred_at,
        recorded_at=now,
        recorded_by=user,
        **move.fields,
    )
    log.record(
        "controlled.entry_recorded",
        actor=user,
        patient=entry.patient,
        facility=location.facility,
        target=entry,
        changes={
            "entry": entry.kind,
            "location": location.name,
            "product": str(product),
            "lot": lot.number,
            "amount": str(entry.amount),
            "amount_take_home": str(entry.amount_take_home),
            "balance_after": str(entry.balance_after),
            "witness": entry.witness.username if entry.witness else "",
            "reason": entry.reason,
        },
    )
    return entry


def _fmt(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _same_program(location: Location, lot: Lot) -> None:
    if lot.product.program_id != location.facility.program_id:
        raise ValidationError({"lot": "This lot is not a product of this program."})
    if not location.active:
        raise ValidationError({"location": f"{location} is no longer in use."})


def _stocked(product: Product, field: str, doing: str) -> None:
    """Refuse ``product`` if it is no longer stocked (read afresh, inside the transaction)."""
    if not Product.objects.filter(pk=product.pk, active=True).exists():
        raise ValidationError({field: f"{product} is no longer stocked: {doing}"})


def _in_use(location: Location) -> None:
    """Lock ``location`` (so it cannot be deactivated meanwhile) and refuse it if not in use."""
    if not Location.objects.select_for_update().filter(pk=location.pk, active=True).exists():
        raise ValidationError({"location": f"{location} is no longer in use."})


def _move(
    location: Location,
    lot: Lot,
    kind: str,
    amount: Decimal,
    *,
    user: User,
    occurred_at: datetime | None,
    now: datetime | None,
    **fields: Any,
) -> Entry:
    now = _clock(now)
    occurred_at = occurred_at or now
    _check_time(occurred_at, now)
    _same_program(location, lot)
    with transaction.atomic():
        _in_use(location)
        rows = _locked(location, lot.product)
        return _append(
            location, lot, Move(kind, amount, occurred_at, fields), user=user, now=now, rows=rows
        )


# --- Products and locations -----------------------------------------------------------------------


def schedule_for(substance: str) -> str:
    found = rules.substances().get(substance)
    return found.schedule if found else ""


def _product_values(
    *,
    substance: str,
    label: str,
    strength_mg: Decimal,
    strength: str,
    dosage_form: str,
    units_per_container: int,
    schedule: str,
    ndc: str,
) -> dict[str, Any]:
    """A product's fields as they will be saved (its schedule from knowledge/controlled.toml
    unless given), or a ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    substance = substance.strip()
    if not substance:
        errors["substance"] = "Choose the substance."
    schedule = schedule or schedule_for(substance)
    if schedule not in {"II", "III", "IV", "V"}:
        errors["schedule"] = "This substance is not in the controlled list: choose its schedule."
    if strength_mg is None or strength_mg <= 0:
        errors["strength_mg"] = "Enter the milligrams in one unit (greater than zero)."
    if not units_per_container or units_per_container <= 0:
        errors["units_per_container"] = "Enter the units in one container."
    if dosage_form not in Product.DosageForm.values:
        errors["dosage_form"] = "Choose the dosage form."
    if errors:
        raise ValidationError(errors)
    known = rules.substances().get(substance)
    return {
        "substance": substance,
        "label": label.strip() or (known.label if known else substance),
        "strength_mg": strength_mg,
        "strength": strength.strip() or f"{_fmt(strength_mg)} mg",
        "dosage_form": dosage_form,
        "units_per_container": units_per_container,
        "schedule": schedule,
        "ndc": ndc.strip(),
    }


def do_save_product(
    program: Program,
    *,
    user: User,
    facility: Facility,
    substance: str,
    label: str,
    strength_mg: Decimal,
    strength: str,
    dosage_form: str,
    units_per_container: int,
    schedule: str = "",
    ndc: str = "",
    active: bool = True,
    product: Product | None = None,
    now: datetime | None = None,
) -> Product:
    """Add a product (its schedule from knowledge/controlled.toml unless given) or change one."""
    _require(user, permissions.CONTROLLED_RESOLVE, facility)
    values: dict[str, Any] = {
        **_product_values(
            substance=substance,
            label=label,
            strength_mg=strength_mg,
            strength=strength,
            dosage_form=dosage_form,
            units_per_container=units_per_container,
            schedule=schedule,
            ndc=ndc,
        ),
        "active": active,
    }
    duplicate = Product.objects.filter(
        program=program,
        substance=values["substance"],
        strength_mg=strength_mg,
        dosage_form=dosage_form,
    ).exclude(pk=product.pk if product else 0)
    if duplicate.exists():
        raise ValidationError({"strength_mg": "This product is already in the list."})
    with transaction.atomic():
        if product is None:
            product = Product.objects.create(program=program, created_at=_clock(now), **values)
        else:
            product = Product.objects.select_for_update().get(pk=product.pk)
            for key, value in values.items():
                setattr(product, key, value)
            product.save()
        log.record(
            "controlled.product_saved",
            actor=user,
            facility=facility,
            target=product,
            changes={k: str(v) for k, v in values.items()},
        )
    return product


def do_save_location(
    facility: Facility,
    *,
    user: User,
    name: str,
    kind: str,
    active: bool = True,
    location: Location | None = None,
) -> Location:
    _require(user, permissions.CONTROLLED_RESOLVE, facility)
    errors = {}
    if not name.strip():
        errors["name"] = "Name the location (e.g. the safe, cart 1)."
    if kind not in Location.Kind.values:
        errors["kind"] = "Choose safe or medication cart."
    if errors:
        raise ValidationError(errors)
    taken = Location.objects.filter(facility=facility, name=name.strip()).exclude(
        pk=location.pk if location else 0
    )
    if taken.exists():
        raise ValidationError({"name": "This facility already has a location with that name."})
    with transaction.atomic():
        if location is None:
            location = Location.objects.create(facility=facility, name=name.strip(), kind=kind)
        else:
            location = Location.objects.select_for_update().get(pk=location.pk)
            location.name, location.kind, location.active = name.strip(), kind, active
            location.save()
        log.record(
            "controlled.location_saved",
            actor=user,
            facility=facility,
            target=location,
            changes={"name": location.name, "kind": kind, "active": active},
        )
    return location


def _product_fields(product: Product) -> tuple[object, ...]:
    return (
        product.substance,
        product.label,
        _fmt(product.strength_mg),
        product.strength,
        product.dosage_form,
        product.units_per_container,
        product.schedule,
        product.ndc,
        product.active,
    )


def product_version(product: Product) -> str:
    """The fingerprint an edit form of ``product`` carries (see staff/versions.py)."""
    return fingerprint(*_product_fields(product))


def _product_reads(product: Product) -> str:
    ndc = f", NDC {product.ndc}" if product.ndc else ""
    state = "" if product.active else ", no longer stocked"
    return (
        f"{product} ({product.substance}, {_fmt(product.strength_mg)} mg a unit), Schedule "
        f"{product.schedule}, {product.units_per_container} per container{ndc}{state}"
    )


# Changing these would change what every entry of the product already recorded means.
IDENTITY = ("substance", "strength_mg", "dosage_form")


def do_update_product(
    product: Product,
    *,
    user: User,
    facility: Facility,
    version: str,
    substance: str,
    label: str,
    strength_mg: Decimal,
    strength: str,
    dosage_form: str,
    units_per_container: int,
    schedule: str = "",
    ndc: str = "",
) -> Product:
    """Change a product, refusing a stale form (``version``: :func:`product_version` as read).

    Once the product has ledger entries its substance, milligrams per unit and dosage form stay:
    the entries are counted in its units. A different product is added instead.
    """
    _require(user, permissions.CONTROLLED_RESOLVE, facility)
    if product.program_id != facility.program_id:
        raise PermissionDenied("This product is not of this facility's program.")
    values = _product_values(
        substance=substance,
        label=label,
        strength_mg=strength_mg,
        strength=strength,
        dosage_form=dosage_form,
        units_per_container=units_per_container,
        schedule=schedule,
        ndc=ndc,
    )
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        check_version(version, *_product_fields(locked), now_reads=_product_reads(locked))
        moved = [k for k in IDENTITY if getattr(locked, k) != values[k]]
        if moved and Entry.objects.filter(product=locked).exists():
            raise ValidationError(
                {
                    name: "The ledger already holds entries of this product, counted in its "
                    "units: this cannot change. Add a new product instead (and stop stocking "
                    "this one)."
                    for name in moved
                }
            )
        duplicate = Product.objects.filter(
            program_id=locked.program_id,
            substance=substance,
            strength_mg=strength_mg,
            dosage_form=dosage_form,
        ).exclude(pk=locked.pk)
        if duplicate.exists():
            raise ValidationError({"strength_mg": "This product is already in the list."})
        changes = {
            k: [str(getattr(locked, k)), str(v)]
            for k, v in values.items()
            if getattr(locked, k) != v
        }
        if changes:
            for key in changes:
                setattr(locked, key, values[key])
            locked.save(update_fields=list(changes))
            log.record(
                "controlled.product_saved",
                actor=user,
                facility=facility,
                target=locked,
                changes=changes,
            )
    return locked


def _held(**where: Any) -> str:
    """The stock rows matching ``where`` that hold anything, locked and listed in words
    ("5 mL of Methadone 10 mg/mL lot L1 at Cart 1; ..."); empty when nothing is held."""
    rows = (
        Stock.objects.select_for_update()
        .filter(**where)
        .select_related("product", "location", "lot")
        .order_by("pk")
    )
    return "; ".join(
        f"{_fmt(row.units)} {row.product.unit} of {row.product} lot {row.lot} at {row.location}"
        for row in rows
        if row.units > 0
    )


def do_set_product_active(
    product: Product, *, user: User, facility: Facility, active: bool
) -> Product:
    """Stop stocking a product (no receipts or draws; its history stays) or resume.

    Only once no location holds any of it: a dose given from leftover stock of a product no
    longer stocked would draw nothing, and leave the ledger short of a controlled dose.
    """
    _require(user, permissions.CONTROLLED_RESOLVE, facility)
    if product.program_id != facility.program_id:
        raise PermissionDenied("This product is not of this facility's program.")
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        if locked.active == active:
            raise ValidationError(
                f"{locked} is already {'stocked' if active else 'no longer stocked'}."
            )
        if not active and (held := _held(product=locked)):
            raise ValidationError(
                f"{locked} is still held: {held}. Its balance must be zero before it stops "
                "being stocked: give, transfer, return or destroy the stock first."
            )
        locked.active = active
        locked.save(update_fields=["active"])
        log.record(
            "controlled.product_reactivated" if active else "controlled.product_deactivated",
            actor=user,
            facility=facility,
            target=locked,
            changes={"active": [not active, active]},
        )
    return locked


def location_version(location: Location) -> str:
    """The fingerprint an edit form of ``location`` carries."""
    return fingerprint(location.name, location.kind, location.active)


def do_update_location(
    location: Location, *, user: User, version: str, name: str, kind: str
) -> Location:
    """Rename a location or change its kind, refusing a stale form."""
    _require(user, permissions.CONTROLLED_RESOLVE, location.facility)
    errors = {}
    name = name.strip()
    if not name:
        errors["name"] = "Name the location (e.g. the safe, cart 1)."
    if kind not in Location.Kind.values:
        errors["kind"] = "Choose safe or medication cart."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Location.objects.select_for_update().get(pk=location.pk)
        check_version(
            version,
            locked.name,
            locked.kind,
            locked.active,
            now_reads=f"“{locked.name}”, {locked.get_kind_display()}, "
            f"{'in use' if locked.active else 'not in use'}",
        )
        taken = Location.objects.filter(facility_id=locked.facility_id, name=name).exclude(
            pk=locked.pk
        )
        if taken.exists():
            raise ValidationError({"name": "This facility already has a location with that name."})
        changes = {
            k: [getattr(locked, k), v]
            for k, v in {"name": name, "kind": kind}.items()
            if getattr(locked, k) != v
        }
        if changes:
            locked.name, locked.kind = name, kind
            locked.save(update_fields=list(changes))
            log.record(
                "controlled.location_saved",
                actor=user,
                facility=location.facility,
                target=locked,
                changes=changes,
            )
    return locked


def do_set_location_active(location: Location, *, user: User, active: bool) -> Location:
    """Take a location out of use (only when it holds nothing) or back into use.

    Every move locks the location first (:func:`_in_use`), so no stock can arrive between the
    balance check and the change.
    """
    _require(user, permissions.CONTROLLED_RESOLVE, location.facility)
    with transaction.atomic():
        locked = Location.objects.select_for_update().get(pk=location.pk)
        if locked.active == active:
            raise ValidationError(f"{locked} is already {'in use' if active else 'not in use'}.")
        if not active and (held := _held(location=locked)):
            raise ValidationError(
                f"{locked} still holds {held}. Its balance must be zero before it is taken "
                "out of use: transfer, return or destroy the stock first."
            )
        locked.active = active
        locked.save(update_fields=["active"])
        log.record(
            "controlled.location_reactivated" if active else "controlled.location_deactivated",
            actor=user,
            facility=location.facility,
            target=locked,
            changes={"active": [not active, active]},
        )
    return locked


# --- Entries -------------------------------------------------------------------------------------


def do_receive(
    location: Location,
    product: Product,
    *,
    user: User,
    lot_number: str,
    units_received: Decimal,
    supplier: str,
    document_number: str,
    supplier_dea_number: str = "",
    expires_on: date | None = None,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """Stock received from a supplier (invoice or DEA Form 222 number)."""
    _require(user, permissions.CONTROLLED_RECORD, location.facility)
    amount = units(units_received)
    errors = {}
    if not lot_number.strip():
        errors["lot_number"] = "Enter the lot number on the container."
    if not supplier.strip():
        errors["supplier"] = "Name the supplier."
    if not document_number.strip():
        errors["document_number"] = "Enter the invoice or order form number."
    if product.program_id != location.facility.program_id:
        errors["product"] = "Choose a product of this program."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _stocked(product, "product", "a director stocks it again before it is received.")
        lot, created = Lot.objects.get_or_create(
            product=product, number=lot_number.strip(), defaults={"expires_on": expires_on}
        )
        if not created and expires_on and lot.expires_on and lot.expires_on != expires_on:
            raise ValidationError(
                {"expires_on": f"Lot {lot.number} is recorded with expiry {lot.expires_on}."}
            )
        return _move(
            location,
            lot,
            Kind.RECEIPT,
            amount,
            user=user,
            occurred_at=occurred_at,
            now=now,
            supplier=supplier.strip(),
            supplier_dea_number=supplier_dea_number.strip(),
            document_number=document_number.strip(),
        )


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": "Say why."})
    return reason.strip()


def do_waste(
    location: Location,
    lot: Lot,
    *,
    user: User,
    units_wasted: Decimal,
    witness: User | None,
    reason: str,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """Stock wasted outside a dose (a dropped tablet), witnessed."""
    _require(user, permissions.CONTROLLED_RECORD, location.facility)
    amount = units(units_wasted)
    why = _reason(reason)
    signer = _witness(witness, user, location.facility)
    return _move(
        location,
        lot,
        Kind.WASTE,
        -amount,
        user=user,
        occurred_at=occurred_at,
        now=now,
        witness=signer,
        reason=why,
    )


def do_return(
    location: Location,
    lot: Lot,
    *,
    user: User,
    units_returned: Decimal,
    supplier: str,
    document_number: str,
    reason: str,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """Stock returned to the supplier or a reverse distributor."""
    _require(user, permissions.CONTROLLED_RECORD, location.facility)
    amount = units(units_returned)
    errors = {}
    if not supplier.strip():
        errors["supplier"] = "Name who the stock goes back to."
    if not document_number.strip():
        errors["document_number"] = "Enter the return or order form number."
    if errors:
        raise ValidationError(errors)
    return _move(
        location,
        lot,
        Kind.RETURN,
        -amount,
        user=user,
        occurred_at=occurred_at,
        now=now,
        supplier=supplier.strip(),
        document_number=document_number.strip(),
        reason=_reason(reason),
    )


def do_destroy(
    location: Location,
    lot: Lot,
    *,
    user: User,
    units_destroyed: Decimal,
    witness: User | None,
    second_witness: User | None,
    form_41_reference: str,
    reason: str,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """On-site destruction: two employees witness and sign (DEA Form 41)."""
    _require(user, permissions.CONTROLLED_RECORD, location.facility)
    amount = units(units_destroyed)
    first = _witness(witness, user, location.facility, "witness")
    second = _witness(second_witness, user, location.facility, "second_witness")
    if first.pk == second.pk:
        raise ValidationError({"second_witness": "Two different people must witness."})
    if rules.rules().form_41_witnesses > 2:
        raise ValidationError("The knowledge asks for more witnesses than this form holds.")
    if not form_41_reference.strip():
        raise ValidationError({"form_41_reference": "Enter the DEA Form 41 reference."})
    return _move(
        location,
        lot,
        Kind.DESTRUCTION,
        -amount,
        user=user,
        occurred_at=occurred_at,
        now=now,
        witness=first,
        second_witness=second,
        form_41_reference=form_41_reference.strip(),
        reason=_reason(reason),
    )


def do_transfer(
    source: Location,
    target: Location,
    lot: Lot,
    *,
    user: User,
    units_moved: Decimal,
    reason: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[Entry, Entry]:
    """Move stock between two locations of the program: a transfer out and a transfer in."""
    _require(user, permissions.CONTROLLED_RECORD, source.facility)
    _require(user, permissions.CONTROLLED_RECORD, target.facility)
    amount = units(units_moved)
    if source.pk == target.pk:
        raise ValidationError({"target": "Choose a different location to move the stock to."})
    now = _clock(now)
    occurred_at = occurred_at or now
    _check_time(occurred_at, now)
    _same_program(source, lot)
    _same_program(target, lot)
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda loc: loc.pk)
        _in_use(first)
        _in_use(second)
        rows = {first.pk: _locked(first, lot.product), second.pk: _locked(second, lot.product)}
        out = _append(
            source,
            lot,
            Move(
                Kind.TRANSFER_OUT, -amount, occurred_at, {"counterpart": target, "reason": reason}
            ),
            user=user,
            now=now,
            rows=rows[source.pk],
        )
        into = _append(
            target,
            lot,
            Move(Kind.TRANSFER_IN, amount, occurred_at, {"counterpart": source, "reason": reason}),
            user=user,
            now=now,
            rows=rows[target.pk],
        )
    return out, into


def do_take_home(
    location: Location,
    lot: Lot,
    *,
    user: User,
    episode: Episode,
    units_dispensed: Decimal,
    reason: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """Take-home doses dispensed to a patient (21 CFR 1304.24(a): amount and dosage form)."""
    _require(user, permissions.CONTROLLED_RECORD, location.facility)
    amount = units(units_dispensed)
    if episode.facility.program_id != location.facility.program_id:
        raise ValidationError({"episode": "This patient is not in this program."})
    with transaction.atomic():
        _stocked(lot.product, "stock", "it cannot be dispensed.")
        return _move(
            location,
            lot,
            Kind.TAKE_HOME,
            -amount,
            user=user,
            occurred_at=occurred_at,
            now=now,
            patient=episode.patient,
            amount_take_home=amount,
            reason=reason.strip(),
        )


def do_adjust(
    location: Location,
    lot: Lot,
    *,
    user: User,
    change: Decimal,
    reason: str,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """A director's adjustment of a lot's balance, with the reason (positive or negative)."""
    _require(user, permissions.CONTROLLED_RESOLVE, location.facility)
    try:
        signed = Decimal(str(change))
    except ArithmeticError:
        raise ValidationError({"change": "Enter the change in units, e.g. -1 or 2."}) from None
    if not signed.is_finite() or signed == 0:
        raise ValidationError({"change": "Enter a change other than zero, e.g. -1 or 2."})
    size = units(abs(signed), "change")
    return _move(
        location,
        lot,
        Kind.ADJUSTMENT,
        size if signed > 0 else -size,
        user=user,
        occurred_at=occurred_at,
        now=now,
        reason=_reason(reason),
    )


def do_reverse(entry: Entry, *, user: User, reason: str, now: datetime | None = None) -> Entry:
    """Correct a mistaken entry with a reversing adjustment; the original stays as it was."""
    _require(user, permissions.CONTROLLED_RECORD, entry.facility)
    why = _reason(reason)
    if entry.administration_id is not None:
        raise ValidationError(
            "A dose's draw belongs to the medication record: a director records an adjustment "
            "with the reason instead."
        )
    if entry.kind in {Kind.TRANSFER_IN, Kind.TRANSFER_OUT}:
        raise ValidationError("Reverse a transfer by transferring the stock back.")
    if entry.reverses_id is not None:
        raise ValidationError("This entry is itself a correction: record a new entry instead.")
    now = _clock(now)
    with transaction.atomic():
        rows = _locked(entry.location, entry.product)
        original = Entry.objects.select_for_update().get(pk=entry.pk)
        if Entry.objects.filter(reverses=original).exists():
            raise ValidationError("This entry was already reversed.")
        reversal = _append(
            entry.location,
            entry.lot,
            Move(
                Kind.ADJUSTMENT,
                -(original.amount),
                now,
                {
                    "reverses": original,
                    "reason": f"Reverses the {original.get_kind_display().lower()} of "
                    f"{timezone.localtime(original.occurred_at):%Y-%m-%d %H:%M}: {why}",
                    "patient": original.patient,
                    "amount_take_home": -original.amount_take_home,
                },
            ),
            user=user,
            now=now,
            rows=rows,
        )
        log.record(
            "controlled.entry_reversed",
            actor=user,
            facility=entry.facility,
            target=original,
            changes={"reversal": str(reversal.uuid), "reason": why},
        )
    return reversal


# --- The medication record -----------------------------------------------------------------------


def stocked_products(facility: Facility, drug: str) -> list[Product]:
    """The active products of ``drug`` the facility holds stock of (at an active location)."""
    return list(
        Product.objects.filter(
            program_id=facility.program_id,
            substance=drug,
            active=True,
            stock__location__facility=facility,
            stock__location__active=True,
        ).distinct()
    )


def draws_stock(facility: Facility, drug: str) -> bool:
    """Whether a given dose of ``drug`` at ``facility`` must be drawn from the ledger."""
    return Stock.objects.filter(
        location__facility=facility,
        location__active=True,
        product__substance=drug,
        product__active=True,
        product__program_id=facility.program_id,
    ).exists()


def administered_units(dose_mg: Decimal, product: Product) -> Decimal:
    return (dose_mg / product.strength_mg).quantize(UNIT, rounding=ROUND_HALF_UP)


def check_draw(drawn: Decimal, administered: Decimal, wasted: Decimal) -> None:
    """Administered + wasted must be every unit drawn: never more, never less."""
    if wasted < 0:
        raise ValidationError({"wasted": "Wasted cannot be below zero."})
    if administered + wasted > drawn:
        raise ValidationError(
            {
                "drawn": f"Administered ({_fmt(administered)}) and wasted ({_fmt(wasted)}) "
                f"exceed what was drawn ({_fmt(drawn)})."
            }
        )
    if administered + wasted < drawn:
        raise ValidationError(
            {
                "wasted": f"Account for every unit drawn: administered {_fmt(administered)} and "
                f"wasted {_fmt(wasted)} make less than the {_fmt(drawn)} drawn."
            }
        )


def draw_for_administration(
    *,
    administration: Administration,
    location: Location,
    lot: Lot,
    user: User,
    witness: User | None = None,
    wasted: Decimal = Decimal(0),
    drawn: Decimal | None = None,
    now: datetime | None = None,
) -> DoseDraw | None:
    """Draw a given dose from ``lot`` at ``location``, with any waste and its witness.

    Runs inside the dose's transaction (the caller's): a refusal here rolls the dose back too.
    A dose not given draws nothing (None).
    """
    if administration.outcome != "given" or administration.dose_mg is None:
        return None
    episode = administration.episode
    facility = episode.facility
    product = lot.product
    if location.facility_id != facility.pk:
        raise ValidationError({"controlled_stock": "Choose a location of this patient's facility."})
    if product.substance != administration.drug or product.program_id != facility.program_id:
        raise ValidationError({"controlled_stock": f"Choose a lot of {administration.drug}."})
    _same_program(location, lot)
    wasted = Decimal(str(wasted or 0))
    if wasted < 0 or wasted != wasted.quantize(UNIT):
        raise ValidationError({"wasted": "Enter the units wasted (zero or more, three decimals)."})
    administered = administered_units(administration.dose_mg, product)
    drawn = administered + wasted if drawn is None else Decimal(str(drawn))
    check_draw(drawn, administered, wasted)
    signer = _witness(witness, user, facility, "waste_witness") if wasted > 0 else None
    now = _clock(now)
    with transaction.atomic(savepoint=False):
        _stocked(product, "controlled_stock", "nothing can be drawn from it.")
        _in_use(location)
        rows = _locked(location, product)
        row = _row(rows, location, lot, create=False)
        available = row.units if row is not None else Decimal(0)
        if drawn > available:
            raise ValidationError(
                {
                    "controlled_stock": f"Only {_fmt(available)} {product.unit} of {product} "
                    f"{lot} are at {location}: {_fmt(drawn)} cannot be drawn. Nothing was saved."
                }
            )
        common = {"patient": episode.patient, "administration": administration}
        _append(
            location,
            lot,
            Move(Kind.ADMINISTRATION, -administered, administration.occurred_at, common),
            user=user,
            now=now,
            rows=rows,
        )
        if wasted > 0:
            _append(
                location,
                lot,
                Move(
                    Kind.WASTE,
                    -wasted,
                    administration.occurred_at,
                    {**common, "witness": signer, "reason": "Partial dose: the rest wasted."},
                ),
                user=user,
                now=now,
                rows=rows,
            )
        draw = DoseDraw.objects.create(
            administration=administration,
            location=location,
            lot=lot,
            drawn=drawn,
            administered=administered,
            wasted=wasted,
            witness=signer,
        )
        log.record(
            "controlled.dose_drawn",
            actor=user,
            patient=episode.patient,
            facility=facility,
            target=draw,
            changes={
                "administration": str(administration.uuid),
                "location": location.name,
                "lot": lot.number,
                "drawn": str(drawn),
                "administered": str(administered),
                "wasted": str(wasted),
                "witness": signer.username if signer else "",
            },
        )
    return draw


# --- Counts and discrepancies --------------------------------------------------------------------


def count_products(location: Location) -> list[Product]:
    """The products a count of ``location`` asks for: every product with stock there."""
    return list(
        Product.objects.filter(stock__location=location)
        .distinct()
        .order_by("substance", "strength_mg", "dosage_form")
    )


def do_count(
    location: Location,
    *,
    user: User,
    cosigner: User | None,
    counted: Mapping[str, Decimal | None],
    note: str = "",
    now: datetime | None = None,
) -> Count:
    """A blind shift count: ``counted`` maps product uuid to what the counter sees.

    The expected balance is read inside the transaction with the stock locked; a difference
    opens a discrepancy. Two staff sign: the counter and ``cosigner``.
    """
    facility = location.facility
    _require(user, permissions.CONTROLLED_RECORD, facility)
    signer = _witness(cosigner, user, facility, "cosigner")
    now = _clock(now)
    products = count_products(location)
    if not products:
        raise ValidationError("This location holds no controlled stock to count.")
    errors: dict[str, str] = {}
    values: dict[int, Decimal] = {}
    for product in products:
        value = counted.get(str(product.uuid))
        key = f"product_{product.uuid}"
        if value is None or str(value).strip() == "":
            errors[key] = f"Enter the count of {product}."
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors[key] = f"Enter the count of {product} as a number."
            continue
        if not number.is_finite() or number < 0 or number > MAX_UNITS:
            errors[key] = f"Enter the count of {product} (zero or more)."
        elif number != number.quantize(UNIT):
            errors[key] = "Enter at most three decimals."
        else:
            values[product.pk] = number
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        expected: dict[int, Decimal] = {}
        for product in products:
            expected[product.pk] = sum((r.units for r in _locked(location, product)), Decimal(0))
        count = Count.objects.create(
            location=location,
            counted_at=now,
            counted_by=user,
            cosigned_by=signer,
            note=note.strip(),
        )
        opened = []
        for product in products:
            line = CountLine.objects.create(
                count=count,
                product=product,
                expected=expected[product.pk],
                counted=values[product.pk],
            )
            if line.counted != line.expected:
                opened.append(
                    Discrepancy.objects.create(
                        facility=facility,
                        location=location,
                        count_line=line,
                        product=product,
                        expected=line.expected,
                        counted=line.counted,
                        opened_at=now,
                    )
                )
        log.record(
            "controlled.counted",
            actor=user,
            facility=facility,
            target=count,
            changes={
                "location": location.name,
                "cosigned_by": signer.username,
                "lines": {
                    str(p): {"counted": str(values[p.pk]), "expected": str(expected[p.pk])}
                    for p in products
                },
            },
        )
        for discrepancy in opened:
            log.record(
                "controlled.discrepancy_opened",
                actor=user,
                facility=facility,
                target=discrepancy,
                changes={
                    "location": location.name,
                    "product": str(discrepancy.product),
                    "expected": str(discrepancy.expected),
                    "counted": str(discrepancy.counted),
                },
            )
    return count


def do_resolve_discrepancy(
    discrepancy: Discrepancy,
    *,
    user: User,
    resolution: str,
    significant_loss: bool = False,
    adjust_to_count: bool = False,
    now: datetime | None = None,
) -> Discrepancy:
    """A director resolves a discrepancy with a reason; optionally the ledger is adjusted to the
    count (an adjustment entry per lot, the reason kept). A significant loss is marked for the
    DEA Form 106 steps."""
    _require(user, permissions.CONTROLLED_RESOLVE, discrepancy.facility)
    why = resolution.strip()
    if not why:
        raise ValidationError({"resolution": "Say what was found and why the count differed."})
    now = _clock(now)
    with transaction.atomic():
        locked = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
        if locked.resolved_at is not None:
            raise ValidationError(
                f"This discrepancy was already resolved by {locked.resolved_by} at "
                f"{timezone.localtime(locked.resolved_at):%H:%M}. Nothing was saved."
            )
        if adjust_to_count:
            _adjust_to(locked, user, why, now)
        locked.resolved_at = now
        locked.resolved_by = user
        locked.resolution = why
        locked.significant_loss = significant_loss
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution", "significant_loss"])
        changes: dict[str, Any] = {
            "resolution": why,
            "significant_loss": significant_loss,
            "adjusted_to_count": adjust_to_count,
        }
        if significant_loss:
            steps = rules.form_106_steps(timezone.localdate(locked.opened_at))
            changes["form_106_notice_by"] = steps.notice_by.isoformat()
            changes["form_106_file_by"] = steps.file_by.isoformat()
        log.record(
            "controlled.discrepancy_resolved",
            actor=user,
            facility=locked.facility,
            target=locked,
            changes=changes,
        )
    return locked


def _adjust_to(discrepancy: Discrepancy, user: User, why: str, now: datetime) -> None:
    """Adjust the ledger by the count's difference, from the earliest-expiring lots first
    (a shortfall) or into the latest lot (a surplus)."""
    rows = _locked(discrepancy.location, discrepancy.product)
    difference = discrepancy.counted - discrepancy.expected
    reason = f"Count discrepancy resolved: {why}"
    if difference > 0:
        latest = max(rows, key=lambda r: (r.lot.expires_on or date.max, r.pk))
        _append(
            discrepancy.location,
            latest.lot,
            Move(Kind.ADJUSTMENT, difference, now, {"reason": reason}),
            user=user,
            now=now,
            rows=rows,
        )
        return
    remaining = -difference
    for row in sorted(rows, key=lambda r: (r.lot.expires_on or date.max, r.pk)):
        if remaining <= 0:
            break
        take = min(row.units, remaining)
        if take > 0:
            _append(
                discrepancy.location,
                row.lot,
                Move(Kind.ADJUSTMENT, -take, now, {"reason": reason}),
                user=user,
                now=now,
                rows=rows,
            )
            remaining -= take
    if remaining > 0:
        raise ValidationError(
            "The ledger holds less than the shortfall now: record the entries first."
        )


# --- Inventories ---------------------------------------------------------------------------------


def inventory_rows(facility: Facility) -> list[Stock]:
    return list(
        Stock.objects.filter(location__facility=facility, location__active=True)
        .select_related("location", "lot", "product")
        .order_by("location__name", "product__substance", "product__strength_mg", "lot__number")
    )


def do_take_inventory(
    facility: Facility,
    *,
    user: User,
    kind: str,
    taken_on: date,
    taken_at: str,
    quantities: Mapping[int, Decimal | None],
    sign: bool,
    now: datetime | None = None,
) -> Inventory:
    """The initial or biennial inventory (21 CFR 1304.11): one quantity per stock row (keyed by
    the Stock pk), counted exactly or estimated as the rules say for its schedule and container,
    signed by the person taking it."""
    _require(user, permissions.CONTROLLED_RECORD, facility)
    now = _clock(now)
    errors: dict[str, str] = {}
    if kind not in Inventory.Kind.values:
        errors["kind"] = "Choose initial or biennial."
    if taken_at not in Inventory.Time.values:
        errors["taken_at"] = "Say whether it was taken at the opening or the close of business."
    if taken_on > timezone.localdate(now):
        errors["taken_on"] = "This date is in the future."
    if not sign:
        errors["sign"] = "Sign the inventory: tick the box."
    previous = Inventory.objects.filter(facility=facility).exists()
    if kind == Inventory.Kind.INITIAL and previous:
        errors["kind"] = "This facility already has an inventory: take a biennial one."
    if kind == Inventory.Kind.BIENNIAL and not previous:
        errors["kind"] = "Take the initial inventory first."
    rows = inventory_rows(facility)
    if not rows:
        errors["__all__"] = "This facility holds no controlled stock to inventory."
    for row in rows:
        value = quantities.get(row.pk)
        if value is None or str(value).strip() == "":
            errors[f"stock_{row.pk}"] = f"Enter the quantity of {row.product} {row.lot}."
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = Decimal(-1)
        if not number.is_finite() or number < 0 or number > MAX_UNITS:
            errors[f"stock_{row.pk}"] = "Enter a quantity of zero or more."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inventory = Inventory.objects.create(
            facility=facility,
            kind=kind,
            taken_on=taken_on,
            taken_at=taken_at,
            signed_by=user,
            signed_at=now,
        )
        balances = {
            s.pk: s.units
            for s in Stock.objects.select_for_update().filter(pk__in=[r.pk for r in rows])
        }
        for row in rows:
            InventoryLine.objects.create(
                inventory=inventory,
                location=row.location,
                product=row.product,
                lot=row.lot,
                method=rules.count_method(
                    row.product.schedule, row.product.units_per_container, row.product.dosage_form
                ),
                quantity=Decimal(str(quantities[row.pk])),
                ledger_balance=balances[row.pk],
            )
        log.record(
            "controlled.inventory_signed",
            actor=user,
            facility=facility,
            target=inventory,
            changes={
                "kind": kind,
                "taken_on": taken_on.isoformat(),
                "taken_at": taken_at,
                "lines": len(rows),
            },
        )
    return inventory
