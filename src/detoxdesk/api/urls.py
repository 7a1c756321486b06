"""The JSON API (OpenAPI 3.1 at /api/v1/openapi.json). Each app adds its router here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import django_auth

from detoxdesk.api import calc
from detoxdesk.portal.api import router as portal_router

api = NinjaAPI(
    title="Detox Desk API",
    version="1",
    description="Signed-in sessions only; every call is checked and audited like the pages.",
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


api.add_router("/calc/", calc.router)
api.add_router("/portal/", portal_router)
