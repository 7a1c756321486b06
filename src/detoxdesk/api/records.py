"""The bedside over JSON, for devices and integrations: token authentication, scopes ``read`` and
``record``, and the same access helpers, actions and audit events as the pages.

Every error is a :class:`~detoxdesk.api.problems.Problem`, ``{"error": ..., "fields": {...}}``:
400 a body that cannot be read or does not match the schema (a bound passed, a field unknown),
401 no token or one that is unknown, revoked or of a deactivated account, 403 a scope or role
that does not allow the call, 404 an episode or facility outside the token's facilities (or none
such), 422 values the clinical checks refuse (each field named). Lists are bounded: ``per_page``
at most 100, ``page`` at most 1000, ``limit`` at most 50.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import HttpBearer
from pydantic import ConfigDict, field_validator

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.api import tokens
from detoxdesk.api.models import ApiToken, Scope
from detoxdesk.api.problems import Problem
from detoxdesk.audit import log
from detoxdesk.clinical import errors, vitals
from detoxdesk.lib.forms import SMALL_COLUMN_MAX
from detoxdesk.monitoring import actions
from detoxdesk.monitoring.models import Assessment, VitalSigns
from detoxdesk.patients import access
from detoxdesk.patients.models import Episode, Facility

PER_PAGE_MAX = 100
PAGE_MAX = 1000
OBSERVATIONS_MAX = 50
NOTE_MAX = 2000
RECORDING_RELATED = ("patient", "facility__program")


class ApiProblem(Exception):
    """An error answer of the token API, in the ``{"error", "fields"}`` shape."""

    def __init__(self, status: int, error: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error, "fields": fields or {}}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the request then acts as the token's owner."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise ApiProblem(
                401, "Send an API token in the header 'Authorization: Bearer <token>'."
            )
        token = self.authenticate(request, credential.strip())
        if token is None:
            raise ApiProblem(
                401, "This API token is unknown or revoked, or its account is deactivated."
            )
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token)
        if found is not None:
            request.user = found.user
            request.api_token = found  # type: ignore[attr-defined]
        return found


router = Router(tags=["bedside"], auth=TokenAuth())


ERRORS: dict[int, Any] = {code: Problem for code in (400, 401, 403, 404, 422)}


class VitalsValues(Schema):
    model_config = ConfigDict(extra="forbid")

    heart_rate: int | None = Field(None, description="/min")
    systolic: int | None = Field(None, description="mmHg")
    diastolic: int | None = Field(None, description="mmHg")
    respiratory_rate: int | None = Field(None, description="/min")
    temperature_c: float | None = Field(None, description="°C, one decimal")
    spo2: int | None = Field(None, description="%")


class AssessmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scale: Literal["cows", "ciwa_ar", "sows"] = "cows"
    answers: dict[str, int] = Field(description="Item key to the value chosen.")
    performed_at: datetime = Field(description="With its UTC offset.")
    measured_heart_rate: int | None = Field(None, ge=0, le=SMALL_COLUMN_MAX)
    on_behalf_of_patient: bool = False
    note: str = Field("", max_length=NOTE_MAX)
    vitals: VitalsValues | None = Field(None, description="Taken with the scale (COWS).")
    confirm_unusual: bool = Field(
        False, description="The values outside the usual range of entries were measured so."
    )

    @field_validator("note")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
            raise ValueError("The note has control characters (such as NUL) it cannot keep.")
        return value


class VitalsIn(VitalsValues):
    measured_at: datetime = Field(description="With its UTC offset.")
    confirm_unusual: bool = False


class AssessmentOut(Schema):
    uuid: UUID
    scale: str
    total: int
    band: str
    band_label: str
    performed_at: datetime
    recorded_at: datetime


class VitalsOut(Schema):
    uuid: UUID
    measured_at: datetime
    recorded_at: datetime
    heart_rate: int | None
    systolic: int | None
    diastolic: int | None
    respiratory_rate: int | None
    temperature_c: float | None
    spo2: int | None
    confirmed_unusual: list[str]
    critical: list[str] = Field(description="Signs in a NEWS2 band that scores 3.")


class RecordedOut(Schema):
    assessment: AssessmentOut
    vital_signs: VitalsOut | None


class ObservationsOut(Schema):
    episode: UUID
    limit: int
    assessments: list[AssessmentOut]
    vital_signs: list[VitalsOut]


class CensusRow(Schema):
    episode: UUID
    patient: UUID
    record_number: str
    given_name: str
    family_name: str
    facility: UUID
    facility_name: str
    bed: str | None
    stage: str
    admitted_at: datetime


class CensusOut(Schema):
    page: int
    per_page: int
    has_next: bool
    episodes: list[CensusRow]


class CensusQuery(Schema):
    facility: UUID | None = Field(None, description="One facility (default: all of yours).")
    page: int = Field(1, ge=1, le=PAGE_MAX)
    per_page: int = Field(50, ge=1, le=PER_PAGE_MAX)


class ObservationsQuery(Schema):
    limit: int = Field(20, ge=1, le=OBSERVATIONS_MAX)


def _token(request: HttpRequest, scope: Scope) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if not token.has_scope(scope):
        raise ApiProblem(403, f"This token lacks the {scope.value!r} scope.")
    return token


def _episode(user: User, episode_uuid: UUID, capability: str) -> Episode:
    try:
        return access.get_episode_for_user(
            user, episode_uuid, capability=capability, related=RECORDING_RELATED
        )
    except Http404:
        raise ApiProblem(404, "No such episode among your facilities.") from None
    except PermissionDenied as exc:
        raise ApiProblem(403, str(exc) or "Your role cannot do this for this patient.") from None


def _aware(field: str, when: datetime) -> datetime:
    """The time in UTC; a time without its offset, or beyond what a date can be, is refused."""
    problem = None
    if when.tzinfo is None or when.utcoffset() is None:
        problem = "Give the time with its UTC offset, e.g. 2026-03-02T10:00:00-05:00."
    else:
        try:
            return when.astimezone(UTC)
        except OverflowError:
            problem = "This time is out of range."
    raise ApiProblem(422, "Please correct the fields named.", {field: problem})


def _refused(exc: ValidationError) -> ApiProblem:
    if isinstance(exc, actions.VitalsNeedConfirmation):
        return ApiProblem(
            422,
            "Some vital signs are outside the usual range of entries: check them, and if they "
            "were measured so, send them again with confirm_unusual true.",
            dict(exc.warnings),
        )
    if hasattr(exc, "error_dict"):
        fields = {k: " ".join(v) for k, v in exc.message_dict.items()}
        return ApiProblem(422, "Please correct the fields named.", fields)
    return ApiProblem(422, " ".join(exc.messages))


def _assessment_out(a: Assessment) -> dict[str, Any]:
    return {
        "uuid": a.uuid,
        "scale": a.scale,
        "total": a.total,
        "band": a.band,
        "band_label": a.band_label,
        "performed_at": a.performed_at,
        "recorded_at": a.recorded_at,
    }


def _vitals_out(v: VitalSigns) -> dict[str, Any]:
    values: dict[str, int | float | None] = {
        key: (None if getattr(v, key) is None else float(getattr(v, key)))
        if key == "temperature_c"
        else getattr(v, key)
        for key in actions.VITAL_KEYS
    }
    return {
        "uuid": v.uuid,
        "measured_at": v.measured_at,
        "recorded_at": v.recorded_at,
        **values,
        "confirmed_unusual": list(v.confirmed_unusual or []),
        "critical": [flag.message for flag in vitals.critical_flags(values)],
    }


@router.get(
    "/census",
    response={200: CensusOut, **ERRORS},
    summary="Active episodes at your facilities, a page at a time",
)
def census(request: HttpRequest, query: Query[CensusQuery]) -> Status[Any]:
    """Scope ``read``. Ordered by facility, bed and name; ``per_page`` at most 100."""
    token = _token(request, Scope.READ)
    user = token.user
    facility_ids = permissions.facility_ids_with(user, permissions.CENSUS_VIEW)
    if not facility_ids:
        raise ApiProblem(403, "Your role does not include the census board.")
    facility = None
    if query.facility is not None:
        facility = Facility.objects.filter(uuid=query.facility, pk__in=facility_ids).first()
        if facility is None:
            raise ApiProblem(404, "No such facility among yours.")
        facility_ids = {facility.pk}
    start = (query.page - 1) * query.per_page
    rows = list(
        Episode.objects.filter(facility_id__in=facility_ids, status=Episode.Status.ACTIVE)
        .order_by("facility__name", "facility_id", "bed__label", "patient__family_name", "pk")
        .values(
            "uuid",
            "patient__uuid",
            "patient__record_number",
            "patient__given_name",
            "patient__family_name",
            "facility__uuid",
            "facility__name",
            "bed__label",
            "stage",
            "admitted_at",
        )[start : start + query.per_page + 1]
    )
    with transaction.atomic():
        log.record(
            "api.census_viewed",
            actor=user,
            facility=facility,
            changes={"page": query.page, "rows": min(len(rows), query.per_page)},
        )
    return Status(
        200,
        {
            "page": query.page,
            "per_page": query.per_page,
            "has_next": len(rows) > query.per_page,
            "episodes": [
                {
                    "episode": row["uuid"],
                    "patient": row["patient__uuid"],
                    "record_number": row["patient__record_number"],
                    "given_name": row["patient__given_name"],
                    "family_name": row["patient__family_name"],
                    "facility": row["facility__uuid"],
                    "facility_name": row["facility__name"],
                    "bed": row["bed__label"],
                    "stage": row["stage"],
                    "admitted_at": row["admitted_at"],
                }
                for row in rows[: query.per_page]
            ],
        },
    )


@router.get(
    "/episodes/{episode_uuid}/observations",
    response={200: ObservationsOut, **ERRORS},
    summary="An episode's most recent scales and vital signs",
)
def observations(
    request: HttpRequest, episode_uuid: UUID, query: Query[ObservationsQuery]
) -> Status[Any]:
    """Scope ``read``. The latest ``limit`` (at most 50) of each, newest first."""
    token = _token(request, Scope.READ)
    episode = _episode(token.user, episode_uuid, permissions.CHART_VIEW)
    assessments = list(episode.assessments.order_by("-performed_at", "-pk")[: query.limit])
    signs = list(episode.vital_signs.order_by("-measured_at", "-pk")[: query.limit])
    with transaction.atomic():
        log.record(
            "api.observations_viewed",
            actor=token.user,
            patient=episode.patient,
            facility=episode.facility,
            changes={"limit": query.limit},
        )
    return Status(
        200,
        {
            "episode": episode.uuid,
            "limit": query.limit,
            "assessments": [_assessment_out(a) for a in assessments],
            "vital_signs": [_vitals_out(v) for v in signs],
        },
    )


@router.post(
    "/episodes/{episode_uuid}/assessments",
    response={201: RecordedOut, **ERRORS},
    summary="Record a withdrawal scale, with the vital signs taken with it",
)
def record_assessment(
    request: HttpRequest, episode_uuid: UUID, payload: AssessmentIn
) -> Status[Any]:
    """Scope ``record``. One transaction: the scale, the vital signs and their audit events."""
    token = _token(request, Scope.RECORD)
    episode = _episode(token.user, episode_uuid, permissions.ASSESSMENT_RECORD)
    taken = payload.vitals.model_dump() if payload.vitals is not None else None
    try:
        observation = actions.do_record_observation(
            episode,
            payload.scale,
            payload.answers,
            acting_user=token.user,
            performed_at=_aware("performed_at", payload.performed_at),
            measured_heart_rate=payload.measured_heart_rate,
            on_behalf_of_patient=payload.on_behalf_of_patient,
            note=payload.note,
            vitals=taken,
            vitals_confirmed=payload.confirm_unusual,
        )
    except PermissionDenied as exc:
        raise ApiProblem(403, str(exc)) from None
    except ValidationError as exc:
        raise _refused(exc) from None
    except errors.InvalidInput as exc:
        raise ApiProblem(422, exc.message, dict(exc.fields)) from None
    row = observation.vital_signs
    return Status(
        201,
        {
            "assessment": _assessment_out(observation.assessment),
            "vital_signs": None if row is None else _vitals_out(row),
        },
    )


@router.post(
    "/episodes/{episode_uuid}/vitals",
    response={201: VitalsOut, **ERRORS},
    summary="Record vital signs",
)
def record_vitals(request: HttpRequest, episode_uuid: UUID, payload: VitalsIn) -> Status[Any]:
    """Scope ``record``. A value outside the usual range needs ``confirm_unusual``."""
    token = _token(request, Scope.RECORD)
    episode = _episode(token.user, episode_uuid, permissions.VITALS_RECORD)
    values = payload.model_dump(exclude={"measured_at", "confirm_unusual"})
    try:
        row = actions.do_record_vitals(
            episode,
            values,
            acting_user=token.user,
            measured_at=_aware("measured_at", payload.measured_at),
            confirmed=payload.confirm_unusual,
        )
    except PermissionDenied as exc:
        raise ApiProblem(403, str(exc)) from None
    except actions.VitalsNeedConfirmation as exc:
        raise _refused(exc) from None
    except ValidationError as exc:
        raise _refused(exc) from None
    return Status(201, _vitals_out(row))
