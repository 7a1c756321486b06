"""The taper hold rule: when the next reduction of a taper is flagged for a hold.

A program may set a withdrawal score at which a reduction should wait (COWS, SOWS: settings a
clinician sets; SPEC.md gives no value) and may ask for a flag when the patient reports a hard
day. Only what happened since the plan was signed, or last resumed, counts. The flag advises: the
prescriber decides whether to hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HoldThresholds:
    """The program's hold settings; a score threshold None is not set."""

    cows_at: int | None
    sows_at: int | None
    flag_on_hard_day: bool

    @property
    def score_threshold_set(self) -> bool:
        return self.cows_at is not None or self.sows_at is not None


@dataclass(frozen=True)
class Score:
    """A withdrawal score as shown: its scale's name, its total, when it was taken (local)."""

    scale: str
    total: int
    at: datetime


def counts_since(signed_at: datetime | None, resumed_at: datetime | None) -> datetime | None:
    """From when scores and reports count: the later of signing and the last resume."""
    moments = [moment for moment in (signed_at, resumed_at) if moment is not None]
    return max(moments) if moments else None


def crosses(total: int, threshold: int | None) -> bool:
    """A score crosses a threshold that is set when it reaches it (``>=``)."""
    return threshold is not None and total >= threshold


def hold_reasons(
    thresholds: HoldThresholds,
    scores: Sequence[tuple[Score | None, int | None]],
    hard_day_at: datetime | None,
) -> tuple[str, ...]:
    """Why the next reduction is flagged: each latest score that crosses its threshold (pairs of
    score and threshold, in order), then the latest hard day when the program flags those."""
    reasons = [
        f"{score.scale} {score.total} at {score.at:%d %b %H:%M} (threshold {threshold})"
        for score, threshold in scores
        if score is not None and threshold is not None and crosses(score.total, threshold)
    ]
    if thresholds.flag_on_hard_day and hard_day_at is not None:
        reasons.append(f"Patient reported a hard day at {hard_day_at:%d %b %H:%M}")
    return tuple(reasons)
