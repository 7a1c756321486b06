"""Keeping the medication record's scheduled doses in step with the active taper plan.

A plan drives an order when the prescriber gave the times of day its doses are given at (and its
unit is mg, the unit of the medication record). Signing creates the order with the plan's daily
doses as its dose schedule; every edit, hold and resume signs a new version of that order; a
cancelled plan discontinues it. All of it runs inside the caller's transaction, so a plan change
and its order change are saved together or not at all.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from detoxdesk.accounts.models import User
from detoxdesk.medications import actions as medications
from detoxdesk.medications.models import Order, OrderLine
from detoxdesk.patients.models import Episode
from detoxdesk.tapers.models import TaperPlan

# How each tapered drug is given; a long-term taper of another opioid is taken by mouth.
ROUTES = {
    "buprenorphine": Order.Route.SUBLINGUAL,
    "fentanyl_transdermal": Order.Route.TRANSDERMAL,
}


def drives_order(plan: TaperPlan) -> bool:
    """Whether this plan gives the medication record its scheduled doses. A benzodiazepine taper
    does not: the medication record's rules know only the opioid withdrawal drugs."""
    if plan.kind == TaperPlan.Kind.BENZODIAZEPINE:
        return False
    return plan.unit == "mg" and bool(plan.parameters.get("times_of_day"))


def _open_hold_rows(plan: TaperPlan) -> list[dict[str, Any]]:
    """While a hold is open, every day from the hold on is at the held dose until resumed."""
    steps, held_from = plan.steps, plan.held_from or date.fromisoformat(plan.steps[0]["date"])
    start = held_from.isoformat()
    before = [s for s in steps if s["date"] < start]
    level = before[-1]["daily_dose"] if before else steps[0]["daily_dose"]
    last = date.fromisoformat(steps[-1]["date"])
    held_days = (last - held_from).days + 1
    held = [
        {"date": (held_from + timedelta(days=n)).isoformat(), "daily_dose": level}
        for n in range(held_days)
    ]
    return before + held


def dose_schedule(plan: TaperPlan) -> list[dict[str, str]]:
    """The plan's days in the medication record's dose-schedule format."""
    open_hold = plan.status == TaperPlan.Status.HELD and plan.held_from is not None
    steps = _open_hold_rows(plan) if open_hold else plan.steps
    return [{"date": s["date"], "daily_dose_mg": str(s["daily_dose"])} for s in steps]


def _times(plan: TaperPlan) -> list[time]:
    return [time.fromisoformat(value) for value in plan.parameters["times_of_day"]]


def _current_order(plan: TaperPlan) -> Order | None:
    if plan.order_uuid is None:
        return None
    return (
        Order.objects.filter(line__uuid=plan.order_uuid, superseded_at=None)
        .select_related("line__episode__facility__program")
        .first()
    )


def _create(plan: TaperPlan, user: User, acknowledged: bool) -> Order | None:
    if plan.episode is None:
        return None
    times = _times(plan)
    first = Decimal(plan.steps[0]["daily_dose"])
    try:
        return _sign_order(plan, plan.episode, user, acknowledged, times, first)
    except ValidationError as exc:
        raise _for_the_plan(exc) from None


ORDER_WARNINGS = (
    "The medication order this plan signs carries safety warnings (such as the naloxone offer "
    "or no QTc on file): read them on the medication record and acknowledge them to sign."
)


def _for_the_plan(exc: ValidationError) -> ValidationError:
    """The order's refusal in the words of the plan's sign form (its ``acknowledged`` box)."""
    if hasattr(exc, "error_dict") and "acknowledge_warnings" in exc.error_dict:
        return ValidationError({"acknowledged": ORDER_WARNINGS})
    return exc


def _sign_order(
    plan: TaperPlan,
    episode: Episode,
    user: User,
    acknowledged: bool,
    times: list[time],
    first: Decimal,
) -> Order:
    return medications.do_sign_order(
        episode,
        acting_user=user,
        drug=plan.drug,
        dose_mg=(first / len(times)).quantize(Decimal("0.001")),
        route=ROUTES.get(plan.drug, Order.Route.ORAL),
        times_of_day=times,
        dose_schedule=dose_schedule(plan),
        protocol="taper",
        acknowledge_warnings=acknowledged,
        start_date=plan.start_date,
        instructions=f"Taper plan {plan.uuid}: give the dose the plan schedules for the day.",
    )


def sync(
    plan: TaperPlan, *, acting_user: User, reason: str, acknowledged: bool = False
) -> Order | None:
    """Bring the plan's medication order in line with the plan (in the caller's transaction).

    Returns the order signed for a plan that had none (the taper action records it on the plan,
    ``order_uuid``), else None. Raises the medication record's ValidationError (for example a
    safety stop) so the plan change is refused with it.
    """
    if not drives_order(plan):
        return None
    order = _current_order(plan)
    if order is None:
        return _create(plan, acting_user, acknowledged) if plan.is_live else None
    if plan.status == TaperPlan.Status.CANCELLED:
        if order.line.status != OrderLine.Status.DISCONTINUED:
            medications.do_change_order_status(
                order.line, "order.discontinued", acting_user=acting_user, reason=reason
            )
        return None
    # The prescriber acknowledged the order's warnings when signing the plan, and a taper change
    # never raises a dose; a safety stop still refuses the change.
    medications.do_set_dose_schedule(
        order,
        dose_schedule(plan),
        acting_user=acting_user,
        reason=reason,
        acknowledge_warnings=True,
    )
    return None
