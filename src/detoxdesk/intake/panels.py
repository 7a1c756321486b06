"""The intake panel of the patient chart: the latest evaluation, its level and the course."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.intake import presentation
from detoxdesk.intake.models import Evaluation
from detoxdesk.medications.models import PatientFacts
from detoxdesk.patients.models import Episode, Patient


def chart_panel(
    episode: Episode | None, *, user: User, now: datetime, patient: Patient | None = None
) -> dict[str, Any]:
    """Shown with or without an episode (an evaluation comes before admission)."""
    patient = patient or (episode.patient if episode else None)
    if patient is None:
        return {"show": False}
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    evaluation = (
        Evaluation.objects.filter(patient=patient, facility_id__in=facility_ids)
        .select_related("plan")
        .order_by("-created_at")
        .first()
    )
    can_record = bool(
        permissions.facility_ids_with(user, permissions.EVALUATION_RECORD)
        & {patient.registered_at_id, *(e.facility_id for e in patient.episodes.all())}
    )
    return {
        "show": True,
        "patient": patient,
        "evaluation": evaluation,
        "plan": getattr(evaluation, "plan", None) if evaluation else None,
        "course": presentation.course_view(_course_answers(evaluation, episode), now)
        if evaluation
        else None,
        "can_start": can_record and (evaluation is None or evaluation.status == "signed"),
        "id_suffix": "chart",
    }


def _course_answers(evaluation: Evaluation, episode: Episode | None) -> dict[str, Any]:
    """The evaluation's answers for the expected course, with fentanyl exposure counted when the
    episode's medication facts record it (a positive fentanyl screen sets it, labs app)."""
    answers: dict[str, Any] = evaluation.answers
    if episode is None or answers.get("fentanyl_exposure") is True:
        return answers
    exposed = PatientFacts.objects.filter(episode=episode, fentanyl_exposure=True).exists()
    return {**answers, "fentanyl_exposure": True} if exposed else answers
