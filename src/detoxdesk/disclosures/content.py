"""What each releasable kind of information prints: the record read for a disclosure package.

Reads are bounded: the chart print carries the latest entries only (``CHART_ROWS`` of each).
"""

from __future__ import annotations

from typing import Any

from detoxdesk.aftercare import queries as aftercare_queries
from detoxdesk.aftercare.models import Discharge
from detoxdesk.clinical import taper
from detoxdesk.disclosures.information import Information
from detoxdesk.medications.models import Order, OrderLine
from detoxdesk.monitoring.models import Assessment, VitalSigns
from detoxdesk.patients import allergies
from detoxdesk.patients.models import Episode, Patient
from detoxdesk.tapers import queries as taper_queries
from detoxdesk.tapers.models import TaperPlan

CHART_ROWS = 20
TEMPLATES: dict[str, str] = {
    Information.CHART.value: "disclosures/content/chart.html",
    Information.DISCHARGE_SUMMARY.value: "disclosures/content/discharge_summary.html",
    Information.TAPER_CALENDAR.value: "disclosures/content/taper_calendar.html",
}


def missing(information: str, patient: Patient, episode: Episode | None) -> str | None:
    """Why there is nothing of ``information`` to print for this patient, or None."""
    if information not in TEMPLATES:
        return "That information cannot be printed here."
    if information == Information.DISCHARGE_SUMMARY and _discharge(episode) is None:
        return "No discharge summary has been started for this episode."
    if information == Information.TAPER_CALENDAR and _plan(episode) is None:
        return "This episode has no signed taper plan."
    if information == Information.CHART and episode is None:
        return "The patient has no episode of care to print."
    return None


def context(information: str, patient: Patient, episode: Episode | None) -> dict[str, Any]:
    """The template and what it reads, for one kind of information."""
    found: dict[str, Any] = {"template": TEMPLATES.get(information, "")}
    if information == Information.DISCHARGE_SUMMARY:
        found["discharge"] = _discharge(episode)
    elif information == Information.TAPER_CALENDAR:
        plan = _plan(episode)
        found.update(plan=plan, days=taper_queries.calendar_days(plan) if plan else [])
        found["notes"] = taper.patient_notes()
    elif information == Information.CHART and episode is not None:
        found.update(_chart(patient, episode))
    return found


def _discharge(episode: Episode | None) -> Discharge | None:
    if episode is None:
        return None
    return aftercare_queries.summary_queryset().filter(episode=episode).first()


def _plan(episode: Episode | None) -> TaperPlan | None:
    if episode is None:
        return None
    live = (TaperPlan.Status.ACTIVE, TaperPlan.Status.HELD)
    return (
        TaperPlan.objects.filter(episode=episode, status__in=live)
        .select_related("patient")
        .order_by("-created_at")
        .first()
    )


def _chart(patient: Patient, episode: Episode) -> dict[str, Any]:
    return {
        "allergy_status": allergies.status(patient),
        "assessments": list(
            Assessment.objects.filter(episode=episode).order_by("-performed_at")[:CHART_ROWS]
        ),
        "vitals": list(
            VitalSigns.objects.filter(episode=episode).order_by("-measured_at")[:CHART_ROWS]
        ),
        "orders": list(
            Order.objects.filter(
                line__episode=episode,
                line__status=OrderLine.Status.ACTIVE,
                superseded_at__isnull=True,
            ).order_by("line__created_at")[:CHART_ROWS]
        ),
    }
