from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions
from detoxdesk.intake.models import ContactAttempt, Inquiry
from detoxdesk.patients.models import Patient
from factories import make_user
from factories_intake import make_inquiry

pytestmark = pytest.mark.django_db


def _url(inquiry, name="intake:inquiry"):
    return reverse(name, kwargs={"inquiry_uuid": inquiry.uuid})


def test_it_redirects_anonymous_visitors(client, unit):
    inquiry = make_inquiry(unit.ward)
    assert client.get(_url(inquiry)).status_code == 302


def test_it_hides_the_inquiry_from_a_coordinator_of_another_facility(unit, as_user):
    from detoxdesk.accounts.models import Role

    elsewhere = make_user(Role.INTAKE_COORDINATOR, unit.other)
    inquiry = make_inquiry(unit.ward)
    assert as_user(elsewhere).get(_url(inquiry)).status_code == 404


def test_it_refuses_a_counselor_at_the_facility(unit, as_user):
    inquiry = make_inquiry(unit.ward)
    assert as_user(unit.counselor).get(_url(inquiry)).status_code == 403


def test_it_shows_the_inquiry_and_audits_the_view(unit, as_user):
    inquiry = make_inquiry(unit.ward, message="Please call after 5")
    response = as_user(unit.coordinator).get(_url(inquiry))
    assert response.status_code == 200
    assert "Please call after 5" in response.content.decode()
    assert AuditEvent.objects.filter(event="inquiry.viewed", object_id=str(inquiry.uuid)).exists()


def test_it_logs_a_contact_attempt(unit, as_user):
    inquiry = make_inquiry(unit.ward)
    when = timezone.localtime() - timedelta(minutes=5)
    response = as_user(unit.coordinator).post(
        _url(inquiry, "intake:log_contact"),
        {"outcome": "voicemail", "attempted_at": when.strftime("%Y-%m-%dT%H:%M"), "note": ""},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CONTACTING
    assert inquiry.attempts.get().outcome == ContactAttempt.Outcome.VOICEMAIL
    assert AuditEvent.objects.filter(event="inquiry.contact_logged").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "", "attempted_at": "2026-01-01T10:00"}, "outcome"),
        ({"outcome": "reached", "attempted_at": "yesterday"}, "attempted_at"),
        ({"outcome": "reached", "attempted_at": "2999-01-01T10:00"}, "attempted_at"),
    ],
)
def test_it_refuses_a_bad_contact_attempt(unit, as_user, data, field):
    inquiry = make_inquiry(unit.ward)
    response = as_user(unit.coordinator).post(_url(inquiry, "intake:log_contact"), data)
    assert response.status_code == 400
    assert response.context["contact_form"].errors.get(field)
    assert not ContactAttempt.objects.exists()


def test_it_schedules_an_evaluation(unit, as_user):
    inquiry = make_inquiry(unit.ward)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    as_user(unit.coordinator).post(_url(inquiry, "intake:schedule"), {"evaluation_at": when})
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.SCHEDULED and inquiry.evaluation_at


