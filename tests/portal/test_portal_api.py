from __future__ import annotations

import json

import pytest

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring.models import Assessment
from detoxdesk.portal.models import CravingRating
from factories import make_episode
from factories_portal import make_portal_user, sows_answers

pytestmark = pytest.mark.django_db

ME = "/api/v1/portal/me"
CRAVINGS = "/api/v1/portal/cravings"
SOWS = "/api/v1/portal/sows"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def patient_user(unit):
    return make_portal_user(unit.patient)


def test_anonymous_callers_get_401(client):
    assert client.get(ME).status_code == 401
    assert post(client, CRAVINGS, {"rating": 3}).status_code == 401
    assert post(client, SOWS, {"answers": sows_answers()}).status_code == 401


@pytest.mark.parametrize("persona", ["nurse", "director", "admin"])
def test_staff_get_403(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    assert client.get(ME).status_code == 403
    assert post(client, CRAVINGS, {"rating": 3}).status_code == 403
    assert post(client, SOWS, {"answers": sows_answers()}).status_code == 403
    assert CravingRating.objects.count() == 0 and Assessment.objects.count() == 0


def test_me_returns_only_the_callers_record_and_is_audited(unit, as_user, patient_user):
    other = make_episode(unit.ward)
    CravingRating.objects.create(
        patient=other.patient, rating=9, recorded_at=other.admitted_at, recorded_by=patient_user
    )
    client = as_user(patient_user)
    post(client, CRAVINGS, {"rating": 4, "note": "evening"})
    body = client.get(ME).json()
    assert body["name"] == unit.patient.given_name
    assert body["in_treatment"] is True
    assert [c["rating"] for c in body["recent_cravings"]] == [4]
    assert AuditEvent.objects.filter(event="portal.viewed", actor=patient_user).count() == 1


def test_it_ignores_any_patient_id_in_the_body(unit, as_user, patient_user):
    other = make_episode(unit.ward)
    client = as_user(patient_user)
    response = post(client, CRAVINGS, {"rating": 2, "patient": str(other.patient.uuid)})
    assert response.status_code == 201
    assert CravingRating.objects.get().patient == unit.patient


@pytest.mark.parametrize("rating", [-1, 11, 100])
def test_it_refuses_a_craving_out_of_range(as_user, patient_user, rating):
    response = post(as_user(patient_user), CRAVINGS, {"rating": rating})
    assert response.status_code == 400
    assert "rating" in response.json()["fields"]
    assert CravingRating.objects.count() == 0


def test_it_stores_a_sows_and_refuses_an_incomplete_one(unit, as_user, patient_user):
    client = as_user(patient_user)
    response = post(client, SOWS, {"answers": sows_answers(1)})
    assert response.status_code == 201 and response.json()["total"] == 16
    assert Assessment.objects.get().episode == unit.episode
    answers = sows_answers(1)
    answers.pop("anxious")
    response = post(client, SOWS, {"answers": {**answers, "made_up": 2}})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"anxious", "made_up"}
    assert Assessment.objects.count() == 1
