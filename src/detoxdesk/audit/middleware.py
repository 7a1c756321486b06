"""Auditing refused access to patient records, in one place for every view.

The access helpers answer an outsider with 404 and a read-only user with 403 (``patients.access``).
Each such answer on a URL that names a patient record is written as ``access.denied``: who,
which path, which status. The event links the patient when the URL names a patient or an
episode that exists, so the director of that patient's facility sees the attempt; it stores no
other patient data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from detoxdesk.audit import log
from detoxdesk.lib.http import client_ip

Handler = Callable[[HttpRequest], HttpResponse]

DENIED = frozenset({403, 404})

# URL keyword arguments that name a record of a patient (or of a person asking for care).
PATIENT_URL_KEYS = frozenset(
    {
        "patient_uuid",
        "episode_uuid",
        "line_uuid",
        "plan_uuid",
        "evaluation_uuid",
        "inquiry_uuid",
        "follow_up_uuid",
    }
)


class AccessDeniedAuditMiddleware:
    """Writes ``access.denied`` for a 403 or 404 answered to a signed-in user on a patient URL."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in DENIED and request.user.is_authenticated:
            kwargs = _patient_url_kwargs(request)
            if kwargs:
                _record(request, response, kwargs)
        return response


def _patient_url_kwargs(request: HttpRequest) -> dict[str, Any]:
    match = request.resolver_match
    if match is None:
        return {}
    return {key: value for key, value in match.kwargs.items() if key in PATIENT_URL_KEYS}


def _record(request: HttpRequest, response: HttpResponse, kwargs: dict[str, Any]) -> None:
    match = request.resolver_match
    log.record(
        "access.denied",
        actor=request.user,  # type: ignore[arg-type]
        patient=_patient(kwargs),
        changes={
            "path": request.path,
            "method": request.method or "",
            "status": response.status_code,
            "view": match.view_name if match is not None else "",
        },
        ip_address=client_ip(request),
    )


def _patient(kwargs: dict[str, Any]) -> Any:
    """The patient the URL names, if it names one (or one's episode) that exists.

    An API address takes its ids as text: one that is not a UUID names nobody.
    """
    from detoxdesk.patients.models import Episode, Patient

    for key in ("patient_uuid", "episode_uuid"):
        if key in kwargs and not _is_uuid(kwargs[key]):
            return None
    if "patient_uuid" in kwargs:
        return Patient.objects.filter(uuid=kwargs["patient_uuid"]).first()
    if "episode_uuid" in kwargs:
        episode = Episode.objects.filter(uuid=kwargs["episode_uuid"]).select_related("patient")
        found = episode.first()
        return found.patient if found is not None else None
    return None


def _is_uuid(value: Any) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
