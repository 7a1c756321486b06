from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.accounts.validators import DEMO_PASSWORD
from detoxdesk.audit.models import AuditEvent
from factories import PASSWORD

SIGN_IN = reverse("accounts:login")


def sign_in(client, username, password):
    return client.post(SIGN_IN, {"username": username, "password": password})


def test_it_signs_a_nurse_in_and_lands_on_the_census(unit, client):
    response = sign_in(client, "nurse", PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("patients:census")
    assert AuditEvent.objects.filter(event="auth.signed_in", actor=unit.nurse).exists()


def test_it_sends_an_auditor_to_the_audit_log(unit, client):
    sign_in(client, "auditor", PASSWORD)
    assert client.get(reverse("patients:home"))["Location"] == reverse("audit:log")


def test_it_stores_passwords_with_argon2(unit):
    from detoxdesk.config import settings as configured

    # Tests hash with a cheaper Argon2 (tests/fast_hashers.py); the product's own setting decides.
    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert unit.nurse.password.startswith("argon2$")


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(unit, client):
    response = sign_in(client, "nurse", "wrong")
    assert response.status_code == 400
    assert "do not match an active account" in response.content.decode()
    assert AuditEvent.objects.filter(event="auth.sign_in_failed", actor=unit.nurse).exists()


def test_it_refuses_an_unknown_user_the_same_way(unit, client):
    response = sign_in(client, "nobody", "wrong")
    assert "do not match an active account" in response.content.decode()


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=3, LOGIN_LOCKOUT_MINUTES=15)
def test_it_locks_the_account_after_repeated_failures(unit, client):
    for _ in range(3):
        sign_in(client, "nurse", "wrong")
    response = sign_in(client, "nurse", PASSWORD)
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event="auth.locked_out", actor=unit.nurse).count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client, "nurse", PASSWORD).status_code == 302


def test_it_signs_out_only_by_post_and_audits_it(unit, client):
    client.force_login(unit.nurse)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(event="auth.signed_out", actor=unit.nurse).exists()
    assert client.get(reverse("patients:census")).status_code == 302


def test_it_expires_the_session_after_inactivity(unit, client, settings):
    client.force_login(unit.nurse)
    assert client.get(reverse("patients:census")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1)):
        assert client.get(reverse("patients:census")).status_code == 302


def test_it_enforces_csrf_on_sign_in(unit):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(SIGN_IN, {"username": "nurse", "password": PASSWORD}).status_code == 403


def test_it_refuses_the_demo_password_when_demo_data_is_not_allowed(unit, client, settings):
    user = User.objects.get(username="nurse")
    user.set_password(DEMO_PASSWORD)
    user.save()
    settings.DEMO_ALLOWED = False
    assert sign_in(client, "nurse", DEMO_PASSWORD).status_code == 400
    settings.DEMO_ALLOWED = True
    assert sign_in(client, "nurse", DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_it_never_redirects_off_site_after_sign_in(unit, client, target):
    response = client.post(SIGN_IN + f"?next={target}", {"username": "nurse", "password": PASSWORD})
    assert response["Location"] == reverse("patients:home")
