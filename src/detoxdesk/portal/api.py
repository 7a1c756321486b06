"""The portal over JSON (session sign-in). It never takes a patient id: the account decides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from detoxdesk.api.problems import problem, responses
from detoxdesk.clinical import scales
from detoxdesk.monitoring.models import Scale
from detoxdesk.portal import actions
from detoxdesk.portal.access import portal_account
from detoxdesk.portal.models import CRAVING_MAX, CRAVING_MIN, CravingRating, PortalAccount

router = Router(tags=["portal"])


NOTE_MAX_LENGTH = CravingRating._meta.get_field("note").max_length
SOWS = scales.get_scale(Scale.SOWS)
SOWS_ITEM_MAX = max(item.max_value for item in SOWS.items)


class CravingIn(Schema):
    rating: int = Field(ge=CRAVING_MIN, le=CRAVING_MAX)
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class CravingOut(Schema):
    uuid: str
    rating: int
    note: str
    recorded_at: datetime


class SowsIn(Schema):
    answers: dict[str, Annotated[int, Field(ge=0, le=SOWS_ITEM_MAX)]] = Field(
        description="Each SOWS item's key and its answer: "
        + ", ".join(item.key for item in SOWS.items)
        + "."
    )


class SowsOut(Schema):
    uuid: str
    total: int
    performed_at: datetime


class MeOut(Schema):
    name: str
    in_treatment: bool
    recent_cravings: list[CravingOut]


FORBIDDEN = problem("Only a patient portal account can use this.")


def _account(request: HttpRequest) -> PortalAccount | None:
    return portal_account(request.user)


def _problem(exc: ValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        fields = {k: " ".join(v) for k, v in exc.message_dict.items()}
        return {"error": "Please correct the fields named.", "fields": fields}
    return {"error": " ".join(exc.messages), "fields": {}}


def _craving_out(c: CravingRating) -> dict[str, Any]:
    return {"uuid": str(c.uuid), "rating": c.rating, "note": c.note, "recorded_at": c.recorded_at}


@router.get("/me", response=responses({200: MeOut}, 403), summary="The signed-in patient's record")
def me(request: HttpRequest) -> Status[Any]:
    account = _account(request)
    if account is None:
        return Status(403, FORBIDDEN)
    actions.record_view(account, "api:me")
    patient = account.patient
    cravings = CravingRating.objects.filter(patient=patient)[:10]
    return Status(
        200,
        {
            "name": patient.preferred_name or patient.given_name,
            "in_treatment": actions.active_episode(patient) is not None,
            "recent_cravings": [_craving_out(c) for c in cravings],
        },
    )


@router.post(
    "/cravings",
    response=responses({201: CravingOut}, 400, 403),
    summary="Rate my craving (0-10)",
)
def post_craving(request: HttpRequest, payload: CravingIn) -> Status[Any]:
    account = _account(request)
    if account is None:
        return Status(403, FORBIDDEN)
    try:
        craving = actions.do_record_craving(
            acting_user=account.user, rating=payload.rating, note=payload.note
        )
    except ValidationError as exc:
        return Status(400, _problem(exc))
    return Status(201, _craving_out(craving))


@router.post("/sows", response=responses({201: SowsOut}, 400, 403), summary="Submit my SOWS")
def post_sows(request: HttpRequest, payload: SowsIn) -> Status[Any]:
    account = _account(request)
    if account is None:
        return Status(403, FORBIDDEN)
    try:
        assessment = actions.do_submit_sows(acting_user=account.user, answers=payload.answers)
    except ValidationError as exc:
        return Status(400, _problem(exc))
    return Status(
        201,
        {
            "uuid": str(assessment.uuid),
            "total": assessment.total,
            "performed_at": assessment.performed_at,
        },
    )
