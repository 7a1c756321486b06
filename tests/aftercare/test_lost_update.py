"""Two people edit the discharge summary text at once: the second is shown the first one's text
and saves nothing, instead of overwriting it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from factories_aftercare import start_discharge

pytestmark = pytest.mark.django_db


def test_it_refuses_a_stale_summary_save_and_shows_the_other_text(unit):
    discharge = start_discharge(unit)
    url = reverse("aftercare:edit_summary", args=[discharge.uuid])
    first, second = Client(), Client()
    first.force_login(unit.nurse)
    second.force_login(unit.prescriber)
    read = second.get(url).context["form"]["read_fingerprint"].value()
    assert first.get(url).context["form"]["read_fingerprint"].value() == read
    first.post(url, {"medications_text": "Buprenorphine 16 mg daily", "read_fingerprint": read})
    response = second.post(url, {"medications_text": "Methadone 60 mg", "read_fingerprint": read})
    assert response.status_code == 200
    message = response.context["form"].errors["medications_text"][0]
    assert "Someone else changed" in message and "Buprenorphine 16 mg daily" in message
    discharge.refresh_from_db()
    assert discharge.medications_text == "Buprenorphine 16 mg daily"
