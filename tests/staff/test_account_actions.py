from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from detoxdesk.accounts.models import Membership, Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.staff import actions
from factories import PASSWORD, make_user
from factories_staff import make_outside_admin

pytestmark = pytest.mark.django_db


def action_url(person, action):
    return reverse("staff:account_action", args=[person.uuid, action])


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_deactivating_signs_the_person_out_on_their_next_request(unit, as_user):
    nurse_client = signed_in_client(unit.nurse)
    census = reverse("patients:census")
    assert nurse_client.get(census).status_code == 200
    admin = as_user(unit.admin)
    assert admin.get(action_url(unit.nurse, "deactivate")).status_code == 200  # confirmation
    assert nurse_client.get(census).status_code == 200  # nothing happens on GET
    assert admin.post(action_url(unit.nurse, "deactivate")).status_code == 302
    response = nurse_client.get(census)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    unit.nurse.refresh_from_db()
    assert not unit.nurse.is_active
    assert AuditEvent.objects.get(event="staff.deactivated").changes == {"sessions_ended": 1}


def test_deactivating_deletes_the_sessions_from_the_store(unit):
    signed_in_client(unit.nurse)
    signed_in_client(unit.nurse)
    signed_in_client(unit.prescriber)
    assert actions.do_deactivate(unit.nurse, acting_user=unit.admin) == 2
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert remaining == [str(unit.prescriber.pk)]


def test_a_deactivated_account_cannot_sign_in_and_is_reactivated(unit, client, as_user):
    actions.do_deactivate(unit.nurse, acting_user=unit.admin)
    sign_in = reverse("accounts:login")
    refused = client.post(sign_in, {"username": "nurse", "password": PASSWORD})
    assert refused.status_code == 400
    admin = as_user(unit.admin)
    assert admin.post(action_url(unit.nurse, "reactivate")).status_code == 302
    unit.nurse.refresh_from_db()
    assert unit.nurse.is_active
    assert AuditEvent.objects.filter(event="staff.reactivated").count() == 1
    assert Client().post(sign_in, {"username": "nurse", "password": PASSWORD}).status_code == 302


def test_deactivating_twice_says_so(unit, as_user):
    actions.do_deactivate(unit.nurse, acting_user=unit.admin)
    response = as_user(unit.admin).post(action_url(unit.nurse, "deactivate"))
    assert response.status_code == 400
    assert b"already deactivated" in response.content


def test_an_administrator_cannot_deactivate_themselves(unit):
    with pytest.raises(ValidationError, match="your own account"):
        actions.do_deactivate(unit.admin, acting_user=unit.admin)


def test_unlocking_lifts_the_lockout(unit, as_user, client):
    sign_in = reverse("accounts:login")
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        client.post(sign_in, {"username": "nurse", "password": "wrong password"})
    assert client.post(sign_in, {"username": "nurse", "password": PASSWORD}).status_code == 400
    admin = as_user(unit.admin)
    assert "Locked" in admin.get(reverse("staff:list"), {"status": "locked"}).content.decode()
    assert admin.get(action_url(unit.nurse, "unlock")).status_code == 200
    assert admin.post(action_url(unit.nurse, "unlock")).status_code == 302
    assert not actions.locked_usernames(["nurse"])
    assert AuditEvent.objects.get(event="staff.unlocked").changes == {"was_locked": True}
    assert Client().post(sign_in, {"username": "nurse", "password": PASSWORD}).status_code == 302


def test_resetting_mfa_is_confirmed_and_audited(unit, as_user):
    TOTPDevice.objects.create(user=unit.nurse, name="phone", confirmed=True)
    StaticDevice.objects.create(user=unit.nurse, name="recovery codes", confirmed=True)
    admin = as_user(unit.admin)
    assert admin.get(action_url(unit.nurse, "reset-mfa")).status_code == 200
    assert admin.post(action_url(unit.nurse, "reset-mfa")).status_code == 302
    event = AuditEvent.objects.get(event="staff.mfa_reset")
    assert (event.actor, event.object_id) == (unit.admin, str(unit.nurse.uuid))
    assert event.changes == {"devices_removed": 2}
    assert not TOTPDevice.objects.filter(user=unit.nurse).exists()
    assert not StaticDevice.objects.filter(user=unit.nurse).exists()


def test_an_unknown_account_action_is_not_found(unit, as_user):
    assert as_user(unit.admin).get(action_url(unit.nurse, "explode")).status_code == 404


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "unlock", "reset-mfa"])
@pytest.mark.parametrize("persona", ["nurse", "prescriber", "director", "auditor"])
def test_only_administrators_act_on_accounts(unit, as_user, persona, action):
    client = as_user(getattr(unit, persona))
    assert client.get(action_url(unit.counselor, action)).status_code == 403
    assert client.post(action_url(unit.counselor, action)).status_code == 403
    unit.counselor.refresh_from_db()
    assert unit.counselor.is_active


@pytest.mark.parametrize("action", ["deactivate", "unlock", "reset-mfa"])
def test_an_outside_administrator_gets_not_found(unit, as_user, action):
    client = as_user(make_outside_admin(unit))
    assert client.post(action_url(unit.nurse, action)).status_code == 404
    unit.nurse.refresh_from_db()
    assert unit.nurse.is_active


def test_an_administrator_of_a_shared_colleague_may_deactivate_them(unit):
    other_admin = make_outside_admin(unit)
    Membership.objects.create(user=unit.nurse, facility=unit.other, role=Role.NURSE)
    actions.do_deactivate(unit.nurse, acting_user=other_admin)
    unit.nurse.refresh_from_db()
    assert not unit.nurse.is_active


def test_the_actions_refuse_anyone_without_a_shared_facility(unit):
    stranger = make_user(Role.NURSE, unit.other, username="stranger")
    with pytest.raises(PermissionDenied):
        actions.do_unlock(stranger, acting_user=unit.admin)
