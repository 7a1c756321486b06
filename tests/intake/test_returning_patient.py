"""A returning patient's new inquiry is linked to their existing record, not registered again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake.models import Inquiry
from detoxdesk.patients.models import Episode, Patient
from factories import make_episode, make_facility, make_patient
from factories_intake import make_inquiry

BORN = date(1984, 10, 19)


@pytest.fixture
def returning(unit):
    patient = make_patient(
        unit.program, given_name="Robin", family_name="Quinn", date_of_birth=BORN
    )
    make_episode(
        unit.ward,
        patient,
        admitted_at=timezone.now() - timedelta(days=100),
        status=Episode.Status.DISCHARGED,
        discharged_at=timezone.now() - timedelta(days=95),
    )
    return patient


def _page(client, inquiry) -> str:
    return client.get(reverse("intake:inquiry", args=[inquiry.uuid])).content.decode()


def test_the_inquiry_offers_the_existing_record(unit, returning, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=BORN)
    page = _page(as_user(unit.coordinator), inquiry)
    assert "Possibly a returning patient." in page
    assert f"Link to {returning.record_number}" in page
    event = AuditEvent.objects.get(event="patient.found_in_search")
    assert event.patient == returning and event.changes == {"inquiry": str(inquiry.uuid)}


@pytest.mark.parametrize(
    "values",
    [
        {"date_of_birth": None},  # nothing to match on
        {"date_of_birth": date(1984, 10, 20)},
        {"date_of_birth": BORN, "given_name": "Alex", "family_name": "Stone"},
    ],
)
def test_it_offers_nobody_without_a_match(unit, returning, as_user, values):
    inquiry = make_inquiry(unit.ward, **values)
    assert "Possibly a returning patient." not in _page(as_user(unit.coordinator), inquiry)


def test_another_programs_patient_is_never_offered(unit, as_user):
    elsewhere = make_facility()
    twin = make_patient(
        elsewhere.program, given_name="Robin", family_name="Quinn", date_of_birth=BORN
    )
    make_episode(elsewhere, twin)
    inquiry = make_inquiry(unit.ward, date_of_birth=BORN)
    assert "Possibly a returning patient." not in _page(as_user(unit.coordinator), inquiry)


def test_linking_converts_the_inquiry_to_the_same_patient(unit, returning, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=BORN)
    response = as_user(unit.nurse).post(
        reverse("intake:link_returning", args=[inquiry.uuid]), {"patient": str(returning.uuid)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", args=[returning.uuid])
    inquiry.refresh_from_db()
    assert (inquiry.patient, inquiry.status) == (returning, Inquiry.Status.CONVERTED)
    assert Patient.objects.filter(given_name="Robin", family_name="Quinn").count() == 1
    assert AuditEvent.objects.filter(event="inquiry.converted", patient=returning).exists()


def test_a_patient_not_offered_cannot_be_linked(unit, returning, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=BORN)
    stranger = make_patient(unit.program)
    response = as_user(unit.nurse).post(
        reverse("intake:link_returning", args=[inquiry.uuid]),
        {"patient": str(stranger.uuid)},
        follow=True,
    )
    assert "Choose one of the records listed" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.patient is None


def test_a_linked_inquiry_is_not_linked_twice(unit, returning, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=BORN)
    url = reverse("intake:link_returning", args=[inquiry.uuid])
    client = as_user(unit.nurse)
    client.post(url, {"patient": str(returning.uuid)})
    again = client.post(url, {"patient": str(returning.uuid)}, follow=True)
    assert "Choose one of the records listed" in again.content.decode()
    assert AuditEvent.objects.filter(event="inquiry.converted").count() == 1


def test_an_outsider_cannot_link(unit, returning, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=BORN)
    response = as_user(unit.outsider).post(
        reverse("intake:link_returning", args=[inquiry.uuid]), {"patient": str(returning.uuid)}
    )
    assert response.status_code == 404
