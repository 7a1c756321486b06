"""Blind shift counts signed by two, discrepancies resolved by a director, the DEA Form 106 steps,
and the initial and biennial inventories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import controlled as rules
from detoxdesk.controlled import actions
from detoxdesk.controlled.models import Count, Discrepancy, Entry, Inventory, Stock
from factories_controlled import make_product, receive, stocked

pytestmark = pytest.mark.django_db
D = Decimal


def _count(unit, location, product, value, cosigner=None):
    return actions.do_count(
        location,
        user=unit.nurse,
        cosigner=cosigner or unit.prescriber,
        counted={str(product.uuid): value},
    )


@pytest.mark.parametrize(
    ("counted", "opens"), [("10", False), ("9", True), ("11", True), ("10.000", False)]
)
def test_a_count_that_differs_opens_a_discrepancy(unit, counted, opens):
    location, lot = stocked(unit, "10")
    count = _count(unit, location, lot.product, counted)
    line = count.lines.get()
    assert (line.expected, line.counted) == (D(10), D(counted))
    assert Discrepancy.objects.filter(resolved_at=None).exists() is opens
    assert AuditEvent.objects.filter(event="controlled.discrepancy_opened").exists() is opens
    assert AuditEvent.objects.filter(event="controlled.counted").count() == 1


@pytest.mark.parametrize(
    ("cosigner", "message"),
    [(None, "must sign"), ("nurse", "someone other than you"), ("counselor", "cannot record")],
)
def test_two_staff_sign_a_count(unit, cosigner, message):
    location, lot = stocked(unit, "10")
    with pytest.raises(ValidationError, match=message):
        actions.do_count(
            location,
            user=unit.nurse,
            cosigner=getattr(unit, cosigner) if cosigner else None,
            counted={str(lot.product.uuid): "10"},
        )
    assert not Count.objects.exists()


@pytest.mark.parametrize("value", [None, "", "-1", "abc", "1.0001"])
def test_every_product_is_counted_with_a_number(unit, value):
    location, lot = stocked(unit, "10")
    with pytest.raises(ValidationError) as caught:
        _count(unit, location, lot.product, value)
    assert f"product_{lot.product.uuid}" in caught.value.message_dict
    assert not Count.objects.exists()


def test_a_director_resolves_a_discrepancy_with_a_reason(unit):
    location, lot = stocked(unit, "10")
    _count(unit, location, lot.product, "9")
    found = Discrepancy.objects.get()
    with pytest.raises(PermissionDenied):
        actions.do_resolve_discrepancy(found, user=unit.nurse, resolution="Found it")
    with pytest.raises(ValidationError, match="Say what was found"):
        actions.do_resolve_discrepancy(found, user=unit.director, resolution="  ")
    resolved = actions.do_resolve_discrepancy(
        found, user=unit.director, resolution="A dose given at 06:00 was charted late"
    )
    assert resolved.resolved_by == unit.director
    assert not Entry.objects.filter(kind="adjustment").exists()
    with pytest.raises(ValidationError, match="already resolved"):
        actions.do_resolve_discrepancy(found, user=unit.director, resolution="Again")


def test_resolving_can_adjust_the_ledger_to_the_count_and_marks_a_significant_loss(unit):
    location, lot = stocked(unit, "10")
    older = receive(location, lot.product, unit.nurse, "3", lot="OLD", expires_on=date(2026, 4, 1))
    _count(unit, location, lot.product, "8")
    found = Discrepancy.objects.get()
    actions.do_resolve_discrepancy(
        found,
        user=unit.director,
        resolution="Two tablets missing",
        significant_loss=True,
        adjust_to_count=True,
    )
    adjustments = list(Entry.objects.filter(kind="adjustment").order_by("pk"))
    # The shortfall of 5 comes from the earliest-expiring lot first.
    assert [(a.lot, a.amount, a.balance_after) for a in adjustments] == [
        (older.lot, D(-3), D(10)),
        (lot, D(-2), D(8)),
    ]
    event = AuditEvent.objects.get(event="controlled.discrepancy_resolved")
    assert event.changes["significant_loss"] is True
    assert "form_106_notice_by" in event.changes
    assert sum(s.units for s in Stock.objects.filter(location=location)) == D(8)


@pytest.mark.parametrize(
    ("discovered", "notice_by", "file_by"),
    [
        (date(2026, 3, 2), date(2026, 3, 3), date(2026, 4, 16)),  # Monday -> Tuesday
        (date(2026, 3, 6), date(2026, 3, 9), date(2026, 4, 20)),  # Friday -> Monday
        (date(2026, 3, 7), date(2026, 3, 9), date(2026, 4, 21)),  # Saturday -> Monday
    ],
)
def test_the_form_106_steps_come_from_the_knowledge(discovered, notice_by, file_by):
    steps = rules.form_106_steps(discovered)
    assert (steps.notice_by, steps.file_by) == (notice_by, file_by)


@pytest.mark.parametrize(
    ("schedule", "per_container", "form", "method"),
    [
        ("II", 100, "tablet", "exact"),
        ("II", 500, "solution", "exact"),
        ("III", 100, "tablet", "estimated"),
        ("III", 1000, "tablet", "estimated"),
        ("III", 1001, "tablet", "exact"),
        ("IV", 1001, "capsule", "exact"),
        ("IV", 5000, "solution", "estimated"),
        ("V", 30, "film", "estimated"),
    ],
)
def test_an_inventory_counts_exactly_or_estimates_as_1304_11_says(
    schedule, per_container, form, method
):
    assert rules.count_method(schedule, per_container, form) == method


def test_the_retention_and_biennial_dates():
    assert rules.rules().retention_years == 2
    assert rules.retained_until(date(2026, 3, 2)) == date(2028, 3, 2)
    assert rules.biennial_due(date(2024, 2, 29)) == date(2026, 2, 28)


def test_the_initial_then_the_biennial_inventory(unit):
    location, lot = stocked(unit, "10")
    bup = make_product(
        unit.ward,
        unit.director,
        substance="buprenorphine",
        mg="8",
        form="tablet",
        per_container=100,
    )
    receive(location, bup, unit.nurse, "30", lot="B1")
    rows = actions.inventory_rows(unit.ward)
    quantities = {row.pk: row.units for row in rows}
    base = {"user": unit.nurse, "taken_on": date(2026, 3, 2), "taken_at": "opening"}
    with pytest.raises(ValidationError) as caught:
        actions.do_take_inventory(
            unit.ward, kind="biennial", quantities=quantities, sign=False, **base
        )
    assert set(caught.value.message_dict) == {"kind", "sign"}
    with pytest.raises(ValidationError) as caught:
        actions.do_take_inventory(unit.ward, kind="initial", quantities={}, sign=True, **base)
    assert len(caught.value.message_dict) == 2
    assert not Inventory.objects.exists()
    first = actions.do_take_inventory(
        unit.ward, kind="initial", quantities=quantities, sign=True, **base
    )
    methods = {line.product.substance: line.method for line in first.lines.all()}
    assert methods == {"methadone": "exact", "buprenorphine": "estimated"}
    with pytest.raises(ValidationError, match="biennial"):
        actions.do_take_inventory(
            unit.ward, kind="initial", quantities=quantities, sign=True, **base
        )
    second = actions.do_take_inventory(
        unit.ward, kind="biennial", quantities=quantities, sign=True, **base
    )
    assert second.signed_by == unit.nurse
    assert AuditEvent.objects.filter(event="controlled.inventory_signed").count() == 2
