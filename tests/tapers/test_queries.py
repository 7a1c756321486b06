from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from detoxdesk.monitoring import actions as monitoring
from detoxdesk.tapers import actions, queries
from factories import cows_answers
from factories_tapers import make_methadone_plan, make_signed_plan, set_thresholds

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-02 09:00 -05:00", tick=False):
        yield


def high_cows(unit, minutes_ago: int = 0) -> None:
    monitoring.do_record_assessment(
        unit.episode,
        "cows",
        cows_answers(sweating=3, restlessness=3, gooseflesh_skin=5, pupil_size=2),
        acting_user=unit.nurse,
        performed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_it_has_no_active_plan_for_a_draft_or_a_cancelled_one(unit):
    draft = make_methadone_plan(unit)
    assert queries.active_plan(unit.patient) is None
    actions.do_sign_plan(
        draft, acting_user=unit.prescriber, acknowledged=True, times_of_day=[time(8)]
    )
    assert queries.active_plan(unit.patient) == draft
    actions.do_cancel_plan(draft, acting_user=unit.prescriber, reason="x")
    assert queries.active_plan(unit.patient) is None


def test_it_lists_every_day_with_dose_unit_and_what_to_expect(unit):
    days = queries.calendar_days(make_signed_plan(unit), TODAY)
    assert [d.date for d in days] == [TODAY + timedelta(days=n) for n in range(7)]
    assert [str(d.daily_dose) for d in days] == ["30", "25", "20", "15", "10", "5", "0"]
    assert {d.unit for d in days} == {"mg"}
    assert [d.is_reduction for d in days] == [False] + [True] * 6
    assert "goes down" in days[1].expect and "naloxone" in days[-1].expect
    assert not any(d.held or d.shifted for d in days)


def test_it_marks_held_and_shifted_days_after_a_resume(unit):
    plan = make_signed_plan(unit)
    tomorrow = TODAY + timedelta(days=1)
    actions.do_hold_plan(plan, acting_user=unit.prescriber, from_date=tomorrow, reason="x")
    plan = actions.do_resume_plan(
        plan, acting_user=unit.prescriber, resume_on=tomorrow + timedelta(days=1), reason="y"
    )
    days = queries.calendar_days(plan, TODAY)
    assert [d.held for d in days] == [False, True] + [False] * 6
    assert [d.shifted for d in days] == [False, False] + [True] * 6
    assert "paused" in days[1].expect


def test_it_shows_an_open_hold_as_if_resumed_tomorrow(unit):
    plan = make_signed_plan(unit)
    plan = actions.do_hold_plan(plan, acting_user=unit.prescriber, from_date=TODAY, reason="x")
    days = queries.calendar_days(plan, TODAY + timedelta(days=1))
    # Held from the first day: the first day's dose is kept for the two days held so far.
    assert [str(d.daily_dose) for d in days[:4]] == ["30", "30", "30", "25"]
    assert [d.pending_hold for d in days[:4]] == [True, True, False, False]
    assert days[-1].date == TODAY + timedelta(days=8)


def test_it_asks_for_a_threshold_when_none_is_set(unit):
    plan = make_signed_plan(unit)
    high_cows(unit)
    flag = queries.hold_flag(plan, queries.settings_for(unit.program))
    assert flag.flagged is False and flag.threshold_set is False


@pytest.mark.parametrize(("threshold", "flagged"), [(13, True), (14, False)])
def test_it_flags_the_next_reduction_at_the_cows_threshold(unit, threshold, flagged):
    plan = make_signed_plan(unit)
    high_cows(unit)  # total 13
    set_thresholds(unit, cows=threshold)
    flag = queries.hold_flag(plan, queries.settings_for(unit.program))
    assert flag.flagged is flagged and flag.threshold_set
    if flagged:
        assert "COWS 13" in flag.reasons[0]


def test_it_ignores_scores_from_before_the_plan_was_signed_or_resumed(unit):
    high_cows(unit, minutes_ago=60)
    plan = make_signed_plan(unit)
    set_thresholds(unit, cows=8)
    assert not queries.hold_flag(plan, queries.settings_for(unit.program)).flagged


def test_it_flags_a_hard_day_reported_by_the_patient(unit):
    plan = make_signed_plan(unit)
    actions.do_report_hard_day(plan, acting_user=unit.counselor, note="Could not sleep")
    flag = queries.hold_flag(plan, queries.settings_for(unit.program))
    assert flag.flagged and "hard day" in flag.reasons[0]


def test_it_finds_the_next_reduction(unit):
    plan = make_signed_plan(unit)
    upcoming = queries.next_reduction(plan, TODAY)
    assert upcoming is not None and upcoming.date == TODAY + timedelta(days=1)
    assert queries.next_reduction(plan, TODAY + timedelta(days=6)) is None
