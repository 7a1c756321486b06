"""The medications panel of the patient chart, and small display filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.clinical.numbers import format_number
from detoxdesk.medications import alerts, mar
from detoxdesk.medications.describe import drug_label
from detoxdesk.medications.policy import settings_for
from detoxdesk.medications.queries import current_orders

register = template.Library()


@register.filter
def mg(value: Decimal | None) -> str:
    """A dose without trailing zeros: 4.000 -> "4"."""
    return "" if value is None else format_number(Decimal(value))


@register.filter
def source_title(key: str) -> str:
    return alerts.source_title(key)


@register.filter
def label(drug: str) -> str:
    return drug_label(drug)


@register.inclusion_tag("medications/_panel.html", takes_context=True)
def medications_panel(context: template.Context) -> dict[str, Any]:
    """Current orders, today's totals and alerts for the chart (a few queries)."""
    episode = context.get("episode")
    user = context.get("user")
    if episode is None or user is None:
        return {"episode": None}
    now = timezone.localtime(context.get("now") or timezone.now())
    settings = settings_for(episode.facility.program)
    return {
        "episode": episode,
        "orders": current_orders(episode),
        "totals": sorted(mar.day_totals(episode, now).items()),
        "alerts": alerts.precipitated_alerts(episode, settings),
        "can_sign": permissions.can(user, permissions.ORDER_SIGN, episode.facility),
    }
