"""Read-only questions other apps ask about an episode's medications (stable contracts)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from detoxdesk.medications.models import Administration, Order, OrderLine
from detoxdesk.patients.models import Episode


def last_given(episode: Episode, drug: str) -> tuple[Decimal, datetime] | None:
    """The most recent dose of ``drug`` recorded as given in ``episode``: (mg, time given)."""
    row = (
        Administration.objects.filter(
            episode=episode, drug=drug, outcome=Administration.Outcome.GIVEN
        )
        .exclude(dose_mg=None)
        .order_by("-occurred_at")
        .values_list("dose_mg", "occurred_at")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def current_orders(episode: Episode) -> list[Order]:
    """The current version of every signed order of ``episode`` that is not discontinued
    (held orders included), oldest first; each has a plain-language ``summary``."""
    return list(
        Order.objects.filter(line__episode=episode, superseded_at=None)
        .exclude(line__status=OrderLine.Status.DISCONTINUED)
        .select_related("line__episode__facility__program", "signed_by")
        .order_by("line__created_at")
    )
