"""The contracts the patient portal reads: appointments, the latest summary, follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.template.loader import render_to_string
from django.test import RequestFactory

from detoxdesk.aftercare import queries
from factories import Unit
from factories_aftercare import resolve_bundle, signed_discharge, start_discharge

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_it_lists_upcoming_appointments_first(unit: Unit) -> None:
    discharge = signed_discharge(unit, now=NOW)
    discharge.appointments.create(
        patient=unit.patient, when=NOW - timedelta(days=1), provider_name="Past"
    )
    discharge.appointments.create(
        patient=unit.patient, when=NOW + timedelta(days=9), provider_name="Later"
    )
    found = queries.appointments_for(unit.patient, now=NOW)
    assert [a.provider_name for a in found] == ["Dr. Lee", "Later", "Past"]
    assert (found[0].place, found[0].phone) == ("Harbor Clinic", "555-0101")


def test_it_shows_no_appointment_of_an_unsigned_discharge(unit: Unit) -> None:
    resolve_bundle(unit, start_discharge(unit, now=NOW), now=NOW)
    assert queries.appointments_for(unit.patient, now=NOW) == []
    assert queries.latest_summary(unit.patient) is None


def test_it_gives_the_latest_signed_summary(unit: Unit) -> None:
    discharge = signed_discharge(unit, now=NOW)
    assert queries.latest_summary(unit.patient) == discharge


def test_it_lists_follow_ups_earliest_first(unit: Unit) -> None:
    signed_discharge(unit, now=NOW)
    assert [f.day_offset for f in queries.follow_ups_for(unit.patient)] == [3, 7, 30, 90]


def test_the_summary_body_renders_from_the_discharge_alone(unit: Unit) -> None:
    discharge = queries.latest_summary(signed_discharge(unit, now=NOW).patient)
    request = RequestFactory().get("/")
    request.user = unit.nurse
    html = render_to_string("aftercare/_summary_body.html", {"discharge": discharge}, request)
    assert "Your discharge summary" in html and "Dr. Lee" in html and "988" in html
