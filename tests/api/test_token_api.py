"""The token API: authentication, scopes, facility isolation, bad input, and the same actions and
audit events as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from detoxdesk.api import tokens
from detoxdesk.api.models import ApiToken
from detoxdesk.audit import verify
from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring.models import Assessment, VitalSigns
from factories import COWS_ALL_ZERO, make_episode

CENSUS = "/api/v1/census"


def token_for(user, *scopes):
    return tokens.do_create_token(
        owner=user, name="ward tablet", scopes=scopes or ["read", "record"], acting_user=user
    ).secret


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def observations(episode):
    return f"/api/v1/episodes/{episode.uuid}/observations"


def assessments(episode):
    return f"/api/v1/episodes/{episode.uuid}/assessments"


def vitals_url(episode):
    return f"/api/v1/episodes/{episode.uuid}/vitals"


def when(minutes=1):
    return (timezone.now() - timedelta(minutes=minutes)).isoformat()


def cows(**extra):
    return {"scale": "cows", "answers": dict(COWS_ALL_ZERO), "performed_at": when(), **extra}


# --- Authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}, bearer("dd_nope_nope")],
)
def test_no_or_unknown_token_is_401_with_a_message(unit, client, headers):
    response = client.get(CENSUS, headers=headers)
    assert response.status_code == 401
    assert "token" in response.json()["error"]


def test_a_revoked_token_is_refused(unit, client):
    secret = token_for(unit.nurse)
    assert client.get(CENSUS, headers=bearer(secret)).status_code == 200
    tokens.do_revoke_token(ApiToken.objects.get(), acting_user=unit.nurse)
    assert client.get(CENSUS, headers=bearer(secret)).status_code == 401
    assert AuditEvent.objects.filter(event="api_token.revoked").count() == 1


def test_a_deactivated_account_token_is_refused(unit, client):
    secret = token_for(unit.nurse)
    unit.nurse.is_active = False
    unit.nurse.save()
    assert client.get(CENSUS, headers=bearer(secret)).status_code == 401


def test_only_a_digest_is_stored(unit):
    secret = token_for(unit.nurse)
    row = ApiToken.objects.get()
    assert secret not in (row.digest, row.prefix)
    assert row.digest == tokens.digest(secret)
    assert AuditEvent.objects.filter(event="api_token.created").count() == 1


def test_a_session_does_not_open_the_token_api(unit, as_user):
    assert as_user(unit.nurse).get(CENSUS).status_code == 401


# --- Scopes and roles ------------------------------------------------------------------------


def test_a_read_token_cannot_record(unit, client):
    secret = token_for(unit.nurse, "read")
    response = client.post(
        assessments(unit.episode), cows(), "application/json", headers=bearer(secret)
    )
    assert response.status_code == 403
    assert "'record' scope" in response.json()["error"]
    assert Assessment.objects.count() == 0


def test_a_record_token_cannot_read(unit, client):
    secret = token_for(unit.nurse, "record")
    assert client.get(CENSUS, headers=bearer(secret)).status_code == 403


def test_a_role_without_the_census_is_refused_it(unit, client):
    response = client.get(CENSUS, headers=bearer(token_for(unit.auditor)))
    assert response.status_code == 403
    assert "census" in response.json()["error"]


def test_a_role_without_the_capability_is_refused(unit, client):
    secret = token_for(unit.counselor)  # reads charts, records no scales
    assert client.get(observations(unit.episode), headers=bearer(secret)).status_code == 200
    response = client.post(
        assessments(unit.episode), cows(), "application/json", headers=bearer(secret)
    )
    assert response.status_code == 403
    assert Assessment.objects.count() == 0


# --- Facility isolation ----------------------------------------------------------------------


def test_the_census_shows_only_the_token_owners_facilities(unit, client):
    elsewhere = make_episode(unit.other)
    body = client.get(CENSUS, headers=bearer(token_for(unit.nurse))).json()
    shown = {row["episode"] for row in body["episodes"]}
    assert shown == {str(unit.episode.uuid)}
    assert str(elsewhere.uuid) not in shown
    response = client.get(
        CENSUS, {"facility": str(unit.other.uuid)}, headers=bearer(token_for(unit.nurse))
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(event="api.census_viewed", actor=unit.nurse).exists()


def test_another_facilitys_episode_is_404_and_nothing_is_written(unit, client):
    secret = token_for(unit.outsider)
    assert client.get(observations(unit.episode), headers=bearer(secret)).status_code == 404
    response = client.post(
        assessments(unit.episode), cows(), "application/json", headers=bearer(secret)
    )
    assert response.status_code == 404
    assert response.json()["error"] == "No such episode among your facilities."
    assert Assessment.objects.count() == 0


def test_the_census_is_paged(unit, client):
    for _ in range(3):
        make_episode(unit.ward)
    secret = token_for(unit.nurse)
    first = client.get(CENSUS, {"per_page": 2}, headers=bearer(secret)).json()
    second = client.get(CENSUS, {"per_page": 2, "page": 2}, headers=bearer(secret)).json()
    assert (len(first["episodes"]), first["has_next"]) == (2, True)
    assert (len(second["episodes"]), second["has_next"]) == (2, False)
    assert not {r["episode"] for r in first["episodes"]} & {
        r["episode"] for r in second["episodes"]
    }


@pytest.mark.parametrize("query", [{"per_page": 101}, {"page": 0}, {"per_page": "x"}])
def test_census_bounds_are_enforced(unit, client, query):
    response = client.get(CENSUS, query, headers=bearer(token_for(unit.nurse)))
    assert response.status_code == 400
    assert response.json()["fields"]


# --- Recording -------------------------------------------------------------------------------


def test_it_records_a_cows_with_vital_signs_in_one_call(unit, client):
    secret = token_for(unit.nurse)
    answers = dict(COWS_ALL_ZERO)
    del answers["resting_pulse_rate"]
    payload = cows(answers=answers, vitals={"heart_rate": 104, "systolic": 140, "diastolic": 90})
    response = client.post(
        assessments(unit.episode), payload, "application/json", headers=bearer(secret)
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assessment"]["total"] == 2  # 104/min scores 2 on the pulse item
    assert body["vital_signs"]["heart_rate"] == 104
    assert Assessment.objects.get().recorded_by == unit.nurse
    assert VitalSigns.objects.count() == 1
    events = list(AuditEvent.objects.filter(actor=unit.nurse).values_list("event", flat=True))
    assert "assessment.recorded" in events and "vitals.recorded" in events


# One COWS with its vital signs through the API, as a device sends it. Each statement named:
#   the request's transaction (2: BEGIN/COMMIT, or a savepoint inside a test's transaction),
#   the token with its owner (1), the owner's memberships (1), the episode (1),
#   one append of both records and both audit events (no savepoint: the action joins the
#   request's transaction): lock the chain head, insert the assessment (its link to the one before
#   it filled in by the database) and the vital signs, insert both events, move the head (5),
#   the link of the next assessment to it (1).
RECORD_STATEMENTS = 11
# On PostgreSQL everything after the head's lock is one statement: the two records, the events,
# the head's move and the next one's link.
RECORD_STATEMENTS_POSTGRESQL = RECORD_STATEMENTS - 4


def test_recording_through_the_api_costs_a_fixed_number_of_statements(unit, client):
    secret = token_for(unit.nurse, "record")
    answers = dict(COWS_ALL_ZERO)
    del answers["resting_pulse_rate"]
    signs = {"heart_rate": 84, "systolic": 128, "diastolic": 82, "respiratory_rate": 16}
    payload = cows(answers=answers, vitals={**signs, "temperature_c": 36.9, "spo2": 97})
    client.post(assessments(unit.episode), payload, "application/json", headers=bearer(secret))
    payload["performed_at"] = when()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            assessments(unit.episode), payload, "application/json", headers=bearer(secret)
        )
    assert response.status_code == 201, response.json()
    statements = [q["sql"] for q in queries.captured_queries]
    postgresql = connection.vendor == "postgresql"
    expected = RECORD_STATEMENTS_POSTGRESQL if postgresql else RECORD_STATEMENTS
    assert len(statements) == expected, "\n".join(statements)
    # No write to the token on use, and the chain head is locked and moved once for both events.
    assert not any(s.startswith("UPDATE") and "api_apitoken" in s for s in statements)
    head_reads = [s for s in statements if s.startswith("SELECT") and "auditchainhead" in s]
    assert len(head_reads) == 1
    if connection.features.has_select_for_update:  # SQLite's write lock is BEGIN IMMEDIATE
        assert "FOR UPDATE" in head_reads[0]
    moves = [s for s in statements if 'UPDATE "audit_auditchainhead"' in s]
    assert len(moves) == 1
    if postgresql:
        # One statement: insert the records, then the events, move the head, link the next.
        parts = (
            'w0 AS (INSERT INTO "monitoring_assessment"',
            'w1 AS (INSERT INTO "monitoring_vitalsigns"',
            'w2 AS (INSERT INTO "audit_auditevent"',
            'w3 AS (UPDATE "audit_auditchainhead"',
            'w4 AS (UPDATE "monitoring_assessment" SET "previous_at"',
        )
        at = [moves[0].find(part) for part in parts]
        assert -1 not in at and at == sorted(at), moves[0]
        assert moves[0].startswith("WITH w0 AS"), moves[0]
    else:
        assert moves[0].startswith("UPDATE"), moves[0]
    assert sum(s.startswith("SAVEPOINT") for s in statements) <= 1  # only a test's own
    last_two = list(AuditEvent.objects.order_by("-id").values_list("event", flat=True)[:2])
    assert last_two == ["vitals.recorded", "assessment.recorded"]
    assert verify.verify().intact


def test_observations_are_bounded_and_newest_first(unit, client):
    secret = token_for(unit.nurse)
    for minutes in (30, 20, 10):
        payload = cows(performed_at=when(minutes))
        client.post(assessments(unit.episode), payload, "application/json", headers=bearer(secret))
    body = client.get(observations(unit.episode), {"limit": 2}, headers=bearer(secret)).json()
    assert len(body["assessments"]) == 2
    first, second = body["assessments"]
    assert first["performed_at"] > second["performed_at"]
    assert (
        client.get(observations(unit.episode), {"limit": 51}, headers=bearer(secret)).status_code
        == 400
    )
    assert AuditEvent.objects.filter(event="api.observations_viewed", patient=unit.patient).exists()


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: cows(answers={**COWS_ALL_ZERO, "restlessness": 2}), "restlessness"),
        (lambda: cows(performed_at="2026-03-02T10:00:00"), "performed_at"),
        (lambda: cows(vitals={"systolic": 80, "diastolic": 90}), "diastolic"),
        (lambda: cows(performed_at="0001-01-01T00:00:00+23:59"), "performed_at"),
        (lambda: cows(answers={**COWS_ALL_ZERO, "x\x00": 1}), "x\x00"),
        (lambda: cows(vitals={"temperature_c": 1e300}), "temperature_c"),
    ],
)
def test_values_the_checks_refuse_are_422_naming_the_field(unit, client, make, field):
    secret = token_for(unit.nurse)
    response = client.post(
        assessments(unit.episode), make(), "application/json", headers=bearer(secret)
    )
    assert response.status_code == 422, response.json()
    assert field in response.json()["fields"], response.json()
    assert Assessment.objects.count() == 0
    assert VitalSigns.objects.count() == 0


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: cows(vitals={"temp": 37}), "vitals.temp"),
        (lambda: {"answers": {}}, "performed_at"),
        (lambda: cows(measured_heart_rate=-1), "measured_heart_rate"),
        (lambda: cows(scale="phq9"), "scale"),
        (lambda: cows(note="a\x00b"), "note"),
    ],
)
def test_input_the_schema_refuses_is_400_naming_the_field(unit, client, make, field):
    secret = token_for(unit.nurse)
    response = client.post(
        assessments(unit.episode), make(), "application/json", headers=bearer(secret)
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert Assessment.objects.count() == 0


def test_a_malformed_episode_address_is_404(unit, client):
    secret = token_for(unit.nurse)
    response = client.get("/api/v1/episodes/not-a-uuid/observations", headers=bearer(secret))
    assert response.status_code == 404
    assert response.json()["error"]


def test_an_unreadable_body_is_400(unit, client):
    secret = token_for(unit.nurse)
    response = client.post(
        assessments(unit.episode), b"{not json", "application/json", headers=bearer(secret)
    )
    assert response.status_code == 400
    assert "could not be read" in response.json()["error"]


def test_unusual_vitals_need_confirmation(unit, client):
    secret = token_for(unit.nurse)
    payload = {"measured_at": when(), "temperature_c": 98.6}
    response = client.post(
        vitals_url(unit.episode), payload, "application/json", headers=bearer(secret)
    )
    assert response.status_code == 422
    assert "°F" in response.json()["fields"]["temperature_c"]
    assert VitalSigns.objects.count() == 0
    payload["confirm_unusual"] = True
    response = client.post(
        vitals_url(unit.episode), payload, "application/json", headers=bearer(secret)
    )
    assert response.status_code == 201
    assert response.json()["confirmed_unusual"] == ["temperature_c"]


def test_critical_vitals_are_flagged_not_refused(unit, client):
    secret = token_for(unit.nurse)
    payload = {"measured_at": when(), "respiratory_rate": 6}
    response = client.post(
        vitals_url(unit.episode), payload, "application/json", headers=bearer(secret)
    )
    assert response.status_code == 201
    assert response.json()["critical"]


# --- Managing tokens -------------------------------------------------------------------------


def test_the_page_shows_a_new_token_once(unit, as_user):
    client = as_user(unit.nurse)
    page = reverse("api_tokens:list")
    response = client.post(page, {"name": "tablet", "scopes": ["read"]})
    assert response.status_code == 201
    secret = response.context["created"].secret
    assert secret in response.content.decode()
    assert secret not in client.get(page).content.decode()
    assert ApiToken.objects.get().scopes == ["read"]


def test_the_page_revokes_after_confirmation(unit, as_user):
    token_for(unit.nurse)
    row = ApiToken.objects.get()
    client = as_user(unit.nurse)
    url = reverse("api_tokens:revoke", args=[row.uuid])
    assert "cannot be undone" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_an_administrator_revokes_a_colleagues_token_but_an_outsider_cannot(unit, as_user):
    token_for(unit.nurse)
    row = ApiToken.objects.get()
    url = reverse("api_tokens:revoke", args=[row.uuid])
    assert as_user(unit.outsider).post(url).status_code == 404
    assert as_user(unit.admin).post(url).status_code == 302
    row.refresh_from_db()
    assert row.revoked_by == unit.admin


def test_the_command_creates_and_revokes(unit, capsys):
    call_command("api_token", "create", "nurse", "--name", "bench", "--scope", "record")
    secret = capsys.readouterr().out.strip()
    assert tokens.authenticate(secret) is not None
    row = ApiToken.objects.get()
    call_command("api_token", "revoke", row.prefix)
    assert tokens.authenticate(secret) is None
    event = AuditEvent.objects.get(event="api_token.created")
    assert event.actor is None
