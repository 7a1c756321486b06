from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring import actions
from factories import COWS_ALL_ZERO, cows_answers


def chart_url(unit):
    return reverse("patients:chart", args=[unit.patient.uuid])


def test_it_shows_demographics_trends_vitals_and_history(unit, as_user):
    for minutes, sweat in ((200, 1), (100, 3)):
        actions.do_record_assessment(
            unit.episode,
            "cows",
            cows_answers(sweating=sweat),
            acting_user=unit.nurse,
            performed_at=timezone.now() - timedelta(minutes=minutes),
        )
    actions.do_record_vitals(
        unit.episode, {"heart_rate": 101}, acting_user=unit.prescriber, measured_at=timezone.now()
    )
    response = as_user(unit.counselor).get(chart_url(unit))
    assert response.status_code == 200
    body = response.content.decode()
    assert unit.patient.record_number in body
    cows_chart = response.context["trend_charts"][0]
    assert [p.total for p in cows_chart.points] == [1, 3]
    assert "<polyline" in body
    assert "Nora" not in body  # personas are named Test <role>
    assert "Test nurse" in body and "Test prescriber" in body  # who recorded each
    assert "Record COWS" not in body  # a counselor reads but does not record


def test_it_offers_recording_to_a_nurse(unit, as_user):
    body = as_user(unit.nurse).get(chart_url(unit)).content.decode()
    assert reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"]) in body


def test_it_audits_every_view_of_the_chart(unit, as_user):
    client = as_user(unit.nurse)
    client.get(chart_url(unit))
    client.get(chart_url(unit))
    events = AuditEvent.objects.filter(event="chart.viewed", patient=unit.patient, actor=unit.nurse)
    assert events.count() == 2
    assert events[0].request_id != events[1].request_id


@pytest.mark.parametrize("persona", ["outsider", "auditor", "admin", "coordinator"])
def test_it_is_not_found_for_people_without_chart_access(unit, as_user, persona):
    response = as_user(getattr(unit, persona)).get(chart_url(unit))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(event="chart.viewed").exists()


def test_it_is_not_found_for_an_unknown_patient(unit, as_user):
    url = reverse("patients:chart", args=["00000000-0000-0000-0000-000000000000"])
    assert as_user(unit.nurse).get(url).status_code == 404


def test_it_shows_empty_states(unit, as_user):
    body = as_user(unit.nurse).get(chart_url(unit)).content.decode()
    assert "No COWS recorded in this episode." in body
    assert "No vital signs recorded in this episode." in body


def test_it_pages_the_assessment_history_older_and_newer(unit, as_user):
    for minutes in range(25):
        actions.do_record_assessment(
            unit.episode,
            "cows",
            COWS_ALL_ZERO,
            acting_user=unit.nurse,
            performed_at=timezone.now() - timedelta(minutes=minutes * 5),
        )
    client = as_user(unit.nurse)
    first = client.get(chart_url(unit))
    newest = first.context["history"]
    assert len(newest.rows) == 20 and newest.newer is None and newest.older
    older = client.get(chart_url(unit), {"history_before": newest.older}).context["history"]
    assert len(older.rows) == 5 and older.older is None
    assert older.rows[0].performed_at < newest.rows[-1].performed_at
    assert f"history_before={newest.older}" in first.content.decode()
    back = client.get(chart_url(unit), {"history_after": older.newer}).context["history"]
    assert [a.pk for a in back.rows] == [a.pk for a in newest.rows]
    assert back.newer is None


def test_a_stale_or_broken_cursor_shows_a_way_back(unit, as_user):
    client = as_user(unit.nurse)
    for cursor in ("0-0", "not-a-cursor", "99999999999999999999-1"):
        response = client.get(chart_url(unit), {"history_before": cursor})
        assert response.status_code == 200


def test_it_shows_only_the_episode_at_the_readers_facility(unit, as_user):
    from django.utils import timezone as tz

    from factories import make_episode

    # The patient was seen at the clinic earlier and is now on the ward.
    earlier = make_episode(
        unit.other, unit.patient, admitted_at=tz.now() - timedelta(days=30), status="discharged"
    )
    response = as_user(unit.outsider).get(chart_url(unit))
    assert response.status_code == 200
    assert response.context["episode"] == earlier
    assert "B01" not in response.content.decode()  # the ward bed stays hidden
    nurse_view = as_user(unit.nurse).get(chart_url(unit))
    assert nurse_view.context["episode"] == unit.episode
