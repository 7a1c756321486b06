"""Signing an order, a discharge or a taper asks who the signer is again when it was not recent."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from detoxdesk.aftercare.models import Discharge
from factories import PASSWORD
from factories_aftercare import start_discharge

pytestmark = pytest.mark.django_db
REAUTH = reverse("accounts:reauth")


def signed_in_long_ago(client, user) -> None:
    """A session that gave its password more than REAUTH_MINUTES ago."""
    with time_machine.travel(timedelta(minutes=-(settings.REAUTH_MINUTES + 1))):
        assert client.post(
            reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
        ).status_code in (302, 200)


def test_a_fresh_sign_in_counts_as_the_confirmation(unit, client) -> None:
    client.post(reverse("accounts:login"), {"username": "prescriber", "password": PASSWORD})
    url = reverse("medications:new_order", args=[unit.episode.uuid, "bup_standard"])
    assert client.get(url).status_code == 200


def test_an_order_form_asks_again_after_reauth_minutes(unit, client) -> None:
    signed_in_long_ago(client, unit.prescriber)
    url = reverse("medications:new_order", args=[unit.episode.uuid, "bup_standard"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next={quote(url, safe='')}"


def test_signing_a_discharge_asks_again_and_signs_nothing(unit, client) -> None:
    discharge = start_discharge(unit)
    signed_in_long_ago(client, unit.nurse)
    response = client.post(reverse("aftercare:sign", args=[discharge.uuid]))
    bundle = reverse("aftercare:bundle", args=[discharge.uuid])
    assert response["Location"] == f"{REAUTH}?next={quote(bundle, safe='')}"
    discharge.refresh_from_db()
    assert discharge.status != Discharge.Status.SIGNED
