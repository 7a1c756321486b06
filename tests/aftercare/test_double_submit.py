"""Starting or signing a discharge twice at once (a double submit, ten parallel requests) gives
one discharge and one signature; the others get a message, never a server error."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from detoxdesk.aftercare import actions
from detoxdesk.aftercare.models import Discharge
from detoxdesk.audit.models import AuditEvent
from factories import Unit
from factories_aftercare import resolve_bundle, start_discharge


@pytest.mark.django_db
def test_it_signs_a_discharge_once_when_submitted_twice(unit):
    discharge = resolve_bundle(unit, start_discharge(unit))
    stale = Discharge.objects.get(pk=discharge.pk)
    actions.do_sign_discharge(discharge, acting_user=unit.nurse)
    with pytest.raises(ValidationError, match="already signed"):
        actions.do_sign_discharge(stale, acting_user=unit.nurse)
    assert AuditEvent.objects.filter(event="discharge.signed").count() == 1


@pytest.mark.django_db
def test_a_second_start_gets_the_message(unit):
    start_discharge(unit)
    with pytest.raises(ValidationError, match="already been started"):
        start_discharge(unit)


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_starts_make_one_discharge_and_no_error():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")
    unit = Unit()
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            actions.do_start_discharge(unit.episode, acting_user=unit.nurse, kind="completed")
            outcomes.append("started")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        except Exception as exc:  # an IntegrityError is the failure this test is about
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Discharge.objects.count() == 1
    assert sorted(outcomes) == ["A discharge has already been started for this episode."] * 9 + [
        "started"
    ]
