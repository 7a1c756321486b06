"""The medications panel of the patient chart: current orders, today's totals and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.medications import alerts, mar
from detoxdesk.medications.policy import settings_for
from detoxdesk.medications.queries import current_orders
from detoxdesk.patients.models import Episode


def chart_panel(episode: Episode, *, user: User, now: datetime) -> dict[str, Any]:
    now = timezone.localtime(now)
    settings = settings_for(episode.facility.program)
    return {
        "episode": episode,
        "orders": current_orders(episode),
        "totals": sorted(mar.day_totals(episode, now).items()),
        "alerts": alerts.precipitated_alerts(episode, settings),
        "can_sign": permissions.can(user, permissions.ORDER_SIGN, episode.facility),
    }
