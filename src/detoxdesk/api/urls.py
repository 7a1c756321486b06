"""The JSON API (OpenAPI 3.1 at /api/v1/openapi.json). Each app adds its router here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.security import django_auth

from detoxdesk.api import calc
from detoxdesk.api.problems import field_errors, problem
from detoxdesk.portal.api import router as portal_router

api = NinjaAPI(
    title="Detox Desk API",
    version="1",
    description=(
        "Signed-in sessions only; every call is checked and audited like the pages. Every "
        "refusal answers with a Problem: an error message and the fields it names."
    ),
    auth=django_auth,
    urls_namespace="api",
    docs_url=None,  # the interactive docs load scripts from elsewhere; the schema is enough
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """A refusal from the framework in the API's :class:`~detoxdesk.api.problems.Problem` shape:
    a body it cannot parse (400), no signed-in caller (401), a failed CSRF check (403)."""
    if exc.status_code == 400:
        body = problem(f"The request body could not be read: {exc}")
    elif exc.status_code == 401:
        body = problem("Sign in first: this API answers signed-in callers only.")
    else:
        body = problem(str(exc))
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Input the schema does not allow (a wrong type, a number out of its bounds, text too long)
    is a 400 naming each field, like the errors the actions give. A path naming nothing there is
    (a calculator that does not exist) is a 404."""
    fields = field_errors(exc.errors)
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors):
        body = problem("There is no such API address.", fields)
        return api.create_response(request, body, status=404)
    body = problem("Please correct the fields named.", fields)
    return api.create_response(request, body, status=400)


api.add_router("/calc/", calc.router)
api.add_router("/portal/", portal_router)
