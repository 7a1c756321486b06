"""The taper hold rule: which scores and reports flag the next reduction for a hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detoxdesk.clinical.taper_hold import (
    HoldThresholds,
    Score,
    counts_since,
    crosses,
    hold_reasons,
)

AT = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
SIGNED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
RESUMED = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("total", "threshold", "expected"),
    [(11, 12, False), (12, 12, True), (13, 12, True), (40, None, False), (0, 0, True)],
)
def test_crosses(total: int, threshold: int | None, expected: bool) -> None:
    assert crosses(total, threshold) is expected


@pytest.mark.parametrize(
    ("signed_at", "resumed_at", "expected"),
    [
        (None, None, None),
        (SIGNED, None, SIGNED),
        (SIGNED, RESUMED, RESUMED),
        (None, RESUMED, RESUMED),
    ],
)
def test_counts_since_the_later_of_signing_and_resuming(
    signed_at: datetime | None, resumed_at: datetime | None, expected: datetime | None
) -> None:
    assert counts_since(signed_at, resumed_at) == expected


COWS_13 = Score("COWS", 13, AT)
SOWS_20 = Score("SOWS", 20, AT)


@pytest.mark.parametrize(
    ("thresholds", "scores", "hard_day", "expected"),
    [
        (HoldThresholds(None, None, False), [(None, None), (None, None)], AT, ()),
        (
            HoldThresholds(13, None, False),
            [(COWS_13, 13), (None, None)],
            None,
            ("COWS 13 at 05 Mar 09:30 (threshold 13)",),
        ),
        (HoldThresholds(14, None, False), [(COWS_13, 14), (None, None)], None, ()),
        (
            HoldThresholds(12, 18, True),
            [(COWS_13, 12), (SOWS_20, 18)],
            AT,
            (
                "COWS 13 at 05 Mar 09:30 (threshold 12)",
                "SOWS 20 at 05 Mar 09:30 (threshold 18)",
                "Patient reported a hard day at 05 Mar 09:30",
            ),
        ),
        # A hard day flags only when the program asks for it.
        (HoldThresholds(None, None, False), [], AT, ()),
        (
            HoldThresholds(None, None, True),
            [],
            AT,
            ("Patient reported a hard day at 05 Mar 09:30",),
        ),
        (HoldThresholds(None, None, True), [], None, ()),
    ],
)
def test_hold_reasons(
    thresholds: HoldThresholds,
    scores: list[tuple[Score | None, int | None]],
    hard_day: datetime | None,
    expected: tuple[str, ...],
) -> None:
    assert hold_reasons(thresholds, scores, hard_day) == expected


@pytest.mark.parametrize(
    ("cows", "sows", "expected"), [(None, None, False), (12, None, True), (None, 18, True)]
)
def test_a_score_threshold_is_set(cows: int | None, sows: int | None, expected: bool) -> None:
    assert HoldThresholds(cows, sows, True).score_threshold_set is expected
