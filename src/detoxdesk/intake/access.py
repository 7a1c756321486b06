"""Access helpers for intake records: each returns the object the user may see, or refuses.

Outsiders (no role at the record's facility) get 404; staff there without the capability get 403.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.intake.models import Evaluation, Inquiry, TreatmentPlan


def _refuse(user: User, facility_id: int, what: str) -> None:
    if user.memberships.filter(facility_id=facility_id).exists():
        raise PermissionDenied(f"Your role cannot open this {what}.")
    raise Http404(f"No such {what}.")


def get_inquiry_for_user(user: User, inquiry_uuid: UUID | str) -> Inquiry:
    inquiry = (
        Inquiry.objects.filter(uuid=inquiry_uuid)
        .select_related("facility__program", "patient", "duplicate_of")
        .first()
    )
    if inquiry is None:
        raise Http404("No such inquiry.")
    if not permissions.can(user, permissions.INQUIRY_MANAGE, inquiry.facility):
        _refuse(user, inquiry.facility_id, "inquiry")
    return inquiry


def get_evaluation_for_user(
    user: User,
    evaluation_uuid: UUID | str,
    *,
    capability: str | None = None,
    via: str = permissions.CHART_VIEW,
) -> Evaluation:
    """The evaluation if ``user`` holds ``via`` at its facility, checked for ``capability``.

    ``via`` is chart reading, except for admission, which intake coordinators do without it.
    """
    evaluation = (
        Evaluation.objects.filter(uuid=evaluation_uuid)
        .select_related("patient", "facility__program", "episode", "inquiry")
        .first()
    )
    if evaluation is None:
        raise Http404("No such evaluation.")
    if not permissions.can(user, via, evaluation.facility):
        _refuse(user, evaluation.facility_id, "evaluation")
    if capability and not permissions.can(user, capability, evaluation.facility):
        raise PermissionDenied("Your role cannot do this for this evaluation.")
    return evaluation


def get_plan_for_user(
    user: User, plan_uuid: UUID | str, *, capability: str | None = None
) -> TreatmentPlan:
    plan = (
        TreatmentPlan.objects.filter(uuid=plan_uuid)
        .select_related("evaluation__patient", "evaluation__facility__program")
        .first()
    )
    if plan is None:
        raise Http404("No such treatment plan.")
    get_evaluation_for_user(user, plan.evaluation.uuid, capability=capability)
    return plan
