"""The JSON API (OpenAPI 3.1 at /api/v1/openapi.json). Each app adds its router here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.security import django_auth

from detoxdesk.api import calc, records
from detoxdesk.portal.api import router as portal_router

api = NinjaAPI(
    title="Detox Desk API",
    version="1",
    description=(
        "Signed-in sessions (calculators, portal) or API tokens (bedside: census, observations, "
        "recording); every call is checked and audited like the pages."
    ),
    auth=django_auth,
    urls_namespace="api",
    docs_url=None,  # the interactive docs load scripts from elsewhere; the schema is enough
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """A 400 from the framework (a body it cannot parse) in the API's own ``{"error", "fields"}``
    shape; other statuses (401, 403) keep the framework's ``{"detail"}``."""
    if exc.status_code == 400:
        body = {"error": f"The request body could not be read: {exc}", "fields": {}}
        return api.create_response(request, body, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(records.ApiProblem)
def api_problem(request: HttpRequest, exc: records.ApiProblem) -> HttpResponse:
    return api.create_response(request, exc.body, status=exc.status)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """The token API answers a request its schema refuses with 422 naming each field; the
    session routes keep the framework's ``{"detail": [...]}``."""
    if getattr(request, "api_token", None) is None:
        return api.create_response(request, {"detail": exc.errors}, status=422)
    fields: dict[str, str] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        fields[".".join(location) or "__all__"] = str(error.get("msg", "Invalid value."))
    body = {"error": "Please correct the fields named.", "fields": fields}
    return api.create_response(request, body, status=422)


api.add_router("/", records.router)
api.add_router("/calc/", calc.router)
api.add_router("/portal/", portal_router)
