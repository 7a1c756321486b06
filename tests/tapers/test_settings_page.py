from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.tapers.models import TaperSettings

URL = reverse("tapers:settings")
pytestmark = pytest.mark.django_db


def form_data(**overrides):
    return {"hold_cows_at": "", "hold_sows_at": "", "methadone_factors": "cdc2022", **overrides}


def test_it_sends_anonymous_visitors_to_sign_in(client):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("persona", ["prescriber", "nurse", "outsider"])
def test_it_refuses_anyone_but_a_director(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(URL).status_code == 403


def test_it_ships_the_thresholds_unset(unit, as_user):
    form = as_user(unit.director).get(URL).context["form"]
    assert form.initial["hold_cows_at"] is None and form.initial["hold_sows_at"] is None
    assert form.initial["methadone_factors"] == "cdc2022"


def test_it_saves_the_settings_and_audits_the_change(unit, as_user):
    response = as_user(unit.director).post(
        URL, form_data(hold_cows_at="13", flag_on_hard_day="on", methadone_factors="cdc2016")
    )
    assert response.status_code == 302
    rules = TaperSettings.objects.get(program=unit.program)
    assert rules.hold_cows_at == 13 and rules.methadone_factors == "cdc2016"
    assert AuditEvent.objects.filter(event="taper.settings_changed", actor=unit.director).exists()


def test_it_names_the_field_of_a_bad_value(unit, as_user):
    response = as_user(unit.director).post(URL, form_data(slow_near_end_percent="20"))
    assert "slow_near_end_percent" in response.context["form"].errors
    assert not TaperSettings.objects.exists()
