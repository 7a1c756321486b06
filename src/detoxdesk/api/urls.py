"""The JSON API (OpenAPI 3.1 at /api/v1/openapi.json). Each app adds its router here."""

from __future__ import annotations

from ninja import NinjaAPI
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
api.add_router("/calc/", calc.router)
api.add_router("/portal/", portal_router)
