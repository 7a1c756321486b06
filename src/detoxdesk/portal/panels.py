"""The portal's panel on the staff chart: portal status and the patient's craving trend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.patients.models import Episode, Patient
from detoxdesk.portal.models import CRAVING_MAX, CravingRating, PortalAccount

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


def chart_panel(
    episode: Episode | None, *, user: User, now: datetime, patient: Patient | None = None
) -> dict[str, Any]:
    """Shown with or without an episode (a patient may be invited before admission)."""
    patient = patient or (episode.patient if episode else None)
    if patient is None:
        return {"show": False}
    ratings = list(CravingRating.objects.filter(patient=patient)[:TREND_POINTS])
    facility = episode.facility if episode else patient.registered_at
    can_invite = facility is not None and permissions.can(user, permissions.PORTAL_INVITE, facility)
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
