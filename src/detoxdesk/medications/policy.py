"""The medication policy a program applies, and the one an order applies on top of it.

Numbers come from the clinical core's knowledge file; the program's settings fill parameters
SPEC leaves unset; an order may only make a limit stricter (a lower cap, a longer interval, a
higher hold), or set one the knowledge leaves unset, never loosen a shipped one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal

from detoxdesk.clinical.medication_policy import MedicationPolicy, Parameter, default_policy
from detoxdesk.medications.models import MedicationSettings, Order
from detoxdesk.patients.models import Program

# Not clinical: shift boundaries only group the medication record; programs change them.
DEFAULT_SHIFT_STARTS = ("07:00", "19:00")
ORDER_SOURCE = "prescriber-order"  # the source a finding names for a limit set on the order


def settings_for(program: Program) -> MedicationSettings:
    """The program's settings, or unsaved defaults (created on first save by the director)."""
    found = MedicationSettings.objects.filter(program=program).first()
    return found or MedicationSettings(program=program)


def shift_starts(settings: MedicationSettings) -> list[time]:
    values = settings.shift_starts or list(DEFAULT_SHIFT_STARTS)
    return sorted(time.fromisoformat(value) for value in values)


def program_policy(settings: MedicationSettings) -> MedicationPolicy:
    """The shipped policy with the program's own values for parameters SPEC leaves unset."""
    policy = default_policy()
    if settings.vitals_max_age_min is not None:
        age = policy.vitals_max_age_min.with_value(settings.vitals_max_age_min)
        policy = replace(policy, vitals_max_age_min=age)
    if settings.precipitated_window_min is not None:
        window = policy.induction.precipitated_window_min.with_value(
            settings.precipitated_window_min
        )
        policy = replace(
            policy, induction=replace(policy.induction, precipitated_window_min=window)
        )
    return policy


def _stricter(parameter: Parameter, value: int | Decimal | None, *, lower: bool) -> Parameter:
    """The order's value when the knowledge has none or the order's is stricter."""
    if value is None:
        return parameter
    number = Decimal(value)
    if parameter.value is None or (number < parameter.value if lower else number > parameter.value):
        return parameter.with_value(number, source=ORDER_SOURCE)
    return parameter


def order_policy(policy: MedicationPolicy, order: Order) -> MedicationPolicy:
    """``policy`` with the limits written on ``order`` applied where they are stricter."""
    rules = policy.rules(order.drug)
    limits = rules.limits
    limits = replace(
        limits,
        max_dose_mg=_stricter(limits.max_dose_mg, order.max_dose_mg, lower=True),
        max_daily_mg=_stricter(limits.max_daily_mg, order.max_daily_mg, lower=True),
        min_interval_min=_stricter(limits.min_interval_min, order.min_interval_min, lower=False),
        hold_systolic_below=_stricter(
            limits.hold_systolic_below, order.hold_systolic_below, lower=False
        ),
        hold_diastolic_below=_stricter(
            limits.hold_diastolic_below, order.hold_diastolic_below, lower=False
        ),
        hold_heart_rate_below=_stricter(
            limits.hold_heart_rate_below, order.hold_heart_rate_below, lower=False
        ),
    )
    return policy.with_rules(replace(rules, limits=limits))
