from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.tapers import actions, queries
from detoxdesk.tapers.models import TaperEvent, TaperPlan
from factories_tapers import make_methadone_plan, make_signed_plan

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-02 09:00 -05:00", tick=False):
        yield


def doses(plan: TaperPlan) -> list[str]:
    return [step["daily_dose"] for step in plan.steps]


def events(plan: TaperPlan) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(plan.uuid))
        .order_by("pk")
        .values_list("event", flat=True)
    )


def test_it_drafts_a_methadone_taper_from_the_engine(unit):
    plan = make_methadone_plan(unit)
    assert plan.status == TaperPlan.Status.DRAFT
    assert doses(plan) == ["30", "25", "20", "15", "10", "5", "0"]
    assert plan.steps[0]["date"] == "2026-03-02" and plan.steps[-1]["date"] == "2026-03-08"
    assert plan.policy_version == unit.program.policy_version
    assert events(plan) == ["taper.drafted"]


def test_it_says_where_rounding_changed_a_step(unit):
    plan = make_methadone_plan(unit, dose="25", increment="5", days=6)
    assert any(step["rounded"] for step in plan.steps)
    assert any("Rounding" in note for note in plan.notes)


def test_it_refuses_methadone_days_outside_the_range_naming_the_field(unit):
    with pytest.raises(ValidationError) as exc:
        make_methadone_plan(unit, days=3)
    assert "days" in exc.value.error_dict
    assert TaperPlan.objects.count() == 0


def test_it_refuses_an_increment_larger_than_the_dose(unit):
    with pytest.raises(ValidationError) as exc:
        make_methadone_plan(unit, dose="4", increment="5")
    assert "increment" in exc.value.error_dict


def test_it_needs_the_rate_for_a_long_term_taper(unit):
    with pytest.raises(ValidationError) as exc:
        actions.do_draft_plan(
            unit.episode,
            acting_user=unit.prescriber,
            kind="long_term_opioid",
            start_date=TODAY,
            current_daily_dose=Decimal("60"),
            increment=Decimal("5"),
            drug="oxycodone",
        )
    assert {"percent", "every_days", "of"} <= set(exc.value.error_dict)


def test_it_plans_a_long_term_taper_at_ten_percent_a_week(unit):
    plan = actions.do_draft_plan(
        unit.episode,
        acting_user=unit.prescriber,
        kind="long_term_opioid",
        start_date=TODAY,
        current_daily_dose=Decimal("60"),
        increment=Decimal("5"),
        drug="oxycodone",
        percent=Decimal("10"),
        every_days=7,
        of="original",
    )
    assert plan.drug == "oxycodone"
    assert doses(plan)[:8] == ["60"] * 7 + ["55"]
    assert doses(plan)[-1] == "0"


@pytest.mark.parametrize(
    ("day", "dose", "message"),
    [
        (TODAY + timedelta(days=1), "35", "never increase"),
        (TODAY + timedelta(days=2), "22", "whole multiple"),
        (TODAY + timedelta(days=3), "5", "Lower the later days first"),
    ],
)
def test_it_refuses_edits_that_break_the_taper(unit, day, dose, message):
    plan = make_methadone_plan(unit)
    with pytest.raises(ValidationError) as exc:
        actions.do_edit_step(plan, acting_user=unit.prescriber, on=day, new_dose=Decimal(dose))
    assert message in " ".join(exc.value.message_dict["new_dose"])
    plan.refresh_from_db()
    assert doses(plan) == ["30", "25", "20", "15", "10", "5", "0"]
    assert events(plan) == ["taper.drafted"]


def test_it_edits_a_step_and_keeps_it_in_the_history(unit):
    plan = make_methadone_plan(unit)
    plan = actions.do_edit_step(
        plan, acting_user=unit.prescriber, on=TODAY + timedelta(days=1), new_dose=Decimal("30")
    )
    assert doses(plan)[:3] == ["30", "30", "20"]
    assert plan.steps[1]["edited"] is True
    edit = plan.events.get(kind=TaperEvent.Kind.EDITED)
    assert edit.data == {"date": "2026-03-03", "old_dose": "25", "new_dose": "30"}
    assert events(plan) == ["taper.drafted", "taper.step_edited"]


