"""A second submit of the same signature or admission, made from the page the first one was made
from (so with the state read before the first saved), is refused with a message: one signature,
one episode."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions
from detoxdesk.intake.models import Evaluation
from detoxdesk.patients.models import Bed, Episode
from factories import make_patient
from factories_intake import make_evaluation, make_signed_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(unit):
    return make_patient(unit.program, registered_at=unit.ward)


def test_it_signs_an_evaluation_once_when_submitted_twice(unit, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.prescriber, complete=True)
    actions.do_decide_level(
        evaluation, acting_user=unit.prescriber, level=evaluation.recommended_level
    )
    stale = Evaluation.objects.get(pk=evaluation.pk)
    actions.do_sign_evaluation(evaluation, acting_user=unit.prescriber)
    with pytest.raises(ValidationError, match="signed evaluation cannot be changed"):
        actions.do_sign_evaluation(stale, acting_user=unit.prescriber)
    assert AuditEvent.objects.filter(event="evaluation.signed").count() == 1


def test_it_signs_a_treatment_plan_once_when_submitted_twice(unit, newcomer):
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    stale = type(plan).objects.get(pk=plan.pk)
    actions.do_sign_plan(plan, acting_user=unit.prescriber)
    with pytest.raises(ValidationError, match="already signed"):
        actions.do_sign_plan(stale, acting_user=unit.prescriber)
    assert AuditEvent.objects.filter(event="treatment_plan.signed").count() == 1


def test_it_admits_once_when_submitted_twice(unit, newcomer):
    evaluation = make_signed_evaluation(newcomer, unit.ward, unit.prescriber)
    beds = [Bed.objects.create(facility=unit.ward, label=label) for label in ("B02", "B03")]
    stale = Evaluation.objects.get(pk=evaluation.pk)
    for bed, copy in zip(beds, (evaluation, stale), strict=True):
        try:
            actions.do_admit_from_evaluation(
                copy, unit.ward, acting_user=unit.coordinator, admitted_at=timezone.now(), bed=bed
            )
        except ValidationError as exc:
            assert "already" in " ".join(exc.messages)
    assert Episode.objects.filter(patient=newcomer).count() == 1
