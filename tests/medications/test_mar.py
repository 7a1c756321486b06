"""The medication administration record: shifts, due doses, PRN eligibility, re-assessment,
totals and the precipitated-withdrawal alert."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications import actions
from detoxdesk.medications.mar import build_mar, shift_containing
from factories_medications import (
    make_facts,
    make_settings,
    record_cows,
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


@pytest.mark.parametrize(
    ("moment", "start", "end"),
    [
        ("2026-03-02T09:00", "2026-03-02T07:00", "2026-03-02T19:00"),
        ("2026-03-02T07:00", "2026-03-02T07:00", "2026-03-02T19:00"),
        ("2026-03-02T06:59", "2026-03-01T19:00", "2026-03-02T07:00"),
        ("2026-03-02T23:30", "2026-03-02T19:00", "2026-03-03T07:00"),
    ],
)
def test_it_finds_the_shift_around_a_moment(moment, start, end):
    starts = [time(7), time(19)]
    shift = shift_containing(datetime.fromisoformat(moment).replace(tzinfo=NY), starts)
    assert (shift.start.isoformat()[:16], shift.end.isoformat()[:16]) == (start, end)


def test_it_lists_scheduled_doses_as_recorded_overdue_due_and_upcoming(clock, unit):
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
    at = START - timedelta(hours=1)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=at, scheduled_for=at
    )
    record = build_mar(unit.episode, START)
    assert [(r.due.at.hour, r.state) for r in record.scheduled] == [
        (7, "overdue"),
        (8, "recorded"),
        (9, "due"),
        (13, "upcoming"),
    ]


def test_it_says_when_a_prn_dose_is_eligible_from_the_trigger_and_the_engine(clock, unit):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 6, START - timedelta(minutes=30))
    row = build_mar(unit.episode, START).prn[0]
    assert not row.eligible
    assert "The latest COWS is 6, below this order's trigger of 8." in row.reasons
    record_cows(unit.episode, unit.nurse, 14, START)
    assert build_mar(unit.episode, START).prn[0].eligible
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    clock.shift(timedelta(minutes=30))
    later = build_mar(unit.episode, START + timedelta(minutes=30))
    assert not later.prn[0].eligible
    assert "wait at least 60 minutes" in later.prn[0].reasons[0]
    assert str(later.day_totals["buprenorphine"]) == "4.000"


def test_it_lists_the_re_assessment_due_after_a_prn_dose(clock, unit):
    make_settings(unit.program, prn_reassessment_min=60)
    order = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea")
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    (item,) = build_mar(unit.episode, START).reassessments
    assert (item.due_at, item.done_by) == (START + timedelta(minutes=60), None)
    clock.shift(timedelta(minutes=45))
    record_cows(unit.episode, unit.nurse, 6)
    (item,) = build_mar(unit.episode, START + timedelta(minutes=45)).reassessments
    assert item.done_by is not None


def test_it_alerts_on_a_rise_in_cows_after_the_first_buprenorphine_dose(clock, unit, as_user):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 14)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    assert build_mar(unit.episode, START).alerts == []
    clock.shift(timedelta(minutes=40))
    record_cows(unit.episode, unit.nurse, 20)
    (alert,) = build_mar(unit.episode, START + timedelta(minutes=40)).alerts
    assert "Possible precipitated withdrawal: COWS rose from 14 to 20" in alert.screen.message
    assert alert.screen.source == "oakley-2021" and alert.screen.guidance
    client = as_user(unit.nurse)
    page = client.get(reverse("medications:mar", args=[unit.episode.uuid]))
    assert "Possible precipitated withdrawal" in page.content.decode()
    client.post(
        reverse("medications:review_alert", args=[unit.episode.uuid]),
        {"first_dose": alert.first_dose.uuid, "assessment": alert.after.uuid, "note": "seen"},
    )
    (alert,) = build_mar(unit.episode, START + timedelta(minutes=40)).alerts
    assert alert.review is not None and alert.review.note == "seen"
    assert AuditEvent.objects.filter(event="alert.reviewed").count() == 1


def test_it_screens_only_within_the_programs_window(clock, unit):
    make_settings(unit.program, precipitated_window_min=30)
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=START - timedelta(days=1))
    order = sign_bup_standard(unit.episode, unit.prescriber)
    record_cows(unit.episode, unit.nurse, 14)
    actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=START
    )
    clock.shift(timedelta(minutes=40))
    record_cows(unit.episode, unit.nurse, 20)
    assert build_mar(unit.episode, START + timedelta(minutes=40)).alerts == []
