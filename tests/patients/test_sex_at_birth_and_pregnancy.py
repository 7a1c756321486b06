"""Sex at birth and gender identity kept apart; pregnancy asked by the former everywhere (the
medication facts, the aftercare referral), and shown on the chart header when recorded."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients.models import Patient
from detoxdesk.patients.pregnancy import can_become_pregnant, pregnancy_may_apply
from factories import make_patient
from factories_aftercare import start_discharge
from factories_intake import make_evaluation
from factories_labs import record_result
from factories_medications import make_facts

pytestmark = pytest.mark.django_db

PREGNANT_LINE = '<p class="pregnancy-line">'


@pytest.mark.parametrize(
    ("sex", "can", "asked"),
    [
        ("female", True, True),
        ("intersex", True, True),
        ("male", False, False),
        ("unknown", None, True),
    ],
)
def test_can_become_pregnant_reads_sex_at_birth(unit, sex, can, asked):
    patient = make_patient(unit.program, sex_at_birth=sex, gender_identity="non-binary")
    assert can_become_pregnant(patient) is can
    assert pregnancy_may_apply(patient) is asked


def _demographics(patient, **changes):
    data = {
        "version": patient.version,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_name": "",
        "pronouns": "",
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": patient.sex_at_birth,
        "gender_identity": patient.gender_identity,
        "phone": "",
        "contact_name": "",
        "contact_relationship": "",
        "contact_phone": "",
    }
    return {**data, **changes}


def test_sex_at_birth_and_gender_identity_are_edited_apart_with_an_audit(unit, as_user):
    url = reverse("patients:demographics", args=[unit.patient.uuid])
    data = _demographics(unit.patient, sex_at_birth="female", gender_identity="Man")
    assert as_user(unit.nurse).post(url, data).status_code == 302
    patient = Patient.objects.get(pk=unit.patient.pk)
    assert (patient.sex_at_birth, patient.gender_identity, patient.version) == ("female", "Man", 2)
    event = AuditEvent.objects.get(event="patient.demographics_changed")
    assert event.changes["gender_identity"] == ["", "Man"]
    assert event.changes["sex_at_birth"] == ["unknown", "female"]


def test_a_stale_gender_identity_edit_is_refused(unit, as_user):
    url = reverse("patients:demographics", args=[unit.patient.uuid])
    stale = _demographics(unit.patient, gender_identity="Woman")
    as_user(unit.nurse).post(url, _demographics(unit.patient, gender_identity="Man"))
    response = as_user(unit.prescriber).post(url, stale)
    assert response.status_code == 400
    assert Patient.objects.get(pk=unit.patient.pk).gender_identity == "Man"


def _chart(unit, as_user):
    url = reverse("patients:chart", args=[unit.patient.uuid])
    return html.unescape(as_user(unit.nurse).get(url).content.decode())


def test_the_chart_header_shows_both_fields(unit, as_user):
    Patient.objects.filter(pk=unit.patient.pk).update(sex_at_birth="male", gender_identity="Woman")
    body = _chart(unit, as_user)
    assert "sex at birth male · gender Woman" in body


def test_the_chart_header_shows_a_pregnancy_from_the_medication_facts(unit, as_user):
    """A positive test (the labs app) sets the facts; the header reads them."""
    assert PREGNANT_LINE not in _chart(unit, as_user)
    make_facts(unit.episode, unit.prescriber, pregnant=True)
    assert PREGNANT_LINE in _chart(unit, as_user)


@pytest.mark.parametrize(("answer", "shown"), [(True, True), (False, False), (None, False)])
def test_the_chart_header_shows_a_pregnancy_from_the_evaluation(unit, as_user, answer, shown):
    make_evaluation(unit.patient, unit.ward, unit.prescriber, pregnant=answer)
    assert (PREGNANT_LINE in _chart(unit, as_user)) is shown


def test_the_medication_facts_ask_pregnancy_by_sex_at_birth(unit, as_user):
    url = reverse("medications:facts", args=[unit.episode.uuid])
    assert "pregnant" in as_user(unit.nurse).get(url).context["form"].fields
    Patient.objects.filter(pk=unit.patient.pk).update(sex_at_birth="male")
    assert "pregnant" not in as_user(unit.nurse).get(url).context["form"].fields


def test_the_referral_records_an_obstetric_contact(unit, as_user):
    discharge = start_discharge(unit)
    url = reverse("aftercare:referrals", args=[discharge.uuid])
    client = as_user(unit.counselor)
    contact = "Dr Lee, Eastside Obstetrics, 555-0100"
    client.post(url, {"name": "Eastside OTP", "obstetric_contact": contact})
    assert discharge.referrals.get().obstetric_contact == contact
    assert f"Obstetric contact: {contact}" in html.unescape(client.get(url).content.decode())


def test_the_referral_asks_no_obstetric_contact_when_pregnancy_cannot_apply(unit, as_user):
    Patient.objects.filter(pk=unit.patient.pk).update(sex_at_birth="male")
    discharge = start_discharge(unit)
    url = reverse("aftercare:referrals", args=[discharge.uuid])
    form = as_user(unit.counselor).get(url).context["form"]
    assert "obstetric_contact" not in form.fields


@pytest.mark.parametrize(
    ("sex", "prompted"), [("female", True), ("unknown", True), ("male", False)]
)
def test_the_chart_prompts_a_pregnancy_test_until_one_is_recorded(unit, as_user, sex, prompted):
    Patient.objects.filter(pk=unit.patient.pk).update(sex_at_birth=sex)
    assert ('id="pregnancy-test-prompt"' in _chart(unit, as_user)) is prompted
    record_result(unit.episode, unit.nurse, "pregnancy", {"hcg": "negative"}, specimen="urine")
    assert 'id="pregnancy-test-prompt"' not in _chart(unit, as_user)


def test_a_positive_test_shows_the_pregnancy_instead_of_the_prompt(unit, as_user):
    record_result(unit.episode, unit.nurse, "pregnancy", {"hcg": "positive"}, specimen="urine")
    body = _chart(unit, as_user)
    assert PREGNANT_LINE in body and 'id="pregnancy-test-prompt"' not in body
