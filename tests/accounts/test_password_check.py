"""Security: the one password path (accounts.auth.check_password) with django-axes behind it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse

from detoxdesk.accounts.auth import check_password
from detoxdesk.audit.models import AuditEvent
from factories import PASSWORD
from fast_hashers import CheapArgon2PasswordHasher

SIGN_IN = reverse("accounts:login")
ATTACKER = "203.0.113.9"
CLINIC = "198.51.100.20"


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str):
    return client.post(SIGN_IN, {"username": username, "password": password})


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=4)
def test_security_one_address_cannot_lock_a_clinician_out_of_another(unit):
    attacker = client_at(ATTACKER)
    for username in ("nurse", "prescriber", "director", "admin"):
        for _ in range(4):
            sign_in(attacker, username, "guess")
    assert AuditEvent.objects.filter(event="auth.sign_in_failed").count() == 16
    assert AuditEvent.objects.filter(event="auth.locked_out").count() == 4
    # The attacker's address is locked for those usernames, even with the right password ...
    refused = sign_in(attacker, "prescriber", PASSWORD)
    assert refused.status_code == 400 and "locked" in refused.content.decode()
    # ... while the prescriber signs in at once from the clinic.
    clinic = client_at(CLINIC)
    assert sign_in(clinic, "prescriber", PASSWORD).status_code == 302
    assert clinic.session["_auth_user_id"] == str(unit.prescriber.pk)


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=2, LOGIN_LOCKOUT_MINUTES=15)
def test_security_it_audits_attempts_during_a_lockout_without_extending_it(unit, clock):
    client = client_at(ATTACKER)
    sign_in(client, "nurse", "guess")
    sign_in(client, "nurse", "guess")
    clock.shift(timedelta(minutes=10))
    assert "locked" in sign_in(client, "nurse", PASSWORD).content.decode()
    event = AuditEvent.objects.get(event="auth.attempt_while_locked")
    assert event.actor == unit.nurse and event.ip_address == ATTACKER
    clock.shift(timedelta(minutes=6))  # 16 minutes after the lock: attempts did not extend it
    assert sign_in(client, "nurse", PASSWORD).status_code == 302


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=2)
def test_security_an_unknown_username_looks_exactly_like_a_wrong_password(unit):
    known = [sign_in(client_at(ATTACKER), "nurse", "guess") for _ in range(3)]
    unknown = [sign_in(client_at(ATTACKER), "no-such-user", "guess") for _ in range(3)]
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code == 400
        assert a.context["error"] == b.context["error"]
    assert "locked" in unknown[-1].context["error"]


def test_security_it_hashes_a_dummy_password_for_an_unknown_username(unit, monkeypatch):
    calls = []
    original = CheapArgon2PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(CheapArgon2PasswordHasher, "encode", counting)
    sign_in(client_at(ATTACKER), "no-such-user", "guess")
    assert calls == ["guess"]


def test_it_keeps_the_username_tried_for_an_unknown_account_in_the_audit(unit):
    sign_in(client_at(ATTACKER), "nobody-here", "guess")
    event = AuditEvent.objects.get(event="auth.sign_in_failed")
    assert event.actor is None
    assert event.changes == {"purpose": "sign_in", "username_tried": "nobody-here"}
    assert event.ip_address == ATTACKER


def test_security_it_refuses_an_inactive_account_like_a_wrong_password(unit):
    unit.nurse.is_active = False
    unit.nurse.save()
    response = sign_in(client_at(CLINIC), "nurse", PASSWORD)
    assert response.status_code == 400
    assert "do not match an active account" in response.content.decode()
    assert AuditEvent.objects.filter(event="auth.sign_in_failed", actor=unit.nurse).exists()


def test_security_the_lockout_record_keeps_no_form_field_and_no_password(unit):
    client = client_at(ATTACKER)
    client.post(SIGN_IN, {"username": "nurse", "password": "hunter2-secret", "next": "/x/"})
    attempt = AccessAttempt.objects.get(username="nurse", ip_address=ATTACKER)
    assert attempt.failures_since_start == 1
    assert "hunter2" not in attempt.post_data and "next" not in attempt.post_data


@pytest.mark.parametrize("purpose", ["second_signer", "reauth", "password_change"])
def test_it_audits_every_purpose_of_the_password_check(unit, rf, purpose):
    request = rf.post("/", REMOTE_ADDR=CLINIC)
    request.user = unit.nurse
    request.session = {}
    assert (
        check_password(request, username="prescriber", password="x", purpose=purpose).user is None
    )
    ok = check_password(request, username="prescriber", password=PASSWORD, purpose=purpose)
    assert ok.user == unit.prescriber
    events = AuditEvent.objects.filter(actor=unit.prescriber).order_by("id")
    assert [e.changes["purpose"] for e in events] == [purpose, purpose]
    assert events[1].changes["asked_by"] == "nurse"


@override_settings(TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=1)
def test_security_behind_a_proxy_the_lock_keys_on_the_forwarded_address(unit):
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        proxy.post(
            SIGN_IN,
            {"username": "nurse", "password": "guess"},
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}",
        )
    other = proxy.post(
        SIGN_IN, {"username": "nurse", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=CLINIC
    )
    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == ATTACKER
