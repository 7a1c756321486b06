from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.tapers.models import TaperSettings

URL = reverse("patients:go_live")


def test_it_lists_every_unset_clinical_parameter_for_the_director(unit, as_user):
    unit.program.assessment_interval_minutes = None
    unit.program.save()
    response = as_user(unit.director).get(URL)
    assert response.status_code == 200
    names = {item.name for item in response.context["items"]}
    assert {
        "Assessment interval (minutes)",
        "Lofexidine: hold if systolic pressure below (mmHg)",
        "Clonidine: hold if heart rate below (/min)",
        "Lorazepam: maximum per day (mg)",
        "Before a dose: how old vitals may be for hold checks (min)",
        "Buprenorphine induction: precipitated-withdrawal screening window (min)",
        "Flag the next reduction at a COWS total of",
        "Contact attempts before an inquiry may be closed as not reachable",
        "Days a follow-up stays due before it is overdue",
        "Systolic blood pressure: hard limits for entries (mmHg)",
    } <= names
    body = response.content.decode()
    for where in (
        "medications:settings",
        "tapers:settings",
        "intake:settings",
        "aftercare:settings",
    ):
        assert f'href="{reverse(where)}"' in body
    assert f'href="{reverse("patients:program_settings")}#vital-hard-limits"' in body
    assert "Set by the prescriber on each order" in body
    assert AuditEvent.objects.filter(event="golive.viewed", actor=unit.director).exists()


def test_a_parameter_the_program_sets_leaves_the_list(unit, as_user):
    client = as_user(unit.director)
    TaperSettings.objects.create(program=unit.program, hold_cows_at=13)
    unit.program.vital_hard_limits = {"systolic": {"low": 10, "high": None}}
    unit.program.save()
    names = {item.name for item in client.get(URL).context["items"]}
    assert "Flag the next reduction at a COWS total of" not in names
    assert "Flag the next reduction at a SOWS total of" in names
    assert "Assessment interval (minutes)" not in names  # the factory program sets 240
    assert "Systolic blood pressure: hard limits for entries (mmHg)" not in names
    assert "Heart rate: hard limits for entries (/min)" in names


@pytest.mark.parametrize(
    "persona", ["nurse", "prescriber", "counselor", "coordinator", "auditor", "admin", "outsider"]
)
def test_it_refuses_everyone_but_the_director(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(URL).status_code == 403
    assert not AuditEvent.objects.filter(event="golive.viewed").exists()


def test_the_program_settings_page_links_to_it(unit, as_user):
    body = as_user(unit.director).get(reverse("patients:program_settings")).content.decode()
    assert f'href="{URL}"' in body
