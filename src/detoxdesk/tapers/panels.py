"""The chart's taper and MME panel: the active plan, its flag, and the MME of current opioids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.clinical import mme
from detoxdesk.patients.models import Episode, Patient
from detoxdesk.tapers import queries
from detoxdesk.tapers.models import TaperPlan


def chart_panel(episode: Episode, *, user: User, now: datetime) -> dict[str, Any]:
    patient = episode.patient
    rules = queries.settings_for(episode.facility.program)
    opioids = queries.current_opioids(patient)
    return {
        "show": True,
        "patient": patient,
        "episode": episode,
        "opioids": opioids,
        "mme": _mme_json(opioids, rules),
        "always": mme.cautions()["no_conversion"].text,
        "can_plan": permissions.can(user, permissions.TAPER_PLAN, episode.facility),
        "can_record": permissions.can(user, permissions.EVALUATION_RECORD, episode.facility),
        **_plan_part(patient, rules, timezone.localdate(now)),
    }


def _plan_part(patient: Patient, rules: Any, today: Any) -> dict[str, Any]:
    plan = queries.active_plan(patient)
    if plan is None:
        draft = patient.taper_plans.filter(status=TaperPlan.Status.DRAFT).first()
        return {"plan": None, "draft": draft}
    days = queries.calendar_days(plan, today)
    return {
        "plan": plan,
        "today_dose": next((d for d in days if d.date == today), None),
        "next_reduction": queries.next_reduction(plan, today),
        "flag": queries.hold_flag(plan, rules),
        "end": days[-1] if days else None,
    }


def _mme_json(opioids: list[Any], rules: Any) -> dict[str, Any] | None:
    result = queries.patient_mme(opioids, rules)
    return None if result is None else mme.result_json(result)
