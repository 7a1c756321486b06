"""Every refusal of the API is one JSON shape, ``{"error", "fields"}``, as the schema documents."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from factories_portal import make_portal_user


def test_a_caller_who_is_not_signed_in_gets_a_problem(client: Client, db: None) -> None:
    response = client.get("/api/v1/calc/")
    assert response.status_code == 401
    assert response.json() == {
        "error": "Sign in first: this API answers signed-in callers only.",
        "fields": {},
    }


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/calc//"])
def test_an_address_the_api_does_not_have_is_a_json_404(unit, as_user, path) -> None:
    response = as_user(unit.nurse).post(path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "There is no such API address.", "fields": {}}


def test_other_missing_pages_keep_the_sites_page(unit, as_user) -> None:
    response = as_user(unit.nurse).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_calculator_is_a_404_naming_the_path(unit, as_user) -> None:
    response = as_user(unit.nurse).post("/api/v1/calc/nope/", "{}", content_type="application/json")
    assert response.status_code == 404
    assert set(response.json()["fields"]) == {"name"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": "three"}, "rating"),
        ({"rating": 3, "note": "x" * 501}, "note"),
        ({}, "rating"),
    ],
)
def test_a_body_the_schema_does_not_allow_is_a_400_naming_the_field(
    unit, as_user, body, field
) -> None:
    client = as_user(make_portal_user(unit.patient))
    response = client.post("/api/v1/portal/cravings", json.dumps(body), "application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Please correct the fields named."
    assert field in response.json()["fields"]


def test_a_sows_answer_above_the_scales_range_is_a_400(unit, as_user) -> None:
    client = as_user(make_portal_user(unit.patient))
    body = {"answers": {"anxious": 99}}
    response = client.post("/api/v1/portal/sows", json.dumps(body), "application/json")
    assert response.status_code == 400
    assert "answers.anxious" in response.json()["fields"]
