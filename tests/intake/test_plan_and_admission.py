from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions
from detoxdesk.patients.models import Bed, Episode
from factories import make_patient
from factories_intake import make_evaluation, make_signed_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(unit):
    return make_patient(unit.program, registered_at=unit.ward)


def test_it_drafts_the_plan_from_the_evaluation(unit, as_user, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    response = as_user(unit.counselor).post(
        reverse("intake:draft_plan", kwargs={"evaluation_uuid": evaluation.uuid})
    )
    plan = evaluation.plan
    assert response["Location"] == reverse("intake:plan", kwargs={"plan_uuid": plan.uuid})
    assert "Dimension" in plan.problems
    assert evaluation.recommended_level in plan.interventions
    assert plan.medication_pathway == "undecided"


def test_it_lets_the_counselor_edit_but_only_a_prescriber_sign(unit, as_user, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    url = reverse("intake:plan", kwargs={"plan_uuid": plan.uuid})
    data = {
        "problems": "P",
        "goals": "G",
        "interventions": "I",
        "medication_pathway": "buprenorphine",
    }
    assert as_user(unit.counselor).post(url, data).status_code == 302
    plan.refresh_from_db()
    assert plan.medication_pathway == "buprenorphine"
    sign = reverse("intake:sign_plan", kwargs={"plan_uuid": plan.uuid})
    assert as_user(unit.counselor).post(sign).status_code == 403
    as_user(unit.prescriber).post(sign)
    plan.refresh_from_db()
    assert plan.status == "signed"
    assert AuditEvent.objects.filter(event="treatment_plan.signed").exists()


def test_it_refuses_an_empty_plan_field(unit, as_user, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    url = reverse("intake:plan", kwargs={"plan_uuid": plan.uuid})
    response = as_user(unit.nurse).post(
        url, {"problems": "", "goals": "G", "interventions": "I", "medication_pathway": "methadone"}
    )
    assert response.status_code == 400 and response.context["form"].errors.get("problems")


def test_it_hides_the_plan_from_an_outsider(unit, as_user, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    url = reverse("intake:plan", kwargs={"plan_uuid": plan.uuid})
    assert as_user(unit.outsider).get(url).status_code == 404


def test_it_admits_to_a_free_bed_and_the_patient_appears_on_the_census(unit, as_user, newcomer):
    evaluation = make_signed_evaluation(newcomer, unit.ward, unit.prescriber)
    free = Bed.objects.create(facility=unit.ward, label="B02")
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    client = as_user(unit.coordinator)
    page = client.get(url)
    assert list(page.context["form"].fields["bed"].queryset) == [free]  # B01 is taken
    response = client.post(
        url,
        {
            "facility": unit.ward.pk,
            "bed": free.pk,
            "admitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    episode = Episode.objects.get(patient=newcomer)
    assert episode.bed == free
    evaluation.refresh_from_db()
    assert evaluation.episode == episode
    census = as_user(unit.nurse).get(reverse("patients:census")).content.decode()
    assert newcomer.family_name in census


def test_it_refuses_admission_before_signing_or_to_an_inpatient_unit_without_a_bed(unit, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    with pytest.raises(Exception, match="Sign"):
        actions.do_admit_from_evaluation(
            evaluation, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now()
        )
    actions.do_decide_level(evaluation, acting_user=unit.nurse, level=evaluation.recommended_level)
    actions.do_sign_evaluation(evaluation, acting_user=unit.nurse)
    with pytest.raises(Exception, match="bed"):
        actions.do_admit_from_evaluation(
            evaluation, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now()
        )
    assert not Episode.objects.filter(patient=newcomer).exists()


def test_it_refuses_admission_to_a_counselor(unit, as_user, newcomer):
    evaluation = make_signed_evaluation(newcomer, unit.ward, unit.prescriber)
    url = reverse("intake:admit", kwargs={"evaluation_uuid": evaluation.uuid})
    assert as_user(unit.counselor).get(url).status_code == 403