def test_it_closes_with_a_reason(unit, as_user):
    inquiry = make_inquiry(unit.ward)
    response = as_user(unit.coordinator).post(
        _url(inquiry, "intake:close"),
        {"reason": "referred_elsewhere", "note": "County clinic", "confirmed": "yes"},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CLOSED and inquiry.closed_reason == "referred_elsewhere"


def test_it_refuses_not_reachable_until_the_program_sets_n_and_n_attempts_are_logged(unit):
    inquiry = make_inquiry(unit.ward)
    with pytest.raises(Exception, match="not set"):
        actions.do_close_inquiry(inquiry, acting_user=unit.coordinator, reason="not_reachable")
    actions.do_change_intake_settings(
        unit.program, acting_user=unit.director, values={"max_contact_attempts": 2}
    )
    actions.do_log_contact_attempt(
        inquiry, acting_user=unit.coordinator, outcome="voicemail", attempted_at=timezone.now()
    )
    with pytest.raises(Exception, match="Log 2"):
        actions.do_close_inquiry(inquiry, acting_user=unit.coordinator, reason="not_reachable")
    actions.do_log_contact_attempt(
        inquiry, acting_user=unit.coordinator, outcome="wrong_number", attempted_at=timezone.now()
    )
    actions.do_close_inquiry(inquiry, acting_user=unit.coordinator, reason="not_reachable")
    assert Inquiry.objects.get().status == Inquiry.Status.CLOSED


@pytest.mark.parametrize(
    "same",
    [
        {"phone": "(555) 0100"},
        {"phone": "", "email": "Robin@Example.org", "contact_method": "email"},
        {
            "phone": "555-9999",
            "given_name": "robin",
            "family_name": "QUINN",
            "date_of_birth": date(1990, 5, 1),
        },
    ],
)
def test_it_links_a_duplicate_inquiry_from_the_same_person(unit, same):
    first = make_inquiry(unit.ward, email="robin@example.org", date_of_birth=date(1990, 5, 1))
    second = make_inquiry(unit.ward, **same)
    assert second.duplicate_of == first


def test_it_does_not_link_a_different_person(unit):
    make_inquiry(unit.ward, email="a@example.org")
    other = make_inquiry(unit.ward, phone="555-7777", given_name="Sky", email="b@example.org")
    assert other.duplicate_of is None


def test_it_converts_an_inquiry_into_a_patient_without_retyping(unit, as_user):
    inquiry = make_inquiry(unit.ward, date_of_birth=date(1988, 2, 3))
    client = as_user(unit.coordinator)
    page = client.get(_url(inquiry))
    form = page.context["convert_form"]
    assert form.initial["given_name"] == "Robin" and form.initial["date_of_birth"] == date(
        1988, 2, 3
    )
    response = client.post(
        _url(inquiry, "intake:convert"),
        {
            "record_number": "MRN-77",
            "given_name": "Robin",
            "family_name": "Quinn",
            "date_of_birth": "1988-02-03",
            "sex_at_birth": "unknown",
            "phone": "555-0100",
        },
    )
    patient = Patient.objects.get(record_number="MRN-77")
    assert response.status_code == 302
    assert patient.registered_at == unit.ward
    inquiry.refresh_from_db()
    assert inquiry.patient == patient and inquiry.status == Inquiry.Status.CONVERTED


def test_it_generates_record_numbers_when_the_program_does(unit):
    actions.do_change_intake_settings(
        unit.program,
        acting_user=unit.director,
        values={"record_numbers": "generated", "record_number_prefix": "HX-"},
    )
    inquiry = make_inquiry(unit.ward, date_of_birth=date(1988, 2, 3))
    patient = actions.do_convert_inquiry(
        inquiry,
        acting_user=unit.coordinator,
        values={"given_name": "Robin", "family_name": "Quinn", "date_of_birth": date(1988, 2, 3)},
    )
    assert patient.record_number == "HX-000001"


def test_it_refuses_a_conversion_missing_the_date_of_birth_or_reusing_a_record_number(
    unit, as_user
):
    inquiry = make_inquiry(unit.ward)
    client = as_user(unit.coordinator)
    response = client.post(
        _url(inquiry, "intake:convert"),
        {
            "record_number": unit.patient.record_number,
            "given_name": "Robin",
            "family_name": "Quinn",
            "date_of_birth": "",
            "sex_at_birth": "unknown",
        },
    )
    assert response.status_code == 400
    assert response.context["convert_form"].errors.get("date_of_birth")
    response = client.post(
        _url(inquiry, "intake:convert"),
        {
            "record_number": unit.patient.record_number,
            "given_name": "Robin",
            "family_name": "Quinn",
            "date_of_birth": "1990-01-01",
            "sex_at_birth": "unknown",
        },
    )
    assert response.context["convert_form"].errors.get("record_number")
    assert Patient.objects.count() == 1
