"""Who may open each staff page: the administrator; everyone else 403 (or 404 from outside)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.staff.models import Unit
from factories_staff import invite, make_outside_admin

pytestmark = pytest.mark.django_db

PERSONAS = ["nurse", "prescriber", "counselor", "coordinator", "director", "auditor", "outsider"]


def pages(unit) -> list[str]:
    north = Unit.objects.create(facility=unit.ward, name="North")
    invitation, _ = invite(unit)
    person = (unit.nurse.uuid,)
    return [
        reverse("staff:list"),
        reverse("staff:invite"),
        reverse("staff:revoke_invitation", args=[invitation.uuid]),
        reverse("staff:person", args=person),
        reverse("staff:change_role", args=[unit.nurse.uuid, unit.ward.uuid]),
        reverse("staff:remove_role", args=[unit.nurse.uuid, unit.ward.uuid]),
        reverse("staff:account_action", args=[unit.nurse.uuid, "deactivate"]),
        reverse("staff:account_action", args=[unit.nurse.uuid, "unlock"]),
        reverse("staff:account_action", args=[unit.nurse.uuid, "reset-mfa"]),
        reverse("staff:facilities"),
        reverse("staff:facility_new"),
        reverse("staff:facility", args=[unit.ward.uuid]),
        reverse("staff:facility_action", args=[unit.ward.uuid, "deactivate"]),
        reverse("staff:unit", args=[north.uuid]),
        reverse("staff:bed", args=[unit.ward.uuid, unit.bed.label]),
        reverse("staff:bed_delete", args=[unit.ward.uuid, unit.bed.label]),
    ]


def test_the_administrator_opens_every_page(unit, as_user):
    client = as_user(unit.admin)
    for url in pages(unit):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_other_roles_are_refused_every_page(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    for url in pages(unit):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code in {403, 405}, url


def test_an_administrator_of_another_facility_gets_not_found(unit, as_user):
    client = as_user(make_outside_admin(unit))
    for url in pages(unit):
        if url in {
            reverse("staff:list"),
            reverse("staff:invite"),
            reverse("staff:facilities"),
            reverse("staff:facility_new"),
        }:
            assert client.get(url).status_code == 200, url
        else:
            assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(unit, client):
    for url in pages(unit):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login"))
