"""Pregnancy asked by sex at birth, MOUD offered first in pregnancy, the intake pregnancy-test
prompt, a minor's consent to admission and an adolescent's placement review."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import populations
from detoxdesk.intake import actions
from detoxdesk.intake.models import IntakeSettings
from detoxdesk.patients.models import Bed, Episode
from factories import make_patient
from factories_intake import make_evaluation

pytestmark = pytest.mark.django_db

# The clock of the tests is 2 March 2026 (conftest.DEFAULT_NOW), 10:00 in New York.
TODAY = date(2026, 3, 2)


def born_years_ago(years: int) -> date:
    """A date of birth that makes the patient exactly ``years`` old today."""
    return TODAY.replace(year=TODAY.year - years)


def _edit(evaluation):
    return reverse("intake:evaluation_edit", kwargs={"evaluation_uuid": evaluation.uuid})


def _page(evaluation):
    return reverse("intake:evaluation", kwargs={"evaluation_uuid": evaluation.uuid})


def _form_data(**overrides):
    last = (timezone.localtime() - timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "substance_1_name": "heroin",
        "substance_1_daily_use": "yes",
        "substance_1_last_use": last,
        "fentanyl_exposure": "no",
        "withdrawal_seizures": "no",
        "delirium_tremens": "no",
        "overdose_past_year": "no",
        "unstable_medical_condition": "no",
        "psychosis": "no",
        "stable_housing": "yes",
        "supportive_person_at_home": "yes",
        "suicidal_ideation": "none",
    }
    data.update(overrides)
    return data


# --- The pregnancy question, by sex at birth ------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "asked"), [("female", True), ("intersex", True), ("unknown", True), ("male", False)]
)
def test_the_pregnancy_question_is_asked_by_sex_at_birth(unit, as_user, sex, asked):
    patient = make_patient(unit.program, registered_at=unit.ward, sex_at_birth=sex)
    evaluation = make_evaluation(patient, unit.ward, unit.nurse)
    page = as_user(unit.nurse).get(_edit(evaluation))
    assert ("pregnant" in page.context["form"].fields) is asked
    assert (
        populations.pregnancy_test_prompt().text in html.unescape(page.content.decode())
    ) is asked


def test_gender_identity_does_not_decide_the_question(unit, as_user):
    patient = make_patient(
        unit.program, registered_at=unit.ward, sex_at_birth="female", gender_identity="man"
    )
    evaluation = make_evaluation(patient, unit.ward, unit.nurse)
    assert "pregnant" in as_user(unit.nurse).get(_edit(evaluation)).context["form"].fields


def test_not_asking_stores_no_pregnancy_and_placement_does_not_assume_one(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, sex_at_birth="male")
    evaluation = make_evaluation(patient, unit.ward, unit.nurse)
    response = as_user(unit.nurse).post(_edit(evaluation), _form_data(pregnant="yes", complete="1"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.answers["pregnant"] is False
    assert evaluation.answers["pregnancy_not_asked"] is True
    assert "medical.pregnant" not in evaluation.placement["not_assessed"]
    assert "pregnancy_moud_preferred" not in evaluation.placement["flags"]
    page = as_user(unit.nurse).get(_page(evaluation)).content.decode()
    assert "Not asked (sex at birth recorded as male)" in page


def test_an_unanswered_pregnancy_still_counts_as_not_assessed_when_asked(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, sex_at_birth="female")
    evaluation = make_evaluation(patient, unit.ward, unit.nurse)
    as_user(unit.nurse).post(_edit(evaluation), _form_data(complete="1"))
    evaluation.refresh_from_db()
    assert "medical.pregnant" in evaluation.placement["not_assessed"]


# --- MOUD maintenance offered first (acog-711) ----------------------------------------------------


def test_a_pregnant_patient_s_evaluation_offers_moud_first(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, sex_at_birth="female")
    evaluation = make_evaluation(patient, unit.ward, unit.nurse, complete=True, pregnant=True)
    page = as_user(unit.nurse).get(_page(evaluation)).content.decode()
    assert "Offer first: maintenance on buprenorphine or methadone" in page
    assert populations.moud_first_offer().text in html.unescape(page)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    form = as_user(unit.nurse).get(reverse("intake:plan", kwargs={"plan_uuid": plan.uuid}))
    choices = [code for code, _ in form.context["form"].fields["medication_pathway"].choices]
    assert choices[:2] == ["buprenorphine", "methadone"]


def test_no_moud_first_offer_without_a_pregnancy(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, sex_at_birth="female")
    evaluation = make_evaluation(patient, unit.ward, unit.nurse, complete=True, pregnant=False)
    page = as_user(unit.nurse).get(_page(evaluation)).content.decode()
    assert "Offer first: maintenance" not in page
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    form = as_user(unit.nurse).get(reverse("intake:plan", kwargs={"plan_uuid": plan.uuid}))
    assert form.context["form"].fields["medication_pathway"].choices[0][0] == "undecided"


# --- Admission: the pregnancy test and a minor's consent ------------------------------------------


def _signed(patient, unit, reason=""):
    evaluation = make_evaluation(patient, unit.ward, unit.prescriber, complete=True)
    actions.do_decide_level(
        evaluation, acting_user=unit.prescriber, level=evaluation.recommended_level, reason=reason
    )
    return actions.do_sign_evaluation(evaluation, acting_user=unit.prescriber)


def _admit(client, evaluation, bed, **more):
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    data = {
        "facility": bed.facility.pk,
        "bed": bed.pk,
        "admitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **more,
    }
    return client.post(url, data)


@pytest.mark.parametrize(("sex", "prompted"), [("female", True), ("male", False)])
def test_admission_prompts_a_pregnancy_test_for_who_can_become_pregnant(
    unit, as_user, sex, prompted
):
    patient = make_patient(unit.program, registered_at=unit.ward, sex_at_birth=sex)
    evaluation = _signed(patient, unit)
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    page = as_user(unit.coordinator).get(url).content.decode()
    assert ('id="pregnancy-test-prompt"' in page) is prompted


@pytest.mark.parametrize(("age", "asks"), [(17, True), (18, False), (19, False)])
def test_a_minor_s_admission_asks_for_consent_and_an_adult_s_does_not(unit, as_user, age, asks):
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(age))
    evaluation = _signed(patient, unit, reason="Reviewed for an adolescent." if asks else "")
    free = Bed.objects.create(facility=unit.ward, label="B02")
    response = _admit(as_user(unit.coordinator), evaluation, free)
    if asks:
        assert response.status_code == 400
        assert "minor_consent" in response.context["form"].errors
        assert not Episode.objects.filter(patient=patient).exists()
    else:
        assert response.status_code == 302


def test_a_guardian_s_consent_admits_the_minor_and_is_kept(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(16))
    evaluation = _signed(patient, unit, reason="Reviewed for an adolescent.")
    free = Bed.objects.create(facility=unit.ward, label="B02")
    client = as_user(unit.coordinator)
    missing = _admit(client, evaluation, free, minor_consent="guardian")
    assert "minor_consent_detail" in missing.context["form"].errors
    response = _admit(
        client, evaluation, free, minor_consent="guardian", minor_consent_detail="Ana Ruiz, mother"
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.minor_consent, evaluation.minor_consent_detail) == (
        "guardian",
        "Ana Ruiz, mother",
    )
    event = AuditEvent.objects.get(event="episode.admitted", patient=patient)
    assert event.changes["minor_consent"] == {"basis": "guardian", "detail": "Ana Ruiz, mother"}


def test_the_state_rule_is_refused_while_the_program_has_none(unit):
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(16))
    with pytest.raises(ValidationError) as caught:
        actions.minor_consent_record(patient, timezone.now(), "state_rule", "")
    assert "minor_consent" in caught.value.message_dict


@pytest.mark.parametrize(("age", "allowed"), [(13, False), (14, True), (15, True)])
def test_the_state_rule_lets_a_minor_from_its_age_consent(unit, age, allowed):
    IntakeSettings.objects.create(
        program=unit.program, minor_consent_from_age=14, minor_consent_rule="State Code 123.4"
    )
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(age))
    if allowed:
        record = actions.minor_consent_record(patient, timezone.now(), "state_rule", "")
        assert record == ("state_rule", "State Code 123.4")
    else:
        with pytest.raises(ValidationError):
            actions.minor_consent_record(patient, timezone.now(), "state_rule", "")


def test_the_admit_form_offers_the_state_rule_only_when_it_applies(unit, as_user):
    IntakeSettings.objects.create(
        program=unit.program, minor_consent_from_age=14, minor_consent_rule="State Code 123.4"
    )
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(15))
    evaluation = _signed(patient, unit, reason="Reviewed for an adolescent.")
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    form = as_user(unit.coordinator).get(url).context["form"]
    assert [code for code, _ in form.fields["minor_consent"].choices] == ["guardian", "state_rule"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"minor_consent_from_age": 14, "minor_consent_rule": ""}, "minor_consent_rule"),
        ({"minor_consent_from_age": None, "minor_consent_rule": "Code"}, "minor_consent_from_age"),
        ({"minor_consent_from_age": 18, "minor_consent_rule": "Code"}, "minor_consent_from_age"),
    ],
)
def test_the_minor_rule_setting_needs_an_age_below_adulthood_and_a_law(unit, values, field):
    with pytest.raises(ValidationError) as caught:
        actions.do_change_intake_settings(unit.program, acting_user=unit.director, values=values)
    assert field in caught.value.message_dict
    assert not IntakeSettings.objects.filter(minor_consent_from_age__isnull=False).exists()


def test_the_director_sets_the_minor_rule_on_the_intake_settings_page(unit, as_user):
    response = as_user(unit.director).post(
        reverse("intake:settings"),
        {
            "record_numbers": "entered",
            "minor_consent_from_age": "14",
            "minor_consent_rule": "State Code 123.4",
        },
    )
    assert response.status_code == 302
    chosen = IntakeSettings.objects.get(program=unit.program)
    assert (chosen.minor_consent_from_age, chosen.minor_consent_rule) == (14, "State Code 123.4")
    assert AuditEvent.objects.filter(event="intake.settings_changed").exists()


# --- An adolescent's placement: the clinician's review --------------------------------------------


def test_an_adolescent_s_placement_is_flagged_for_review_and_needs_a_reason(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(17))
    evaluation = make_evaluation(patient, unit.ward, unit.prescriber, complete=True)
    page = as_user(unit.prescriber).get(_page(evaluation))
    assert 'id="adolescent-review"' in page.content.decode()
    assert page.context["decision_form"].initial["level"] == ""
    with pytest.raises(ValidationError) as caught:
        actions.do_decide_level(
            evaluation, acting_user=unit.prescriber, level=evaluation.recommended_level
        )
    assert "reason" in caught.value.message_dict
    actions.do_decide_level(
        evaluation,
        acting_user=unit.prescriber,
        level=evaluation.recommended_level,
        reason="Adolescent program reviewed.",
    )
    event = AuditEvent.objects.get(event="placement.accepted", patient=patient)
    assert event.changes["adolescent_review"] is True


def test_an_adult_s_placement_is_not_flagged(unit, as_user):
    patient = make_patient(unit.program, registered_at=unit.ward, date_of_birth=born_years_ago(18))
    evaluation = make_evaluation(patient, unit.ward, unit.prescriber, complete=True)
    page = as_user(unit.prescriber).get(_page(evaluation))
    assert 'id="adolescent-review"' not in page.content.decode()
    assert page.context["decision_form"].initial["level"] == evaluation.recommended_level
