"""Each assessment keeps the time of its episode's latest earlier one (``previous_at``), whatever
order they are entered in: the quality report's "assessments on time" reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detoxdesk.monitoring import actions
from detoxdesk.monitoring.models import Assessment
from factories import COWS_ALL_ZERO, Unit, make_episode
from threads import at_once, needs_postgresql

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def record(unit: Unit, hours: float, episode=None) -> Assessment:
    episode = episode or unit.episode
    at = T0 + timedelta(hours=hours)
    return actions.do_record_observation(
        episode,
        "cows",
        {k: v for k, v in COWS_ALL_ZERO.items() if k != "resting_pulse_rate"},
        acting_user=unit.nurse,
        performed_at=at,
        measured_heart_rate=70,
        now=T0 + timedelta(hours=12),
    ).assessment


def previous(*rows: Assessment) -> list[datetime | None]:
    by_pk = dict(Assessment.objects.values_list("pk", "previous_at"))
    return [by_pk[row.pk] for row in rows]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_in_order_each_points_at_the_one_before(unit: Unit) -> None:
    a, b, c = record(unit, 0), record(unit, 4), record(unit, 8)
    assert previous(a, b, c) == [None, at(0), at(4)]


def test_an_entry_dated_between_two_moves_the_next_one_back_to_it(unit: Unit) -> None:
    a, c = record(unit, 0), record(unit, 8)
    b = record(unit, 4)
    assert previous(a, b, c) == [None, at(0), at(4)]


def test_an_entry_dated_before_all_becomes_the_first(unit: Unit) -> None:
    a, b = record(unit, 4), record(unit, 8)
    first = record(unit, 0)
    assert previous(first, a, b) == [None, at(0), at(4)]


def test_two_at_the_same_moment_both_point_further_back(unit: Unit) -> None:
    a = record(unit, 0)
    b1, b2 = record(unit, 4), record(unit, 4)
    c = record(unit, 8)
    assert previous(a, b1, b2, c) == [None, at(0), at(0), at(4)]


def test_a_late_entry_between_moves_every_next_one_at_the_same_moment(unit: Unit) -> None:
    a = record(unit, 0)
    c1, c2 = record(unit, 8), record(unit, 8)
    d = record(unit, 12)
    b = record(unit, 4)
    assert previous(a, b, c1, c2, d) == [None, at(0), at(4), at(4), at(8)]


def test_another_episode_is_never_touched(unit: Unit) -> None:
    other = make_episode(unit.ward, admitted_at=T0 - timedelta(days=1))
    mine = record(unit, 8)
    theirs = record(unit, 0, episode=other)
    assert previous(mine, theirs) == [None, None]


@pytest.mark.django_db(transaction=True)
def test_two_recorded_at_once_still_point_at_each_other() -> None:
    needs_postgresql()
    unit = Unit()
    a = record(unit, 0)
    assert at_once(lambda: record(unit, 8), lambda: record(unit, 4)) == ["saved", "saved"]
    times = dict(Assessment.objects.values_list("performed_at", "previous_at"))
    assert times == {at(0): None, at(4): at(0), at(8): at(4)}
    assert previous(a) == [None]
