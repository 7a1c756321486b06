"""Printing a record for the patient or someone outside goes through the door."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures import package
from detoxdesk.disclosures.models import Disclosure
from factories_aftercare import start_discharge
from factories_disclosures import make_consent
from factories_tapers import make_signed_plan

pytestmark = pytest.mark.django_db


def _release(client, unit, **data):
    url = reverse("disclosures:release", args=[unit.patient.uuid])
    return client.post(url, data)


def outside(**overrides):
    data = {
        "information": "discharge_summary",
        "audience": "other",
        "recipient": "Harbor Primary Care",
        "purpose": "treatment",
    }
    data.update(overrides)
    return data


def test_it_prints_for_a_covered_recipient_with_notice_and_consent(as_user, unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    start_discharge(unit)
    client = as_user(unit.nurse)
    response = _release(client, unit, **outside())
    disclosure = Disclosure.objects.get()
    assert response["Location"] == reverse("disclosures:disclosure", args=[disclosure.uuid])
    page = client.get(response["Location"]).content.decode()
    assert "Your discharge summary" in page
    assert package.notice_text()[:60] in page
    assert "Copy of the consent this disclosure relies on" in page
    assert str(consent.uuid) in page
    assert disclosure.recipient == "Harbor Primary Care"
    assert disclosure.episode == unit.episode


@pytest.mark.parametrize(
    ("ask", "reason"),
    [
        ({"recipient": "Bay Clinic"}, "does not name Bay Clinic"),
        ({"purpose": "payment"}, "does not cover the purpose payment"),
        ({"information": "chart"}, "does not cover the chart"),
    ],
)
def test_it_refuses_naming_why_and_discloses_nothing(as_user, unit, ask, reason) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward, information=["discharge_summary"])
    start_discharge(unit)
    response = _release(as_user(unit.nurse), unit, **outside(**ask))
    assert response.status_code == 403
    assert "Refused: nothing was disclosed." in response.content.decode()
    assert reason in response.content.decode()
    assert not Disclosure.objects.exists()


def test_without_any_consent_it_refuses(as_user, unit) -> None:
    start_discharge(unit)
    response = _release(as_user(unit.nurse), unit, **outside())
    assert response.status_code == 403 and "No consent" in response.content.decode()
    assert not Disclosure.objects.exists()


def test_a_copy_for_the_patient_is_recorded_without_consent(as_user, unit) -> None:
    make_signed_plan(unit)
    client = as_user(unit.nurse)
    response = _release(client, unit, information="taper_calendar", audience="patient")
    disclosure = Disclosure.objects.get()
    assert disclosure.legal_basis == Disclosure.LegalBasis.PATIENT_ACCESS
    page = client.get(response["Location"]).content.decode()
    assert "Your own copy" in page and "Taper calendar" in page
    consents_page = reverse("disclosures:consents", args=[unit.patient.uuid])
    assert "The taper calendar" in client.get(consents_page).content.decode()


def test_the_chart_prints_under_a_consent_that_covers_it(as_user, unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward, information=["all_records"])
    client = as_user(unit.nurse)
    response = _release(client, unit, **outside(information="chart"))
    page = client.get(response["Location"]).content.decode()
    assert "Chart summary" in page and unit.patient.record_number in page


def test_it_says_when_there_is_nothing_to_print(as_user, unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    response = _release(as_user(unit.nurse), unit, **outside())
    assert "No discharge summary has been started" in response.content.decode()
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(event="disclosure.refused").exists()


def test_someone_outside_needs_a_name_and_a_purpose(as_user, unit) -> None:
    start_discharge(unit)
    response = _release(as_user(unit.nurse), unit, **outside(recipient="", purpose=""))
    page = response.content.decode()
    assert "Name who the record is for." in page and "Choose why the record is disclosed." in page
    assert not Disclosure.objects.exists()


def test_the_internal_previews_point_to_the_door(as_user, unit) -> None:
    discharge = start_discharge(unit)
    plan = make_signed_plan(unit)
    client = as_user(unit.nurse)
    release = reverse("disclosures:release", args=[unit.patient.uuid])
    for url in (
        reverse("aftercare:summary", args=[discharge.uuid]),
        reverse("tapers:calendar", args=[plan.uuid]),
    ):
        page = client.get(url).content.decode()
        assert release in page and "internal-preview" in page and "does not print" in page
    assert (
        release in client.get(reverse("patients:chart", args=[unit.patient.uuid])).content.decode()
    )


def test_the_package_is_for_those_who_release(as_user, unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    start_discharge(unit)
    response = _release(as_user(unit.nurse), unit, **outside())
    assert as_user(unit.outsider).get(response["Location"]).status_code == 404
    assert as_user(unit.auditor).get(response["Location"]).status_code == 403
