"""The chart's results panel: the episode's latest results and the tests staff may record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.clinical import labs
from detoxdesk.labs import queries
from detoxdesk.labs.models import Result
from detoxdesk.patients.models import Episode

LATEST = 5


def chart_panel(episode: Episode, *, user: User, now: datetime) -> dict[str, Any]:
    """Two queries: the latest results and their findings."""
    latest = list(
        queries.with_findings(Result.objects.filter(episode=episode)).order_by(
            "-specimen_at", "-pk"
        )[: LATEST + 1]
    )
    can_record = episode.status == Episode.Status.ACTIVE and permissions.can(
        user, permissions.LAB_RECORD, episode.facility
    )
    return {
        "show": True,
        "episode": episode,
        "results": [queries.describe(r) for r in latest[:LATEST]],
        "more": len(latest) > LATEST,
        "panels": list(labs.catalogue().panels.values()) if can_record else [],
    }
