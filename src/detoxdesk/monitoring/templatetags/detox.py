from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.http import HttpRequest
from django.utils import timezone

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A short, readable length of time: "45 min", "3 h 10 min", "2 d 4 h"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


@register.filter
def ago(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{duration(timezone.now() - value)} ago"


@register.filter
def flagged(flags: list[object], key: str) -> object | None:
    """The flag for one vital sign, if any."""
    return next((f for f in flags or () if getattr(f, "key", None) == key), None)


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object | None:
    """``mapping[key]``, or None when missing (or when the page has no such mapping)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, object], param: str, number: int) -> str:
    """The current query string with one page parameter changed, other filters kept."""
    request = context["request"]
    if not isinstance(request, HttpRequest):
        return f"?{param}={number}"
    query = request.GET.copy()
    query[param] = str(number)
    return f"?{query.urlencode()}"
