"""The API's one error body, ``{"error": ..., "fields": {...}}``, and the responses every
operation documents with it.

Every refusal the API gives (a body it cannot read or that does not match the schema, a caller
who is not signed in, a role that may not, something that is not there) answers with a
:class:`Problem`, and the OpenAPI schema says so for each operation: a client reads one shape.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from ninja import Schema

API_PREFIX = "/api/"


class Problem(Schema):
    error: str
    fields: dict[str, str] = {}


def problem(error: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": error, "fields": fields or {}}


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The ``response=`` of an operation: its success bodies, then a :class:`Problem` for each
    error status it can give. 401 is always listed: every operation needs a signed-in caller."""
    return {**ok, **{status: Problem for status in sorted({401, *errors})}}


def field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Validation errors of the request (``loc`` like ``("body", "payload", "rating")``) by field
    name: the dotted path inside the body or the parameter's name."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "<parameter name>", field, ...) or ("path" | "query" | ..., name)
        loc = loc[2:] if loc[:1] == ["body"] else loc[1:]
        fields.setdefault(".".join(loc) or "body", []).append(str(error.get("msg", "Invalid.")))
    return {name: " ".join(messages) for name, messages in fields.items()}


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler: a :class:`Problem` under /api/, the site's own page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(problem("There is no such API address."), status=404)
    return page_not_found(request, exception)
