"""The chart's monitoring section: trend charts, the assessment history and the vitals table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator

from detoxdesk.clinical import scales
from detoxdesk.monitoring import board, charts
from detoxdesk.monitoring.models import Assessment, Scale, VitalSigns
from detoxdesk.patients.models import Episode

HISTORY_PAGE_SIZE = 20


def chart_context(episode: Episode, now: datetime, params: Mapping[str, str]) -> dict[str, Any]:
    series: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for scale, at, total in Assessment.objects.filter(episode=episode).values_list(
        "scale", "performed_at", "total"
    ):
        series[scale].append((at, total))
    end = max(now, episode.discharged_at or now)
    trend_charts = [
        charts.trend(scales.get_scale(code), series.get(code, []), episode.admitted_at, end)
        for code in (Scale.COWS, Scale.SOWS, Scale.CIWA_AR)
    ]
    history = Assessment.objects.filter(episode=episode).select_related("recorded_by")
    vitals_rows = VitalSigns.objects.filter(episode=episode).select_related("recorded_by")
    program = episode.facility.program
    vitals_page = Paginator(vitals_rows, HISTORY_PAGE_SIZE).get_page(params.get("vitals_page"))
    return {
        "trend_charts": trend_charts,
        "history": Paginator(history, HISTORY_PAGE_SIZE).get_page(params.get("history_page")),
        "vitals_page": vitals_page,
        "vitals_flags": {row.pk: board.flags_for(row, program) for row in vitals_page},
        "vitals_critical": {row.pk: board.critical_for(row) for row in vitals_page},
    }
