"""A taper's findings in the app: pregnancy passed to the engine, abrupt tapers never signed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from detoxdesk.intake.models import Evaluation
from detoxdesk.tapers import actions, queries
from detoxdesk.tapers.models import TaperPlan
from factories_intake import make_evaluation
from factories_medications import make_facts
from factories_tapers import make_methadone_plan

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in the program's time zone
TODAY = date(2026, 3, 2)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW, tick=False)]


def bup_plan(unit, days: int = 1) -> TaperPlan:
    """A buprenorphine taper from 16 mg/day in steps of 2 mg (one day: 16 mg, then 0)."""
    return actions.do_draft_plan(
        unit.episode,
        acting_user=unit.prescriber,
        kind="buprenorphine",
        start_date=TODAY,
        current_daily_dose=Decimal("16"),
        increment=Decimal("2"),
        days=days,
        times_of_day=[time(8)],
    )


def codes(plan: TaperPlan) -> list[tuple[str, str]]:
    return [(f["code"], f["severity"]) for f in plan.findings]


# --- Abrupt tapers --------------------------------------------------------------------------------


def test_it_drafts_a_one_day_buprenorphine_taper_with_a_stop(unit):
    plan = bup_plan(unit)
    assert [s["daily_dose"] for s in plan.steps] == ["16", "0"]
    assert codes(plan) == [("abrupt_taper", "stop"), ("taper.shorter_than_usual", "warning")]


@pytest.mark.parametrize("acknowledged", [False, True])
def test_it_refuses_to_sign_an_abrupt_taper(unit, acknowledged):
    plan = bup_plan(unit)
    with pytest.raises(ValidationError) as exc:
        actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=acknowledged)
    assert "from the full dose of 16 to zero in one step" in exc.value.messages[0]
    assert "draft it again with more days or a smaller increment" in exc.value.messages[0]
    plan.refresh_from_db()
    assert (plan.status, plan.signed_by) == (TaperPlan.Status.DRAFT, None)
    assert not plan.events.filter(kind="signed").exists()


def test_it_signs_a_seven_day_buprenorphine_taper(unit):
    plan = bup_plan(unit, days=7)
    assert plan.findings == []
    # The medication order it signs still carries its own warnings (the naloxone offer).
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert plan.status == TaperPlan.Status.ACTIVE and plan.findings == []


def test_it_signs_a_short_taper_once_its_warning_is_acknowledged(unit):
    plan = bup_plan(unit, days=3)
    assert codes(plan) == [("taper.shorter_than_usual", "warning")]
    with pytest.raises(ValidationError):
        actions.do_sign_plan(plan, acting_user=unit.prescriber)
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert plan.events.get(kind="signed").data["acknowledged"] == ["taper.shorter_than_usual"]


def test_it_refuses_an_edit_that_makes_a_running_plan_abrupt(unit):
    plan = make_methadone_plan(unit, times_of_day=[time(8)])
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    for day in range(5, 1, -1):  # zero from the end: 30 25 0 is still a taper
        plan = actions.do_edit_step(
            plan,
            acting_user=unit.prescriber,
            on=TODAY + timedelta(days=day),
            new_dose=0,
            reason="Patient asks to finish sooner",
        )
    assert [s["daily_dose"] for s in plan.steps] == ["30", "25", "0"]
    with pytest.raises(ValidationError) as exc:
        actions.do_edit_step(
            plan,
            acting_user=unit.prescriber,
            on=TODAY + timedelta(days=1),
            new_dose=0,
            reason="Stop now",
        )
    assert "to zero in one step" in exc.value.message_dict["new_dose"][0]
    plan.refresh_from_db()
    assert [s["daily_dose"] for s in plan.steps] == ["30", "25", "0"]
    assert plan.events.filter(kind="edited").count() == 4


def test_it_shows_the_stop_and_no_sign_button_on_the_plan_page(unit, as_user):
    plan = bup_plan(unit)
    body = as_user(unit.prescriber).get(reverse("tapers:plan", args=[plan.uuid])).content.decode()
    assert "Stop: this plan cannot be signed" in body
    assert 'role="alert"' in body
    assert "Sign plan</a>" not in body
    assert "sooner than the 7 days of a buprenorphine withdrawal taper" in body


def test_it_explains_the_refusal_on_the_sign_page(unit, as_user):
    plan = bup_plan(unit)
    url = reverse("tapers:sign", args=[plan.uuid])
    response = as_user(unit.prescriber).post(url, {"acknowledged": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "A plan with a stop cannot be signed" in body
    assert "Stop: this plan cannot be signed" in body
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.DRAFT


# --- Pregnancy ------------------------------------------------------------------------------------


def test_it_reads_pregnancy_from_the_medication_facts(unit):
    make_facts(unit.episode, unit.prescriber, pregnant=True)
    assert queries.pregnancy(unit.episode) is True
    plan = make_methadone_plan(unit)
    assert plan.parameters["pregnant"] is True
    assert codes(plan) == [("pregnancy_physician_review", "warning")]
    assert plan.findings[0]["source"] == "acog-711"


@pytest.mark.parametrize(("answer", "known"), [(True, True), (False, False), (None, None)])
def test_it_reads_pregnancy_from_the_evaluation(unit, answer, known):
    make_evaluation(unit.patient, unit.ward, unit.prescriber, pregnant=answer)
    assert queries.pregnancy(unit.episode) is known
    plan = make_methadone_plan(unit)
    expected = [("pregnancy_physician_review", "warning")] if answer else []
    assert codes(plan) == expected


def test_it_knows_nothing_of_pregnancy_without_facts_or_evaluation(unit):
    assert queries.pregnancy(unit.episode) is None
    assert make_methadone_plan(unit).parameters["pregnant"] is None


def test_a_pregnant_patients_taper_is_signed_with_the_warning_acknowledged(unit):
    make_facts(unit.episode, unit.prescriber, pregnant=True)
    plan = make_methadone_plan(unit, times_of_day=[time(8)])
    with pytest.raises(ValidationError):
        actions.do_sign_plan(plan, acting_user=unit.prescriber)
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert plan.status == TaperPlan.Status.ACTIVE  # a warning, never a block


def test_it_refuses_to_sign_a_plan_drafted_before_pregnancy_was_recorded(unit):
    plan = make_methadone_plan(unit)
    make_facts(unit.episode, unit.prescriber, pregnant=True)
    with pytest.raises(ValidationError) as exc:
        actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert "Pregnancy has been recorded since this plan was drafted" in exc.value.messages[0]
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.DRAFT


def test_pregnancy_stays_on_the_plan_after_an_edit(unit):
    make_facts(unit.episode, unit.prescriber, pregnant=True)
    plan = make_methadone_plan(unit)
    plan = actions.do_edit_step(
        plan, acting_user=unit.prescriber, on=TODAY + timedelta(days=1), new_dose=Decimal("20")
    )
    assert ("pregnancy_physician_review", "warning") in codes(plan)


def test_the_episode_s_own_evaluation_answers_before_a_newer_one(unit):
    own = make_evaluation(unit.patient, unit.ward, unit.prescriber, pregnant=True)
    Evaluation.objects.filter(pk=own.pk).update(episode=unit.episode)
    make_evaluation(unit.patient, unit.ward, unit.prescriber, pregnant=False)
    assert queries.pregnancy(unit.episode) is True
    plan = make_methadone_plan(unit)
    assert codes(plan) == [("pregnancy_physician_review", "warning")]
