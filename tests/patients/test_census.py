from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring import actions
from factories import COWS_ALL_ZERO, cows_answers, make_episode

CENSUS = reverse("patients:census")


def record_cows(unit, episode, answers, minutes_ago):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return actions.do_record_assessment(
        episode, "cows", answers, acting_user=unit.nurse, performed_at=at
    )


def test_it_lists_active_episodes_with_latest_scores_and_vitals(unit, as_user):
    record_cows(unit, unit.episode, cows_answers(sweating=2, restlessness=3), 90)
    record_cows(unit, unit.episode, cows_answers(sweating=4, restlessness=5, gooseflesh_skin=5), 30)
    unit.program.vital_ranges = {"systolic": {"low": 90, "high": None}}
    unit.program.save()
    actions.do_record_vitals(
        unit.episode,
        {"heart_rate": 96, "systolic": 84, "diastolic": 62},
        acting_user=unit.nurse,
        measured_at=timezone.now() - timedelta(minutes=20),
    )
    response = as_user(unit.nurse).get(CENSUS)
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row.cows.total == 14 and row.cows.band == "moderate"
    assert [(f.key, f.direction) for f in row.vital_flags] == [("systolic", "low")]
    body = response.content.decode()
    assert "B01" in body and unit.patient.family_name in body
    assert "14</strong> Moderate" in body
    assert "flag-low" in body


def test_it_shows_due_and_overdue_from_the_program_interval(unit, as_user):
    record_cows(unit, unit.episode, COWS_ALL_ZERO, 300)  # interval 240 min: 60 min overdue
    (row,) = as_user(unit.nurse).get(CENSUS).context["rows"]
    assert row.due.overdue_by is not None
    assert timedelta(minutes=59) < row.due.overdue_by < timedelta(minutes=61)


def test_it_uses_the_episode_override_of_the_interval(unit, as_user):
    unit.episode.assessment_interval_minutes = 60
    unit.episode.save()
    record_cows(unit, unit.episode, COWS_ALL_ZERO, 30)
    (row,) = as_user(unit.nurse).get(CENSUS).context["rows"]
    assert row.due.overdue_by is None
    assert timedelta(minutes=29) < row.due.due_in < timedelta(minutes=31)


def test_it_says_when_no_interval_is_set(unit, as_user):
    unit.program.assessment_interval_minutes = None
    unit.program.save()
    response = as_user(unit.nurse).get(CENSUS)
    assert response.context["rows"][0].due.interval is None
    assert "No interval set" in response.content.decode()


def test_it_counts_the_day_of_stay_from_admission(unit, as_user):
    with time_machine.travel(unit.episode.admitted_at + timedelta(days=2, hours=1), tick=False):
        (row,) = as_user(unit.nurse).get(CENSUS).context["rows"]
    assert row.day_of_stay in (3, 4)  # the calendar day in the program's time zone


def test_it_shows_only_the_users_facilities(unit, as_user):
    elsewhere = make_episode(unit.other)
    mine = as_user(unit.nurse).get(CENSUS).context["rows"]
    assert [r.episode for r in mine] == [unit.episode]
    theirs = as_user(unit.outsider).get(CENSUS).context["rows"]
    assert [r.episode for r in theirs] == [elsewhere]


def test_it_leaves_out_discharged_episodes(unit, as_user):
    unit.episode.status = "discharged"
    unit.episode.save()
    response = as_user(unit.nurse).get(CENSUS)
    assert response.context["rows"] == []
    assert "No active episodes" in response.content.decode()


def test_it_searches_by_name(unit, as_user):
    make_episode(unit.ward)
    rows = as_user(unit.nurse).get(CENSUS, {"q": unit.patient.family_name}).context["rows"]
    assert [r.episode for r in rows] == [unit.episode]


def test_it_reads_the_board_in_a_fixed_number_of_queries(unit, as_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(unit.nurse)
    record_cows(unit, unit.episode, COWS_ALL_ZERO, 10)
    client.get(CENSUS)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(CENSUS)
    for _ in range(12):
        record_cows(unit, make_episode(unit.ward), COWS_ALL_ZERO, 10)
    with CaptureQueriesContext(connection) as thirteen:
        response = client.get(CENSUS)
    assert len(response.context["rows"]) == 13
    assert len(thirteen) == len(one) <= 15  # 15: the open controlled-substance discrepancies


def test_it_marks_the_page_no_store(unit, as_user):
    response = as_user(unit.nurse).get(CENSUS)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_it_refuses_roles_without_the_board(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(CENSUS).status_code == 403


def test_it_audits_the_board_view(unit, as_user):
    as_user(unit.nurse).get(CENSUS)
    assert AuditEvent.objects.filter(event="census.viewed", actor=unit.nurse).exists()