def test_it_needs_a_reason_to_edit_a_signed_plan(unit):
    plan = make_signed_plan(unit)
    with pytest.raises(ValidationError) as exc:
        actions.do_edit_step(
            plan, acting_user=unit.prescriber, on=TODAY + timedelta(days=2), new_dose=Decimal("25")
        )
    assert "reason" in exc.value.error_dict


def test_it_refuses_signing_by_a_nurse(unit):
    plan = make_methadone_plan(unit)
    with pytest.raises(PermissionDenied):
        actions.do_sign_plan(plan, acting_user=unit.nurse)
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.DRAFT


def test_it_needs_warnings_acknowledged_before_signing(unit):
    # The start is above 20-30 mg; in mL of liquid, so that no medication order is signed with it.
    plan = actions.do_draft_plan(
        unit.episode,
        acting_user=unit.prescriber,
        kind="methadone",
        start_date=TODAY,
        current_daily_dose=Decimal("60"),
        increment=Decimal("5"),
        unit="mL",
        days=8,
        times_of_day=[time(8)],
    )
    assert plan.findings
    with pytest.raises(ValidationError):
        actions.do_sign_plan(plan, acting_user=unit.prescriber)
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert plan.status == TaperPlan.Status.ACTIVE
    assert plan.events.get(kind="signed").data["acknowledged"] == ["taper.start_dose_outside_range"]


def test_it_signs_and_makes_the_plan_active(unit):
    plan = make_signed_plan(unit)
    assert plan.signed_by == unit.prescriber and plan.status == TaperPlan.Status.ACTIVE
    assert queries.active_plan(unit.patient) == plan
    assert events(plan) == ["taper.drafted", "taper.signed"]


def test_it_refuses_a_second_active_plan(unit):
    make_signed_plan(unit)
    second = make_methadone_plan(unit)
    with pytest.raises(ValidationError):
        actions.do_sign_plan(second, acting_user=unit.prescriber)


def test_it_holds_and_resumes_shifting_the_rest_of_the_calendar(unit):
    plan = make_signed_plan(unit)
    tomorrow = TODAY + timedelta(days=1)
    plan = actions.do_hold_plan(
        plan, acting_user=unit.prescriber, from_date=tomorrow, reason="COWS 14"
    )
    assert plan.status == TaperPlan.Status.HELD and plan.held_from == tomorrow
    plan = actions.do_resume_plan(
        plan, acting_user=unit.prescriber, resume_on=tomorrow + timedelta(days=1), reason="Settled"
    )
    assert plan.status == TaperPlan.Status.ACTIVE
    assert doses(plan) == ["30", "30", "25", "20", "15", "10", "5", "0"]
    assert plan.steps[1]["held"] is True
    assert plan.steps[-1]["date"] == "2026-03-09"  # one day later than planned
    assert events(plan) == ["taper.drafted", "taper.signed", "taper.held", "taper.resumed"]
    resumed = AuditEvent.objects.get(event="taper.resumed")
    assert resumed.changes["days"] == 1 and resumed.actor == unit.prescriber


def test_it_refuses_resuming_before_the_hold_began(unit):
    plan = make_signed_plan(unit)
    plan = actions.do_hold_plan(
        plan, acting_user=unit.prescriber, from_date=TODAY + timedelta(days=2), reason="Hard day"
    )
    with pytest.raises(ValidationError) as exc:
        actions.do_resume_plan(
            plan, acting_user=unit.prescriber, resume_on=TODAY + timedelta(days=2), reason="x"
        )
    assert "resume_on" in exc.value.error_dict


