"""Dates and times written in Python as the templates show them (config/formats/en/formats.py).

A message, a chart label or an error that names a date uses ``shown`` so that it reads like the
page around it: "Tue 1 Dec 2026 18:26", in the active (program's) time zone.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone


def shown(value: date | datetime, format_name: str = "DATETIME_FORMAT") -> str:
    """``value`` in one of the named display formats (DATE_FORMAT, SHORT_DATETIME_FORMAT, ...)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(formats.date_format(value, format_name))
