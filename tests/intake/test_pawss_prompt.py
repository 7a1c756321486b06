"""PAWSS at evaluation (SPEC A6.1): asked for anyone who drank in the last 30 days or has a
positive breath or blood alcohol; its result feeds placement, proposes the alcohol order set and
prompts thiamine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.intake import evaluation_data, queries
from factories_intake import make_evaluation
from factories_labs import record_result

pytestmark = pytest.mark.django_db

PAWSS_ASKED_NO = dict.fromkeys(evaluation_data.PAWSS_ASKED, False)


def drinks(days_ago: float | None, daily: bool = False) -> list[dict[str, object]]:
    last = None if days_ago is None else (timezone.now() - timedelta(days=days_ago)).isoformat()
    return [
        {"name": "heroin", "route": "smoked", "daily_use": False, "last_use": None},
        {"name": "alcohol", "route": "oral", "daily_use": daily, "last_use": last},
    ]


def _page(client, evaluation, name="intake:evaluation"):
    return client.get(reverse(name, kwargs={"evaluation_uuid": evaluation.uuid})).content.decode()


def test_it_asks_pawss_of_someone_who_drank_in_the_last_30_days(unit, as_user):
    evaluation = make_evaluation(unit.patient, unit.ward, unit.nurse, substances=drinks(29))
    page = _page(as_user(unit.nurse), evaluation, "intake:evaluation_edit")
    assert "Alcohol drunk within the last 30 days: ask PAWSS." in page
    assert "Ever had blackouts" in page  # the PAWSS items are on the form
    assert "Thiamine" not in page  # the prompt belongs to the evaluation page


def test_it_does_not_score_pawss_after_31_days_without_an_alcohol_test(unit, as_user):
    evaluation = make_evaluation(
        unit.patient, unit.ward, unit.nurse, complete=True, substances=drinks(31)
    )
    assert evaluation.placement["pawss"] is None
    page = _page(as_user(unit.nurse), evaluation)
    assert "Alcohol last drunk more than 30 days ago: PAWSS is not scored." in page
    assert "Thiamine:" not in page


def test_a_positive_alcohol_test_asks_pawss_whatever_the_answers(unit, as_user, monkeypatch):
    seen = []

    def positive(patient, now):
        seen.append(patient)
        return True

    monkeypatch.setattr(queries, "alcohol_test_positive", positive)
    evaluation = make_evaluation(
        unit.patient, unit.ward, unit.nurse, complete=True, **PAWSS_ASKED_NO
    )
    assert seen == [unit.patient]
    assert evaluation.placement["alcohol_test_positive"] is True
    assert evaluation.placement["pawss"]["scored"] is True
    page = _page(as_user(unit.nurse), evaluation)
    assert "A positive breath or blood alcohol in the last 30 days: ask PAWSS." in page


def test_a_positive_breath_alcohol_recorded_in_the_window_counts(unit):
    assert queries.alcohol_test_positive(unit.patient, timezone.now()) is False
    record_result(unit.episode, unit.nurse, "alcohol", {"alcohol": "negative"}, specimen="breath")
    assert queries.alcohol_test_positive(unit.patient, timezone.now()) is False
    record_result(
        unit.episode,
        unit.nurse,
        "alcohol",
        {"alcohol": "positive"},
        specimen="breath",
        at=timezone.now() - timedelta(days=31),
    )
    assert queries.alcohol_test_positive(unit.patient, timezone.now()) is False  # too long ago
    record_result(unit.episode, unit.nurse, "alcohol", {"alcohol": "positive"}, specimen="breath")
    assert queries.alcohol_test_positive(unit.patient, timezone.now()) is True


def test_alcohol_with_no_last_drink_is_asked_and_scored(unit):
    evaluation = make_evaluation(
        unit.patient, unit.ward, unit.nurse, complete=True, substances=drinks(None)
    )
    result = evaluation.placement["pawss"]
    assert result["scored"] is True
    assert result["unknown_items"] == len(evaluation_data.PAWSS_ASKED)


def test_a_high_pawss_asks_for_the_inpatient_level_and_proposes_the_order_set(unit, as_user):
    evaluation = make_evaluation(
        unit.patient,
        unit.ward,
        unit.nurse,
        complete=True,
        substances=drinks(2),
        **{
            **PAWSS_ASKED_NO,
            "intoxicated_30d": True,
            "prior_withdrawal": True,
            "prior_blackouts": True,
            "autonomic_hyperactivity": True,
        },
    )
    assert evaluation.placement["pawss"]["total"] == 4
    assert evaluation.placement["pawss"]["high_risk"] is True
    assert evaluation.recommended_level == "3.7-WM"
    assert "alcohol_withdrawal_high_risk" in evaluation.placement["flags"]
    page = _page(as_user(unit.nurse), evaluation)
    assert "PAWSS 4 of 10: high risk of complicated withdrawal (4 or more)." in page
    assert "the alcohol order set (CIWA-Ar-triggered benzodiazepine) is proposed" in page
    assert "Thiamine:" in page and "100 mg IV or IM daily for 3 to 5 days" in page


def test_the_history_answers_are_the_seizure_and_dt_items(unit):
    evaluation = make_evaluation(
        unit.patient,
        unit.ward,
        unit.nurse,
        complete=True,
        substances=drinks(2),
        delirium_tremens=True,
        **PAWSS_ASKED_NO,
    )
    assert evaluation.placement["pawss"]["total"] == 1
    assert evaluation.recommended_level == "3.7-WM"  # DTs in someone who drank recently
    assert "alcohol_withdrawal_high_risk" in evaluation.placement["flags"]


def test_unanswered_items_that_could_reach_the_threshold_are_not_reassuring(unit, as_user):
    evaluation = make_evaluation(
        unit.patient,
        unit.ward,
        unit.nurse,
        complete=True,
        substances=drinks(2),
        **{**PAWSS_ASKED_NO, "intoxicated_30d": True, "prior_blackouts": None},
    )
    result = evaluation.placement["pawss"]
    assert (result["total"], result["unknown_items"], result["could_be_high_risk"]) == (1, 1, False)
    assert evaluation.recommended_level != "3.7-WM"
    third = make_evaluation(
        unit.patient,
        unit.ward,
        unit.nurse,
        complete=True,
        substances=drinks(2),
        **{
            **PAWSS_ASKED_NO,
            "intoxicated_30d": True,
            "prior_withdrawal": True,
            "prior_treatment": True,
            "prior_blackouts": None,
        },
    )
    assert third.placement["pawss"]["could_be_high_risk"] is True
    assert third.recommended_level == "3.7-WM"
    page = _page(as_user(unit.nurse), third)
    assert "answered yes, they could reach the high-risk threshold of 4" in page
    assert "ever had blackouts" in page  # named among the items not assessed


def test_the_plan_draft_carries_the_alcohol_intervention(unit):
    from detoxdesk.intake import drafting

    evaluation = make_evaluation(
        unit.patient,
        unit.ward,
        unit.nurse,
        complete=True,
        substances=drinks(2),
        withdrawal_seizures=True,
        **PAWSS_ASKED_NO,
    )
    assert "the alcohol order set" in drafting.draft(evaluation)["interventions"]