@pytest.mark.parametrize(
    ("offset", "field"), [(-1, "from_date"), (6, "from_date"), (30, "from_date")]
)
def test_it_refuses_a_hold_outside_the_plan(unit, offset, field):
    plan = make_signed_plan(unit)
    with pytest.raises(ValidationError) as exc:
        actions.do_hold_plan(
            plan,
            acting_user=unit.prescriber,
            from_date=TODAY + timedelta(days=offset),
            reason="x",
        )
    assert field in exc.value.error_dict


def test_it_refuses_a_hold_without_a_reason_or_on_a_draft(unit):
    draft = make_methadone_plan(unit)
    with pytest.raises(ValidationError):
        actions.do_hold_plan(draft, acting_user=unit.prescriber, from_date=TODAY, reason="  ")
    with pytest.raises(ValidationError):
        actions.do_hold_plan(draft, acting_user=unit.prescriber, from_date=TODAY, reason="x")


def test_it_refuses_edits_while_held(unit):
    plan = make_signed_plan(unit)
    plan = actions.do_hold_plan(plan, acting_user=unit.prescriber, from_date=TODAY, reason="x")
    with pytest.raises(ValidationError):
        actions.do_edit_step(
            plan,
            acting_user=unit.prescriber,
            on=TODAY + timedelta(days=3),
            new_dose=Decimal("15"),
            reason="x",
        )


def test_it_cancels_a_plan_with_a_reason(unit):
    plan = make_signed_plan(unit)
    plan = actions.do_cancel_plan(plan, acting_user=unit.prescriber, reason="Chose maintenance")
    assert plan.status == TaperPlan.Status.CANCELLED
    assert queries.active_plan(unit.patient) is None
    assert events(plan)[-1] == "taper.cancelled"


def test_it_keeps_outsiders_from_changing_plans(unit):
    plan = make_methadone_plan(unit)
    with pytest.raises(PermissionDenied):
        actions.do_cancel_plan(plan, acting_user=unit.outsider, reason="x")


def test_it_records_and_stops_a_prescribed_opioid(unit):
    row = actions.do_record_opioid(
        unit.episode,
        acting_user=unit.nurse,
        drug="fentanyl_transdermal",
        dose=Decimal("25"),
        unit="mcg/h",
        doses_per_day=None,
    )
    assert queries.current_opioids(unit.patient) == [row]
    actions.do_stop_opioid(row, unit.episode, acting_user=unit.nurse, stopped_on=TODAY)
    assert queries.current_opioids(unit.patient) == []
    assert AuditEvent.objects.filter(event__startswith="opioid.").count() == 2


def test_it_refuses_a_wrong_unit_for_an_opioid(unit):
    with pytest.raises(ValidationError) as exc:
        actions.do_record_opioid(
            unit.episode,
            acting_user=unit.nurse,
            drug="oxycodone",
            dose=Decimal("10"),
            unit="mcg/h",
            doses_per_day=Decimal("2"),
        )
    assert "unit" in exc.value.error_dict


def test_it_lets_only_a_director_change_the_settings(unit):
    values = {
        "hold_cows_at": 13,
        "hold_sows_at": None,
        "flag_on_hard_day": True,
        "methadone_factors": "cdc2016",
        "slow_near_end_percent": None,
        "slow_near_end_every_days": None,
    }
    with pytest.raises(PermissionDenied):
        actions.do_update_settings(unit.program, acting_user=unit.prescriber, values=values)
    rules = actions.do_update_settings(unit.program, acting_user=unit.director, values=values)
    assert rules.hold_cows_at == 13 and rules.methadone_factors == "cdc2016"
    event = AuditEvent.objects.get(event="taper.settings_changed")
    assert event.changes["hold_cows_at"] == "13"


def test_it_refuses_half_a_slow_near_end_setting(unit):
    values = {
        "hold_cows_at": None,
        "hold_sows_at": None,
        "flag_on_hard_day": True,
        "methadone_factors": "cdc2022",
        "slow_near_end_percent": Decimal("30"),
        "slow_near_end_every_days": None,
    }
    with pytest.raises(ValidationError):
        actions.do_update_settings(unit.program, acting_user=unit.director, values=values)
