"""Schemathesis over the committed OpenAPI schema (docs/openapi.json), against the Django app
in-process: every operation the schema lists, with valid and invalid inputs, called signed out, as
a nurse (staff) and as a patient (portal). No answer may be a server error, and every status code,
content type and body must be one the schema documents for that operation.

An operation added to the schema is tested here without a change to this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from factories_portal import make_portal_user

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

SESSION_SCHEME = "SessionAuth"  # django-ninja's name for the session cookie in the schema

schema = schemathesis.openapi.from_path(SCHEMA_PATH)


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's own WSGI handler, as a server runs it; like Django's test client, it keeps the
    test's database connection (and its transaction) open across requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _caller(user: Any | None) -> dict[str, Any]:
    """The cookies and headers of a caller: a session (when signed in) and a CSRF token, which
    the API asks for on every write made with a session."""
    token = _get_new_csrf_string()
    cookies = {"csrftoken": token}
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies["sessionid"] = client.cookies["sessionid"].value
    return {"cookies": cookies, "headers": {"X-CSRFToken": token}}


@pytest.fixture
def callers(unit) -> dict[str, dict[str, Any]]:
    return {
        "signed out": _caller(None),
        "staff": _caller(unit.nurse),
        "patient": _caller(make_portal_user(unit.patient)),
    }


def takes_a_session(case) -> bool:
    """Whether the operation accepts the session cookie these callers sign in with (an operation
    with another scheme, such as an API token, still runs here, and must answer them as the
    schema says)."""
    security = case.operation.definition.raw.get("security", schema.raw_schema.get("security", []))
    return any(SESSION_SCHEME in requirement for requirement in security)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_the_schema_says(case, wsgi_app, callers) -> None:
    for who, caller in callers.items():
        response = case.call_and_validate(
            app=wsgi_app,
            headers=caller["headers"],
            cookies=caller["cookies"],
            checks=CHECKS,
        )
        if who != "signed out" and takes_a_session(case):
            assert response.status_code != 401, f"{who} was not signed in"


def test_the_run_covers_every_operation_of_the_schema() -> None:
    """The parametrized test above is built from the schema itself: each operation is a case."""
    operations = {
        (operation.method.upper(), operation.path)
        for operation in (result.ok() for result in schema.get_all_operations())
    }
    assert ("GET", "/api/v1/portal/me") in operations
    assert len(operations) == sum(len(methods) for methods in schema.raw_schema["paths"].values())
