"""Two people signing the same evaluation or treatment plan, or saving the same evaluation, at
the same moment (PostgreSQL, one thread each): one signature or save, the other gets the
message, never a server error."""

from __future__ import annotations

import pytest

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions
from detoxdesk.intake.models import Evaluation
from factories import Unit, make_patient
from factories_intake import evaluation_answers, make_evaluation
from threads import at_once, needs_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_evaluation_signatures_sign_once():
    needs_postgresql()
    unit = Unit()
    newcomer = make_patient(unit.program, registered_at=unit.ward)
    evaluation = make_evaluation(newcomer, unit.ward, unit.prescriber, complete=True)
    actions.do_decide_level(
        evaluation, acting_user=unit.prescriber, level=evaluation.recommended_level
    )

    def sign():
        return actions.do_sign_evaluation(
            Evaluation.objects.get(pk=evaluation.pk), acting_user=unit.prescriber
        )

    outcomes = at_once(sign, sign)
    assert outcomes == ["refused: A signed evaluation cannot be changed.", "saved"]
    assert AuditEvent.objects.filter(event="evaluation.signed").count() == 1


def test_two_simultaneous_treatment_plan_signatures_sign_once():
    needs_postgresql()
    unit = Unit()
    newcomer = make_patient(unit.program, registered_at=unit.ward)
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)

    def sign():
        return actions.do_sign_plan(type(plan).objects.get(pk=plan.pk), acting_user=unit.prescriber)

    outcomes = at_once(sign, sign)
    assert outcomes[1] == "saved" and outcomes[0].startswith("refused: ")
    assert AuditEvent.objects.filter(event="treatment_plan.signed").count() == 1


def test_two_simultaneous_evaluation_saves_from_one_read_save_one():
    needs_postgresql()
    unit = Unit()
    newcomer = make_patient(unit.program, registered_at=unit.ward)
    evaluation = actions.do_start_evaluation(newcomer, unit.ward, acting_user=unit.nurse)
    read = actions.evaluation_read_mark(evaluation)

    def save(user, liver: str):
        return lambda: actions.do_save_evaluation(
            Evaluation.objects.get(pk=evaluation.pk),
            acting_user=user,
            answers=evaluation_answers(liver=liver),
            read_mark=read,
        )

    outcomes = at_once(save(unit.nurse, "Cirrhosis"), save(unit.prescriber, "Fine"))
    assert outcomes[1] == "saved"
    assert outcomes[0].startswith("refused: ") and "not saved" in outcomes[0]
    assert AuditEvent.objects.filter(event="evaluation.saved").count() == 1
