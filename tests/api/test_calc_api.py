from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from detoxdesk.api.urls import api

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def post(client: Client, name: str, body: object):
    return client.post(f"/api/v1/calc/{name}/", json.dumps(body), content_type="application/json")


def test_it_refuses_anonymous_callers(client: Client, db: None) -> None:
    assert client.get("/api/v1/calc/").status_code == 401


def test_it_lists_and_runs_a_calculator(unit, as_user) -> None:
    client = as_user(unit.nurse)
    assert "cows" in client.get("/api/v1/calc/").json()
    response = post(
        client,
        "naltrexone-start",
        {
            "last_opioid_use": "2026-11-01T08:00:00+00:00",
            "opioid_class": "short_acting",
        },
    )
    assert response.status_code == 200
    assert response.json()["opioid_free_days_required"] >= 1


def test_it_names_the_bad_field(unit, as_user) -> None:
    response = post(as_user(unit.nurse), "withdrawal-course", {"opioid_class": "nonsense"})
    assert response.status_code == 400
    assert "opioid_class" in response.json()["fields"]


def test_it_says_when_a_calculator_is_unknown(unit, as_user) -> None:
    assert post(as_user(unit.nurse), "nope", {}).status_code == 404


@pytest.mark.django_db
def test_the_committed_schema_matches_the_code() -> None:
    """Regenerate with: python manage.py export_openapi_schema --api detoxdesk.api.urls.api
    --indent 2 --sorted --output docs/openapi.json"""
    committed = json.loads(SNAPSHOT.read_text())
    assert committed == json.loads(json.dumps(api.get_openapi_schema())), (
        "The API changed; regenerate docs/openapi.json (see this test's docstring)."
    )


DOSE_CHECK = {
    "drug": "buprenorphine",
    "dose_mg": 2,
    "at": "2026-11-01T08:00:00+00:00",
    "given": [],
    "vitals": None,
    "context": {
        "first_day": False,
        "benzodiazepine_use": False,
        "active_medications": [{"drug": "methadone", "daily_dose_mg": 60}],
    },
}


def test_it_checks_a_dose_with_the_medication_picture(unit, as_user) -> None:
    response = post(as_user(unit.nurse), "dose-check", DOSE_CHECK)
    assert response.status_code == 200
    assert response.json()["decision"] == "stop"
    assert "opioid_agonist_conflict" in [f["code"] for f in response.json()["findings"]]


def test_it_names_a_bad_key_of_the_medication_picture(unit, as_user) -> None:
    context = {**DOSE_CHECK["context"], "protocol": "micro", "pregnant": "maybe"}
    response = post(as_user(unit.nurse), "dose-check", {**DOSE_CHECK, "context": context})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"context.protocol", "context.pregnant"}
