"""The contract other apps code against: do_open_inquiry_for_patient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake.actions import do_open_inquiry_for_patient
from detoxdesk.intake.models import Inquiry
from factories import make_facility, make_patient
from factories_intake import make_inquiry

pytestmark = pytest.mark.django_db


def test_it_opens_an_urgent_inquiry_prefilled_from_the_patient(unit):
    unit.patient.phone = "555-0199"
    unit.patient.save()
    inquiry = do_open_inquiry_for_patient(
        unit.patient, unit.ward, acting_user=unit.counselor, reason="Called: needs help now"
    )
    assert isinstance(inquiry, Inquiry)
    assert inquiry.uuid
    assert inquiry.patient == unit.patient
    assert inquiry.urgency == Inquiry.Urgency.URGENT
    assert (inquiry.given_name, inquiry.family_name) == (
        unit.patient.given_name,
        unit.patient.family_name,
    )
    assert inquiry.phone == "555-0199"
    assert inquiry.reason == "Called: needs help now"
    event = AuditEvent.objects.get(event="inquiry.opened")
    assert event.actor == unit.counselor and event.patient == unit.patient


def test_it_puts_the_opened_inquiry_at_the_top_of_the_queue(unit, as_user):
    make_inquiry(unit.ward, now=timezone.now() - timedelta(days=2), substances=["fentanyl"])
    make_inquiry(unit.ward, now=timezone.now() - timedelta(days=3), phone="555-0111")
    opened = do_open_inquiry_for_patient(unit.patient, unit.ward, acting_user=None, reason="x")
    response = as_user(unit.coordinator).get(reverse("intake:queue"))
    rows = list(response.context["page"].object_list)
    assert rows[0] == opened


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_without_a_reason(unit, reason):
    with pytest.raises(ValidationError) as exc:
        do_open_inquiry_for_patient(unit.patient, unit.ward, acting_user=unit.nurse, reason=reason)
    assert "reason" in exc.value.message_dict
    assert not Inquiry.objects.exists()


def test_it_refuses_staff_with_no_role_at_the_facility(unit):
    with pytest.raises(PermissionDenied):
        do_open_inquiry_for_patient(unit.patient, unit.ward, acting_user=unit.outsider, reason="x")


def test_it_refuses_a_facility_of_another_program(unit):
    elsewhere = make_facility()
    with pytest.raises(ValidationError):
        do_open_inquiry_for_patient(unit.patient, elsewhere, acting_user=None, reason="x")
    assert make_patient(unit.program).inquiries.count() == 0
