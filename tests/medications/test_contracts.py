"""The functions other apps code against: last_given, current_orders, do_sign_order with a
dose schedule, do_set_dose_schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.medications import actions, queries, schedule
from detoxdesk.medications.models import Order
from factories_medications import make_facts, record_cows, sign_bup_standard, sign_prn

NY = ZoneInfo("America/New_York")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=NY)


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False):
        yield NOON


def test_it_has_no_last_dose_before_any_is_given(unit):
    assert queries.last_given(unit.episode, "buprenorphine") is None


def test_it_returns_the_latest_dose_given_of_the_drug(unit):
    make_facts(
        unit.episode,
        unit.prescriber,
        last_opioid_use_at=unit.episode.admitted_at - timedelta(days=1),
    )
    order = sign_bup_standard(unit.episode, unit.prescriber)
    now = unit.episode.admitted_at + timedelta(hours=2)
    record_cows(unit.episode, unit.nurse, 14, now - timedelta(minutes=5))
    first = actions.do_record_administration(
        order, acting_user=unit.nurse, outcome="given", occurred_at=now, now=now
    )
    actions.do_record_administration(
        order,
        acting_user=unit.nurse,
        outcome="refused",
        reason="asleep",
        occurred_at=now + timedelta(hours=2),
        now=now + timedelta(hours=2),
    )
    assert queries.last_given(unit.episode, "buprenorphine") == (Decimal(4), first.occurred_at)
    assert queries.last_given(unit.episode, "methadone") is None


def test_it_lists_current_orders_with_a_plain_summary(unit):
    kept = sign_prn(
        unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea", min_interval_min=60
    )
    stopped = sign_prn(unit.episode, unit.prescriber, "ondansetron", "4", "nausea")
    actions.do_change_order_status(
        stopped.line, "order.discontinued", acting_user=unit.prescriber, reason="resolved"
    )
    actions.do_modify_order(
        kept.line, acting_user=unit.prescriber, reason="smaller dose", dose_mg=Decimal(1)
    )
    orders = queries.current_orders(unit.episode)
    assert [o.version for o in orders] == [2]
    assert orders[0].summary == (
        "Loperamide 1 mg by mouth, as needed for diarrhoea, at least 60 min apart"
    )


def _taper(unit, rows, **more):
    return actions.do_sign_order(
        unit.episode,
        acting_user=unit.prescriber,
        drug="methadone",
        dose_mg=Decimal(20),
        route="oral",
        times_of_day=[time(8), time(20)],
        dose_schedule=rows,
        acknowledge_warnings=True,
        **more,
    )


def test_it_divides_each_days_dose_over_the_times_and_stops_after_the_last_date(frozen, unit):
    rows = [
        {"date": "2026-03-02", "daily_dose_mg": "20"},
        {"date": "2026-03-03", "daily_dose_mg": "15"},
        {"date": "2026-03-04", "daily_dose_mg": "0"},
    ]
    order = _taper(unit, rows)
    doses = schedule.due_doses(order, NOON, NOON + timedelta(days=5))
    assert [(d.at.astimezone(NY).strftime("%d %H:%M"), d.dose_mg) for d in doses] == [
        ("02 20:00", Decimal(10)),
        ("03 08:00", Decimal("7.5")),
        ("03 20:00", Decimal("7.5")),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"date": "2026-13-01", "daily_dose_mg": "4"}], "YYYY-MM-DD"),
        ([{"date": "2026-03-02", "daily_dose_mg": "four"}], "number"),
        ([{"date": "2026-03-02", "daily_dose_mg": "-1"}], "0 mg or more"),
        ([{"date": "2026-03-02", "daily_dose_mg": "4"}] * 2, "only once"),
        ([], "list of dates"),
    ],
)
def test_it_refuses_a_bad_dose_schedule_naming_the_field(frozen, unit, rows, message):
    with pytest.raises(ValidationError) as exc:
        _taper(unit, rows)
    assert message in exc.value.message_dict["dose_schedule"][0]
    assert not Order.objects.exists()


def test_it_sets_a_dose_schedule_as_a_new_version_and_keeps_the_old(frozen, unit):
    order = _taper(unit, [{"date": "2026-03-02", "daily_dose_mg": "20"}])
    newer = actions.do_set_dose_schedule(
        order,
        [{"date": "2026-03-03", "daily_dose_mg": "10"}],
        acting_user=unit.prescriber,
        reason="taper",
        acknowledge_warnings=True,
    )
    order.refresh_from_db()
    assert (order.version, newer.version) == (1, 2)
    assert order.superseded_at is not None and newer.superseded_at is None
    assert newer.dose_schedule == [{"date": "2026-03-03", "daily_dose_mg": "10"}]
    assert queries.current_orders(unit.episode) == [newer]
    event = AuditEvent.objects.get(event="order.modified")
    assert event.changes["reason"] == "taper"
    assert [d.dose_mg for d in schedule.doses_on_day(newer, date(2026, 3, 3))] == [5, 5]


def test_it_still_runs_the_safety_engine_on_each_scheduled_dose(frozen, unit):
    order = _taper(
        unit, [{"date": "2026-03-02", "daily_dose_mg": "120"}], override_reason="documented"
    )
    # Since issue 10 the engine also names the probable unit error of one 120 mg dose, the
    # missing QTc and the ECG prompt above 100 mg a day.
    codes = [f["code"] for f in order.sign_findings]
    assert codes[:4] == [
        "first_day_total_exceeded",
        "dose_implausible",
        "qtc_unknown",
        "ecg_prompt_dose",
    ]
    due = schedule.due_doses(order, NOON, NOON + timedelta(days=1))[0]
    # The stop is found again at the bedside; the prescriber's override on the order covers it
    # only when the nurse says she gives the dose under it.
    with time_machine.travel(due.at, tick=False), pytest.raises(ValidationError, match="overrode"):
        actions.do_record_administration(
            order,
            acting_user=unit.nurse,
            outcome="given",
            occurred_at=due.at,
            scheduled_for=due.at,
        )
