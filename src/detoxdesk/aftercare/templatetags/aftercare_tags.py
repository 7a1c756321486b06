"""Formatting of stored times on the aftercare pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

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
    return str(date_filter(timezone.localtime(moment), "DATETIME_FORMAT"))
