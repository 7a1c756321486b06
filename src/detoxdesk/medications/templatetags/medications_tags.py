"""Small display filters of the medication pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from detoxdesk.clinical.numbers import format_number
from detoxdesk.medications import alerts
from detoxdesk.medications.describe import drug_label

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
