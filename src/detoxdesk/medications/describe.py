"""Plain-language descriptions of orders, for the chart, the record and discharge summaries."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from detoxdesk.clinical.numbers import format_number

if TYPE_CHECKING:
    from detoxdesk.medications.models import Order


def drug_label(drug: str) -> str:
    """The drug's display name from the policy or the product table, or the code itself."""
    from detoxdesk.clinical import products
    from detoxdesk.clinical.medication_policy import default_policy

    for rules in default_policy().drugs:
        if rules.drug == drug:
            return rules.label
    catalogue = products.catalogue()
    if drug in catalogue.products:
        return catalogue.products[drug].label
    if drug in catalogue.ingredients:
        return catalogue.ingredients[drug]
    return drug.replace("_", " ").capitalize()


def _scheduled_total(order: Order) -> str:
    """ "(4 doses, 2.92 mg a day)" for a scheduled order without a dose schedule."""
    count = len(order.times_of_day)
    if count < 2 or order.dose_schedule:
        return ""
    total = order.dose_mg * count
    return f" ({count} doses, {format_number(total)} mg a day)"


def _daily_max(order: Order, maximum: Decimal) -> str:
    """The order's 24-hour maximum, and a plain warning when its own doses add up to more."""
    text = f"max {format_number(maximum)} mg in 24 hours"
    if order.times_of_day and not order.dose_schedule:
        total = order.dose_mg * len(order.times_of_day)
        if total > maximum:
            text += f", less than the {format_number(total)} mg scheduled"
    return text


def order_summary(order: Order) -> str:
    """E.g. "Lofexidine 0.72 mg by mouth at 08:00 and 13:00 and 18:00 and 23:00 (4 doses,
    2.88 mg a day)" or "Loperamide 2 mg by mouth as needed for diarrhoea, at least 60 min apart,
    max 16 mg in 24 hours". Every figure is the order's own: the daily total is the dose times
    the doses scheduled, and a maximum below it is said to be."""
    head = f"{drug_label(order.drug)} {format_number(order.dose_mg)} mg {order.get_route_display()}"
    parts: list[str] = []
    if order.times_of_day:
        parts.append("at " + " and ".join(order.times_of_day) + _scheduled_total(order))
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
        parts.append(_daily_max(order, order.max_daily_mg))
    return ", ".join([head, *parts])
