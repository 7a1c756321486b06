"""Formatting for the census and the chart; none of these reads the database."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.template import Engine
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def panel(context: template.Context, name: str, values: dict[str, Any] | None) -> SafeString:
    """Print a stage's panel template with the context its ``panels.chart_panel`` returned."""
    if not values:
        return SafeString("")
    new = context.new(values)
    csrf_token = context.get("csrf_token")
    if csrf_token is not None:
        new["csrf_token"] = csrf_token
    engine = context.template.engine if context.template else Engine.get_default()
    return SafeString(engine.get_template(name).render(new))


@register.simple_tag(takes_context=True)
def cursor_query(context: dict[str, object], param: str, direction: str, value: str) -> str:
    """The current query string with one list's cursor set (``<param>_before|_after``)."""
    request = context["request"]
    if not isinstance(request, HttpRequest):
        return f"?{param}_{direction}={value}"
    query = request.GET.copy()
    query.pop(f"{param}_before", None)
    query.pop(f"{param}_after", None)
    query[f"{param}_{direction}"] = value
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def newest_query(context: dict[str, object], param: str) -> str:
    """The current query string without one list's cursor: its newest page."""
    request = context["request"]
    if not isinstance(request, HttpRequest):
        return "?"
    query = request.GET.copy()
    query.pop(f"{param}_before", None)
    query.pop(f"{param}_after", None)
    return f"?{query.urlencode()}"
