from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from detoxdesk.beds import queries
from detoxdesk.beds.models import Transfer
from detoxdesk.patients.models import Facility


@pytest.mark.django_db
def test_the_demo_shows_every_bed_state_in_two_wings():
    call_command("load_demo")
    ward = Facility.objects.get(kind="inpatient")
    beds = queries.board(queries.beds_at([ward.pk]), timezone.now())
    states = Counter(b["state"] for b in beds)
    assert states["reserved"] == 2 and states["cleaning"] == 1 and states["out_of_service"] == 1
    assert states["occupied"] >= 8 and states["available"] >= 1
    assert {b["unit"] for b in beds} == {"East wing", "West wing"}
    assert Transfer.objects.count() == 1
