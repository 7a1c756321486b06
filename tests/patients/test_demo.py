from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from detoxdesk.accounts.models import Role, User
from detoxdesk.accounts.validators import DEMO_PASSWORD
from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Bed, Episode, Facility


@pytest.mark.django_db
def test_it_loads_a_program_with_two_facilities_accounts_and_patients(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    inpatient = Facility.objects.get(kind="inpatient")
    assert Bed.objects.filter(facility=inpatient).count() == 16
    assert Facility.objects.filter(kind="outpatient").count() == 1
    staff = User.objects.filter(memberships__isnull=False)
    assert set(staff.values_list("memberships__role", flat=True)) == set(Role.values)
    # Every password check needs the request: the sign-in lockout keys on its address.
    request = RequestFactory().post("/accounts/sign-in/")
    assert authenticate(request, username="nurse", password=DEMO_PASSWORD) is not None
    patient = authenticate(request, username="patient", password=DEMO_PASSWORD)
    assert patient is not None and not patient.memberships.exists()
    assert patient.portal_account.patient.episodes.filter(status="active").exists()
    episodes = Episode.objects.filter(status="active")
    assert 10 <= episodes.count() <= 14
    days = {e.day_of_stay(e.admitted_at.__class__.now(e.admitted_at.tzinfo)) for e in episodes}
    assert len(days) >= 5  # patients at different days of withdrawal
    assert Assessment.objects.filter(scale="cows").count() > 100
    assert Assessment.objects.filter(scale="ciwa_ar").exists()
    assert (
        AuditEvent.objects.filter(event="assessment.recorded").count() == Assessment.objects.count()
    )


@pytest.mark.django_db
def test_it_refuses_to_load_twice_but_if_empty_succeeds(capsys):
    call_command("load_demo")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already has a program"):
        call_command("load_demo")
    call_command("load_demo", "--if-empty")
    assert "already loaded" in capsys.readouterr().out
