"""The suite's one clock: fixtures and tests share it, and it never reads the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import DEFAULT_NOW
from factories import Unit

pytestmark = pytest.mark.django_db


def test_it_starts_every_test_at_the_fixed_instant() -> None:
    assert DEFAULT_NOW <= timezone.now() < DEFAULT_NOW + timedelta(minutes=5)


def test_it_admits_the_fixture_patient_on_the_test_clock(unit: Unit) -> None:
    admitted = DEFAULT_NOW - timedelta(hours=6)
    assert admitted <= unit.episode.admitted_at < admitted + timedelta(minutes=5)


@pytest.mark.now(datetime(2031, 7, 4, 12, 0, tzinfo=UTC), tick=False)
def test_it_moves_fixtures_with_a_test_that_asks_for_another_instant(unit: Unit) -> None:
    assert timezone.now() == datetime(2031, 7, 4, 12, 0, tzinfo=UTC)
    assert unit.episode.admitted_at == timezone.now() - timedelta(hours=6)
