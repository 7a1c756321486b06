"""Factory functions for taper plans (through the actions, as the app writes them)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from detoxdesk.tapers import actions
from detoxdesk.tapers.models import TaperPlan, TaperSettings


def make_methadone_plan(unit: Any, *, start: date | None = None, **values: Any) -> TaperPlan:
    """A draft methadone taper from 30 mg/day over 6 days in steps of 5 mg on the unit's episode."""
    values.setdefault("days", 6)
    return actions.do_draft_plan(
        unit.episode,
        acting_user=unit.prescriber,
        kind="methadone",
        start_date=start or timezone.localdate(),
        current_daily_dose=Decimal(values.pop("dose", "30")),
        increment=Decimal(values.pop("increment", "5")),
        **values,
    )


def make_signed_plan(unit: Any, **values: Any) -> TaperPlan:
    """A signed methadone taper; its doses are given at 08:00 unless ``times_of_day`` says."""
    values.setdefault("times_of_day", [time(8)])
    plan = make_methadone_plan(unit, **values)
    return actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)


def set_thresholds(unit: Any, *, cows: int | None = None, sows: int | None = None) -> None:
    TaperSettings.objects.update_or_create(
        program=unit.program, defaults={"hold_cows_at": cows, "hold_sows_at": sows}
    )
