"""Outpatient withdrawal management: the visit schedule, missed visits and home check-ins, and
the rule that sends an outpatient episode back for clinician review.

SPEC gives no visit interval and no score rise for outpatient care, so the interval is the
clinician's order (daily, or every so many days) and the rises that send an episode for review
are program settings that ship unset (listed on the go-live page). While a rise is unset the
climbing-score rule is skipped and says so; a missed visit always sends the episode for review
(no number is needed to see that a scheduled visit did not happen).

Pure: dates and totals in, reasons out. A day is "missed" only once it is over (before today).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class VisitPlan:
    """Visits every ``every_days`` days (1: daily) from ``first_visit_on``, up to ``last_visit_on``
    when given; ``home_check_ins``: the patient sends a SOWS from home on the days between."""

    first_visit_on: date
    every_days: int
    last_visit_on: date | None = None
    home_check_ins: bool = False


@dataclass(frozen=True)
class Score:
    """One withdrawal score of the episode: ``scale`` ("cows" or "sows"), its total and time."""

    scale: str
    total: int
    at: datetime


@dataclass(frozen=True)
class ReviewReason:
    """Why the episode needs review: ``code`` ("missed_visit", "missed_check_in",
    "score_climbed") and the plain words."""

    code: str
    message: str


def visit_dates(plan: VisitPlan, through: date) -> list[date]:
    """The scheduled visit days from the first one up to ``through`` (and the last one)."""
    if plan.every_days < 1:
        raise ValueError("every_days must be at least 1")
    end = min(through, plan.last_visit_on) if plan.last_visit_on else through
    days, day = [], plan.first_visit_on
    while day <= end:
        days.append(day)
        day += timedelta(days=plan.every_days)
    return days


def next_visit(plan: VisitPlan, today: date, attended: set[date]) -> date | None:
    """The next scheduled visit from today on that is not yet attended, or None after the last."""
    day = max(plan.first_visit_on, today)
    offset = (day - plan.first_visit_on).days % plan.every_days
    if offset:
        day += timedelta(days=plan.every_days - offset)
    while plan.last_visit_on is None or day <= plan.last_visit_on:
        if day not in attended:
            return day
        day += timedelta(days=plan.every_days)
    return None


def missed_visits(
    plan: VisitPlan, attended: Iterable[date], today: date, since: date
) -> list[date]:
    """Scheduled visit days from ``since`` up to yesterday with no visit recorded that day."""
    seen = set(attended)
    yesterday = today - timedelta(days=1)
    return [day for day in visit_dates(plan, yesterday) if day >= since and day not in seen]


def missed_check_ins(
    plan: VisitPlan, reported: Iterable[date], today: date, since: date
) -> list[date]:
    """Days between visits, from ``since`` up to yesterday, without a SOWS sent from home.

    Nothing when the plan asks for no home check-ins. A visit day needs no check-in."""
    if not plan.home_check_ins:
        return []
    visits = set(visit_dates(plan, today))
    seen = set(reported)
    start = max(since, plan.first_visit_on)
    end = today - timedelta(days=1)
    if plan.last_visit_on is not None:
        end = min(end, plan.last_visit_on)
    days, day = [], start
    while day <= end:
        if day not in visits and day not in seen:
            days.append(day)
        day += timedelta(days=1)
    return days


def climbs(scores: Sequence[Score], scale: str, rise: int | None) -> list[tuple[Score, Score]]:
    """Pairs (earlier, later) of consecutive scores of ``scale`` where the total rose by at
    least ``rise``; empty when ``rise`` is unset (None)."""
    if rise is None:
        return []
    ordered = sorted((s for s in scores if s.scale == scale), key=lambda s: s.at)
    return [
        (earlier, later)
        for earlier, later in zip(ordered, ordered[1:], strict=False)
        if later.total - earlier.total >= rise
    ]


def _days(days: list[date]) -> str:
    return ", ".join(day.isoformat() for day in days)


def review_reasons(
    *,
    missed: list[date],
    missed_home: list[date],
    scores: Sequence[Score],
    rises: dict[str, int | None],
) -> list[ReviewReason]:
    """Why the episode goes back for review: a missed visit, a missed home check-in, a score
    that climbed by at least the program's rise for its scale (``rises``: scale to rise, None
    while unset)."""
    reasons = []
    if missed:
        reasons.append(ReviewReason("missed_visit", f"Scheduled visit missed: {_days(missed)}."))
    if missed_home:
        reasons.append(
            ReviewReason("missed_check_in", f"No SOWS from home on: {_days(missed_home)}.")
        )
    for scale, rise in rises.items():
        for earlier, later in climbs(scores, scale, rise):
            reasons.append(
                ReviewReason(
                    "score_climbed",
                    f"{scale.upper()} rose from {earlier.total} to {later.total} "
                    f"({later.at:%Y-%m-%d %H:%M}), a rise of at least {rise}.",
                )
            )
    return reasons
