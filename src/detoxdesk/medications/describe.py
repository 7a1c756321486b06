"""Plain-language descriptions of orders, for the chart, the record and discharge summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from detoxdesk.clinical.numbers import format_number

if TYPE_CHECKING:
    from detoxdesk.medications.models import Order


def drug_label(drug: str) -> str:
    """The drug's display name from the policy, or the code itself."""
    from detoxdesk.clinical.medication_policy import default_policy

    for rules in default_policy().drugs:
        if rules.drug == drug:
            return rules.label
    return drug.replace("_", " ").capitalize()


def order_summary(order: Order) -> str:
    """E.g. "Buprenorphine 4 mg sublingual at 08:00, 20:00" or "Loperamide 2 mg by mouth as
    needed for diarrhoea, at least 60 min apart, max 16 mg a day"."""
    head = f"{drug_label(order.drug)} {format_number(order.dose_mg)} mg {order.get_route_display()}"
    parts: list[str] = []
    if order.times_of_day:
        parts.append("at " + " and ".join(order.times_of_day))
    if order.dose_schedule:
        parts.append("doses by date per the dose schedule")
    if order.prn_indication:
        parts.append(f"as needed for {order.prn_indication}")
    if order.trigger_scale and order.trigger_min_total is not None:
        scale = order.trigger_scale.upper().replace("_", "-")
        parts.append(f"when {scale} is {order.trigger_min_total} or more")
    if order.min_interval_min:
        parts.append(f"at least {order.min_interval_min} min apart")
    if order.max_daily_mg is not None:
        parts.append(f"max {format_number(order.max_daily_mg)} mg a day")
    return ", ".join([head, *parts])
