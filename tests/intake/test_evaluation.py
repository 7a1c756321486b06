from __future__ import annotations

import html
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake import actions, presentation
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
    # The same for any number of patients; +2 for the chained audit event (audit.log.record).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("intake:worklist"))
    assert set(response.context["page"].object_list) == set(waiting)  # not the admitted one
    assert as_user(unit.coordinator).get(reverse("intake:worklist")).status_code == 403


# --- Readiness to change: the clinician's rating --------------------------------------------------

NOT_RATED = (
    "Readiness to change was not rated by the clinician. Until it is, it counts as the highest "
    "rating; it asks for no level here."
)


def _page(client, evaluation):
    return html.unescape(client.get(_url(evaluation)).content.decode())


def _answer(response, label):
    return dict(response.context["answers"])[label]


READINESS_LABEL = "Readiness to change (clinician's rating 0–4)"


@pytest.mark.parametrize(
    ("posted", "stored", "rating", "reason", "shown"),
    [
        ("2", 2, 2, "Rated 2 (moderate) by the clinician", "2 — Moderate"),
        ("0", 0, 0, "Rated 0 (no risk found) by the clinician", "0 — No risk found"),
        ("", None, 4, NOT_RATED, "Not assessed"),
    ],
    ids=["rated 2", "rated 0", "not assessed"],
)
def test_the_recommendation_uses_the_clinicians_readiness_rating(
    unit, as_user, posted, stored, rating, reason, shown
):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse)
    client = as_user(unit.prescriber)
    response = client.post(
        _url(evaluation, "intake:evaluation_edit"),
        _form_data(complete="1", readiness_rating=posted),
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.answers["readiness_rating"] == stored
    dimension = evaluation.placement["dimensions"][3]
    assert (dimension["dimension"], dimension["rating"]) == (4, rating)
    assert dimension["reasons"][0].startswith(reason)
    response = client.get(_url(evaluation))
    page = html.unescape(response.content.decode())
    assert reason in page
    assert f'rating-{rating}">{rating}</span>' in page
    assert _answer(response, READINESS_LABEL) == shown


@pytest.mark.parametrize("rating", [None, 0, 2, 4])
def test_the_readiness_rating_changes_no_level(unit, rating):
    base = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    rated = make_evaluation(
        unit.patient, unit.ward, unit.nurse, complete=True, readiness_rating=rating
    )
    assert rated.recommended_level == base.recommended_level
    assert rated.placement["not_assessed"] == base.placement["not_assessed"]


def test_the_edit_form_offers_the_readiness_rating_with_its_scale(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, readiness_rating=3)
    response = as_user(unit.nurse).get(_url(evaluation, "intake:evaluation_edit"))
    page = html.unescape(response.content.decode())
    assert READINESS_LABEL in page
    assert "ASAM's 0–4 risk scale: 0 no risk found … 4 severe." in page
    assert '<option value="">Not assessed</option>' in page
    assert '<option value="3" selected>3 — Significant</option>' in page


def test_an_evaluation_saved_before_readiness_was_asked_is_not_assessed(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    assert "readiness_rating" not in evaluation.answers
    response = as_user(unit.nurse).get(_url(evaluation))
    assert _answer(response, READINESS_LABEL) == "Not assessed"
    assert NOT_RATED in html.unescape(response.content.decode())


# --- What was not assessed, in plain words --------------------------------------------------------


def test_the_page_names_what_was_not_assessed_in_plain_words(unit, as_user):
    substances = [
        {"name": "heroin", "route": "smoked", "daily_use": True, "last_use": None},
        {"name": "fentanyl", "route": "smoked", "daily_use": None, "last_use": None},
    ]
    evaluation = make_evaluation(
        unit.patient, unit.ward, unit.nurse, complete=True, substances=substances, pregnant=None
    )
    # The stored output keeps the calculator's contract: input paths.
    assert evaluation.placement["not_assessed"] == ["medical.pregnant", "substances[1].daily_use"]
    page = _page(as_user(unit.nurse), evaluation)
    assert "Not assessed: pregnant; substance 2 (fentanyl): daily use. Each counts" in page
    assert "substances[1]" not in page and "medical.pregnant" not in page


@pytest.mark.parametrize(
    ("paths", "answers", "words"),
    [
        (
            ["history.withdrawal_seizures", "environment.supportive_person_at_home"],
            {},
            ["withdrawal seizures ever", "a supportive person at home"],
        ),
        (
            ["psychiatric.suicidal_ideation"],
            {},
            ["suicide-risk screen: suicidal thoughts"],
        ),
        (
            ["substances[0].daily_use"],
            {"substances": [{"name": "prescription_opioid"}]},
            ["substance 1 (prescription opioid): daily use"],
        ),
        (
            ["substances[1].daily_use"],
            {"substances": [{"name": "heroin"}], "fentanyl_exposure": True},
            [
                "daily use of the fentanyl counted from the answer “fentanyl exposure: yes” (no "
                "opioid listed says how often it is used)"
            ],
        ),
        (
            ["substances[3].daily_use"],
            {"substances": [{"name": "heroin"}]},
            ["substance 4: daily use"],
        ),
    ],
    ids=["history and environment", "a choice", "a substance", "fentanyl exposure", "no such row"],
)
def test_it_says_each_not_assessed_path_in_plain_words(paths, answers, words):
    assert presentation.not_assessed_words({"not_assessed": paths}, answers) == words


def test_a_rationale_with_nothing_unassessed_is_shown_as_it_is():
    result = {"rationale": ["Recommended level 1-WM: x.", "Decision support: y."], "sources": []}
    assert presentation.placement_view(result, {})["rationale"] == result["rationale"]


def test_saving_a_completed_evaluation_as_a_draft_drops_its_recommendation(unit):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, complete=True)
    actions.do_decide_level(evaluation, acting_user=unit.nurse, level=evaluation.recommended_level)
    changed = evaluation_answers(pregnant=True)
    actions.do_save_evaluation(evaluation, acting_user=unit.nurse, answers=changed)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DRAFT
    assert (evaluation.placement, evaluation.recommended_level, evaluation.chosen_level) == (
        {},
        "",
        "",
    )
    assert AuditEvent.objects.filter(event="evaluation.saved", changes={"reopened": True}).exists()
