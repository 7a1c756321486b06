"""The bridge between stored plans and the clinical taper engine.

A stored plan is rebuilt by running the engine on its ``parameters`` and replaying its edits and
completed holds in order, so every change is re-validated by the same rules that built the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError

from detoxdesk.clinical import errors, taper
from detoxdesk.tapers.models import TaperEvent, TaperPlan


def invalid(exc: errors.InvalidInput) -> ValidationError:
    """The engine's refusal as a Django ValidationError naming the fields."""
    if exc.fields:
        return ValidationError(dict(exc.fields))
    return ValidationError(str(exc))


def _decimal(value: object) -> Decimal | None:
    return None if value is None else plain(Decimal(str(value)))


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros (a stored 5.000 is 5), never in exponent form."""
    return Decimal(format(value.normalize(), "f"))


def _slow(parameters: dict[str, Any]) -> taper.SlowNearEnd | None:
    slow = parameters.get("slow_near_end")
    if not slow:
        return None
    return taper.SlowNearEnd(Decimal(str(slow["at_or_below_percent"])), int(slow["every_days"]))


def base_plan(
    plan: TaperPlan, equivalents: tuple[taper.DiazepamEquivalent, ...] | None = None
) -> taper.TaperPlan:
    """The engine's plan for the stored input, before any edit or hold. Raises InvalidInput.

    ``equivalents``: the program's diazepam-equivalent table, for a benzodiazepine taper's note.
    """
    p = plan.parameters
    if plan.kind == TaperPlan.Kind.BENZODIAZEPINE:
        return taper.benzodiazepine_taper(
            start_date=plan.start_date,
            drug=plan.drug,
            current_daily_dose=plain(Decimal(plan.current_daily_dose)),
            increment=plain(Decimal(plan.increment)),
            step_percent=Decimal(str(p["step_percent"])),
            step_days=int(p["step_days"]),
            pregnant=p.get("pregnant"),
            equivalents=equivalents,
        )
    common: dict[str, Any] = {
        "start_date": plan.start_date,
        "current_daily_dose": plain(Decimal(plan.current_daily_dose)),
        "increment": plain(Decimal(plan.increment)),
        "pregnant": p.get("pregnant"),
    }
    if plan.kind == TaperPlan.Kind.LONG_TERM_OPIOID:
        return taper.long_term_taper(
            **common,
            percent=Decimal(str(p["percent"])),
            every_days=int(p["every_days"]),
            of=str(p["of"]),
            original_daily_dose=_decimal(p.get("original_daily_dose")),
            slow_near_end=_slow(p),
        )
    return taper.withdrawal_taper(
        plan.kind,
        **common,
        days=p.get("days"),
        allow_outside_range=bool(p.get("allow_outside_range", False)),
    )


def apply_event(engine: taper.TaperPlan, event: TaperEvent) -> taper.TaperPlan:
    """One stored change replayed on the engine's plan. Raises InvalidInput."""
    data = event.data
    if event.kind == TaperEvent.Kind.EDITED:
        return taper.edit_step(
            engine, date.fromisoformat(data["date"]), Decimal(str(data["new_dose"]))
        )
    if event.kind == TaperEvent.Kind.RESUMED:
        return taper.hold(engine, date.fromisoformat(data["held_from"]), int(data["days"]))
    return engine


def rebuild(
    plan: TaperPlan,
    events: Iterable[TaperEvent],
    equivalents: tuple[taper.DiazepamEquivalent, ...] | None = None,
) -> taper.TaperPlan:
    """The plan as its history makes it. Raises InvalidInput."""
    engine = base_plan(plan, equivalents)
    for event in events:
        engine = apply_event(engine, event)
    return engine


def steps_json(engine: taper.TaperPlan) -> list[dict[str, Any]]:
    """Steps as stored on the plan: exact strings, so nothing is lost to floats."""
    rounded_days = {step.date for step in engine.rounding_changes()}
    return [
        {
            "date": step.date.isoformat(),
            "daily_dose": str(plain(step.daily_dose)),
            "planned": f"{step.planned.numerator}/{step.planned.denominator}",
            "held": step.held,
            "edited": step.edited,
            "rounded": step.date in rounded_days,
        }
        for step in engine.steps
    ]


def store(plan: TaperPlan, engine: taper.TaperPlan) -> None:
    """Copy the engine's schedule, notes and findings onto the (unsaved) plan."""
    plan.steps = steps_json(engine)
    plan.notes = list(engine.notes)
    plan.findings = [finding.as_json() for finding in engine.findings]


def planned_dose(step: dict[str, Any]) -> Decimal:
    """The exact planned dose of a stored step, to three decimals for display."""
    value = Fraction(step["planned"])
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.001"))
