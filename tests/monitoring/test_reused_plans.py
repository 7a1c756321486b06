"""On PostgreSQL, statements run often are prepared (settings). Each run is still planned for
its values: a plan made without them would read a long stay whole for its latest CIWA-Ar. The
chart's latest assessments and its first history page read a page of rows, whatever the stay's
length and however often the statements ran."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from detoxdesk.monitoring import panels
from detoxdesk.monitoring.models import Assessment, VitalSigns
from factories import Unit, history_row, make_episode
from threads import needs_postgresql

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
LONG_STAY = 600


def _rows_fetched(table: str) -> int:
    """Rows this transaction has read from ``table`` so far (by index or by scan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = %s",
            [table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _chart_reads(episode) -> None:
    panels.history(episode, {})
    panels.latest_row(episode, T0 + timedelta(days=2))


@pytest.fixture
def long_stay(unit: Unit):
    """One stay of LONG_STAY assessments and vital signs beside six short ones, analysed."""
    short = [make_episode(unit.ward) for _ in range(6)]
    plan = [(unit.episode, LONG_STAY), *((episode, 3) for episode in short)]

    def at(n: int) -> datetime:
        return T0 + timedelta(minutes=n)

    Assessment.objects.bulk_create(
        history_row(episode, at(n), unit.nurse) for episode, count in plan for n in range(count)
    )
    VitalSigns.objects.bulk_create(
        VitalSigns(episode=episode, measured_at=at(n), recorded_at=at(n), recorded_by=unit.nurse)
        for episode, count in plan
        for n in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_assessment")
        cursor.execute("ANALYZE monitoring_vitalsigns")
    return unit.episode, short


def test_the_chart_reads_a_page_of_a_long_stay_however_often_its_statements_ran(long_stay):
    """With the shipped settings, after the chart's statements ran often enough to be prepared
    (and, were plans reused, to reuse one made on short stays), a long stay's chart reads its
    first history page and the latest of each scale: not the stay."""
    needs_postgresql()
    episode, short = long_stay
    for other in short * 2:  # prepared after 5 runs, then 5 more: a plan could be reused
        _chart_reads(other)
    before = {t: _rows_fetched(t) for t in ("monitoring_assessment", "monitoring_vitalsigns")}
    _chart_reads(episode)  # the long stay has COWS only: its latest CIWA-Ar is none
    read = {t: _rows_fetched(t) - n for t, n in before.items()}
    page = panels.HISTORY_PAGE_SIZE + 1
    assert read["monitoring_assessment"] <= page + 4, read  # the page and the latest of each
    assert read["monitoring_vitalsigns"] <= page + 2, read


@pytest.mark.django_db
def test_statements_are_prepared_and_planned_for_their_values():
    needs_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
    assert connection.connection.prepare_threshold == 5
