from __future__ import annotations

from decimal import Decimal

from django import template

from detoxdesk.controlled.report import number

register = template.Library()


@register.filter
def units(value: Decimal | None) -> str:
    """A number of units without trailing zeros (2.500 → 2.5)."""
    if value is None:
        return ""
    return number(Decimal(value))
