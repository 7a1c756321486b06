from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.audit.models import AuditEvent
from detoxdesk.staff import actions
from detoxdesk.staff.models import StaffInvitation
from factories import PASSWORD
from factories_staff import invite, make_outside_admin

pytestmark = pytest.mark.django_db

NEW = {"username": "noor.h", "password": PASSWORD, "password_again": PASSWORD}
INVITE = {
    "first_name": "Noor",
    "last_name": "Haddad",
    "email": "Noor@Example.org",
    "role": Role.NURSE,
}


def test_it_sends_an_invitation_by_e_mail_with_a_single_use_link(
    unit, as_user, django_capture_on_commit_callbacks
):
    client = as_user(unit.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff:invite"), {**INVITE, "facility": unit.ward.pk})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["noor@example.org"]
    link = next(line for line in message.body.splitlines() if "/staff/accept/" in line)
    invitation = StaffInvitation.objects.get()
    assert invitation.token_hash == actions.hash_token(link.rsplit("/", 2)[-2])
    assert link.rsplit("/", 2)[-2] not in str(invitation.__dict__)
    event = AuditEvent.objects.get(event="staff.invited")
    assert event.actor == unit.admin
    assert event.changes["email"] == "noor@example.org"


def test_the_mail_leaves_only_when_the_invitation_is_saved(
    unit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(unit)
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_accepting_creates_the_account_and_its_role_once(unit, client):
    _, token = invite(unit)
    url = reverse("staff:accept", args=[token])
    assert client.get(url).status_code == 200
    response = client.post(url, NEW)
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    user = User.objects.get(username="noor.h")
    assert user.check_password(PASSWORD)
    assert (user.first_name, user.email) == ("Noor", "new.nurse@example.org")
    assert Membership.objects.get(user=user).role == Role.NURSE
    assert AuditEvent.objects.get(event="staff.account_created").actor == user
    # Single use: the same link now refuses.
    assert client.get(url).status_code == 404
    again = client.post(url, {**NEW, "username": "someone.else"})
    assert again.status_code == 404
    assert not User.objects.filter(username="someone.else").exists()


def test_the_link_expires(unit, client):
    _, token = invite(unit)
    later = timezone.now() + timedelta(hours=settings.STAFF_INVITATION_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.get(reverse("staff:accept", args=[token])).status_code == 404
        assert actions.usable_invitation(token) is None


def test_a_forged_or_altered_token_is_refused(unit, client):
    _, token = invite(unit)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("staff:accept", args=[forged])).status_code == 404
    assert client.get(reverse("staff:accept", args=["not-a-token"])).status_code == 404


def test_a_withdrawn_invitation_stops_working(unit, as_user, client):
    invitation, token = invite(unit)
    url = reverse("staff:revoke_invitation", args=[invitation.uuid])
    admin = as_user(unit.admin)
    assert admin.get(url).status_code == 200  # the confirmation page
    assert actions.usable_invitation(token) is not None
    assert admin.post(url).status_code == 302
    assert actions.usable_invitation(token) is None
    assert AuditEvent.objects.filter(event="staff.invitation_revoked").count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "too short"),
        ("password1234", "too common"),
        ("839274610392", "entirely numeric"),
    ],
)
def test_the_password_must_pass_the_validators(unit, client, password, message):
    _, token = invite(unit)
    response = client.post(
        reverse("staff:accept", args=[token]),
        {"username": "noor.h", "password": password, "password_again": password},
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["password"])
    assert not User.objects.filter(username="noor.h").exists()
    assert actions.usable_invitation(token) is not None


def test_a_taken_username_is_refused_and_nothing_is_saved(unit, client):
    _, token = invite(unit)
    response = client.post(reverse("staff:accept", args=[token]), {**NEW, "username": "NURSE"})
    assert response.status_code == 400
    assert "taken" in " ".join(response.context["form"].errors["username"])
    assert actions.usable_invitation(token) is not None


def test_a_signed_in_person_cannot_accept(unit, as_user):
    _, token = invite(unit)
    assert as_user(unit.nurse).get(reverse("staff:accept", args=[token])).status_code == 403


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "director", "auditor", "outsider"])
def test_only_administrators_invite(unit, persona):
    with pytest.raises(PermissionDenied):
        invite(unit, user=getattr(unit, persona))


def test_an_outside_administrator_cannot_invite_to_another_facility(unit, as_user):
    other_admin = make_outside_admin(unit)
    with pytest.raises(PermissionDenied):
        invite(unit, user=other_admin)
    response = as_user(other_admin).post(
        reverse("staff:invite"), {**INVITE, "facility": unit.ward.pk}
    )
    assert response.status_code == 400
    assert "facility" in response.context["form"].errors
    assert not StaffInvitation.objects.exists()


def test_a_bad_address_names_the_field(unit, as_user):
    response = as_user(unit.admin).post(
        reverse("staff:invite"), {**INVITE, "email": "not an address", "facility": unit.ward.pk}
    )
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert not StaffInvitation.objects.exists()


def test_someone_already_on_staff_is_not_invited_again(unit):
    unit.nurse.email = "new.nurse@example.org"
    unit.nurse.save()
    with pytest.raises(ValidationError, match="already works here"):
        invite(unit)


def test_the_invite_page_lists_open_invitations(unit, as_user):
    invite(unit, email="a@example.org")
    response = as_user(unit.admin).get(reverse("staff:invite"))
    assert response.status_code == 200
    assert b"a@example.org" in response.content
