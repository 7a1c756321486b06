from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions as intake
from detoxdesk.patients import actions
from detoxdesk.patients.models import Contact, Patient
from factories_intake import make_inquiry


def page(unit):
    return reverse("patients:demographics", args=[unit.patient.uuid])


def form_data(patient, **changes):
    data = {
        "version": patient.version,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_name": patient.preferred_name,
        "pronouns": patient.pronouns,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": patient.sex_at_birth,
        "phone": patient.phone,
        "contact_name": "",
        "contact_relationship": "",
        "contact_phone": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize("persona", ["nurse", "prescriber"])
def test_it_shows_the_form_to_staff_who_register_patients(unit, as_user, persona):
    response = as_user(getattr(unit, persona)).get(page(unit))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        event="patient.demographics_viewed", patient=unit.patient
    ).exists()


@pytest.mark.parametrize("persona", ["counselor", "director"])
def test_it_refuses_read_only_roles(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    assert client.get(page(unit)).status_code == 403
    assert client.post(page(unit), form_data(unit.patient, phone="555-0199")).status_code == 403
    unit.patient.refresh_from_db()
    assert unit.patient.phone == ""


@pytest.mark.parametrize("persona", ["outsider", "auditor", "admin", "coordinator"])
def test_it_hides_the_page_from_people_without_chart_access(unit, as_user, persona):
    client = as_user(getattr(unit, persona))
    assert client.get(page(unit)).status_code == 404
    assert client.post(page(unit), form_data(unit.patient, phone="555-0199")).status_code == 404


def test_it_saves_demographics_and_the_emergency_contact_with_an_audit(unit, as_user):
    data = form_data(
        unit.patient,
        given_name="Samuel",
        date_of_birth="1989-05-06",
        sex_at_birth="male",
        phone="555-0111",
        contact_name="Ana Reyes",
        contact_relationship="sister",
        contact_phone="555-0222",
    )
    response = as_user(unit.nurse).post(page(unit), data)
    assert response.status_code == 302
    patient = Patient.objects.get(pk=unit.patient.pk)
    assert (patient.given_name, patient.date_of_birth, patient.sex_at_birth, patient.phone) == (
        "Samuel",
        date(1989, 5, 6),
        "male",
        "555-0111",
    )
    assert patient.version == 2
    contact = Contact.objects.get(patient=patient, kind="emergency")
    assert (contact.name, contact.relationship, contact.phone) == (
        "Ana Reyes",
        "sister",
        "555-0222",
    )
    event = AuditEvent.objects.get(event="patient.demographics_changed")
    assert event.changes["given_name"] == ["Sam", "Samuel"]
    assert event.changes["contact_phone"] == ["", "555-0222"]
    chart = as_user(unit.nurse).get(reverse("patients:chart", args=[patient.uuid]))
    assert "Ana Reyes (sister) 555-0222" in chart.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"sex_at_birth": "robot"}, "sex_at_birth"),
        ({"contact_phone": "555-0222"}, "contact_name"),
    ],
)
def test_it_saves_nothing_from_bad_input(unit, as_user, changes, field):
    data = form_data(unit.patient, phone="555-0111", **changes)
    response = as_user(unit.nurse).post(page(unit), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    unit.patient.refresh_from_db()
    assert (unit.patient.phone, unit.patient.version) == ("", 1)
    assert not Contact.objects.exists()
    assert not AuditEvent.objects.filter(event="patient.demographics_changed").exists()


def test_it_refuses_a_stale_save_and_shows_the_other_change(unit, as_user):
    stale = form_data(unit.patient, phone="555-0111")
    actions.do_update_demographics(
        unit.patient,
        acting_user=unit.prescriber,
        values={
            **{k: getattr(unit.patient, k) for k in actions.DEMOGRAPHIC_FIELDS},
            "phone": "555-0999",
        },
        contact={},
        expected_version=1,
    )
    response = as_user(unit.nurse).post(page(unit), stale)
    assert response.status_code == 400
    body = response.content.decode()
    assert "your changes were not saved" in body
    assert "Test prescriber" in body and "555-0999" in body
    assert response.context["form"]["phone"].value() == "555-0999"  # the form shows theirs
    assert response.context["form"]["version"].value() == 2
    unit.patient.refresh_from_db()
    assert unit.patient.phone == "555-0999"


def test_an_empty_contact_name_removes_the_emergency_contact(unit, as_user):
    client = as_user(unit.nurse)
    client.post(page(unit), form_data(unit.patient, contact_name="Ana", contact_phone="1"))
    unit.patient.refresh_from_db()
    client.post(page(unit), form_data(unit.patient))
    assert not Contact.objects.filter(kind="emergency").exists()


# --- Converting an inquiry: whose phone is it? ---------------------------------------------

CONVERT = {"given_name": "Robin", "family_name": "Quinn", "date_of_birth": date(1988, 2, 3)}


def test_a_family_members_phone_goes_to_the_caller_contact_not_the_patient(unit):
    inquiry = make_inquiry(
        unit.ward,
        for_whom="other",
        caller_name="Pat Quinn",
        caller_relationship="mother",
        phone="(555) 0100",
    )
    patient = intake.do_convert_inquiry(
        inquiry,
        acting_user=unit.coordinator,
        values={**CONVERT, "record_number": "MRN-9", "phone": "555 0100"},  # the form's prefill
    )
    assert patient.phone == ""
    caller = Contact.objects.get(patient=patient)
    assert (caller.kind, caller.name, caller.relationship, caller.phone) == (
        "caller",
        "Pat Quinn",
        "mother",
        "(555) 0100",
    )
    assert AuditEvent.objects.filter(event="patient.contact_added", patient=patient).exists()


def test_a_different_number_typed_for_the_patient_is_kept_as_theirs(unit):
    inquiry = make_inquiry(unit.ward, for_whom="other", caller_name="Pat", phone="555-0100")
    patient = intake.do_convert_inquiry(
        inquiry,
        acting_user=unit.coordinator,
        values={**CONVERT, "record_number": "MRN-9", "phone": "555-0177"},
    )
    assert patient.phone == "555-0177"


def test_the_callers_phone_is_the_patients_when_they_called_for_themselves(unit):
    inquiry = make_inquiry(unit.ward, for_whom="self", phone="555-0100")
    patient = intake.do_convert_inquiry(
        inquiry,
        acting_user=unit.coordinator,
        values={**CONVERT, "record_number": "MRN-9", "phone": "555-0100"},
    )
    assert patient.phone == "555-0100"
    assert not Contact.objects.filter(patient=patient).exists()
