"""The chart panel for discharge and follow-ups: bundle progress, summary, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.aftercare import queries
from detoxdesk.aftercare.models import Discharge
from detoxdesk.clinical import aftercare as rules
from detoxdesk.patients.models import Episode


def chart_panel(episode: Episode, *, user: User, now: datetime) -> dict[str, Any]:
    facility = episode.facility
    discharge = Discharge.objects.filter(episode=episode).select_related("signed_by").first()
    panel: dict[str, Any] = {
        "episode": episode,
        "discharge": discharge,
        "can_prepare": permissions.can(user, permissions.DISCHARGE_PREPARE, facility),
        "can_follow_up": permissions.can(user, permissions.FOLLOW_UP_RECORD, facility),
    }
    if discharge is None:
        return panel
    statuses = list(discharge.items.values_list("status", flat=True))
    panel["resolved"] = sum(status != rules.ITEM_OPEN for status in statuses)
    panel["item_count"] = len(statuses)
    follow_ups = list(discharge.follow_ups.select_related("facility__program").order_by("due_on"))
    panel["follow_up_rows"] = queries.with_states(follow_ups, now)
    return panel
