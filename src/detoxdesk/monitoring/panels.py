"""The chart's monitoring panel: latest scores and vitals, what is due, trends, history, vitals.

A fixed number of indexed reads however long the stay: the latest COWS, CIWA-Ar and vital
signs; the trends of the stay's last ``CHART_TREND_HOURS`` hours, one point per hour (its highest
score) summed up in SQL; and one keyset page each of the assessment history and the vitals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncHour

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.clinical import scales
from detoxdesk.clinical.due import next_due
from detoxdesk.lib import keyset
from detoxdesk.lib.dates import shown
from detoxdesk.monitoring import board, charts
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.patients.models import Episode

HISTORY_PAGE_SIZE = 20
TREND_SCALES = (Scale.COWS, Scale.SOWS, Scale.CIWA_AR)


def chart_panel(
    episode: Episode,
    *,
    user: User,
    now: datetime,
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    params = params or {}
    return {
        "row": latest_row(episode, now),
        **trends(episode, now),
        **history(episode, params),
        "can_record": permissions.can(user, permissions.ASSESSMENT_RECORD, episode.facility),
        "can_configure": permissions.can(user, permissions.EPISODE_CONFIGURE, episode.facility),
    }


def _latest(scale: str, episode: Episode) -> Assessment | None:
    rows = Assessment.objects.filter(episode=episode, scale=scale)
    return rows.order_by("-performed_at").first()


def latest_row(episode: Episode, now: datetime) -> board.BoardRow:
    """The board's row for one episode: the latest COWS and CIWA-Ar (which also give when the
    next assessment is due) and the latest vital signs, three lookups on their indexes."""
    program = episode.facility.program
    cows = _latest(Scale.COWS, episode)
    ciwa = _latest(Scale.CIWA_AR, episode)
    latest_vitals = VitalSigns.objects.filter(episode=episode).order_by("-measured_at").first()
    scheduled = [a.performed_at for a in (cows, ciwa) if a is not None]
    return board.BoardRow(
        episode=episode,
        day_of_stay=episode.day_of_stay(now),
        cows=cows,
        ciwa_ar=ciwa,
        vitals=latest_vitals,
        vital_flags=board.flags_for(latest_vitals, program),
        critical=board.critical_for(latest_vitals),
        due=next_due(
            episode.assessment_interval(program),
            max(scheduled) if scheduled else None,
            episode.admitted_at,
            now,
        ),
    )


def trend_window(episode: Episode, now: datetime) -> tuple[datetime, datetime]:
    """The last ``CHART_TREND_HOURS`` hours of the stay (all of it when shorter)."""
    end = episode.discharged_at or now
    start = max(episode.admitted_at, end - timedelta(hours=settings.CHART_TREND_HOURS))
    return start, max(end, start + timedelta(minutes=1))


def trends(episode: Episode, now: datetime) -> dict[str, Any]:
    start, end = trend_window(episode, now)
    hourly = (
        Assessment.objects.filter(episode=episode, performed_at__gte=start, performed_at__lte=end)
        .annotate(hour=TruncHour("performed_at"))
        .values("scale", "hour")
        .annotate(at=Max("performed_at"), high=Max("total"), low=Min("total"), n=Count("pk"))
        .order_by("scale", "hour")
    )
    buckets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in hourly:
        buckets[row["scale"]].append(row)
    charts_ = []
    for code in TREND_SCALES:
        scale = scales.get_scale(code)
        rows = buckets.get(code, [])
        series = [(row["at"], int(row["high"])) for row in rows]
        summary = _summary(scale, rows, start, end, whole_stay=start == episode.admitted_at)
        charts_.append(charts.trend(scale, series, start, end, summary))
    return {"trend_charts": charts_, "trend_hours": settings.CHART_TREND_HOURS}


def _when(moment: datetime) -> str:
    return shown(moment, "SHORT_DATETIME_FORMAT")


def _summary(
    scale: scales.Scale,
    rows: list[dict[str, Any]],
    start: datetime,
    end: datetime,
    *,
    whole_stay: bool,
) -> str:
    """The chart in words, for screen readers and for reading without the picture."""
    span = f"from {_when(start)} to {_when(end)}"
    if not rows:
        if whole_stay:
            return f"No {scale.name} recorded in this episode."
        return f"No {scale.name} recorded {span} (earlier scores are in the history)."
    count = sum(int(row["n"]) for row in rows)
    highest = max(rows, key=lambda row: (row["high"], row["at"]))
    lowest = min(int(row["low"]) for row in rows)
    last = rows[-1]
    return (
        f"{count} {scale.name} score{'s' if count != 1 else ''} {span}: "
        f"highest {highest['high']} at {_when(highest['at'])}, lowest {lowest}; "
        f"the most recent hour's highest is {last['high']} at {_when(last['at'])}. "
        f"The line joins each hour's highest score."
    )


def history(episode: Episode, params: Mapping[str, str]) -> dict[str, Any]:
    """One keyset page each of the assessments and the vital signs, newest first."""
    assessments = Assessment.objects.filter(episode=episode).select_related("recorded_by")
    vital_rows = VitalSigns.objects.filter(episode=episode).select_related("recorded_by")
    program = episode.facility.program
    vitals_page = keyset.page(vital_rows, "measured_at", params, "vitals", HISTORY_PAGE_SIZE)
    return {
        "history": keyset.page(assessments, "performed_at", params, "history", HISTORY_PAGE_SIZE),
        "vitals_page": vitals_page,
        "vitals_flags": {row.pk: board.flags_for(row, program) for row in vitals_page},
        "vitals_critical": {row.pk: board.critical_for(row) for row in vitals_page},
    }
