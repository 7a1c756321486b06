"""The portal's panel on the staff chart: portal status and the patient's craving trend."""

from __future__ import annotations

from typing import Any

from django import template

from detoxdesk.accounts import permissions
from detoxdesk.portal.models import CRAVING_MAX, CravingRating, PortalAccount

register = template.Library()

TREND_POINTS = 14  # how many recent ratings the chart panel draws
WIDTH, HEIGHT, PAD = 320, 90, 16


def craving_points(ratings: list[CravingRating]) -> list[dict[str, Any]]:
    """Oldest first, laid out evenly across the sparkline."""
    ordered = list(reversed(ratings))
    step = (WIDTH - 2 * PAD) / max(1, len(ordered) - 1)
    return [
        {
            "x": round(PAD + i * step, 1),
            "y": round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * r.rating / CRAVING_MAX, 1),
            "rating": r.rating,
            "at": r.recorded_at,
            "note": r.note,
        }
        for i, r in enumerate(ordered)
    ]


@register.inclusion_tag("portal/_chart_panel_body.html", takes_context=True)
def portal_panel(context: template.Context) -> dict[str, Any]:
    patient = context.get("patient")
    episode = context.get("episode")
    user = context.get("user")
    if patient is None:
        return {"show": False}
    ratings = list(CravingRating.objects.filter(patient=patient)[:TREND_POINTS])
    facility = episode.facility if episode else patient.registered_at
    can_invite = (
        facility is not None
        and user is not None
        and permissions.can(user, permissions.PORTAL_INVITE, facility)
    )
    points = craving_points(ratings)
    return {
        "show": True,
        "patient": patient,
        "has_account": PortalAccount.objects.filter(patient=patient).exists(),
        "can_invite": can_invite,
        "latest": ratings[0] if ratings else None,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "top": PAD,
        "bottom": HEIGHT - PAD,
    }
