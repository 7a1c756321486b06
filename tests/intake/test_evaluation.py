from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions
from detoxdesk.intake.models import Evaluation
from factories_intake import evaluation_answers, make_evaluation

pytestmark = pytest.mark.django_db


def _url(evaluation, name="intake:evaluation"):
    return reverse(name, kwargs={"evaluation_uuid": evaluation.uuid})


def _form_data(**overrides):
    last = (timezone.localtime() - timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "substance_1_name": "heroin",
        "substance_1_route": "smoked",
        "substance_1_amount": "1 g",
        "substance_1_frequency": "daily",
        "substance_1_daily_use": "yes",
        "substance_1_last_use": last,
        "fentanyl_exposure": "no",
        "withdrawal_seizures": "no",
        "delirium_tremens": "no",
        "overdose_past_year": "no",
        "pregnant": "no",
        "unstable_medical_condition": "no",
        "psychosis": "no",
        "stable_housing": "yes",
        "supportive_person_at_home": "yes",
        "suicidal_ideation": "none",
    }
    data.update(overrides)
    return data


def test_it_starts_an_evaluation_from_the_chart(unit, as_user):
    response = as_user(unit.nurse).post(
        reverse("intake:start_evaluation", kwargs={"patient_uuid": unit.patient.uuid})
    )
    evaluation = Evaluation.objects.get()
    assert response["Location"] == _url(evaluation, "intake:evaluation_edit")
    assert evaluation.facility == unit.ward and evaluation.status == "draft"


@pytest.mark.parametrize(
    ("persona", "status"), [("counselor", 403), ("outsider", 404), ("coordinator", 403)]
)
def test_it_refuses_the_edit_form_to_others(unit, as_user, persona, status):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse)
    response = as_user(getattr(unit, persona)).get(_url(evaluation, "intake:evaluation_edit"))
    assert response.status_code == status


def test_it_redirects_anonymous_visitors(client, unit):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse)
    assert client.get(_url(evaluation)).status_code == 302


def test_it_saves_a_draft_then_completes_with_a_recommendation(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse)
    client = as_user(unit.prescriber)
    client.post(_url(evaluation, "intake:evaluation_edit"), _form_data(save="1"))
    evaluation.refresh_from_db()
    assert evaluation.status == "draft" and evaluation.answers["substances"][0]["amount"] == "1 g"
    response = client.post(_url(evaluation, "intake:evaluation_edit"), _form_data(complete="1"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "completed"
    assert evaluation.recommended_level == evaluation.placement["recommended_level"]
    page = client.get(_url(evaluation)).content.decode()
    assert evaluation.recommended_level in page
    assert "Expected withdrawal course" in page and "now" in page
    assert AuditEvent.objects.filter(event="evaluation.completed").exists()


def test_it_treats_unanswered_questions_as_not_reassuring(unit):
    known = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    unknown = make_evaluation(
        unit.patient, unit.ward, unit.nurse, complete=True, stable_housing=None, pregnant=None
    )
    levels = [
        lv["code"] if isinstance(lv, dict) else lv
        for lv in ("1-WM", "2-WM", "3.2-WM", "3.7-WM", "4-WM")
    ]
    assert levels.index(unknown.recommended_level) > levels.index(known.recommended_level)
    assert "medical.pregnant" in unknown.placement["not_assessed"]


def test_it_refuses_to_complete_without_a_substance(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse)
    data = _form_data(
        complete="1",
        substance_1_name="",
        substance_1_route="",
        substance_1_amount="",
        substance_1_frequency="",
        substance_1_daily_use="",
        substance_1_last_use="",
    )
    response = as_user(unit.nurse).post(_url(evaluation, "intake:evaluation_edit"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.get("substance_1_name")
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"substance_1_last_use": "2999-01-01T10:00"}, "substance_1_last_use"),
        ({"current_cows": "99"}, "current_cows"),
        ({"qtc_ms": "-5"}, "qtc_ms"),
        ({"substance_2_route": "iv"}, "substance_2_name"),
    ],
)
def test_it_refuses_bad_answers_naming_the_field(unit, as_user, overrides, field):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse)
    response = as_user(unit.nurse).post(
        _url(evaluation, "intake:evaluation_edit"), _form_data(complete="1", **overrides)
    )
    assert response.context["form"].errors.get(field)
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"


