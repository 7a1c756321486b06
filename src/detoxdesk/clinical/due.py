"""When the next withdrawal assessment is due, from the interval and the last scheduled score.

The interval itself is a program setting (``assessment_interval_minutes``); this rule only says
when that interval runs out. Nothing is scheduled: it is worked out each time it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Due:
    """When the next withdrawal assessment is due; ``interval`` None means no interval is set."""

    interval: timedelta | None
    due_at: datetime | None
    overdue_by: timedelta | None
    due_in: timedelta | None


def next_due(
    interval: timedelta | None, last_at: datetime | None, since: datetime, now: datetime
) -> Due:
    """Due one interval after the last scheduled score, or at admission (``since``) if there is
    none. At the due instant itself it is overdue (by nothing): the assessment is owed now."""
    if interval is None:
        return Due(None, None, None, None)
    due_at = last_at + interval if last_at else since
    if now >= due_at:
        return Due(interval, due_at, now - due_at, None)
    return Due(interval, due_at, None, due_at - now)
