from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.clinical import mme
from detoxdesk.tapers import queries
from detoxdesk.tapers.models import TaperPlan

register = template.Library()


def _plan_part(patient: Any, rules: Any) -> dict[str, Any]:
    plan = queries.active_plan(patient)
    if plan is None:
        draft = patient.taper_plans.filter(status=TaperPlan.Status.DRAFT).first()
        return {"plan": None, "draft": draft}
    today = timezone.localdate()
    days = queries.calendar_days(plan, today)
    flag = queries.hold_flag(plan, rules)
    return {
        "plan": plan,
        "today_dose": next((d for d in days if d.date == today), None),
        "next_reduction": queries.next_reduction(plan, today),
        "flag": flag,
        "end": days[-1] if days else None,
    }


@register.inclusion_tag("tapers/_panel.html", takes_context=True)
def taper_panel(context: template.Context) -> dict[str, Any]:
    """The chart's taper and MME panel: the active plan, its flag, and MME of current opioids."""
    patient, episode, user = context.get("patient"), context.get("episode"), context.get("user")
    if patient is None or episode is None or not isinstance(user, User):
        return {"show": False}
    rules = queries.settings_for(episode.facility.program)
    opioids = queries.current_opioids(patient)
    return {
        "show": True,
        "patient": patient,
        "episode": episode,
        "csrf_token": context.get("csrf_token"),
        "opioids": opioids,
        "mme": _mme_json(opioids, rules),
        "always": mme.cautions()["no_conversion"].text,
        "can_plan": permissions.can(user, permissions.TAPER_PLAN, episode.facility),
        "can_record": permissions.can(user, permissions.EVALUATION_RECORD, episode.facility),
        **_plan_part(patient, rules),
    }


def _mme_json(opioids: list[Any], rules: Any) -> dict[str, Any] | None:
    result = queries.patient_mme(opioids, rules)
    return None if result is None else mme.result_json(result)
