"""Access to taper plans: the plan, or a refusal (404 for outsiders, 403 without the capability)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.tapers.models import TaperPlan


def get_plan_for_user(
    user: User, plan_uuid: UUID | str, *, capability: str | None = None
) -> TaperPlan:
    """The plan if ``user`` may see the chart of its episode, checked for ``capability``."""
    facility_ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    plan = (
        TaperPlan.objects.filter(uuid=plan_uuid, episode__facility_id__in=facility_ids)
        .select_related("patient", "episode__facility__program", "signed_by", "created_by")
        .first()
    )
    if plan is None or plan.episode is None:
        raise Http404("No such taper plan.")
    if capability and not permissions.can(user, capability, plan.episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return plan
