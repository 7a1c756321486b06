"""Access helpers for discharges and follow-ups: return the object or refuse.

Outsiders (no role at the episode's facility) get 404; people who may see it but not do the thing
asked get 403, as in :mod:`detoxdesk.patients.access`.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.aftercare.models import Discharge, FollowUp


def get_discharge_for_user(
    user: User, discharge_uuid: UUID | str, *, capability: str | None = None
) -> Discharge:
    """The discharge if ``user`` may see the episode's chart, checked for ``capability``."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    discharge = (
        Discharge.objects.filter(uuid=discharge_uuid, episode__facility_id__in=facility_ids)
        .select_related("episode__facility__program", "patient", "signed_by", "started_by")
        .first()
    )
    if discharge is None:
        raise Http404("No such discharge.")
    if capability and not permissions.can(user, capability, discharge.episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return discharge


def get_follow_up_for_user(user: User, follow_up_uuid: UUID | str) -> FollowUp:
    """The follow-up if ``user`` may record follow-ups at its facility.

    404 for outsiders, 403 for people who see the chart but do not record follow-ups.
    """
    visible = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    recorders = permissions.facility_ids_with(user, permissions.FOLLOW_UP_RECORD)
    follow_up = (
        FollowUp.objects.filter(uuid=follow_up_uuid, facility_id__in=visible | recorders)
        .select_related("patient", "facility__program", "discharge", "recorded_by")
        .first()
    )
    if follow_up is None:
        raise Http404("No such follow-up.")
    if follow_up.facility_id not in recorders:
        raise PermissionDenied("Your role cannot record follow-ups for this patient.")
    return follow_up
