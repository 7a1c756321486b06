from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring.models import VitalSigns

GOOD = {
    "heart_rate": "88",
    "systolic": "124",
    "diastolic": "78",
    "respiratory_rate": "16",
    "temperature_c": "37.2",
    "spo2": "97",
}


def post(client, unit, values, when=None):
    when = when or timezone.localtime()
    data = {"measured_at": when.strftime("%Y-%m-%dT%H:%M"), **values}
    return client.post(reverse("monitoring:record_vitals", args=[unit.episode.uuid]), data)


def test_it_records_vitals_with_an_audit_event(unit, as_user):
    response = post(as_user(unit.nurse), unit, GOOD)
    assert response.status_code == 302
    row = VitalSigns.objects.get()
    assert (row.heart_rate, row.systolic, row.diastolic, float(row.temperature_c)) == (
        88,
        124,
        78,
        37.2,
    )
    event = AuditEvent.objects.get(event="vitals.recorded")
    assert event.changes["heart_rate"] == 88
    assert event.patient == unit.patient


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("heart_rate", "-1", "Must not be negative."),
        ("spo2", "101", "Must be at most 100 %."),
        ("heart_rate", "99999", "Must be at most 32767 /min, the largest value the record holds"),
        ("temperature_c", "1000.0", "Must be at most 999.9 °C, the largest value the record"),
    ],
)
def test_it_refuses_impossible_values_and_saves_nothing(unit, as_user, field, value, message):
    response = post(as_user(unit.nurse), unit, {**GOOD, field: value, "confirm": "on"})
    assert response.status_code == 400
    assert response.context["form"].errors[field][0].startswith(message)
    assert VitalSigns.objects.count() == 0
    assert not AuditEvent.objects.filter(event="vitals.recorded").exists()


# --- The typo check: unusual values are confirmed, never refused ---------------------------------

OVERDOSE = {"systolic": "45", "diastolic": "30", "respiratory_rate": "4", "spo2": "45"}


def test_it_asks_to_confirm_unusual_values_and_saves_nothing_until_then(unit, as_user):
    response = post(as_user(unit.nurse), unit, {**GOOD, **OVERDOSE})
    assert response.status_code == 400
    assert VitalSigns.objects.count() == 0
    body = response.content.decode()
    assert "I confirm these values were measured as entered" in body
    assert 'role="alert"' in body
    warned = {field.name for field, _ in response.context["warnings"]}
    assert warned == {"systolic", "spo2"}  # RR 4 is inside the typo range, only critical
    assert not response.context["form"].errors  # a question, not a refusal


def test_it_records_the_critical_values_of_an_overdose_once_confirmed(unit, as_user):
    client = as_user(unit.nurse)
    first = post(client, unit, {**GOOD, **OVERDOSE})
    token = first.context["confirm_token"]
    response = post(client, unit, {**GOOD, **OVERDOSE, "confirm": "on", "confirm_token": token})
    assert response.status_code == 302
    row = VitalSigns.objects.get()
    assert (row.systolic, row.respiratory_rate, row.spo2) == (45, 4, 45)
    assert row.confirmed_unusual == ["spo2", "systolic"]
    event = AuditEvent.objects.get(event="vitals.recorded")
    assert event.changes["confirmed_unusual"] == ["spo2", "systolic"]


def test_a_confirmation_covers_only_the_values_it_was_given_for(unit, as_user):
    client = as_user(unit.nurse)
    token = post(client, unit, {**GOOD, **OVERDOSE}).context["confirm_token"]
    changed = {**GOOD, **OVERDOSE, "systolic": "40", "confirm": "on", "confirm_token": token}
    response = post(client, unit, changed)
    assert response.status_code == 400
    assert VitalSigns.objects.count() == 0
    assert post(client, unit, {**GOOD, **OVERDOSE, "confirm": "on"}).status_code == 400


def test_ordinary_values_need_no_confirmation(unit, as_user):
    response = post(as_user(unit.nurse), unit, {**GOOD, "respiratory_rate": "4"})
    assert response.status_code == 302


def test_the_action_accepts_unusual_values_when_confirmed(unit):
    from detoxdesk.monitoring import actions

    with pytest.raises(actions.VitalsNeedConfirmation) as raised:
        actions.do_record_vitals(
            unit.episode, {"heart_rate": 400}, acting_user=unit.nurse, measured_at=timezone.now()
        )
    assert set(raised.value.warnings) == {"heart_rate"}
    row = actions.do_record_vitals(
        unit.episode,
        {"heart_rate": 400},
        acting_user=unit.nurse,
        measured_at=timezone.now(),
        confirmed=True,
    )
    assert row.heart_rate == 400


def test_the_programs_hard_limits_refuse_an_entry(unit, as_user):
    unit.program.vital_hard_limits = {"heart_rate": {"low": None, "high": 300.0}}
    unit.program.save()
    response = post(as_user(unit.nurse), unit, {**GOOD, "heart_rate": "400", "confirm": "on"})
    assert response.status_code == 400
    assert "this program's limit" in response.context["form"].errors["heart_rate"][0]
    assert VitalSigns.objects.count() == 0


def test_it_refuses_diastolic_above_systolic(unit, as_user):
    response = post(as_user(unit.nurse), unit, {**GOOD, "systolic": "80", "diastolic": "95"})
    assert response.context["form"].errors
    assert VitalSigns.objects.count() == 0


def test_it_refuses_an_empty_set(unit, as_user):
    response = post(as_user(unit.nurse), unit, {})
    assert response.context["form"].non_field_errors()
    assert VitalSigns.objects.count() == 0


def test_it_refuses_a_future_time(unit, as_user):
    response = post(as_user(unit.nurse), unit, GOOD, when=timezone.localtime() + timedelta(days=1))
    assert response.context["form"].errors["measured_at"] == ["This time is in the future."]


@pytest.mark.parametrize("persona", ["outsider", "auditor", "admin", "coordinator"])
def test_it_refuses_people_without_chart_access(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    assert (
        client.get(reverse("monitoring:record_vitals", args=[unit.episode.uuid])).status_code == 404
    )
    assert post(client, unit, GOOD).status_code == 404
    assert VitalSigns.objects.count() == 0


@pytest.mark.parametrize("persona", ["counselor", "director"])
def test_it_refuses_read_only_roles(unit, as_user, persona):
    assert post(as_user(getattr(unit, persona)), unit, GOOD).status_code == 403
    assert VitalSigns.objects.count() == 0
