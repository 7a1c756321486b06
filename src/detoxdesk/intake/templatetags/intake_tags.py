"""The intake panel of the patient chart: the latest evaluation, its level and the course."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.intake import presentation
from detoxdesk.intake.models import Evaluation

register = template.Library()


@register.inclusion_tag("intake/_panel.html", takes_context=True)
def intake_panel(context: template.Context) -> dict[str, Any]:
    """Context for the panel; two queries (the evaluation with its plan, and nothing else)."""
    patient = context.get("patient")
    user = context.get("user")
    if patient is None or user is None or not user.is_authenticated:
        return {"show": False}
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    evaluation = (
        Evaluation.objects.filter(patient=patient, facility_id__in=facility_ids)
        .select_related("plan")
        .order_by("-created_at")
        .first()
    )
    now = context.get("now") or timezone.now()
    can_record = bool(
        permissions.facility_ids_with(user, permissions.EVALUATION_RECORD)
        & {patient.registered_at_id, *(e.facility_id for e in patient.episodes.all())}
    )
    return {
        "show": True,
        "patient": patient,
        "evaluation": evaluation,
        "plan": getattr(evaluation, "plan", None) if evaluation else None,
        "course": presentation.course_view(evaluation.answers, now) if evaluation else None,
        "can_start": can_record and (evaluation is None or evaluation.status == "signed"),
        "csrf_token": context.get("csrf_token"),
        "id_suffix": "chart",
    }
