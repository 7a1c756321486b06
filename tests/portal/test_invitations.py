from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.audit.models import AuditEvent
from detoxdesk.portal import actions
from detoxdesk.portal.models import Invitation, PortalAccount
from factories import PASSWORD
from factories_portal import make_portal_user

pytestmark = pytest.mark.django_db

NEW = {"username": "sam.r", "password": PASSWORD, "password_again": PASSWORD}


def invite(unit, user=None):
    return actions.do_invite_patient(
        unit.patient, acting_user=user or unit.nurse, facility=unit.ward
    )


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("nurse", True),
        ("prescriber", True),
        ("counselor", True),
        ("coordinator", False),
        ("director", False),
        ("auditor", False),
        ("outsider", False),
    ],
)
def test_it_lets_only_inviting_roles_invite(unit, persona, allowed):
    if allowed:
        invitation, token = invite(unit, getattr(unit, persona))
        assert invitation.token_hash == actions.hash_token(token)
        assert token not in invitation.token_hash
    else:
        with pytest.raises(PermissionDenied):
            invite(unit, getattr(unit, persona))


def test_the_invite_page_shows_the_link_once_and_audits(unit, as_user):
    client = as_user(unit.nurse)
    url = reverse("portal:invite", args=[unit.patient.uuid])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert "/my/invitation/" in response.context["link"]
    assert AuditEvent.objects.filter(event="portal.invited", patient=unit.patient).count() == 1
    assert AuditEvent.objects.filter(event="portal.invite_viewed").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("coordinator", 404), ("director", 403), ("auditor", 404)],
)
def test_the_invite_page_refuses_others(unit, as_user, persona, status):
    url = reverse("portal:invite", args=[unit.patient.uuid])
    assert as_user(getattr(unit, persona)).post(url).status_code == status
    assert Invitation.objects.count() == 0


def test_the_invite_page_sends_anonymous_users_to_sign_in(unit, client):
    response = client.get(reverse("portal:invite", args=[unit.patient.uuid]))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_a_patient_accepts_and_is_signed_in_to_the_portal(unit, client):
    _, token = invite(unit)
    response = client.post(reverse("portal:accept", args=[token]), NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    user = User.objects.get(username="sam.r")
    assert user.portal_account.patient == unit.patient
    assert not user.memberships.exists()
    assert AuditEvent.objects.get(event="portal.account_created").actor == user
    assert client.get(reverse("portal:home")).status_code == 200


def test_an_invitation_works_only_once(unit, client):
    _, token = invite(unit)
    client.post(reverse("portal:accept", args=[token]), NEW)
    client.logout()
    response = client.post(reverse("portal:accept", args=[token]), {**NEW, "username": "other"})
    assert response.status_code == 404
    assert PortalAccount.objects.count() == 1


def test_an_invitation_expires(unit, client):
    with time_machine.travel(timezone.now(), tick=False):
        _, token = invite(unit)
    later = timezone.now() + timedelta(hours=settings.PORTAL_INVITATION_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.get(reverse("portal:accept", args=[token])).status_code == 404
    assert client.get(reverse("portal:accept", args=[token])).status_code == 200


def test_a_new_invitation_withdraws_the_old_one(unit, client):
    _, first = invite(unit)
    invite(unit)
    assert client.get(reverse("portal:accept", args=[first])).status_code == 404


def test_a_patient_with_an_account_is_not_invited_again(unit):
    make_portal_user(unit.patient)
    with pytest.raises(ValidationError, match="already has a portal account"):
        invite(unit)


def test_a_guessed_token_is_refused(unit, client):
    invite(unit)
    assert client.get(reverse("portal:accept", args=["guess"])).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": "short", "password_again": "short"}, "password", "too short"),
        ({"password_again": "something else entirely"}, "password_again", "do not match"),
        ({"username": "bad name!"}, "username", "valid username"),
        ({"username": "nurse"}, "username", "taken"),
    ],
)
def test_it_refuses_bad_account_details_and_saves_nothing(unit, client, changes, field, message):
    _, token = invite(unit)
    response = client.post(reverse("portal:accept", args=[token]), {**NEW, **changes})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert PortalAccount.objects.count() == 0
    assert Invitation.objects.get().accepted_at is None


def test_a_signed_in_person_cannot_accept(unit, as_user):
    _, token = invite(unit)
    assert as_user(unit.nurse).post(reverse("portal:accept", args=[token]), NEW).status_code == 403
    assert PortalAccount.objects.count() == 0


def test_sign_in_sends_a_patient_to_the_portal_and_staff_to_their_start(unit, client):
    make_portal_user(unit.patient, username="pat")
    response = client.post(reverse("accounts:login"), {"username": "pat", "password": PASSWORD})
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("patients:home"))["Location"] == reverse("portal:home")
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": "nurse", "password": PASSWORD})
    assert response["Location"] == reverse("patients:home")
