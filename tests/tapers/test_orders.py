from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from detoxdesk.medications.models import Order, OrderLine
from detoxdesk.tapers import actions
from factories_tapers import make_methadone_plan, make_signed_plan

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-02 07:00 -05:00", tick=False):
        yield


def current(plan) -> Order:
    return Order.objects.get(line__uuid=plan.order_uuid, superseded_at=None)


def daily(order: Order) -> list[str]:
    return [row["daily_dose_mg"] for row in order.dose_schedule]


def test_it_refuses_to_sign_a_withdrawal_taper_without_times_of_day(unit):
    plan = make_methadone_plan(unit)
    with pytest.raises(ValidationError) as exc:
        actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert "medication record" in exc.value.message_dict["times_of_day"][0]
    plan.refresh_from_db()
    assert plan.status == "draft" and not Order.objects.exists()


def test_it_takes_the_times_of_day_given_at_signing(unit):
    plan = make_methadone_plan(unit)
    plan = actions.do_sign_plan(
        plan, acting_user=unit.prescriber, acknowledged=True, times_of_day=[time(9), time(21)]
    )
    assert plan.parameters["times_of_day"] == ["09:00", "21:00"]
    assert current(plan).times_of_day == ["09:00", "21:00"]


def test_it_signs_a_long_term_taper_without_times_of_day(unit):
    plan = actions.do_draft_plan(
        unit.episode,
        acting_user=unit.prescriber,
        kind="long_term_opioid",
        drug="oxycodone",
        start_date=TODAY,
        current_daily_dose=Decimal("60"),
        increment=Decimal("5"),
        percent=Decimal("10"),
        every_days=30,
        of="original",
    )
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert plan.status == "active" and plan.order_uuid is None


def test_it_signs_the_order_with_the_plans_schedule(unit):
    plan = make_signed_plan(unit, times_of_day=[time(8, 0)])
    order = current(plan)
    assert order.drug == "methadone" and order.route == "oral" and order.times_of_day == ["08:00"]
    assert daily(order) == ["30", "25", "20", "15", "10", "5", "0"]
    assert order.dose_schedule[0]["date"] == "2026-03-02"
    assert order.signed_by == unit.prescriber


def test_it_keeps_the_order_in_step_through_edit_hold_and_resume(unit):
    plan = make_signed_plan(unit, times_of_day=[time(8, 0)])
    tomorrow = TODAY + timedelta(days=1)
    plan = actions.do_edit_step(
        plan,
        acting_user=unit.prescriber,
        on=tomorrow,
        new_dose=Decimal("30"),
        reason="Slower",
    )
    assert daily(current(plan)) == ["30", "30", "20", "15", "10", "5", "0"]
    plan = actions.do_hold_plan(
        plan, acting_user=unit.prescriber, from_date=tomorrow + timedelta(days=1), reason="COWS"
    )
    assert daily(current(plan)) == ["30", "30", "30", "30", "30", "30", "30"]
    plan = actions.do_resume_plan(
        plan, acting_user=unit.prescriber, resume_on=tomorrow + timedelta(days=2), reason="ok"
    )
    assert daily(current(plan)) == ["30", "30", "30", "20", "15", "10", "5", "0"]
    assert current(plan).version == 4
    assert "Taper resumed" in current(plan).change_reason


def test_it_discontinues_the_order_when_the_plan_is_cancelled(unit):
    plan = make_signed_plan(unit, times_of_day=[time(8, 0)])
    plan = actions.do_cancel_plan(plan, acting_user=unit.prescriber, reason="Maintenance instead")
    assert OrderLine.objects.get(uuid=plan.order_uuid).status == OrderLine.Status.DISCONTINUED


def test_it_drafts_without_touching_the_medication_record(unit):
    make_methadone_plan(unit, times_of_day=[time(8, 0)])
    assert not Order.objects.exists()


def test_signing_records_the_order_on_the_plan_in_the_same_transaction(unit):
    plan = make_methadone_plan(unit)
    plan = actions.do_sign_plan(
        plan, acting_user=unit.prescriber, acknowledged=True, times_of_day=[time(9)]
    )
    plan.refresh_from_db()
    assert plan.order_uuid == current(plan).line.uuid


def test_syncing_returns_the_new_order_and_leaves_the_plan_to_the_action(unit):
    from detoxdesk.tapers import orders
    from detoxdesk.tapers.models import TaperPlan

    plan = make_methadone_plan(unit, times_of_day=[time(9)])
    TaperPlan.objects.filter(pk=plan.pk).update(status=TaperPlan.Status.ACTIVE)
    plan.refresh_from_db()
    created = orders.sync(plan, acting_user=unit.prescriber, reason="test", acknowledged=True)
    assert created is not None and created.line.episode == unit.episode
    plan.refresh_from_db()
    assert plan.order_uuid is None
