"""The medication record drives the ledger: a given dose of a controlled product draws from a
chosen location and lot in the dose's own transaction; a partial dose records its waste and
witness; a held or refused dose draws nothing; a refused draw saves no dose either."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.models import Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.controlled.models import DoseDraw, Entry, Stock
from detoxdesk.medications.actions import StockDraw
from detoxdesk.medications.models import Administration
from factories import PASSWORD, make_user
from factories_controlled import (
    give,
    make_location,
    make_product,
    methadone_order,
    receive,
    stocked,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _units(location, lot) -> Decimal:
    return Stock.objects.get(location=location, lot=lot).units


def test_a_given_dose_draws_its_units_in_the_same_step(unit):
    location, lot = stocked(unit, "10")  # methadone 10 mg/mL
    order = methadone_order(unit.episode, unit.prescriber, "20")
    row = give(order, unit.nurse, draw=StockDraw(location, lot))
    entry = Entry.objects.get(kind="administration")
    assert (entry.administration, entry.patient, entry.amount, entry.balance_after) == (
        row,
        unit.patient,
        D(-2),
        D(8),
    )
    draw = DoseDraw.objects.get()
    assert (draw.drawn, draw.administered, draw.wasted, draw.witness) == (D(2), D(2), D(0), None)
    assert AuditEvent.objects.filter(event="controlled.dose_drawn", patient=unit.patient).exists()


def test_a_partial_dose_records_the_waste_and_its_witness(unit):
    location, lot = stocked(unit, "10")
    order = methadone_order(unit.episode, unit.prescriber, "15")
    give(
        order,
        unit.nurse,
        draw=StockDraw(location, lot, wasted=D("0.5"), witness=unit.prescriber, drawn=D(2)),
    )
    kinds = list(Entry.objects.order_by("pk").values_list("kind", "amount", "balance_after"))
    assert kinds[1:] == [("administration", D("-1.5"), D("8.5")), ("waste", D("-0.5"), D(8))]
    assert Entry.objects.get(kind="waste").witness == unit.prescriber
    assert _units(location, lot) == D(8)


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        ({"wasted": D("0.5")}, "A witness must sign"),
        ({"wasted": D("0.5"), "witness": "nurse"}, "someone other than you"),
        ({"wasted": D("0.5"), "drawn": D(2)}, "exceed what was drawn"),
        ({"drawn": D(3)}, "Account for every unit drawn"),
        ({"wasted": D(-1)}, "zero or more"),
    ],
)
def test_a_refused_draw_saves_no_dose_and_no_entry(unit, draw, message):
    location, lot = stocked(unit, "10")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    if draw.get("witness") == "nurse":
        draw["witness"] = unit.nurse
    with pytest.raises(ValidationError, match=message):
        give(order, unit.nurse, draw=StockDraw(location, lot, **draw))
    assert not Administration.objects.exists()
    assert Entry.objects.count() == 1
    assert _units(location, lot) == D(10)


def test_the_balance_never_goes_below_zero_and_the_dose_is_not_saved(unit):
    location, lot = stocked(unit, "1.5")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    with pytest.raises(ValidationError, match="cannot be drawn"):
        give(order, unit.nurse, draw=StockDraw(location, lot))
    assert not Administration.objects.exists()
    assert not AuditEvent.objects.filter(event="dose.given").exists()


def test_a_stocked_drug_cannot_be_given_without_saying_where_it_came_from(unit):
    stocked(unit, "10")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    with pytest.raises(ValidationError, match="location and lot"):
        give(order, unit.nurse)
    assert not Administration.objects.exists()


@pytest.mark.parametrize("outcome", ["held", "refused", "omitted"])
def test_a_dose_not_given_draws_nothing(unit, outcome):
    location, lot = stocked(unit, "10")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    give(order, unit.nurse, draw=StockDraw(location, lot), outcome=outcome, reason="Asleep")
    assert Administration.objects.get().outcome == outcome
    assert Entry.objects.count() == 1
    assert not DoseDraw.objects.exists()


def test_a_drug_the_facility_does_not_keep_in_the_ledger_is_given_as_before(unit):
    order = methadone_order(unit.episode, unit.prescriber, "20")
    give(order, unit.nurse)
    assert Administration.objects.get().outcome == "given"
    assert not Entry.objects.exists()


def test_a_lot_of_another_drug_or_facility_is_refused(unit):
    location, lot = stocked(unit, "10")
    clinic = make_location(unit.other, unit.director, name="Clinic safe", kind="safe")
    clinic_nurse = make_user(Role.NURSE, unit.other)
    receive(clinic, lot.product, clinic_nurse, "5", lot="C1")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    with pytest.raises(ValidationError, match="this patient's facility"):
        give(order, unit.nurse, draw=StockDraw(clinic, lot))
    bup = make_product(unit.ward, unit.director, substance="buprenorphine", mg="8", form="tablet")
    bup_lot = receive(location, bup, unit.nurse, "5", lot="B1").lot
    with pytest.raises(ValidationError, match="Choose a lot of methadone"):
        give(order, unit.nurse, draw=StockDraw(location, bup_lot))
    assert not Administration.objects.exists()


# --- The dose form ------------------------------------------------------------------------------


def _post(client, order, **fields):
    url = reverse("medications:record_dose", args=[order.line.uuid])
    page = client.get(url)
    data = {
        "outcome": "given",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "checked": page.context["check"].fingerprint,
        "acknowledge_warnings": "on",
        **fields,
    }
    return page, client.post(url, data)


def test_the_dose_form_offers_the_lots_and_records_a_partial_dose(unit, as_user):
    location, lot = stocked(unit, "10")
    order = methadone_order(unit.episode, unit.prescriber, "15")
    page, response = _post(
        as_user(unit.nurse),
        order,
        controlled_stock=f"{location.uuid}:{lot.uuid}",
        drawn="2",
        wasted="0.5",
        waste_witness="prescriber",
        waste_witness_password=PASSWORD,
    )
    assert "Cart 1 · Methadone 10 mg oral solution · lot L1 (10 mL in stock)" in (
        page.content.decode()
    )
    assert response.status_code == 302, response.context["form"].errors
    assert list(Entry.objects.order_by("pk").values_list("kind", flat=True)) == [
        "receipt",
        "administration",
        "waste",
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "controlled_stock"),
        ({"controlled_stock": "nonsense"}, "controlled_stock"),
        ({"controlled_stock": "{loc}:00000000-0000-0000-0000-000000000000"}, "controlled_stock"),
        ({"controlled_stock": "{loc}:{lot}", "wasted": "0.5"}, "waste_witness"),
        (
            {
                "controlled_stock": "{loc}:{lot}",
                "wasted": "0.5",
                "waste_witness": "prescriber",
                "waste_witness_password": "wrong",
            },
            "waste_witness",
        ),
        ({"controlled_stock": "{loc}:{lot}", "drawn": "9"}, "wasted"),
        ({"controlled_stock": "{loc}:{lot}", "wasted": "-1"}, "wasted"),
        ({"controlled_stock": "{loc}:{lot}", "drawn": "abc"}, "drawn"),
    ],
)
def test_bad_input_on_the_dose_form_saves_nothing(unit, as_user, fields, field):
    location, lot = stocked(unit, "10")
    order = methadone_order(unit.episode, unit.prescriber, "20")
    filled = {k: v.format(loc=location.uuid, lot=lot.uuid) for k, v in fields.items()}
    _page, response = _post(as_user(unit.nurse), order, **filled)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Administration.objects.exists()
    assert Entry.objects.count() == 1
