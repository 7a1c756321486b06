"""Multi-factor sign-in (ONC 170.315(d)(13)): enrolment, the second step, the program policy."""

from __future__ import annotations

from binascii import unhexlify
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from detoxdesk.accounts import actions, mfa
from detoxdesk.audit.models import AuditEvent
from factories import PASSWORD

SIGN_IN = reverse("accounts:login")
ENROL = reverse("accounts:mfa_enrol")
VERIFY = reverse("accounts:mfa_verify")


def code_for(key: str) -> str:
    return f"{TOTP(unhexlify(key)).token():06d}"


def enrol(client) -> tuple[str, list[str]]:
    """Walk the enrolment page; return the secret key and the recovery codes shown."""
    page = client.get(ENROL)
    key = client.session[mfa.ENROLMENT_KEY]
    assert page.status_code == 200
    done = client.post(ENROL, {"code": code_for(key)})
    assert done.status_code == 200
    return key, done.context["codes"]


def test_the_enrolment_page_shows_a_qr_code_as_svg_and_the_secret(unit, as_user):
    client = as_user(unit.prescriber)
    html = client.get(ENROL).content.decode()
    key = client.session[mfa.ENROLMENT_KEY]
    assert "<svg" in html and "<path" in html
    assert mfa.secret_text(key) in html
    assert "<script" not in html and 'style="' not in html
    assert not TOTPDevice.objects.exists()  # nothing is saved until a code proves the app works


def test_a_wrong_code_saves_nothing(unit, as_user):
    client = as_user(unit.prescriber)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 400 and "code" in response.context["form"].errors
    assert not TOTPDevice.objects.exists()


def test_recovery_codes_are_shown_once_and_each_works_once(unit, client):
    client.force_login(unit.prescriber)
    key, codes = enrol(client)
    assert len(codes) == 10 and StaticToken.objects.count() == 10
    assert AuditEvent.objects.filter(event="auth.mfa_enrolled", actor=unit.prescriber).exists()
    assert not any(code in client.get(ENROL).content.decode() for code in codes)
    client.post(reverse("accounts:logout"))
    client.post(SIGN_IN, {"username": "prescriber", "password": PASSWORD})
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.count() == 9
    client.post(reverse("accounts:logout"))
    client.post(SIGN_IN, {"username": "prescriber", "password": PASSWORD})
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_security_a_password_alone_does_not_open_an_account_with_an_authenticator(
    unit, client, clock
):
    client.force_login(unit.nurse)
    key, _ = enrol(client)
    client.post(reverse("accounts:logout"))
    response = client.post(SIGN_IN, {"username": "nurse", "password": PASSWORD})
    assert response["Location"] == VERIFY
    assert client.get(reverse("patients:census"))["Location"] == VERIFY
    assert client.get("/api/v1/episodes").status_code == 401
    refused = client.post(VERIFY, {"code": "123456"})
    assert refused.status_code == 400
    assert AuditEvent.objects.filter(event="auth.mfa_failed", actor=unit.nurse).exists()
    clock.shift(timedelta(seconds=30))  # the code used at enrolment never works twice
    assert client.post(VERIFY, {"code": code_for(key)}).status_code == 302
    assert client.get(reverse("patients:census")).status_code == 200
    assert AuditEvent.objects.filter(event="auth.mfa_verified", actor=unit.nurse).exists()


@pytest.mark.parametrize(
    ("persona", "required"),
    [
        ("prescriber", True),
        ("director", True),
        ("admin", True),
        ("nurse", False),
        ("counselor", False),
        ("auditor", False),
    ],
)
def test_the_program_setting_sends_required_roles_to_enrolment(unit, client, persona, required):
    actions.do_set_mfa_requirement(unit.program, acting_user=unit.director, required=True)
    response = client.post(SIGN_IN, {"username": persona, "password": PASSWORD})
    assert (response["Location"] == ENROL) is required
    if required:
        assert client.get(reverse("patients:home"))["Location"] == ENROL


def test_without_the_program_setting_a_prescriber_signs_in_with_a_password(unit, client):
    response = client.post(SIGN_IN, {"username": "prescriber", "password": PASSWORD})
    assert response["Location"] == reverse("patients:home")


def test_only_a_director_changes_the_mfa_policy_and_it_is_audited(unit):
    with pytest.raises(PermissionDenied):
        actions.do_set_mfa_requirement(unit.program, acting_user=unit.nurse, required=True)
    actions.do_set_mfa_requirement(unit.program, acting_user=unit.director, required=True)
    event = AuditEvent.objects.get(event="auth.mfa_policy_changed")
    assert event.changes == {"require_mfa": [False, True]}


def test_enrolment_after_sign_in_releases_the_session(unit, client):
    actions.do_set_mfa_requirement(unit.program, acting_user=unit.director, required=True)
    client.post(SIGN_IN, {"username": "prescriber", "password": PASSWORD})
    enrol(client)
    assert client.get(reverse("patients:census")).status_code == 200
