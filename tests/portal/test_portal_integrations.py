from __future__ import annotations

import pytest
from django.urls import reverse

from factories_portal import make_portal_user

pytestmark = pytest.mark.django_db


def test_the_patient_sees_their_taper_calendar(unit, as_user):
    from factories_tapers import make_signed_plan

    make_signed_plan(unit)
    response = as_user(make_portal_user(unit.patient)).get(reverse("portal:home"))
    assert response.context["taper"]["plan"] is not None
    assert b"taper-calendar" in response.content
    assert b"daily dose by day" in response.content


def test_the_patient_sees_appointments_and_the_discharge_summary(unit, as_user):
    from factories_aftercare import signed_discharge

    signed_discharge(unit)
    client = as_user(make_portal_user(unit.patient))
    home = client.get(reverse("portal:home"))
    assert b"Dr. Lee" in home.content
    assert b"Read my summary" in home.content
    summary = client.get(reverse("portal:summary"))
    assert b"Your discharge summary" in summary.content
    assert b"SMART Recovery" in summary.content


def test_another_patients_plan_and_discharge_stay_hidden(unit, as_user):
    from factories import make_episode
    from factories_aftercare import signed_discharge

    signed_discharge(unit)
    other = make_episode(unit.ward)
    client = as_user(make_portal_user(other.patient))
    home = client.get(reverse("portal:home"))
    assert b"Dr. Lee" not in home.content
    assert b"Read my summary" not in home.content
    assert b"SMART Recovery" not in client.get(reverse("portal:summary")).content
