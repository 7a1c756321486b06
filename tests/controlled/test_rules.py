"""The ledger's balance rules, as tables: what each entry does to the balance, what is refused
(and then saved nothing), and that the rows of one product and location add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from detoxdesk.accounts.models import Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import controlled as rules
from detoxdesk.controlled import actions
from detoxdesk.controlled.models import AppendOnlyError, Entry, Stock
from factories import make_user
from factories_controlled import make_location, make_product, receive, stocked

pytestmark = pytest.mark.django_db
D = Decimal


def _balance(location, lot) -> Decimal:
    return Stock.objects.get(location=location, lot=lot).units


def _waste(unit, location, lot, amount):
    return actions.do_waste(
        location,
        lot,
        user=unit.nurse,
        units_wasted=D(amount),
        witness=unit.prescriber,
        reason="Dropped on the floor",
    )


def _destroy(unit, location, lot, amount):
    third = make_user(Role.NURSE, unit.ward)
    return actions.do_destroy(
        location,
        lot,
        user=unit.nurse,
        units_destroyed=D(amount),
        witness=unit.prescriber,
        second_witness=third,
        form_41_reference="F41-7",
        reason="Expired, denatured on site",
    )


def _return(unit, location, lot, amount):
    return actions.do_return(
        location,
        lot,
        user=unit.nurse,
        units_returned=D(amount),
        supplier="Harbor Wholesale",
        document_number="RA-1",
        reason="Recalled lot",
    )


def _take_home(unit, location, lot, amount):
    return actions.do_take_home(
        location, lot, user=unit.nurse, episode=unit.episode, units_dispensed=D(amount)
    )


def _adjust(unit, location, lot, amount):
    return actions.do_adjust(
        location, lot, user=unit.director, change=D(amount), reason="Spillage found at count"
    )


OUTGOING = {
    "waste": _waste,
    "destruction": _destroy,
    "return": _return,
    "take_home": _take_home,
}


@pytest.mark.parametrize(
    ("kind", "amount", "balance", "saved"),
    [
        ("waste", "3", "7", True),
        ("waste", "10", "0", True),
        ("waste", "10.5", "10", False),
        ("destruction", "4", "6", True),
        ("destruction", "11", "10", False),
        ("return", "10", "0", True),
        ("return", "12", "10", False),
        ("take_home", "2.5", "7.5", True),
        ("take_home", "10.001", "10", False),
    ],
)
def test_stock_going_out_never_takes_the_balance_below_zero(unit, kind, amount, balance, saved):
    location, lot = stocked(unit, "10")
    before = Entry.objects.count()
    events = AuditEvent.objects.filter(event="controlled.entry_recorded").count()
    if saved:
        entry = OUTGOING[kind](unit, location, lot, amount)
        assert entry.kind == kind
        assert entry.amount == -D(amount)
        assert entry.balance_after == D(balance)
        if kind == "take_home":
            assert entry.amount_take_home == D(amount)
            assert entry.patient == unit.patient
    else:
        with pytest.raises(ValidationError, match="cannot go below zero"):
            OUTGOING[kind](unit, location, lot, amount)
        assert Entry.objects.count() == before
        assert AuditEvent.objects.filter(event="controlled.entry_recorded").count() == events
    assert _balance(location, lot) == D(balance)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than zero"),
        ("-1", "greater than zero"),
        ("0.0001", "three decimals"),
        ("1e12", "too large"),
        ("NaN", "number of units"),
        ("", "number of units"),
    ],
)
def test_a_bad_number_of_units_is_refused_naming_the_field(unit, amount, message):
    location, lot = stocked(unit, "10")
    with pytest.raises(ValidationError) as caught:
        actions.do_waste(
            location,
            lot,
            user=unit.nurse,
            units_wasted=amount,
            witness=unit.prescriber,
            reason="x",
        )
    assert message in " ".join(caught.value.message_dict["units"])
    assert Entry.objects.count() == 1


@pytest.mark.parametrize(
    ("drawn", "administered", "wasted", "error"),
    [
        ("2", "2", "0", None),
        ("2", "1.5", "0.5", None),
        ("1", "0.25", "0.75", None),
        ("2", "2", "0.5", "exceed what was drawn"),
        ("2", "2.5", "0", "exceed what was drawn"),
        ("3", "2", "0", "Account for every unit drawn"),
        ("2", "1", "-1", "below zero"),
    ],
)
def test_administered_plus_wasted_is_every_unit_drawn(drawn, administered, wasted, error):
    if error is None:
        actions.check_draw(D(drawn), D(administered), D(wasted))
    else:
        with pytest.raises(ValidationError, match=error):
            actions.check_draw(D(drawn), D(administered), D(wasted))


def test_the_rows_of_one_product_and_location_add_up(unit):
    location, lot = stocked(unit, "10")
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    second = receive(location, lot.product, unit.nurse, "5", lot="L2").lot
    _waste(unit, location, lot, "1")
    actions.do_transfer(location, safe, second, user=unit.nurse, units_moved=D(3))
    _take_home(unit, location, lot, "2")
    _adjust(unit, location, lot, "-0.5")
    _adjust(unit, location, lot, "1")
    for place in (location, safe):
        rows = list(Entry.objects.filter(location=place, product=lot.product).order_by("pk"))
        running = D(0)
        for row in rows:
            running += row.amount
            assert row.balance_after == running
        assert running == sum(s.units for s in Stock.objects.filter(location=place))
    assert [e.kind for e in Entry.objects.filter(location=location).order_by("pk")] == [
        "receipt",
        "receipt",
        "waste",
        "transfer_out",
        "take_home",
        "adjustment",
        "adjustment",
    ]
    assert Entry.objects.get(location=safe).kind == "transfer_in"
    assert _balance(location, lot) == D("7.5")


def test_a_correction_is_a_reversing_entry_and_the_original_stays(unit):
    location, lot = stocked(unit, "10")
    wrong = _waste(unit, location, lot, "2")
    reversal = actions.do_reverse(wrong, user=unit.nurse, reason="Keyed 2, meant 1")
    wrong.refresh_from_db()
    assert wrong.amount == D(-2)
    assert reversal.kind == "adjustment"
    assert reversal.amount == D(2)
    assert reversal.reverses == wrong
    assert reversal.balance_after == D(10)
    with pytest.raises(ValidationError, match="already reversed"):
        actions.do_reverse(wrong, user=unit.nurse, reason="again")
    with pytest.raises(ValidationError, match="itself a correction"):
        actions.do_reverse(reversal, user=unit.nurse, reason="again")
    assert AuditEvent.objects.filter(event="controlled.entry_reversed").count() == 1


def test_a_reversal_that_would_go_below_zero_is_refused(unit):
    location, lot = stocked(unit, "10")
    receipt = Entry.objects.get(kind="receipt")
    _waste(unit, location, lot, "4")
    with pytest.raises(ValidationError, match="below zero"):
        actions.do_reverse(receipt, user=unit.nurse, reason="Wrong delivery")
    assert Entry.objects.count() == 2


def test_entries_are_never_changed_or_deleted(unit):
    location, lot = stocked(unit, "10")
    entry = Entry.objects.get()
    entry.amount = D(99)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(amount=D(1))
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()
    assert Entry.objects.get().amount == D(10)


def test_the_database_refuses_to_change_or_delete_an_entry(unit):
    if connection.vendor != "postgresql":
        pytest.skip("The database triggers are PostgreSQL's.")
    stocked(unit, "10")
    for sql in ("UPDATE controlled_entry SET amount = 1", "DELETE FROM controlled_entry"):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert Entry.objects.get().amount == D(10)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("none", "A witness must sign"),
        ("self", "someone other than you"),
        ("counselor", "cannot record controlled substances"),
        ("outsider", "cannot record controlled substances"),
    ],
)
def test_waste_needs_a_witness_who_may_record_here(unit, who, message):
    location, lot = stocked(unit, "10")
    witness = {
        "none": None,
        "self": unit.nurse,
        "counselor": unit.counselor,
        "outsider": unit.outsider,
    }[who]
    with pytest.raises(ValidationError, match=message):
        actions.do_waste(
            location, lot, user=unit.nurse, units_wasted=D(1), witness=witness, reason="Dropped"
        )
    assert Entry.objects.count() == 1


def test_destruction_needs_two_different_witnesses_and_the_form_41_reference(unit):
    location, lot = stocked(unit, "10")
    base = {"user": unit.nurse, "units_destroyed": D(1), "reason": "Expired"}
    with pytest.raises(ValidationError, match="Two different people"):
        actions.do_destroy(
            location,
            lot,
            witness=unit.prescriber,
            second_witness=unit.prescriber,
            form_41_reference="F41",
            **base,
        )
    third = make_user(Role.NURSE, unit.ward)
    with pytest.raises(ValidationError, match="Form 41"):
        actions.do_destroy(
            location,
            lot,
            witness=unit.prescriber,
            second_witness=third,
            form_41_reference=" ",
            **base,
        )
    assert rules.rules().form_41_witnesses == 2
    entry = actions.do_destroy(
        location,
        lot,
        witness=unit.prescriber,
        second_witness=third,
        form_41_reference="F41-9",
        **base,
    )
    assert (entry.witness, entry.second_witness) == (unit.prescriber, third)


@pytest.mark.parametrize(
    ("user", "capability_needed"),
    [("counselor", True), ("auditor", True), ("director", True), ("outsider", True)],
)
def test_only_those_who_record_may_receive_stock(unit, user, capability_needed):
    location = make_location(unit.ward, unit.director)
    product = make_product(unit.ward, unit.director)
    with pytest.raises(PermissionDenied):
        receive(location, product, getattr(unit, user), "5")
    assert not Entry.objects.exists()


def test_adjustments_are_a_directors(unit):
    location, lot = stocked(unit, "10")
    with pytest.raises(PermissionDenied):
        actions.do_adjust(location, lot, user=unit.nurse, change=D(1), reason="x")
    with pytest.raises(ValidationError, match="other than zero"):
        actions.do_adjust(location, lot, user=unit.director, change=D(0), reason="x")
    with pytest.raises(ValidationError, match="Say why"):
        actions.do_adjust(location, lot, user=unit.director, change=D(1), reason=" ")


def test_a_receipt_names_supplier_document_and_lot(unit):
    location = make_location(unit.ward, unit.director)
    product = make_product(unit.ward, unit.director)
    with pytest.raises(ValidationError) as caught:
        actions.do_receive(
            location,
            product,
            user=unit.nurse,
            lot_number="",
            units_received=D(1),
            supplier="",
            document_number="",
        )
    assert set(caught.value.message_dict) == {"lot_number", "supplier", "document_number"}
    assert not Entry.objects.exists()


def test_a_products_schedule_comes_from_the_controlled_list(unit):
    assert make_product(unit.ward, unit.director).schedule == "II"
    bup = make_product(unit.ward, unit.director, substance="buprenorphine", mg="8", form="tablet")
    assert bup.schedule == "III"
    lorazepam = make_product(unit.ward, unit.director, substance="lorazepam", mg="1", form="tablet")
    assert lorazepam.schedule == "IV"
    with pytest.raises(ValidationError, match="not in the controlled list"):
        make_product(unit.ward, unit.director, substance="tramadol", mg="50", form="tablet")
    own = make_product(
        unit.ward, unit.director, substance="tramadol", mg="50", form="tablet", schedule="IV"
    )
    assert own.schedule == "IV"
    with pytest.raises(ValidationError, match="already in the list"):
        make_product(unit.ward, unit.director)
