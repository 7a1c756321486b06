"""What the portal shows from other apps: the taper calendar, appointments, discharge summary.

Each reader returns ``available=False`` instead of failing when the other app cannot answer, so
the portal page still renders with a friendly "not available" section.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from detoxdesk.patients.models import Patient

logger = logging.getLogger(__name__)


def taper(patient: Patient) -> dict[str, Any]:
    """``{"available", "plan", "days"}`` for ``tapers/_calendar.html``; upcoming days only."""
    try:
        from detoxdesk.tapers import queries
    except ImportError:
        return {"available": False}
    plan = queries.active_plan(patient)
    if plan is None:
        return {"available": True, "plan": None, "days": []}
    today = timezone.localdate()
    days = [d for d in queries.calendar_days(plan, today) if d.date >= today]
    return {"available": True, "plan": plan, "days": days}


def appointments(patient: Patient) -> dict[str, Any]:
    try:
        from detoxdesk.aftercare import queries
    except ImportError:
        return {"available": False}
    return {"available": True, "items": queries.appointments_for(patient)}


def summary(patient: Patient) -> dict[str, Any]:
    try:
        from detoxdesk.aftercare import queries
    except ImportError:
        return {"available": False}
    return {"available": True, "discharge": queries.latest_summary(patient)}
