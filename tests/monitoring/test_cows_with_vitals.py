"""A COWS and the vital signs taken with it: one form, one action, one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring import actions
from detoxdesk.monitoring.models import Assessment, VitalSigns
from factories import COWS_ALL_ZERO, Unit, cows_answers


def url(unit):
    return reverse("monitoring:record_assessment", args=[unit.episode.uuid, "cows"])


def form_data(answers, **extra):
    when = timezone.localtime()
    return {"performed_at": when.strftime("%Y-%m-%dT%H:%M"), **answers, **extra}


VITALS = {"heart_rate": "88", "systolic": "132", "diastolic": "84", "temperature_c": "37.1"}


def test_the_form_offers_the_vital_signs(unit, as_user):
    body = as_user(unit.nurse).get(url(unit)).content.decode()
    for key in ("heart_rate", "systolic", "diastolic", "respiratory_rate", "temperature_c", "spo2"):
        assert f'name="{key}"' in body


def test_it_saves_both_with_their_audit_events(unit, as_user):
    answers = {**COWS_ALL_ZERO}
    del answers["resting_pulse_rate"]  # scored from the heart rate in the vital signs
    response = as_user(unit.nurse).post(url(unit), form_data(answers, **VITALS))
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    vitals = VitalSigns.objects.get()
    assert assessment.items["resting_pulse_rate"] == 1  # 88/min scores 1
    assert assessment.measured_heart_rate == 88
    assert vitals.measured_at == assessment.performed_at
    assert (vitals.heart_rate, vitals.systolic, vitals.diastolic) == (88, 132, 84)
    assert str(vitals.temperature_c) == "37.1"
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"assessment.recorded", "vitals.recorded"} <= events


def test_a_cows_without_vital_signs_stores_none(unit, as_user):
    response = as_user(unit.nurse).post(url(unit), form_data(COWS_ALL_ZERO))
    assert response.status_code == 302
    assert Assessment.objects.count() == 1
    assert VitalSigns.objects.count() == 0


def test_an_impossible_vital_sign_saves_neither(unit, as_user):
    data = form_data(COWS_ALL_ZERO, systolic="80", diastolic="90")
    response = as_user(unit.nurse).post(url(unit), data)
    assert response.status_code == 200
    assert "lower than the systolic" in " ".join(response.context["form"].errors["diastolic"])
    assert Assessment.objects.count() == 0
    assert VitalSigns.objects.count() == 0


def test_an_unusual_value_asks_for_confirmation_then_saves_both(unit, as_user):
    client = as_user(unit.nurse)
    data = form_data(COWS_ALL_ZERO, temperature_c="98.6")
    response = client.post(url(unit), data)
    assert response.status_code == 400
    assert "Was it measured in °F?" in response.content.decode()
    assert Assessment.objects.count() == 0
    token = response.context["confirm_token"]
    response = client.post(url(unit), {**data, "confirm": "on", "confirm_token": token})
    assert response.status_code == 302
    assert VitalSigns.objects.get().confirmed_unusual == ["temperature_c"]
    assert Assessment.objects.count() == 1


def test_two_different_heart_rates_are_refused(unit, as_user):
    data = form_data(COWS_ALL_ZERO, heart_rate="88", measured_heart_rate="120")
    response = as_user(unit.nurse).post(url(unit), data)
    assert "enter one rate" in " ".join(response.context["form"].errors["heart_rate"])
    assert Assessment.objects.count() == 0


def test_the_action_writes_nothing_when_the_scale_is_wrong(unit):
    with pytest.raises(actions.ValidationError):
        actions.do_record_assessment(
            unit.episode,
            "cows",
            cows_answers(restlessness=2),  # not an allowed value
            acting_user=unit.nurse,
            performed_at=timezone.now() - timedelta(minutes=1),
            vitals={"heart_rate": 80},
        )
    assert VitalSigns.objects.count() == 0
    assert not AuditEvent.objects.filter(event="vitals.recorded").exists()


def test_the_action_keeps_its_old_callers(unit):
    assessment = actions.do_record_assessment(
        unit.episode,
        "cows",
        COWS_ALL_ZERO,
        acting_user=unit.nurse,
        performed_at=timezone.now() - timedelta(minutes=1),
    )
    assert assessment.total == 0
    assert VitalSigns.objects.count() == 0


class Recorder:
    """Every statement with whether it ran inside a transaction, and the commits."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, bool]] = []
        self.commits = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_one_post_is_one_transaction_with_a_pinned_statement_count(client, clock, monkeypatch):
    unit = Unit()
    client.force_login(unit.nurse)
    client.get(url(unit))  # the session's renewal happens here, not in the POST below
    recorder = Recorder()
    real_commit = connection.commit

    def counting_commit():
        recorder.commits += 1
        real_commit()

    monkeypatch.setattr(connection, "commit", counting_commit)
    answers = {**COWS_ALL_ZERO}
    del answers["resting_pulse_rate"]
    with connection.execute_wrapper(recorder):
        response = client.post(url(unit), form_data(answers, **VITALS))
    assert response.status_code == 302
    assert recorder.commits == 1
    # SQLite's transaction starts with a BEGIN IMMEDIATE statement the wrapper sees too.
    outside = [
        sql for sql, inside in recorder.statements if not inside and sql != "BEGIN IMMEDIATE"
    ]
    assert outside == []
    # Reads: session, user, memberships, the episode (one join). Then one append of both records
    # and both audit events (no savepoint, the action joins the request's transaction): the chain
    # head (locked), the two inserts (the scale, its link to the one before filled in by the
    # database; the vital signs), one insert of both events, the head update; then the one update
    # that links the next assessment to it. No session write (the GET renewed it), nothing
    # outside the one transaction. On PostgreSQL everything after the head's lock is one
    # statement (data-modifying WITH parts).
    statements = [sql for sql, _ in recorder.statements if sql != "BEGIN IMMEDIATE"]
    writes = [sql for sql in statements if not sql.lstrip().upper().startswith("SELECT")]
    link = 'UPDATE "monitoring_assessment" SET "previous_at"'
    if connection.vendor == "postgresql":
        last = statements[-1]
        assert writes == [last], writes
        assert last.startswith('WITH w0 AS (INSERT INTO "monitoring_assessment"'), last
        assert 'w1 AS (INSERT INTO "monitoring_vitalsigns"' in last, last
        assert 'w2 AS (INSERT INTO "audit_auditevent"' in last, last
        assert 'w3 AS (UPDATE "audit_auditchainhead"' in last, last
        assert f"w4 AS ({link}" in last, last
        assert len(statements) == 6, "\n".join(s[:80] for s in statements)
    else:
        assert len(writes) == 5, writes
        assert writes[-1].startswith(link), writes[-1]
        assert len(statements) == 10, "\n".join(s[:80] for s in statements)
