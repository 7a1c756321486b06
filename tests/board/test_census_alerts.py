"""The census shows, on each patient's row, the alerts a nurse must not miss, and the beds of the
place by state; the medication record's alerts are the same the chart and the record show."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from detoxdesk.beds import actions as bed_actions
from detoxdesk.medications import actions
from detoxdesk.medications.mar import build_mar
from detoxdesk.monitoring.models import Assessment
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.models import Unit as StaffUnit
from factories_beds import make_bed, reserve
from factories_medications import (
    make_facts,
    record_cows,
    record_vitals,
    sign_bup_standard,
    sign_scheduled,
)

NY = ZoneInfo("America/New_York")
START = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
CENSUS = reverse("patients:census")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _alerts(client, **params):
    (row,) = client.get(CENSUS, params).context["rows"]
    return row["alerts"]


def test_a_patient_with_nothing_wrong_has_no_alert(unit, as_user):
    record_cows(unit.episode, unit.nurse, 6)
    assert _alerts(as_user(unit.nurse)) == []


def test_it_shows_the_precipitated_withdrawal_alert_until_it_is_reviewed(clock, unit, as_user):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 14)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    clock.shift(timedelta(minutes=40))
    record_cows(unit.episode, unit.nurse, 20)
    client = as_user(unit.nurse)
    page = client.get(CENSUS)
    assert "Possible precipitated withdrawal: not yet reviewed" in page.context["rows"][0]["alerts"]
    assert "Possible precipitated withdrawal" in page.content.decode()
    (alert,) = build_mar(unit.episode, START + timedelta(minutes=40)).alerts
    actions.do_review_alert(
        unit.episode,
        acting_user=unit.nurse,
        first_dose=alert.first_dose,
        assessment=alert.after,
        note="seen",
    )
    assert not any("precipitated" in a for a in _alerts(client))


def test_no_alert_without_a_rise_after_the_first_dose(clock, unit, as_user):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 14)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    clock.shift(timedelta(minutes=40))
    record_cows(unit.episode, unit.nurse, 8)
    assert not any("precipitated" in a for a in _alerts(as_user(unit.nurse)))


def test_it_shows_critical_vital_signs_and_a_severe_score(unit, as_user):
    record_vitals(unit.episode, unit.nurse, heart_rate=140, systolic=120, diastolic=80)
    record_cows(unit.episode, unit.nurse, 20)
    Assessment.objects.filter(episode=unit.episode).update(band="severe", band_label="Severe")
    alerts = _alerts(as_user(unit.nurse))
    assert "Critical: Heart rate 140 /min" in alerts
    assert "COWS 20: severe" in alerts


def test_it_shows_an_overdue_assessment(unit, as_user, clock):
    record_cows(unit.episode, unit.nurse, 6)
    clock.shift(timedelta(hours=5))  # the program's interval is 4 hours
    assert _alerts(as_user(unit.nurse)) == ["Assessment overdue 1 h"]


def test_it_counts_overdue_scheduled_doses_of_the_shift(clock, unit, as_user):
    record_cows(unit.episode, unit.nurse, 6)
    order = sign_scheduled(
        unit.episode,
        unit.prescriber,
        "lofexidine",
        "0.54",
        time(7),
        time(8),
        time(9),
        time(13),
        now=START - timedelta(hours=3),
    )
    client = as_user(unit.nurse)
    assert _alerts(client) == ["2 scheduled doses overdue"]  # 07:00 and 08:00; 09:00 is due
    at = START - timedelta(hours=1)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=at, scheduled_for=at
    )
    assert _alerts(client) == ["1 scheduled dose overdue"]


def test_the_census_counts_the_beds_of_the_place_by_state(unit, as_user):
    wing = StaffUnit.objects.create(facility=unit.ward, name="North wing")
    BedStatus.objects.create(bed=unit.bed, unit=wing)
    make_bed(unit.ward, "N02", unit=wing)
    reserve(make_bed(unit.ward, "N03", unit=wing), unit.coordinator)
    bed_actions.do_request_cleaning(make_bed(unit.ward, "N04", unit=wing), acting_user=unit.nurse)
    make_bed(unit.ward, "X01", in_service=False, out_of_service_reason="Repairs")
    client = as_user(unit.nurse)
    beds = client.get(CENSUS, {"place": f"u-{wing.uuid}"}).context["beds"]
    assert [(state, n) for state, _, n in beds["counts"]] == [
        ("available", 1),
        ("occupied", 1),
        ("reserved", 1),
        ("cleaning", 1),
        ("out_of_service", 0),
    ]
    page = client.get(CENSUS, {"place": f"f-{unit.ward.uuid}"})
    assert page.context["beds"]["beds"] == 5
    assert dict((s, n) for s, _, n in page.context["beds"]["counts"])["out_of_service"] == 1
    assert "Bed board" in page.content.decode()