def test_a_counselor_cannot_sign_an_evaluation(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    actions.do_decide_level(evaluation, acting_user=unit.nurse, level=evaluation.recommended_level)
    response = as_user(unit.counselor).post(_url(evaluation, "intake:sign_evaluation"))
    assert response.status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.status == "completed"


def test_it_accepts_the_recommended_level(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    as_user(unit.prescriber).post(
        _url(evaluation, "intake:decide_level"), {"level": evaluation.recommended_level}
    )
    evaluation.refresh_from_db()
    assert (
        evaluation.chosen_level == evaluation.recommended_level and not evaluation.level_overridden
    )
    assert AuditEvent.objects.filter(event="placement.accepted").exists()


def test_it_requires_a_reason_to_choose_another_level_and_audits_it(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    other = "4-WM" if evaluation.recommended_level != "4-WM" else "3.7-WM"
    client = as_user(unit.prescriber)
    response = client.post(_url(evaluation, "intake:decide_level"), {"level": other, "reason": ""})
    assert response.status_code == 400
    assert response.context["decision_form"].errors.get("reason")
    evaluation.refresh_from_db()
    assert evaluation.chosen_level == ""
    client.post(
        _url(evaluation, "intake:decide_level"),
        {"level": other, "reason": "No safe place to stay tonight"},
    )
    evaluation.refresh_from_db()
    assert evaluation.chosen_level == other and evaluation.level_overridden
    event = AuditEvent.objects.get(event="placement.overridden")
    assert event.changes["reason"] == "No safe place to stay tonight"


def test_it_signs_and_then_locks_the_evaluation(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    client = as_user(unit.prescriber)
    client.post(_url(evaluation, "intake:sign_evaluation"))
    evaluation.refresh_from_db()
    assert evaluation.status == "completed"  # refused: no level decided yet
    actions.do_decide_level(
        evaluation, acting_user=unit.prescriber, level=evaluation.recommended_level
    )
    client.post(_url(evaluation, "intake:sign_evaluation"))
    evaluation.refresh_from_db()
    assert evaluation.status == "signed" and evaluation.signed_by == unit.prescriber
    response = client.get(_url(evaluation, "intake:evaluation_edit"))
    assert response.status_code == 302
    with pytest.raises(Exception, match="signed"):
        actions.do_save_evaluation(
            evaluation, acting_user=unit.prescriber, answers=evaluation_answers()
        )


@pytest.mark.parametrize(
    ("substance", "expected"),
    [
        ("heroin", "Short-acting"),
        ("methadone", "Methadone"),
        ("fentanyl", "variable, may be prolonged"),
    ],
)
def test_it_shows_the_expected_course_for_the_opioid(unit, as_user, substance, expected):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        answers = evaluation_answers(hours_ago=30)
        answers["substances"][0]["name"] = substance
        evaluation = actions.do_start_evaluation(unit.patient, unit.ward, acting_user=unit.nurse)
        actions.do_save_evaluation(
            evaluation, acting_user=unit.nurse, answers=answers, complete=True
        )
        page = as_user(unit.nurse).get(_url(evaluation)).content.decode()
    assert expected in page
    if substance == "fentanyl":
        assert "<rect" not in page
    else:
        assert 'class="now-line"' in page and "tip-63" in page


def test_it_shows_the_evaluation_on_the_chart(unit, as_user, django_assert_max_num_queries):
    make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    response = as_user(unit.nurse).get(
        reverse("patients:chart", kwargs={"patient_uuid": unit.patient.uuid})
    )
    html = response.content.decode()
    assert "Evaluation and level of care" in html
    assert "Expected withdrawal course" in html


def test_it_lists_registered_patients_awaiting_evaluation(
    unit, as_user, django_assert_max_num_queries
):
    from factories import make_patient

    waiting = [make_patient(unit.program, registered_at=unit.ward) for _ in range(3)]
    make_evaluation(waiting[0], unit.ward, unit.nurse)
    client = as_user(unit.prescriber)
    with django_assert_max_num_queries(14):  # the same for any number of patients
        response = client.get(reverse("intake:worklist"))
    assert set(response.context["page"].object_list) == set(waiting)  # not the admitted one
    assert as_user(unit.coordinator).get(reverse("intake:worklist")).status_code == 403
