"""Access helpers for orders: return the order line the user may see, or refuse."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.medications.models import OrderLine


def get_line_for_user(
    user: User, line_uuid: UUID | str, *, capability: str | None = None
) -> OrderLine:
    """The order line if ``user`` may read its patient's chart (404 otherwise), checked for
    ``capability`` when given (403)."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    line = (
        OrderLine.objects.filter(uuid=line_uuid, episode__facility_id__in=facility_ids)
        .select_related("episode__patient", "episode__facility__program")
        .first()
    )
    if line is None:
        raise Http404("No such order.")
    if capability and not permissions.can(user, capability, line.episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return line
