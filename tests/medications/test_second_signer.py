"""Security: the second signer's password on the dose form goes through the one password path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications.models import Administration
from factories import PASSWORD
from factories_medications import make_facts, record_cows, sign_bup_standard


@pytest.fixture
def order(unit):
    make_facts(unit.episode, unit.prescriber, last_opioid_use_at=timezone.now() - timedelta(days=1))
    record_cows(unit.episode, unit.nurse, 14)
    return sign_bup_standard(unit.episode, unit.prescriber)


def post_dose(client, order, password):
    url = reverse("medications:record_dose", args=[order.line.uuid])
    page = client.get(url)
    data = {
        "outcome": "given",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "checked": page.context["check"].fingerprint,
        "second_signer": "prescriber",
        "second_signer_password": password,
    }
    return client.post(url, data)


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=3)
def test_security_the_second_signer_password_locks_and_is_audited(unit, order, as_user):
    client = as_user(unit.nurse)
    for _ in range(3):
        response = post_dose(client, order, "guess")
        assert response.status_code == 200
        assert "second_signer" in response.context["form"].errors
    failed = AuditEvent.objects.filter(event="auth.second_signer_failed", actor=unit.prescriber)
    assert failed.count() == 3
    assert failed.first().changes["asked_by"] == "nurse"
    assert AuditEvent.objects.filter(event="auth.locked_out", actor=unit.prescriber).exists()
    # Locked: even the right password no longer co-signs from this address.
    response = post_dose(client, order, PASSWORD)
    assert "locked" in str(response.context["form"].errors["second_signer"])
    assert not Administration.objects.exists()
    assert AuditEvent.objects.filter(event="auth.attempt_while_locked").count() == 1


def test_the_right_second_signer_password_is_accepted_and_audited(unit, order, as_user):
    client = as_user(unit.nurse)
    assert post_dose(client, order, PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(
        event="auth.second_signer_confirmed", actor=unit.prescriber
    ).exists()


def test_security_an_inactive_second_signer_cannot_co_sign(unit, order, as_user):
    unit.prescriber.is_active = False
    unit.prescriber.save()
    response = post_dose(as_user(unit.nurse), order, PASSWORD)
    assert "second_signer" in response.context["form"].errors
    assert not Administration.objects.exists()
