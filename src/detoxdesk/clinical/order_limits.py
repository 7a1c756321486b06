"""An order may only tighten a limit: a lower cap, a longer interval, a higher hold.

A prescriber can write limits on an order on top of the policy the program applies. Each one
applies where the policy has none, or where it is stricter than the policy's; it never loosens a
limit the policy sets. Which way is stricter is fixed per limit (:data:`LOWER_IS_STRICTER`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from detoxdesk.clinical.medication_policy import MedicationPolicy, Parameter

ORDER_SOURCE = "prescriber-order"  # the source a finding names for a limit set on the order

# The limits an order may carry; True where a lower value is stricter (a cap), False where a
# higher one is (an interval, or a vital sign below which a dose is held).
LOWER_IS_STRICTER: Mapping[str, bool] = {
    "max_dose_mg": True,
    "max_daily_mg": True,
    "min_interval_min": False,
    "hold_systolic_below": False,
    "hold_diastolic_below": False,
    "hold_heart_rate_below": False,
}


def tighten(parameter: Parameter, value: int | Decimal | None, *, lower: bool) -> Parameter:
    """``parameter`` with the order's ``value`` where the policy has none or the order's is
    stricter (lower when ``lower``, else higher); otherwise ``parameter`` unchanged."""
    if value is None:
        return parameter
    number = Decimal(value)
    if parameter.value is None or (number < parameter.value if lower else number > parameter.value):
        return parameter.with_value(number, source=ORDER_SOURCE)
    return parameter


def with_order_limits(
    policy: MedicationPolicy, drug: str, limits: Mapping[str, int | Decimal | None]
) -> MedicationPolicy:
    """``policy`` with an order's ``limits`` for ``drug`` applied where they are stricter.

    ``limits`` maps names of :data:`LOWER_IS_STRICTER` to the order's values (None: not set);
    another name is a programming error (KeyError).
    """
    rules = policy.rules(drug)
    current = rules.limits
    changed: dict[str, Parameter] = {}
    for name, value in limits.items():
        lower = LOWER_IS_STRICTER[name]
        changed[name] = tighten(getattr(current, name), value, lower=lower)
    return policy.with_rules(replace(rules, limits=replace(current, **changed)))
