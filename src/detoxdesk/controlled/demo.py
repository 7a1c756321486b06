"""Demo data for the controlled-substance ledger, loaded after the medications demo.

The demo program's inpatient unit keeps a safe and a medication cart; stock arrives with
receipts two days before the first admission and part of it moves to the cart. Every buprenorphine
dose the medications demo recorded as given is then drawn from the cart through the same function
the dose form uses (the first one as a partial dose with its waste witnessed), and the cart gets
one shift count signed by two staff. So the dispensing log is never empty after ``load_demo``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from detoxdesk.controlled import actions
from detoxdesk.controlled.models import Location, Lot, Product
from detoxdesk.medications.models import Administration

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.patients.demo import DemoContext

# Demo stock, as a program would describe its own products (not clinical defaults).
PRODUCTS = (
    ("buprenorphine", "Buprenorphine", "2", "2 mg", "tablet", 100, "BUP2-2611"),
    ("buprenorphine", "Buprenorphine", "8", "8 mg", "tablet", 100, "BUP8-2611"),
    (
        "methadone",
        "Methadone HCl oral concentrate",
        "10",
        "10 mg/mL",
        "solution",
        1000,
        "MET10-2610",
    ),
    ("lorazepam", "Lorazepam", "1", "1 mg", "tablet", 100, "LZP1-2609"),
)
RECEIVED = Decimal(100)
TO_CART = Decimal(20)


def load(demo: DemoContext) -> None:
    facility = demo.facilities["in"]
    director, nurse, prescriber = (
        demo.users["director"],
        demo.users["nurse"],
        demo.users["prescriber"],
    )
    safe = actions.do_save_location(
        facility, user=director, name="Medication room safe", kind="safe"
    )
    cart = actions.do_save_location(facility, user=director, name="Cart 1", kind="cart")
    first_admission = min(e.admitted_at for e in demo.episodes if e.facility == facility)
    received_at = first_admission - timedelta(days=2)
    lots: dict[tuple[str, str], Lot] = {}
    for substance, label, mg, strength, form, per_container, lot_number in PRODUCTS:
        product = actions.do_save_product(
            demo.program,
            user=director,
            facility=facility,
            substance=substance,
            label=label,
            strength_mg=Decimal(mg),
            strength=strength,
            dosage_form=form,
            units_per_container=per_container,
            now=received_at,
        )
        entry = actions.do_receive(
            safe,
            product,
            user=nurse,
            lot_number=lot_number,
            units_received=RECEIVED,
            supplier="Harbor Wholesale Pharmacy, 12 Dock Street",
            supplier_dea_number="RH1234563",
            document_number=f"INV-{lot_number}",
            expires_on=date(received_at.year + 2, 1, 31),
            occurred_at=received_at,
            now=received_at,
        )
        lots[(substance, mg)] = entry.lot
    moved_at = received_at + timedelta(hours=1)
    for key in (("buprenorphine", "2"), ("buprenorphine", "8")):
        actions.do_transfer(
            safe,
            cart,
            lots[key],
            user=nurse,
            units_moved=TO_CART,
            reason="Stock for the cart",
            occurred_at=moved_at,
            now=moved_at,
        )
    _draw_given_doses(demo, cart, lots, prescriber)
    counted_at = demo.now - timedelta(minutes=30)
    products = actions.count_products(cart)
    balances = {str(p.uuid): _balance(cart, p) for p in products}
    actions.do_count(cart, user=nurse, cosigner=prescriber, counted=balances, now=counted_at)


def _balance(location: Location, product: Product) -> Decimal:
    from detoxdesk.controlled.queries import balance_of

    return balance_of(location, product.pk)


def _draw_given_doses(
    demo: DemoContext, cart: Location, lots: dict[tuple[str, str], Lot], witness: User
) -> None:
    given = (
        Administration.objects.filter(
            episode__facility=cart.facility, outcome="given", drug="buprenorphine"
        )
        .select_related("episode__facility", "episode__patient", "recorded_by")
        .order_by("occurred_at")
    )
    for number, row in enumerate(given):
        dose = row.dose_mg or Decimal(0)
        if number == 0 and dose < Decimal(8):
            # A partial dose: one 8 mg tablet drawn, the rest wasted before a witness.
            lot = lots[("buprenorphine", "8")]
            wasted = Decimal(1) - actions.administered_units(dose, lot.product)
            actions.draw_for_administration(
                administration=row,
                location=cart,
                lot=lot,
                user=row.recorded_by,
                witness=witness,
                wasted=wasted,
                drawn=Decimal(1),
                now=row.recorded_at,
            )
            continue
        actions.draw_for_administration(
            administration=row,
            location=cart,
            lot=lots[("buprenorphine", "2")],
            user=row.recorded_by,
            now=row.recorded_at,
        )
