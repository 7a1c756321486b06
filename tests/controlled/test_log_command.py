"""The stable contract: ``manage.py controlled_substances_log``, its columns and entry codes."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from detoxdesk.audit.models import AuditEvent
from detoxdesk.controlled import actions
from detoxdesk.medications.actions import StockDraw
from factories import make_user
from factories_controlled import give, make_location, methadone_order, receive, stocked

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = (
    "facility,location,substance,strength,dosage_form,lot,entry,occurred_at,"
    "patient_record_number,amount,amount_take_home,unit,balance_after,"
    "recorded_by_initials,witness_initials"
)


def run(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("controlled_substances_log", *args, stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def _every_kind(unit):
    location, lot = stocked(unit, "10")
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    order = methadone_order(unit.episode, unit.prescriber, "15")
    give(order, unit.nurse, draw=StockDraw(location, lot, wasted=D("0.5"), witness=unit.prescriber))
    actions.do_transfer(location, safe, lot, user=unit.nurse, units_moved=D(2))
    actions.do_take_home(location, lot, user=unit.nurse, episode=unit.episode, units_dispensed=D(1))
    actions.do_return(
        location,
        lot,
        user=unit.nurse,
        units_returned=D(1),
        supplier="Harbor",
        document_number="RA-1",
        reason="Recall",
    )
    third = make_user("nurse", unit.ward)
    actions.do_destroy(
        location,
        lot,
        user=unit.nurse,
        units_destroyed=D(1),
        witness=unit.prescriber,
        second_witness=third,
        form_41_reference="F41",
        reason="Expired",
    )
    actions.do_adjust(location, lot, user=unit.director, change=D("-0.5"), reason="Spill")
    return location, lot


def test_it_writes_exactly_the_contract_columns_and_entry_codes(unit):
    _every_kind(unit)
    rows = run("--from", "2026-03-01", "--to", "2026-03-02", "--format", "csv")
    assert {r["entry"] for r in rows} == {
        "receipt",
        "administration",
        "waste",
        "return",
        "destruction",
        "transfer_in",
        "transfer_out",
        "take_home",
        "adjustment",
    }
    waste = next(r for r in rows if r["entry"] == "waste")
    assert waste["patient_record_number"] == unit.patient.record_number
    assert waste["witness_initials"] == "TP"  # Test Prescriber
    assert waste["recorded_by_initials"] == "TN"
    take_home = next(r for r in rows if r["entry"] == "take_home")
    assert (take_home["amount"], take_home["amount_take_home"], take_home["unit"]) == (
        "-1",
        "1",
        "mL",
    )
    destruction = next(r for r in rows if r["entry"] == "destruction")
    assert len(destruction["witness_initials"].split()) == 2
    assert next(r for r in rows if r["entry"] == "receipt")["amount"] == "10"


def test_the_rows_of_one_product_and_location_add_up_in_order(unit):
    _every_kind(unit)
    rows = run("--from", "2026-03-02", "--to", "2026-03-02")
    running: dict[tuple[str, str, str], Decimal] = {}
    for row in rows:
        key = (row["facility"], row["location"], row["substance"] + row["strength"])
        running[key] = running.get(key, D(0)) + D(row["amount"])
        assert D(row["balance_after"]) == running[key], row
    assert running[("Ward A", "Cart 1", "methadone10 mg")] == D("2.5")
    assert running[("Ward A", "Safe", "methadone10 mg")] == D(2)


def test_it_reads_one_facility_or_every_facility_and_only_the_days_asked(unit):
    stocked(unit, "10")
    clinic = make_location(unit.other, unit.director, name="Clinic safe", kind="safe")
    from detoxdesk.controlled.models import Product

    receive(clinic, Product.objects.get(), make_user("nurse", unit.other), "4", lot="C1")
    assert {r["facility"] for r in run("--from", "2026-03-02", "--to", "2026-03-02")} == {
        "Ward A",
        "Clinic B",
    }
    only = run("--facility", str(unit.other.uuid), "--from", "2026-03-02", "--to", "2026-03-02")
    assert [r["facility"] for r in only] == ["Clinic B"]
    assert run("--from", "2026-03-03", "--to", "2026-03-09") == []
    assert AuditEvent.objects.filter(event="controlled.log_exported").count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-03-02"], "--from must be a date"),
        (["--from", "2026-03-02", "--to", "yesterday"], "--to must be a date"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "before --from"),
        (["--from", "2026-03-01", "--to", "2026-03-02", "--format", "xml"], "must be csv"),
        (["--facility", "nope", "--from", "2026-03-01", "--to", "2026-03-02"], "UUID"),
        (
            [
                "--facility",
                "00000000-0000-0000-0000-000000000000",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
            ],
            "No facility",
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(unit, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("controlled_substances_log", *args, stdout=io.StringIO())
    assert not AuditEvent.objects.filter(event="controlled.log_exported").exists()
