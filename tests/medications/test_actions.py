"""Orders and doses through the actions: permission, validation, the safety engine, audit."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications import actions
from detoxdesk.medications.models import Administration, Order, OrderLine
from detoxdesk.medications.safety import check_administration
from detoxdesk.patients.actions import do_record_allergy
from factories import make_user
from factories_medications import (
    make_facts,
    make_settings,
    record_cows,
    record_pdmp,
    record_vitals,
    sign_bup_standard,
    sign_prn,
    sign_scheduled,
)

NY = ZoneInfo("America/New_York")
START = datetime(2026, 3, 2, 9, 0, tzinfo=NY)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ready(clock, unit):
    """A standard buprenorphine start on a patient last using short-acting opioids a day ago."""
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    return sign_bup_standard(unit.episode, unit.prescriber)


def give(order, user, at=None, **more):
    at = at or datetime.now(tz=NY)
    return actions.do_record_administration(
        order, acting_user=user, outcome="given", occurred_at=at, **more
    )


# --- Signing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["nurse", "counselor", "director", "outsider"])
def test_it_lets_only_a_prescriber_sign_an_order(unit, persona):
    with pytest.raises(PermissionDenied):
        sign_bup_standard(unit.episode, getattr(unit, persona))
    assert not OrderLine.objects.exists()


def test_it_signs_an_order_with_an_audit_event(unit):
    order = sign_bup_standard(unit.episode, unit.prescriber)
    event = AuditEvent.objects.get(event="order.signed")
    assert (event.actor, event.patient, event.object_id) == (
        unit.prescriber,
        unit.patient,
        str(order.line.uuid),
    )
    assert order.version == 1 and order.signed_by == unit.prescriber


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"dose_mg": Decimal(0)}, "dose_mg"),
        ({"drug": "unobtainium"}, "drug"),
        ({"route": "nasal"}, "route"),
        ({"prn_indication": ""}, "times_of_day"),
        ({"trigger_min_total": 49}, "trigger_min_total"),
        ({"times_of_day": [time(8)]}, "prn_indication"),
        ({"max_daily_mg": Decimal(-1)}, "max_daily_mg"),
    ],
)
def test_it_refuses_a_bad_order_naming_the_field(unit, fields, field):
    with pytest.raises(ValidationError) as exc:
        sign_bup_standard(unit.episode, unit.prescriber, **fields)
    assert field in exc.value.message_dict
    assert not Order.objects.exists()


def test_it_needs_an_override_reason_to_sign_an_order_the_engine_stops(unit):
    with pytest.raises(ValidationError) as exc:
        sign_prn(unit.episode, unit.prescriber, "lofexidine", "0.73", "withdrawal symptoms")
    assert "override_reason" in exc.value.message_dict
    order = sign_prn(
        unit.episode,
        unit.prescriber,
        "lofexidine",
        "0.73",
        "withdrawal symptoms",
        override_reason="specialist advice",
    )
    assert order.sign_override_reason == "specialist advice"
    assert AuditEvent.objects.get(event="safety.stop_overridden").changes == {
        "findings": ["max_dose_exceeded"],
        "reason": "specialist advice",
    }


def test_it_checks_the_daily_total_of_a_scheduled_order_when_signing(unit):
    times = [time(8), time(13), time(18), time(23)]
    with pytest.raises(ValidationError):
        sign_scheduled(unit.episode, unit.prescriber, "lofexidine", "0.72", *times[:4], time(3))
    order = sign_scheduled(unit.episode, unit.prescriber, "lofexidine", "0.72", *times)
    assert order.sign_findings == []


def test_it_modifies_an_order_as_a_new_version_and_keeps_the_old_one(unit):
    order = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea")
    with pytest.raises(ValidationError) as exc:
        actions.do_modify_order(order.line, acting_user=unit.prescriber, reason="", dose_mg=1)
    assert "reason" in exc.value.message_dict
    newer = actions.do_modify_order(
        order.line, acting_user=unit.prescriber, reason="better", dose_mg=Decimal(4)
    )
    versions = [(v.version, v.dose_mg, v.superseded_at is None) for v in order.line.versions.all()]
    assert versions == [(2, Decimal(4), True), (1, Decimal(2), False)]
    assert newer.change_reason == "better"


def test_it_holds_resumes_and_discontinues_with_reasons_and_events(unit):
    line = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea").line
    for event in ("order.held", "order.resumed", "order.held", "order.discontinued"):
        actions.do_change_order_status(line, event, acting_user=unit.prescriber, reason="why")
    line.refresh_from_db()
    assert line.status == OrderLine.Status.DISCONTINUED
    assert AuditEvent.objects.filter(event__startswith="order.").count() == 5
    with pytest.raises(ValidationError):
        actions.do_change_order_status(
            line, "order.resumed", acting_user=unit.prescriber, reason="again"
        )
    with pytest.raises(PermissionDenied):
        actions.do_change_order_status(line, "order.held", acting_user=unit.nurse, reason="x")


# --- Doses ----------------------------------------------------------------------------------------


def test_it_stops_a_first_dose_below_the_cows_gate_and_says_why(ready, unit):
    record_cows(unit.episode, unit.nurse, 6)
    with pytest.raises(PermissionDenied):
        give(ready, unit.nurse)
    check = check_administration(ready, Decimal(4), datetime.now(tz=NY))
    assert check.decision == "stop"
    assert "COWS 6 is below the gate of 8" in check.stops[0].message
    assert "precipitated withdrawal" in check.stops[0].message
    assert not Administration.objects.exists()


def test_it_gives_at_the_gate_then_stops_a_re_dose_before_the_interval(clock, ready, unit):
    record_cows(unit.episode, unit.nurse, 14)
    first = give(ready, unit.nurse)
    assert (first.decision, first.dose_mg) == ("ok", Decimal(4))
    clock.shift(timedelta(minutes=59))
    with pytest.raises(PermissionDenied):
        give(ready, unit.nurse)
    clock.shift(timedelta(minutes=1))
    second = give(ready, unit.nurse)
    assert second.findings == []
    assert AuditEvent.objects.filter(event="dose.given").count() == 2


def test_it_lets_a_prescriber_override_a_stop_with_a_reason(ready, unit):
    record_cows(unit.episode, unit.nurse, 6)
    with pytest.raises(ValidationError) as exc:
        give(ready, unit.prescriber)
    assert "override_reason" in exc.value.message_dict
    row = give(
        ready,
        unit.prescriber,
        confirmation=actions.DoseConfirmation(override_reason="clear withdrawal on exam"),
    )
    assert (row.decision, row.overridden_by) == ("stop", unit.prescriber)
    assert AuditEvent.objects.filter(event="safety.stop_overridden").count() == 1


def test_it_lets_a_nurse_override_only_where_the_program_allows(ready, unit):
    record_cows(unit.episode, unit.nurse, 6)
    confirmation = actions.DoseConfirmation(override_reason="prescriber agreed by phone")
    with pytest.raises(PermissionDenied):
        give(ready, unit.nurse, confirmation=confirmation)
    make_settings(unit.program, nurses_may_override_stops=True)
    assert give(ready, unit.nurse, confirmation=confirmation).overridden_by == unit.nurse
    with pytest.raises(PermissionDenied):
        give(ready, unit.counselor, confirmation=confirmation)


def test_it_needs_warnings_acknowledged(ready, unit):
    make_facts(unit.episode, unit.prescriber, benzodiazepine_use=True)
    record_cows(unit.episode, unit.nurse, 14)
    with pytest.raises(ValidationError) as exc:
        give(ready, unit.nurse)
    assert "acknowledge_warnings" in exc.value.message_dict
    row = give(ready, unit.nurse, confirmation=actions.DoseConfirmation(acknowledge_warnings=True))
    assert (row.decision, row.warnings_acknowledged) == ("warning", True)
    assert [f["code"] for f in row.findings] == ["benzodiazepine_co_use"]
    acknowledged = AuditEvent.objects.filter(event="safety.warning_acknowledged", actor=unit.nurse)
    assert acknowledged.count() == 1


@pytest.mark.parametrize("outcome", ["held", "refused", "omitted"])
def test_it_needs_a_reason_when_a_dose_is_not_given(ready, unit, outcome):
    with pytest.raises(ValidationError) as exc:
        actions.do_record_administration(
            ready, acting_user=unit.nurse, outcome=outcome, occurred_at=datetime.now(tz=NY)
        )
    assert "reason" in exc.value.message_dict
    row = actions.do_record_administration(
        ready,
        acting_user=unit.nurse,
        outcome=outcome,
        occurred_at=datetime.now(tz=NY),
        reason="sleeping",
    )
    assert (row.dose_mg, row.decision) == (None, "")
    assert AuditEvent.objects.get(event=f"dose.{outcome}").changes["reason"] == "sleeping"


def test_it_shows_both_times_of_a_late_entry(ready, unit):
    record_cows(unit.episode, unit.nurse, 14, START - timedelta(hours=3))
    row = give(ready, unit.nurse, at=START - timedelta(hours=2))
    assert row.is_late_entry and row.recorded_at == START


def test_it_refuses_a_dose_in_the_future(ready, unit):
    with pytest.raises(ValidationError) as exc:
        give(ready, unit.nurse, at=START + timedelta(hours=1))
    assert "occurred_at" in exc.value.message_dict


def test_it_needs_a_second_signer_for_a_controlled_substance_where_required(ready, unit):
    make_settings(unit.program, second_signer_for_controlled=True, controlled_drugs=["methadone"])
    record_pdmp(unit.episode, unit.prescriber)
    make_facts(unit.episode, unit.prescriber, qtc_ms=420)  # no "no QTc on file" warning
    # Methadone beside the active buprenorphine order would be an agonist conflict.
    actions.do_change_order_status(
        ready.line, "order.discontinued", acting_user=unit.prescriber, reason="switch"
    )
    order = sign_scheduled(unit.episode, unit.prescriber, "methadone", "10", time(9))
    assert order.controlled
    at = START
    with pytest.raises(ValidationError) as exc:
        give(order, unit.nurse, at=at, scheduled_for=at)
    assert "second_signer" in exc.value.message_dict
    with pytest.raises(ValidationError):
        give(
            order,
            unit.nurse,
            at=at,
            scheduled_for=at,
            confirmation=actions.DoseConfirmation(second_signer=unit.nurse),
        )
    second = make_user("nurse", unit.ward)
    row = give(
        order,
        unit.nurse,
        at=at,
        scheduled_for=at,
        confirmation=actions.DoseConfirmation(second_signer=second),
    )
    assert row.second_signer == second


def test_it_records_a_scheduled_dose_once_and_tells_the_second_nurse(clock, unit):
    order = sign_scheduled(unit.episode, unit.prescriber, "lofexidine", "0.54", time(9))
    give(order, unit.nurse, at=START, scheduled_for=START)
    with pytest.raises(ValidationError, match="already recorded as given by Test nurse"):
        give(order, unit.prescriber, at=START, scheduled_for=START)
    assert Administration.objects.count() == 1


def test_it_refuses_a_time_that_is_not_a_scheduled_dose(clock, unit):
    order = sign_scheduled(unit.episode, unit.prescriber, "lofexidine", "0.54", time(9))
    with pytest.raises(ValidationError) as exc:
        give(order, unit.nurse, at=START, scheduled_for=START - timedelta(minutes=30))
    assert "scheduled_for" in exc.value.message_dict


def test_it_refuses_to_give_a_held_order(ready, unit):
    actions.do_change_order_status(
        ready.line, "order.held", acting_user=unit.prescriber, reason="sedated"
    )
    record_cows(unit.episode, unit.nurse, 14)
    with pytest.raises(ValidationError, match="on hold"):
        give(ready, unit.nurse)


def test_it_refuses_an_order_version_that_was_replaced(ready, unit):
    actions.do_modify_order(
        ready.line,
        acting_user=unit.prescriber,
        reason="r",
        dose_mg=Decimal(2),
        acknowledge_warnings=True,
    )
    record_cows(unit.episode, unit.nurse, 14)
    with pytest.raises(ValidationError, match="changed since"):
        give(ready, unit.nurse)


def test_it_holds_clonidine_on_low_blood_pressure(clock, unit):
    order = sign_prn(unit.episode, unit.prescriber, "clonidine", "0.1", "withdrawal symptoms")
    record_vitals(unit.episode, unit.nurse, systolic=88, diastolic=70, heart_rate=70)
    with pytest.raises(PermissionDenied):
        give(order, unit.nurse)
    check = check_administration(order, Decimal("0.1"), START)
    assert [f.code for f in check.stops] == ["hold_blood_pressure"]


def test_it_stops_a_drug_named_in_the_recorded_allergies(clock, unit):
    do_record_allergy(unit.patient, acting_user=unit.nurse, values={"substance": "ondansetron"})
    order = sign_prn(
        unit.episode, unit.prescriber, "ondansetron", "4", "nausea", override_reason="checked"
    )
    check = check_administration(order, Decimal(4), START)
    assert [f.code for f in check.stops] == ["allergy_recorded"]


def test_it_notes_pregnancy_for_buprenorphine_as_a_warning(ready, unit):
    make_facts(unit.episode, unit.prescriber, pregnant=True)
    record_cows(unit.episode, unit.nurse, 14)
    check = check_administration(ready, Decimal(4), START)
    assert check.decision == "warning"
    assert "pregnancy_physician_review" in [f.code for f in check.warnings]


@pytest.mark.parametrize("drug", ["buprenorphine", "methadone"])
def test_it_never_stops_moud_for_benzodiazepine_co_use(clock, unit, drug):
    make_facts(
        unit.episode,
        unit.prescriber,
        benzodiazepine_use=True,
        opioid_class="short_acting",
        last_opioid_use_at=START - timedelta(days=3),
        qtc_ms=420,  # methadone's "no QTc on file" warning is tested in tests/clinical
    )
    # The first buprenorphine dose is gated whatever the order set (issue 10): a COWS above it.
    record_cows(unit.episode, unit.nurse, 14)
    order = sign_prn(
        unit.episode, unit.prescriber, drug, "4", "withdrawal", acknowledge_warnings=True
    )
    check = check_administration(order, Decimal(4), START)
    assert check.decision == "warning"
    assert [f.code for f in check.findings] == ["benzodiazepine_co_use"]
