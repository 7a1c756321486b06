"""Bodies the parser cannot read get the API's JSON 400 naming the problem, never a server error
or an HTML page."""

from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

BAD_BODY = b"\xff\xfe--x--"
CONTENT_TYPES = ["multipart/form-data", "multipart/form-data; boundary=", "application/json"]


@pytest.mark.parametrize("path", ["/api/v1/calc/cows/", "/api/v1/portal/sows"])
@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_it_answers_400_to_a_body_it_cannot_read(unit, path, content_type) -> None:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(unit.nurse)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = client.post(
        path, BAD_BODY, content_type=content_type, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "could not be read" in response.json()["error"]
