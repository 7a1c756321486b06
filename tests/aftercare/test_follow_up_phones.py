"""Phone numbers where a follow-up call is made: the worklist, the follow-up form, and the urgent
inquiry a follow-up opens; a relative's number is labelled as theirs, never as the patient's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from detoxdesk.aftercare.models import FollowUp
from detoxdesk.intake.actions import do_open_inquiry_for_patient
from detoxdesk.intake.models import Inquiry
from detoxdesk.patients.models import Contact
from factories import Unit
from factories_aftercare import signed_discharge

DISCHARGED = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)
WORKLIST = reverse("aftercare:follow_ups")
pytestmark = pytest.mark.now(DISCHARGED)


@pytest.fixture
def discharged(unit: Unit) -> Unit:
    signed_discharge(unit, now=DISCHARGED)
    return unit


def _sister(unit: Unit) -> None:
    Contact.objects.create(
        patient=unit.patient,
        kind=Contact.Kind.EMERGENCY,
        name="Maria Lopez",
        relationship="sister",
        phone="555-0123",
    )


def test_the_worklist_shows_the_patients_own_phone_once_a_row(as_user, discharged: Unit) -> None:
    discharged.patient.phone = "555-0199"
    discharged.patient.save()
    with time_machine.travel(datetime(2026, 4, 20, 14, tzinfo=UTC), tick=False):
        page = as_user(discharged.counselor).get(WORKLIST).content.decode()
    rows = page.count("Record the day")
    assert rows == 3  # days 3, 7 and 30 are due
    assert page.count('<a href="tel:555-0199">555-0199</a>') == rows


def test_without_an_own_phone_it_shows_the_emergency_contacts_labelled(
    as_user, discharged: Unit
) -> None:
    _sister(discharged)
    with time_machine.travel(DUE, tick=False):
        client = as_user(discharged.counselor)
        worklist = client.get(WORKLIST).content.decode()
        day3 = FollowUp.objects.get(day_offset=3)
        form = client.get(reverse("aftercare:record_follow_up", args=[day3.uuid]))
    for page in (worklist, form.content.decode()):
        assert '<a href="tel:555-0123">555-0123</a>' in page
        assert "Maria Lopez, sister (emergency contact)" in page


def test_with_no_number_at_all_it_says_so(as_user, discharged: Unit) -> None:
    with time_machine.travel(DUE, tick=False):
        page = as_user(discharged.counselor).get(WORKLIST).content.decode()
    assert "No phone on record" in page


def test_the_urgent_inquiry_carries_the_patients_phone(unit: Unit, as_user) -> None:
    unit.patient.phone = "555-0199"
    unit.patient.save()
    _sister(unit)
    inquiry = do_open_inquiry_for_patient(unit.patient, unit.ward, acting_user=None, reason="x")
    assert inquiry.phone == "555-0199" and inquiry.reason == "x"
    page = as_user(unit.coordinator).get(reverse("intake:inquiry", args=[inquiry.uuid]))
    html = page.content.decode()
    assert "Numbers on the patient's record" in html
    assert "555-0199" in html and "Maria Lopez, sister (emergency contact)" in html


def test_without_an_own_phone_the_inquiry_says_whose_number_it_is(unit: Unit) -> None:
    _sister(unit)
    inquiry = do_open_inquiry_for_patient(
        unit.patient, unit.ward, acting_user=None, reason="Needs help now."
    )
    assert inquiry.phone == "555-0123"
    assert inquiry.reason == "Needs help now. Phone: Maria Lopez, sister (emergency contact)."
    assert Inquiry.objects.get().phone == "555-0123"
