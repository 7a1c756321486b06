"""``next_due``: when the next withdrawal assessment is due, and by how much it is overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detoxdesk.clinical.due import Due, next_due

ADMITTED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
LAST = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FOUR_HOURS = timedelta(hours=4)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("interval", "last_at", "now", "expected"),
    [
        # No interval set: nothing is due.
        (None, LAST, LAST, Due(None, None, None, None)),
        (None, None, ADMITTED, Due(None, None, None, None)),
        # Never scored: due at admission, so overdue from then.
        (FOUR_HOURS, None, ADMITTED - SECOND, Due(FOUR_HOURS, ADMITTED, None, SECOND)),
        (FOUR_HOURS, None, ADMITTED, Due(FOUR_HOURS, ADMITTED, timedelta(0), None)),
        (FOUR_HOURS, None, ADMITTED + FOUR_HOURS, Due(FOUR_HOURS, ADMITTED, FOUR_HOURS, None)),
        # Scored: due one interval later.
        (FOUR_HOURS, LAST, LAST, Due(FOUR_HOURS, LAST + FOUR_HOURS, None, FOUR_HOURS)),
        (
            FOUR_HOURS,
            LAST,
            LAST + FOUR_HOURS - SECOND,
            Due(FOUR_HOURS, LAST + FOUR_HOURS, None, SECOND),
        ),
        # The boundary: at exactly the due instant it is overdue, by nothing (>=, not >).
        (
            FOUR_HOURS,
            LAST,
            LAST + FOUR_HOURS,
            Due(FOUR_HOURS, LAST + FOUR_HOURS, timedelta(0), None),
        ),
        (
            FOUR_HOURS,
            LAST,
            LAST + FOUR_HOURS + SECOND,
            Due(FOUR_HOURS, LAST + FOUR_HOURS, SECOND, None),
        ),
    ],
)
def test_next_due(
    interval: timedelta | None, last_at: datetime | None, now: datetime, expected: Due
) -> None:
    assert next_due(interval, last_at, ADMITTED, now) == expected
