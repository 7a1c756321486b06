"""Re-authentication at signature: password or authenticator code again, for a few minutes."""

from __future__ import annotations

from binascii import unhexlify
from datetime import timedelta

from django import forms
from django.http import HttpResponse
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from detoxdesk.accounts.auth import (
    ReauthFormMixin,
    mark_reauthenticated,
    reauth_required,
    require_recent_reauth,
)
from detoxdesk.audit.models import AuditEvent
from factories import PASSWORD

REAUTH = reverse("accounts:reauth")


class SignForm(ReauthFormMixin, forms.Form):
    note = forms.CharField(required=False)


def test_it_sends_a_signer_who_has_not_confirmed_recently_to_the_confirm_page(unit, rf, client):
    client.force_login(unit.prescriber)
    request = rf.get("/orders/sign/?x=1")
    request.session = client.session
    response = require_recent_reauth(request)
    assert response is not None and response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next=%2Forders%2Fsign%2F%3Fx%3D1"


def test_the_confirm_page_takes_the_password_and_lasts_reauth_minutes(
    unit, client, rf, clock, settings
):
    client.force_login(unit.prescriber)
    wrong = client.post(REAUTH + "?next=/start/", {"secret": "not my password at all"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(event="auth.reauth_failed", actor=unit.prescriber).exists()
    response = client.post(REAUTH + "?next=/start/", {"secret": PASSWORD})
    assert response["Location"] == "/start/"
    assert AuditEvent.objects.filter(event="auth.reauthenticated", actor=unit.prescriber).exists()
    request = rf.get("/sign/")
    request.session = client.session
    assert require_recent_reauth(request) is None
    clock.shift(timedelta(minutes=settings.REAUTH_MINUTES, seconds=1))
    assert require_recent_reauth(request) is not None


def test_the_confirm_page_takes_an_authenticator_code(unit, client):
    device = TOTPDevice.objects.create(user=unit.prescriber, name="app", confirmed=True)
    client.force_login(unit.prescriber)
    code = f"{TOTP(unhexlify(device.key)).token():06d}"
    assert client.post(REAUTH + "?next=/start/", {"secret": code})["Location"] == "/start/"
    assert AuditEvent.objects.filter(event="auth.mfa_verified", actor=unit.prescriber).exists()


def test_the_form_mixin_refuses_to_sign_without_the_password(unit, rf, client):
    client.force_login(unit.prescriber)
    request = rf.post("/sign/", REMOTE_ADDR="198.51.100.20")
    request.session = client.session
    request.user = unit.prescriber
    form = SignForm({"note": "x", "reauth_secret": "wrong password here"}, reauth_request=request)
    assert not form.is_valid() and "reauth_secret" in form.errors
    form = SignForm({"note": "x", "reauth_secret": PASSWORD}, reauth_request=request)
    assert form.is_valid()
    # Confirmed just now: the next signing form does not ask again.
    assert "reauth_secret" not in SignForm(reauth_request=request).fields


def test_the_decorator_guards_a_signing_view(unit, rf, client):
    @reauth_required
    def sign(request):
        return HttpResponse("signed")

    client.force_login(unit.prescriber)
    request = rf.post("/sign/")
    request.session = client.session
    assert sign(request).status_code == 302
    mark_reauthenticated(request)
    assert sign(request).content == b"signed"
