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
        (
            "heart_rate",
            "40000",
            "Must be at most 32767 /min, the largest value the record holds: check the entry.",
        ),
    ],
)
def test_it_refuses_impossible_values_and_saves_nothing(unit, as_user, field, value, message):
    response = post(as_user(unit.nurse), unit, {**GOOD, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert VitalSigns.objects.count() == 0


def test_it_records_the_critical_values_of_an_overdose(unit, as_user):
    # SPEC A5.2: critical but real values are recorded (and flagged), never refused.
    overdose = {"systolic": "45", "diastolic": "30", "respiratory_rate": "4", "spo2": "45"}
    response = post(as_user(unit.nurse), unit, {**GOOD, **overdose})
    assert response.status_code == 302
    row = VitalSigns.objects.get()
    assert (row.systolic, row.respiratory_rate, row.spo2) == (45, 4, 45)


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


def test_it_refuses_an_outsider(unit, as_user):
    assert post(as_user(unit.outsider), unit, GOOD).status_code == 404
    assert VitalSigns.objects.count() == 0
