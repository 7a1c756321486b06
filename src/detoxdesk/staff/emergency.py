"""Reading emergency grants: the seam the patients access helpers call.

The access helpers ask here only after the ordinary lookup by facility role found nothing, so a
user working in their own facilities pays no extra query. A grant opens the chart read-only: the
capability checks still ask the user's roles at the record's facility, which they do not hold.
"""

from __future__ import annotations

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.staff.models import EmergencyGrant

_CACHE = "_detoxdesk_emergency_grants"
_USED = "_detoxdesk_emergency_used"


def active_grants(user: User) -> dict[int, EmergencyGrant]:
    """The user's open grants by patient id, read once per user object (so once per request)."""
    cached: dict[int, EmergencyGrant] | None = getattr(user, _CACHE, None)
    if cached is None:
        cached = {}
        if user.is_authenticated and user.is_active:
            now = timezone.now()
            grants = EmergencyGrant.objects.filter(
                user=user, granted_at__lte=now, expires_at__gt=now
            ).select_related("patient")
            cached = {grant.patient_id: grant for grant in grants}
        setattr(user, _CACHE, cached)
    return cached


def granted_patient_ids(user: User) -> set[int]:
    """Patients whose charts ``user`` may read now under an emergency grant.

    Called by ``patients.access`` on its fallback path; remembers that a grant was used so the
    page can show the emergency banner (see :func:`grant_in_use`).
    """
    grants = active_grants(user)
    if grants:
        setattr(user, _USED, grants)
    return set(grants)


def grants_in_use(user: object) -> list[EmergencyGrant]:
    """The grants consulted to open a record in this request (empty on ordinary pages)."""
    used: dict[int, EmergencyGrant] | None = getattr(user, _USED, None)
    return sorted(used.values(), key=lambda grant: grant.expires_at) if used else []


def forget(user: User) -> None:
    """Drop the cached grants (after a new grant is written in the same request)."""
    for name in (_CACHE, _USED):
        if hasattr(user, name):
            delattr(user, name)
