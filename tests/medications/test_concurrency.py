"""Two nurses recording the same scheduled dose at the same moment: exactly one is recorded."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from detoxdesk.medications import actions, schedule
from detoxdesk.medications.models import Administration
from factories import Unit, make_user
from factories_medications import sign_scheduled

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_records_one_of_two_simultaneous_entries_of_a_scheduled_dose():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")
    unit = Unit()
    second_nurse = make_user("nurse", unit.ward)
    now = timezone.now()
    zone = ZoneInfo(unit.program.timezone)
    local = now.astimezone(zone).time().replace(second=0, microsecond=0)
    order = sign_scheduled(
        unit.episode, unit.prescriber, "lofexidine", "0.54", local, now=now - timedelta(hours=1)
    )
    due = schedule.due_doses(order, now - timedelta(minutes=2), now + timedelta(minutes=1))[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record(nurse) -> None:
        try:
            barrier.wait()
            actions.do_record_administration(
                order,
                acting_user=nurse,
                outcome="given",
                occurred_at=due.at,
                scheduled_for=due.at,
            )
            outcomes.append("recorded")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(n,)) for n in (unit.nurse, second_nurse)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Administration.objects.count() == 1
    assert sorted(outcomes)[1] == "recorded"
    assert "already recorded as given" in sorted(outcomes)[0]
