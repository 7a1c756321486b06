"""Each assessment keeps the time of its episode's latest earlier one (``previous_at``), whatever
order they are entered in: the quality report's "assessments on time" reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from detoxdesk.monitoring import actions, sequence
from detoxdesk.monitoring.models import Assessment
from factories import COWS_ALL_ZERO, Unit, history_row, make_episode
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


def _rows_read(sql: str, params: object) -> int:
    """The rows PostgreSQL's scans read to run ``sql``, kept or filtered out (EXPLAIN ANALYZE,
    sequential scans off so a small table gives the plan of a big one)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
        cursor.execute("SET LOCAL enable_seqscan = on")
    if isinstance(plan, str):
        plan = json.loads(plan)

    def read(node: dict) -> int:
        own = 0
        if "Scan" in node["Node Type"] and "Bitmap Index" not in node["Node Type"]:
            own = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        return own + sum(read(child) for child in node.get("Plans", []))

    return read(plan[0]["Plan"])


@pytest.mark.parametrize("history", [40, 400])
def test_linking_reads_the_same_few_rows_however_long_the_history(unit: Unit, history) -> None:
    """A recording's links are index lookups: the rows read do not grow with the history, and
    other stays charted at the same times are not read either."""
    needs_postgresql()
    episodes = [unit.episode, *(make_episode(unit.ward) for _ in range(9))]
    Assessment.objects.bulk_create(
        history_row(episode, T0 + timedelta(minutes=n), unit.nurse)
        for episode in episodes
        for n in range(history)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_assessment")
    # Dated in the middle of the history: one before it, one after it.
    new = Assessment(episode=unit.episode, performed_at=T0 + timedelta(minutes=history / 2 + 0.5))
    before = sequence.previous_time(unit.episode.pk, new.performed_at)
    sql, params = Assessment.objects.annotate(p=before).values("p")[:1].query.sql_with_params()
    assert _rows_read(sql, params) <= 3
    sql, params = sequence.next_update(new).get_compiler(connection=connection).as_sql()
    assert _rows_read(sql, params) <= 3
