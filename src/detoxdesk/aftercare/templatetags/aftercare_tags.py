"""The chart panel for discharge and follow-ups, and formatting of stored times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.aftercare import queries
from detoxdesk.aftercare.models import Discharge
from detoxdesk.clinical import aftercare as rules

register = template.Library()


@register.filter
def when(value: str | datetime | None) -> str:
    """An ISO-8601 time (as kept in bundle details) shown in the local time zone."""
    if not value:
        return "—"
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return str(value)
    return str(date_filter(timezone.localtime(moment), "D j M Y, H:i"))


@register.inclusion_tag("aftercare/_panel_body.html", takes_context=True)
def aftercare_panel(context: dict[str, Any]) -> dict[str, Any]:
    """What the chart shows of the episode's discharge: bundle progress, summary, follow-ups."""
    episode, user = context.get("episode"), context.get("user")
    if episode is None or user is None:
        return {"episode": None}
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
    panel["follow_up_rows"] = queries.with_states(follow_ups, context.get("now") or timezone.now())
    return panel
