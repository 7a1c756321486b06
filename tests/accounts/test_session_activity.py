"""The idle sign-out holds without a session write on every request (SessionActivityMiddleware)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

CENSUS = reverse("patients:census")


def session_writes(queries) -> int:
    return sum(
        1
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_a_second_request_soon_after_does_not_write_the_session(unit, client):
    client.force_login(unit.nurse)
    assert client.get(CENSUS).status_code == 200  # the first request renews
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CENSUS).status_code == 200
    assert session_writes(queries.captured_queries) == 0


def test_a_request_after_the_renewal_interval_writes_the_session_once(unit, client, settings):
    client.force_login(unit.nurse)
    client.get(CENSUS)
    later = timezone.now() + timedelta(seconds=settings.SESSION_ACTIVITY_SECONDS + 1)
    with time_machine.travel(later), CaptureQueriesContext(connection) as queries:
        assert client.get(CENSUS).status_code == 200
    assert session_writes(queries.captured_queries) == 1


def test_steady_activity_keeps_the_session_past_the_idle_time_out(unit, client, settings):
    client.force_login(unit.nurse)
    step = timedelta(minutes=settings.SESSION_IDLE_MINUTES - 2)
    start = timezone.now()
    for n in range(1, 4):  # three requests, together longer than the idle time-out
        with time_machine.travel(start + n * step):
            assert client.get(CENSUS).status_code == 200


def test_inactivity_still_signs_out(unit, client, settings):
    client.force_login(unit.nurse)
    assert client.get(CENSUS).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.SESSION_IDLE_MINUTES)):
        assert client.get(CENSUS).status_code == 302


def test_an_anonymous_visitor_gets_no_session(db, client):
    client.get(reverse("accounts:login"))
    assert connection.vendor and "sessionid" not in client.cookies
