"""Taper plans: withdrawal and long-term tapers, rounding, holds, edits and the calculator.

Schedules are written out by hand from SPEC.md section 9 and the rounding rule (nearest whole
increment, halves up, never above the current dose); the invariants are proven with Hypothesis.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import calc, taper
from detoxdesk.clinical.errors import InvalidInput

START = date(2025, 3, 1)
D = Decimal
Allowed = Callable[[Fraction], Fraction]


def runs(plan: taper.TaperPlan) -> list[tuple[float, int]]:
    """The schedule as (dose, number of days) runs, for short literal expectations."""
    doses = [float(step.daily_dose) for step in plan.steps]
    return [(dose, len(list(group))) for dose, group in itertools.groupby(doses)]


def doses(plan: taper.TaperPlan) -> list[float]:
    return [float(step.daily_dose) for step in plan.steps]


def withdrawal(kind: str, dose: str, increment: str, days: int | None = None, **kw: Any) -> Any:
    return taper.withdrawal_taper(
        kind, start_date=START, current_daily_dose=D(dose), increment=D(increment), days=days, **kw
    )


def long_term(dose: str, increment: str, percent: str, every: int, of: str, **kw: Any) -> Any:
    return taper.long_term_taper(
        start_date=START,
        current_daily_dose=D(dose),
        increment=D(increment),
        percent=D(percent),
        every_days=every,
        of=of,
        **kw,
    )


def fields_for(call: Callable[[], object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.fields


# --- Knowledge ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "default", "low", "high", "source"),
    [
        ("buprenorphine", 7, None, None, "ctn-0003"),
        ("methadone", None, 6, 10, "asam-2020"),
        ("lofexidine", None, 2, 4, "lofexidine-label"),
    ],
)
def test_it_holds_the_withdrawal_taper_days(
    kind: str, default: int | None, low: int | None, high: int | None, source: str
) -> None:
    rule = taper.withdrawal_rule(kind)
    assert (rule.default_days, rule.min_days, rule.max_days, rule.source) == (
        default,
        low,
        high,
        source,
    )
    assert rule.confidence == "C"


def test_it_holds_the_methadone_start_range() -> None:
    rule = taper.withdrawal_rule("methadone")
    assert (rule.start_dose_min, rule.start_dose_max, rule.start_dose_unit) == (20, 30, "mg/day")


def test_it_holds_the_long_term_reference_rates() -> None:
    rates = [
        (r.percent, r.period, r.every_days, r.source, r.confidence) for r in taper.reference_rates()
    ]
    assert rates == [(10, "month", 30, "hhs-2019", "S"), (10, "week", 7, "cdc-2022", "S")]


def test_it_ships_slowing_near_the_end_unset() -> None:
    assert taper.slow_near_end_default() is None


def test_it_holds_the_lost_tolerance_text() -> None:
    text = taper.note("lost_tolerance")
    assert (text.source, text.confidence) == ("asam-2015", "C")
    assert "overdose" in text.text and "naloxone" in text.text


def test_it_limits_the_length_of_a_plan() -> None:
    assert taper.max_schedule_days() == 3650


# --- Withdrawal tapers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "dose", "increment", "days", "expected"),
    [
        ("methadone", "30", "5", 6, [30, 25, 20, 15, 10, 5, 0]),
        ("methadone", "30", "5", 8, [30, 25, 25, 20, 15, 10, 10, 5, 0]),
        ("methadone", "30", "5", 10, [30, 25, 25, 20, 20, 15, 10, 10, 5, 5, 0]),
        ("methadone", "20", "2.5", 8, [20, 17.5, 15, 12.5, 10, 7.5, 5, 2.5, 0]),
        ("methadone", "25", "10", 6, [20, 20, 20, 10, 10, 0]),
        ("buprenorphine", "8", "2", None, [8, 6, 6, 4, 4, 2, 2, 0]),
        ("buprenorphine", "16", "2", 7, [16, 14, 12, 10, 6, 4, 2, 0]),
        ("buprenorphine", "2", "2", 7, [2, 2, 2, 2, 0]),
        ("lofexidine", "2.16", "0.18", 3, [2.16, 1.44, 0.72, 0]),
        ("lofexidine", "2.88", "0.18", 4, [2.88, 2.16, 1.44, 0.72, 0]),
        ("lofexidine", "2.88", "0.18", 2, [2.88, 1.44, 0]),
    ],
)
def test_it_plans_a_withdrawal_taper(
    kind: str, dose: str, increment: str, days: int | None, expected: list[float]
) -> None:
    plan = withdrawal(kind, dose, increment, days)
    assert doses(plan) == expected
    assert plan.start_date == START
    assert plan.end_date == START + timedelta(days=len(expected) - 1)


def test_it_names_the_days_rounding_changed() -> None:
    plan = withdrawal("methadone", "30", "5", 8)
    changes = [
        (step.date.day, float(step.planned), float(step.daily_dose))
        for step in plan.rounding_changes()
    ]
    assert changes == [
        (2, 26.25, 25),
        (3, 22.5, 25),
        (4, 18.75, 20),
        (6, 11.25, 10),
        (7, 7.5, 10),
        (8, 3.75, 5),
    ]
    assert "changed 6 step(s)" in plan.notes[-1]


def test_it_rounds_the_first_day_down_to_what_can_be_given() -> None:
    plan = withdrawal("methadone", "25", "10", 6)
    assert doses(plan) == [20, 20, 20, 10, 10, 0]
    assert plan.rounding_changes()[0].date == START


def test_it_says_when_rounding_ends_the_taper_sooner() -> None:
    plan = withdrawal("buprenorphine", "2", "2", 7)
    assert plan.end_date == date(2025, 3, 5)
    assert "2025-03-05, 3 day(s) sooner than the 7 days planned" in " ".join(plan.notes)


def test_it_uses_the_7_day_buprenorphine_default() -> None:
    plan = withdrawal("buprenorphine", "8", "2")
    assert (len(plan.steps), plan.end_date) == (8, date(2025, 3, 8))
    assert "7 days is the default (ctn-0003)." in plan.notes
    assert plan.sources == ("asam-2015", "asam-2020", "ctn-0003")


def test_it_accepts_any_number_of_buprenorphine_days() -> None:
    assert len(withdrawal("buprenorphine", "8", "0.5", 28).steps) == 29


@pytest.mark.parametrize(
    ("kind", "days", "accepted"),
    [
        ("methadone", 5, False),
        ("methadone", 6, True),
        ("methadone", 10, True),
        ("methadone", 11, False),
        ("lofexidine", 1, False),
        ("lofexidine", 2, True),
        ("lofexidine", 4, True),
        ("lofexidine", 5, False),
    ],
)
def test_it_keeps_the_days_within_the_range(kind: str, days: int, accepted: bool) -> None:
    if accepted:
        assert len(withdrawal(kind, "20", "1", days).steps) == days + 1
    else:
        assert list(fields_for(lambda: withdrawal(kind, "20", "1", days))) == ["days"]


def test_it_plans_outside_the_range_only_when_allowed() -> None:
    plan = withdrawal("methadone", "30", "2", 14, allow_outside_range=True)
    assert len(plan.steps) == 15
    assert [f.code for f in plan.findings] == ["taper.days_outside_range"]
    assert plan.findings[0].severity == "warning" and plan.findings[0].source == "asam-2020"
    assert "14 days is outside the usual 6-10 days (asam-2020)." in plan.notes


@pytest.mark.parametrize("kind", ["methadone", "lofexidine"])
def test_it_asks_for_the_days_where_there_is_no_default(kind: str) -> None:
    problems = fields_for(lambda: withdrawal(kind, "20", "1"))
    assert list(problems) == ["days"]
    assert "Choose the number of days" in problems["days"]


@pytest.mark.parametrize(
    ("dose", "flagged"), [("19.5", True), ("20", False), ("30", False), ("31", True)]
)
def test_it_warns_of_a_methadone_start_outside_20_to_30(dose: str, flagged: bool) -> None:
    plan = withdrawal("methadone", dose, "0.5", 8)
    codes = [finding.code for finding in plan.findings]
    assert codes == (["taper.start_dose_outside_range"] if flagged else [])


def test_it_warns_of_lost_tolerance_on_every_plan() -> None:
    for plan in (
        withdrawal("lofexidine", "2.16", "0.18", 3),
        long_term("60", "5", "10", 7, "original"),
    ):
        assert plan.notes[0] == taper.note("lost_tolerance").text
        assert "asam-2015" in plan.sources


def test_it_notes_that_withdrawal_management_alone_is_not_recommended() -> None:
    text = taper.note("withdrawal_management_alone").text
    assert text in withdrawal("methadone", "30", "5", 6).notes
    assert text not in withdrawal("lofexidine", "2.16", "0.18", 3).notes


# --- Shorter than SPEC's length, abrupt, pregnancy (issue 10) ------------------------------------


def codes(plan: taper.TaperPlan) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in plan.findings]


def test_it_holds_the_length_of_each_withdrawal_taper() -> None:
    lengths = {kind: taper.withdrawal_rule(kind).shortest_days for kind in taper.WITHDRAWAL_KINDS}
    assert lengths == {"buprenorphine": 7, "methadone": 6, "lofexidine": 2}


SHORT = ("taper.shorter_than_usual", "warning")
ABRUPT = ("abrupt_taper", "stop")


@pytest.mark.parametrize(
    ("kind", "dose", "increment", "days", "expected"),
    [
        # Buprenorphine, SPEC: 7 days (ctn-0003); any number of days is accepted.
        ("buprenorphine", "16", "2", 1, [ABRUPT, SHORT]),  # 16 mg to 0 overnight
        ("buprenorphine", "16", "2", 2, [SHORT]),  # 16, 8, 0
        ("buprenorphine", "16", "2", 6, [SHORT]),
        ("buprenorphine", "16", "2", 7, []),
        ("buprenorphine", "16", "2", 28, []),
        ("buprenorphine", "2", "2", 7, [ABRUPT, SHORT]),  # the increment leaves no dose between
        ("buprenorphine", "16", "10", 7, [ABRUPT, SHORT]),  # 10 x5 then 0
        ("buprenorphine", "16", "3", 1, [ABRUPT, SHORT]),  # 15 (all that can be given), then 0
        # Methadone, SPEC: 6-10 days (asam-2020); shorter is refused unless allowed.
        ("methadone", "30", "5", 5, [SHORT]),
        ("methadone", "30", "5", 1, [ABRUPT, SHORT]),
        ("methadone", "30", "5", 6, []),
        ("methadone", "30", "5", 12, [("taper.days_outside_range", "warning")]),
        # Lofexidine, label: 2-4 days.
        ("lofexidine", "2.16", "0.18", 1, [ABRUPT, SHORT]),
        ("lofexidine", "2.16", "0.18", 2, []),
    ],
)
def test_it_warns_of_a_short_taper_and_stops_an_abrupt_one(
    kind: str, dose: str, increment: str, days: int, expected: list[tuple[str, str]]
) -> None:
    plan = withdrawal(kind, dose, increment, days, allow_outside_range=True)
    assert codes(plan) == expected


def test_it_says_what_is_abrupt_and_why() -> None:
    plan = withdrawal("buprenorphine", "16", "2", 1)
    assert doses(plan) == [16, 0]
    abrupt, short = plan.findings
    assert abrupt.message.startswith(
        "This plan goes from the full dose of 16 to zero in one step, on 2025-03-02."
    )
    assert taper.finding_text("abrupt_taper").text in abrupt.message
    assert abrupt.source == "hhs-2019" and "hhs-2019" in plan.sources
    assert short.message == (
        "This plan reaches zero after 1 day(s), sooner than the 7 days of a buprenorphine "
        "withdrawal taper (ctn-0003)."
    )
    assert short.source == "ctn-0003"


def test_it_suggests_a_smaller_increment_when_no_dose_lies_between() -> None:
    (abrupt, _short) = withdrawal("buprenorphine", "2", "2", 7).findings
    assert "With an increment of 2 no dose lies between the current dose and zero." in (
        abrupt.message
    )


def test_it_counts_the_days_rounding_leaves_not_the_days_asked() -> None:
    plan = withdrawal("buprenorphine", "4", "2", 7)  # 4 4 2 2 2 0 ... reaches zero sooner
    assert len(plan.steps) - 1 < 7
    assert SHORT in codes(plan) and ABRUPT not in codes(plan)


def stop_from(plan: taper.TaperPlan, day: date) -> taper.TaperPlan:
    """Edit the plan to reach zero on ``day``, zeroing the last dosing day again and again (an
    edit may only lower a day to its next day's dose)."""
    while plan.end_date > day:
        plan = taper.edit_step(plan, plan.end_date - timedelta(days=1), D(0))
    return plan


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # methadone 30 25 20 15 10 5 0 (6 days)
        (date(2025, 3, 1), [ABRUPT, SHORT]),  # 30 yesterday, 0 today
        (date(2025, 3, 2), [ABRUPT, SHORT]),  # 30, then 0
        (date(2025, 3, 3), [SHORT]),  # 30, 25, then 0
        (date(2025, 3, 6), [SHORT]),  # one day sooner
        (date(2025, 3, 7), []),  # as planned
    ],
)
def test_it_recomputes_the_shape_after_an_edit(day: date, expected: list[tuple[str, str]]) -> None:
    edited = stop_from(withdrawal("methadone", "30", "5", 6), day)
    assert edited.end_date == day
    found = [c for c in codes(edited) if c != ("taper.faster_than_plan_rate", "warning")]
    assert found == expected


def test_an_edit_that_makes_a_plan_abrupt_names_its_source() -> None:
    plan = withdrawal("buprenorphine", "16", "2", 7)
    assert codes(plan) == []
    edited = stop_from(plan, date(2025, 3, 2))
    assert doses(edited) == [16, 0]
    assert codes(edited)[0] == ABRUPT
    assert "hhs-2019" in edited.sources


def test_a_hold_keeps_a_plan_abrupt_and_may_make_it_long_enough() -> None:
    abrupt = taper.hold(withdrawal("buprenorphine", "16", "2", 1), date(2025, 3, 1), 10)
    assert runs(abrupt) == [(16, 11), (0, 1)]
    assert codes(abrupt) == [ABRUPT]
    short = withdrawal("buprenorphine", "16", "2", 3)
    assert codes(short) == [SHORT]
    assert codes(taper.hold(short, date(2025, 3, 2), 4)) == []


@pytest.mark.parametrize(("pregnant", "flagged"), [(True, True), (False, False), (None, False)])
def test_it_asks_for_physician_review_of_a_pregnant_patients_taper(
    pregnant: bool | None, flagged: bool
) -> None:
    plans = [
        withdrawal("buprenorphine", "16", "2", 7, pregnant=pregnant),
        withdrawal("methadone", "30", "5", 6, pregnant=pregnant),
        withdrawal("lofexidine", "2.16", "0.18", 3, pregnant=pregnant),
        long_term("60", "5", "10", 7, "original", pregnant=pregnant),
    ]
    for plan in plans:
        assert codes(plan) == ([("pregnancy_physician_review", "warning")] if flagged else [])
        if flagged:
            finding = plan.findings[0]
            assert finding.source == "acog-711" and "acog-711" in plan.sources
            assert "recommended in pregnancy over withdrawal management" in finding.message
            assert "never blocks" in finding.message


def test_pregnancy_stays_after_edits_and_holds() -> None:
    plan = withdrawal("methadone", "30", "5", 6, pregnant=True)
    changed = taper.hold(taper.edit_step(plan, date(2025, 3, 2), D(20)), date(2025, 3, 3), 2)
    assert codes(changed) == [("pregnancy_physician_review", "warning")]


# --- Long-term opioid taper -----------------------------------------------------------------------


def test_it_takes_a_fixed_share_of_the_original_dose() -> None:
    plan = long_term("60", "5", "10", 7, "original")
    assert runs(plan) == [
        (60, 7),
        (55, 7),
        (50, 7),
        (40, 7),
        (35, 7),
        (30, 7),
        (25, 7),
        (20, 7),
        (10, 7),
        (5, 7),
        (0, 1),
    ]
    assert plan.end_date == START + timedelta(days=70)
    assert plan.findings == ()


def test_it_takes_a_share_of_an_earlier_original_dose() -> None:
    plan = long_term("80", "10", "10", 30, "original", original_daily_dose=D(100))
    assert runs(plan) == [
        (80, 30),
        (70, 30),
        (60, 30),
        (50, 30),
        (40, 30),
        (30, 30),
        (20, 30),
        (10, 30),
        (0, 1),
    ]


def test_it_takes_a_share_of_the_current_dose_and_slows_as_it_falls() -> None:
    plan = long_term("100", "10", "10", 7, "current")
    assert runs(plan) == [
        (100, 7),
        (90, 7),
        (80, 7),
        (70, 14),
        (60, 7),
        (50, 14),
        (40, 14),
        (30, 28),
        (20, 35),
        (10, 70),
        (0, 1),
    ]
    assert plan.steps[-1].planned < Fraction(5)  # zero once the planned dose rounds to zero


def test_it_slows_near_the_end_only_when_the_program_says_how() -> None:
    slow = taper.SlowNearEnd(at_or_below_percent=D(30), every_days=14)
    plan = long_term("100", "10", "10", 7, "original", slow_near_end=slow)
    assert runs(plan) == [
        (100, 7),
        (90, 7),
        (80, 7),
        (70, 7),
        (60, 7),
        (50, 7),
        (40, 7),
        (30, 14),
        (20, 14),
        (10, 14),
        (0, 1),
    ]
    assert taper.note("slow_near_end_unset").text not in plan.notes
    unset = long_term("100", "10", "10", 7, "original")
    assert taper.note("slow_near_end_unset").text in unset.notes


@pytest.mark.parametrize(
    ("percent", "every", "flagged"),
    [("10", 7, False), ("10", 30, False), ("11", 7, True), ("10", 6, True), ("50", 7, True)],
)
def test_it_warns_of_a_rate_faster_than_10_percent_a_week(
    percent: str, every: int, flagged: bool
) -> None:
    plan = long_term("100", "5", percent, every, "original")
    codes = [finding.code for finding in plan.findings]
    assert codes == (["taper.faster_than_reference_rate"] if flagged else [])
    assert all(finding.source == "cdc-2022" for finding in plan.findings)


def test_it_stops_a_long_term_taper_that_takes_everything_at_once() -> None:
    plan = long_term("100", "5", "100", 7, "original")  # 100 for a week, then 0
    assert runs(plan) == [(100, 7), (0, 1)]
    assert [(f.code, f.severity) for f in plan.findings] == [
        ("abrupt_taper", "stop"),
        ("taper.faster_than_reference_rate", "warning"),
    ]


def test_it_says_the_taper_must_not_be_abrupt() -> None:
    plan = long_term("60", "5", "10", 30, "current")
    assert taper.note("never_abrupt").text in plan.notes
    assert plan.sources == ("asam-2015", "cdc-2022", "hhs-2019")


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "fields"),
    [
        (lambda: withdrawal("methadone", "0", "5", 6), {"current_daily_dose"}),
        (lambda: withdrawal("methadone", "30", "0", 6), {"increment"}),
        (lambda: withdrawal("methadone", "4", "5", 6), {"increment"}),
        (lambda: withdrawal("buprenorphine", "8", "2", 0), {"days"}),
        (lambda: withdrawal("buprenorphine", "8", "0.5", 4000), {"days"}),
        (lambda: long_term("60", "5", "0", 7, "original"), {"percent"}),
        (lambda: long_term("60", "5", "101", 7, "original"), {"percent"}),
        (lambda: long_term("60", "5", "10", 0, "original"), {"every_days"}),
        (lambda: long_term("60", "5", "10", 7, "both"), {"of"}),
        (
            lambda: long_term("60", "5", "10", 7, "original", original_daily_dose=D(50)),
            {"original_daily_dose"},
        ),
        (
            lambda: long_term(
                "60", "5", "10", 7, "original", slow_near_end=taper.SlowNearEnd(D(30), 3)
            ),
            {"slow_near_end.every_days"},
        ),
        (lambda: long_term("500", "0.1", "1", 30, "current"), {"percent"}),
    ],
)
def test_it_refuses_a_plan_it_cannot_make(call: Callable[[], object], fields: set[str]) -> None:
    assert set(fields_for(call)) == fields


def test_it_refuses_a_plan_lasting_longer_than_the_limit_in_plain_words() -> None:
    problems = fields_for(lambda: long_term("500", "0.1", "1", 30, "current"))
    assert problems["percent"].startswith("This taper would last more than 3650 days")


# --- Holds ----------------------------------------------------------------------------------------


def test_it_holds_at_the_current_dose_and_shifts_the_rest() -> None:
    plan = withdrawal("methadone", "30", "5", 6)  # 30 25 20 15 10 5 0, 1-7 March
    held = taper.hold(plan, date(2025, 3, 3), 1)
    assert doses(held) == [30, 25, 25, 20, 15, 10, 5, 0]
    assert held.end_date == date(2025, 3, 8)
    assert [step.held for step in held.steps] == [False, False, True] + [False] * 5
    assert held.holds == (taper.Hold(date(2025, 3, 3), 1),)


def test_it_holds_from_the_first_day_at_the_first_dose() -> None:
    held = taper.hold(withdrawal("methadone", "30", "5", 6), START, 2)
    assert doses(held) == [30, 30, 30, 25, 20, 15, 10, 5, 0]


def test_it_holds_before_the_last_step_to_zero() -> None:
    held = taper.hold(withdrawal("methadone", "30", "5", 6), date(2025, 3, 7), 3)
    assert doses(held) == [30, 25, 20, 15, 10, 5, 5, 5, 5, 0]
    assert held.end_date == date(2025, 3, 10)


def test_it_holds_twice_and_records_both() -> None:
    plan = withdrawal("methadone", "30", "5", 6)
    held = taper.hold(taper.hold(plan, date(2025, 3, 2), 1), date(2025, 3, 6), 2)
    assert doses(held) == [30, 30, 25, 20, 15, 15, 15, 10, 5, 0]
    assert [h.days for h in held.holds] == [1, 2]


@pytest.mark.parametrize(
    ("day", "days", "field"),
    [
        (date(2025, 2, 28), 1, "date"),
        (date(2025, 3, 8), 1, "date"),
        (date(2025, 3, 3), 0, "days"),
        (date(2025, 3, 3), 4000, "days"),
    ],
)
def test_it_refuses_a_hold_outside_the_plan(day: date, days: int, field: str) -> None:
    plan = withdrawal("methadone", "30", "5", 6)
    assert list(fields_for(lambda: taper.hold(plan, day, days))) == [field]


# --- Edits ----------------------------------------------------------------------------------------


def test_it_edits_a_step_within_its_neighbours() -> None:
    plan = withdrawal("methadone", "30", "5", 6)  # 30 25 20 15 10 5 0
    edited = taper.edit_step(plan, date(2025, 3, 2), D(20))
    assert doses(edited) == [30, 20, 20, 15, 10, 5, 0]
    assert edited.edits == (taper.Edit(date(2025, 3, 2), D(25), D(20)),)
    assert edited.steps[1].edited and not edited.steps[1].rounded
    assert edited.findings == ()


def test_it_ends_the_plan_sooner_when_the_last_dose_is_set_to_zero() -> None:
    edited = taper.edit_step(withdrawal("methadone", "30", "5", 6), date(2025, 3, 6), D(0))
    assert doses(edited) == [30, 25, 20, 15, 10, 0]
    assert edited.end_date == date(2025, 3, 6)


@pytest.mark.parametrize(
    ("day", "dose", "message"),
    [
        (date(2025, 3, 1), "35", "more than the current daily dose (30)"),
        (date(2025, 3, 3), "30", "more than the day before (25)"),
        (date(2025, 3, 2), "15", "2025-03-03 would then be higher (20)"),
        (date(2025, 3, 2), "22", "whole multiple of the increment 5"),
        (date(2025, 3, 2), "-5", "whole multiple of the increment 5"),
        (date(2025, 3, 7), "5", "The last day of a taper is at zero"),
    ],
)
def test_it_refuses_an_edit_that_would_break_the_plan(day: date, dose: str, message: str) -> None:
    plan = withdrawal("methadone", "30", "5", 6)
    problems = fields_for(lambda: taper.edit_step(plan, day, D(dose)))
    assert list(problems) == ["new_dose"] and message in problems["new_dose"]


def test_it_warns_when_an_edit_reduces_faster_than_the_rate() -> None:
    plan = withdrawal("methadone", "30", "5", 10)  # 30 25 25 20 20 15 10 10 5 5 0; rate 3/day
    edited = taper.edit_step(
        taper.edit_step(plan, date(2025, 3, 5), D(15)), date(2025, 3, 4), D(15)
    )
    assert doses(edited)[:6] == [30, 25, 25, 15, 15, 15]
    assert taper.rate_problems(edited) == (date(2025, 3, 3),)
    assert [f.code for f in edited.findings] == ["taper.faster_than_plan_rate"]
    assert edited.findings[0].source == "asam-2020"


def test_it_finds_no_rate_problem_in_a_built_plan() -> None:
    assert taper.rate_problems(long_term("100", "10", "10", 7, "current")) == ()


# --- Invariants (Hypothesis) ----------------------------------------------------------------------


def assert_invariants(plan: taper.TaperPlan, allowed: Allowed, window: int) -> None:
    steps, increment = plan.steps, Fraction(plan.increment)
    assert [s.date for s in steps] == [
        plan.start_date + timedelta(days=i) for i in range(len(steps))
    ]
    amounts = [Fraction(s.daily_dose) for s in steps]
    assert all(a >= b for a, b in itertools.pairwise(amounts))
    assert all((amount / increment).denominator == 1 for amount in amounts)
    assert amounts[0] <= Fraction(plan.current_daily_dose)
    assert amounts[-1] == 0 and all(amount > 0 for amount in amounts[:-1])
    for before, after in itertools.pairwise(steps):
        drop = Fraction(before.daily_dose - after.daily_dose)
        assert drop <= allowed(before.planned) + increment
    for index, step in enumerate(steps):
        later = steps[min(index + window, len(steps) - 1)]
        assert Fraction(step.daily_dose - later.daily_dose) <= allowed(step.planned) + increment


INCREMENTS = st.sampled_from([D("0.1"), D("0.18"), D("0.5"), D("1"), D("2"), D("2.5"), D("5")])
DAYS = {"buprenorphine": (1, 40), "methadone": (6, 10), "lofexidine": (2, 4)}


@st.composite
def withdrawal_plans(draw: st.DrawFn) -> tuple[taper.TaperPlan, Allowed, int]:
    kind = draw(st.sampled_from(taper.WITHDRAWAL_KINDS))
    increment = draw(INCREMENTS | st.decimals(min_value="0.01", max_value="20", places=2))
    dose = draw(st.decimals(min_value=increment, max_value=increment * 300, places=2))
    days = draw(st.integers(*DAYS[kind]))
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
    plan = taper.withdrawal_taper(
        kind, start_date=start, current_daily_dose=dose, increment=increment, days=days
    )
    per_day = Fraction(dose) / days  # equal daily steps from the current dose
    return plan, lambda _planned: per_day, 1


@st.composite
def long_term_plans(draw: st.DrawFn) -> tuple[taper.TaperPlan, Allowed, int]:
    increment = draw(INCREMENTS)
    dose = draw(st.decimals(min_value=increment, max_value="500", places=2))
    of = draw(st.sampled_from(taper.BASES))
    low = "1" if of == "original" else "5"  # keeps plans within the 3650-day limit
    percent = draw(st.decimals(min_value=low, max_value="100", places=1))
    every = draw(st.integers(1, 14))
    original = draw(st.none() | st.decimals(min_value=dose, max_value=dose * 3, places=2))
    slow = None
    if of == "original" and draw(st.booleans()):
        slow = taper.SlowNearEnd(
            draw(st.decimals("1", "100", places=0)), draw(st.integers(every, 2 * every))
        )
    plan = taper.long_term_taper(
        start_date=START,
        current_daily_dose=dose,
        increment=increment,
        percent=percent,
        every_days=every,
        of=of,
        original_daily_dose=original,
        slow_near_end=slow,
    )
    share = Fraction(percent) / 100
    fixed = Fraction(original if original is not None else dose) * share
    if of == "original":
        return plan, lambda _planned: fixed, every
    return plan, lambda planned: planned * share, every


PLANS = withdrawal_plans() | long_term_plans()


@settings(max_examples=300, deadline=None)
@given(PLANS)
def test_every_plan_keeps_the_invariants(case: tuple[taper.TaperPlan, Allowed, int]) -> None:
    plan, allowed, window = case
    assert_invariants(plan, allowed, window)
    assert taper.rate_problems(plan) == ()


@settings(max_examples=200, deadline=None)
@given(PLANS, st.data())
def test_a_hold_keeps_the_invariants_and_moves_the_end_by_its_length(
    case: tuple[taper.TaperPlan, Allowed, int], data: st.DataObject
) -> None:
    plan, allowed, window = case
    index = data.draw(st.integers(0, len(plan.steps) - 1))
    days = data.draw(st.integers(1, 30))
    held = taper.hold(plan, plan.steps[index].date, days)
    assert_invariants(held, allowed, window)
    assert held.end_date == plan.end_date + timedelta(days=days)
    assert held.steps[:index] == plan.steps[:index]
    assert [s.daily_dose for s in held.steps[index + days :]] == [
        s.daily_dose for s in plan.steps[index:]
    ]


@settings(max_examples=200, deadline=None)
@given(withdrawal_plans(), st.data())
def test_an_edit_is_refused_or_keeps_the_plan_whole(
    case: tuple[taper.TaperPlan, Allowed, int], data: st.DataObject
) -> None:
    plan = case[0]
    index = data.draw(st.integers(0, len(plan.steps) - 1))
    units = data.draw(st.integers(0, int(plan.current_daily_dose / plan.increment) + 1))
    try:
        edited = taper.edit_step(plan, plan.steps[index].date, plan.increment * units)
    except InvalidInput as exc:
        assert list(exc.fields) == ["new_dose"]
        return
    amounts = [s.daily_dose for s in edited.steps]
    assert all(a >= b for a, b in itertools.pairwise(amounts))
    assert amounts[0] <= plan.current_daily_dose and amounts[-1] == 0
    assert all(a > 0 for a in amounts[:-1])
    assert [s.date for s in edited.steps] == [s.date for s in plan.steps[: len(edited.steps)]]


# --- Calculator -----------------------------------------------------------------------------------


METHADONE = {
    "kind": "methadone",
    "start_date": "2025-03-01",
    "current_daily_dose": 30,
    "increment": 5,
    "days": 8,
}


def test_it_is_registered_as_a_calculator() -> None:
    assert calc.get("taper") is taper.calculator


def test_it_gives_the_contract_output() -> None:
    output = taper.calculator(METHADONE)
    assert output["schedule"][:3] == [
        {"date": "2025-03-01", "daily_dose": 30},
        {"date": "2025-03-02", "daily_dose": 25},
        {"date": "2025-03-03", "daily_dose": 25},
    ]
    assert [entry["daily_dose"] for entry in output["schedule"]] == [
        30,
        25,
        25,
        20,
        15,
        10,
        10,
        5,
        0,
    ]
    assert output["end_date"] == "2025-03-09"
    assert output["rounding"][0] == {"date": "2025-03-02", "planned_dose": 26.25, "daily_dose": 25}
    assert output["notes"][0] == taper.note("lost_tolerance").text
    assert output["rate"] == {"every_days": 1, "reduction": 3.75, "percent_of_current": None}
    assert (output["holds"], output["edits"], output["findings"]) == ([], [], [])


def test_it_gives_fractional_doses_as_json_numbers() -> None:
    payload = {
        "kind": "lofexidine",
        "start_date": "2025-03-01",
        "current_daily_dose": 2.16,
        "increment": 0.18,
        "days": 3,
    }
    schedule = taper.calculator(payload)["schedule"]
    assert [entry["daily_dose"] for entry in schedule] == [2.16, 1.44, 0.72, 0]


def test_it_plans_a_long_term_taper_from_input() -> None:
    payload = {
        "kind": "long_term_opioid",
        "start_date": "2025-03-01",
        "current_daily_dose": 60,
        "increment": 5,
        "percent": 10,
        "every_days": 7,
        "of": "original",
    }
    output = taper.calculator(payload)
    assert (len(output["schedule"]), output["end_date"]) == (71, "2025-05-10")
    assert output["rate"] == {"every_days": 7, "reduction": 6.0, "percent_of_current": None}


def test_it_takes_slow_near_end_from_input() -> None:
    payload = {
        "kind": "long_term_opioid",
        "start_date": "2025-03-01",
        "current_daily_dose": 100,
        "increment": 10,
        "percent": 10,
        "every_days": 7,
        "of": "original",
        "slow_near_end": {"at_or_below_percent": 30, "every_days": 14},
    }
    assert len(taper.calculator(payload)["schedule"]) == 7 * 7 + 3 * 14 + 1


def test_it_plans_outside_the_range_when_the_input_allows() -> None:
    output = taper.calculator({**METHADONE, "days": 12, "allow_outside_range": True})
    assert len(output["schedule"]) == 13
    assert output["findings"][0]["code"] == "taper.days_outside_range"


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"kind": "heroin"}, {"kind"}),
        ({"start_date": "2025-02-30"}, {"start_date"}),
        ({"start_date": "20250301"}, {"start_date"}),
        ({"start_date": 20250301}, {"start_date"}),
        ({"current_daily_dose": 0}, {"current_daily_dose"}),
        ({"current_daily_dose": True}, {"current_daily_dose"}),
        ({"current_daily_dose": "30"}, {"current_daily_dose"}),
        ({"increment": -1}, {"increment"}),
        ({"increment": 40}, {"increment"}),
        ({"days": 5}, {"days"}),
        ({"days": 8.0}, {"days"}),
        ({"days": True}, {"days"}),
        ({"allow_outside_range": "yes"}, {"allow_outside_range"}),
        ({"percent": 10}, {"percent"}),
        ({"notes": "x"}, {"notes"}),
    ],
)
def test_it_refuses_bad_withdrawal_input(change: dict[str, Any], fields: set[str]) -> None:
    assert set(fields_for(lambda: taper.calculator({**METHADONE, **change}))) == fields


LONG_TERM = {
    "kind": "long_term_opioid",
    "start_date": "2025-03-01",
    "current_daily_dose": 60,
    "increment": 5,
    "percent": 10,
    "every_days": 7,
    "of": "original",
}


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"percent": None}, {"percent"}),
        ({"percent": 0}, {"percent"}),
        ({"percent": 150}, {"percent"}),
        ({"every_days": 7.5}, {"every_days"}),
        ({"every_days": 0}, {"every_days"}),
        ({"of": "first"}, {"of"}),
        ({"days": 7}, {"days"}),
        ({"original_daily_dose": 40}, {"original_daily_dose"}),
        ({"original_daily_dose": -1}, {"original_daily_dose"}),
        ({"slow_near_end": {"at_or_below_percent": 30}}, {"slow_near_end"}),
        (
            {"slow_near_end": {"at_or_below_percent": 0, "every_days": 14}},
            {"slow_near_end.at_or_below_percent"},
        ),
        (
            {"slow_near_end": {"at_or_below_percent": 30, "every_days": 3}},
            {"slow_near_end.every_days"},
        ),
    ],
)
def test_it_refuses_bad_long_term_input(change: dict[str, Any], fields: set[str]) -> None:
    assert set(fields_for(lambda: taper.calculator({**LONG_TERM, **change}))) == fields


@pytest.mark.parametrize(
    ("pregnant", "expected"),
    [(True, ["pregnancy_physician_review"]), (False, []), (None, [])],
)
def test_it_takes_pregnant_as_input(pregnant: bool | None, expected: list[str]) -> None:
    for payload in (METHADONE, LONG_TERM):
        output = taper.calculator({**payload, "pregnant": pregnant})
        assert [f["code"] for f in output["findings"]] == expected


@pytest.mark.parametrize("value", ["yes", 1, 0, [True]])
def test_it_refuses_a_pregnant_that_is_not_true_false_or_null(value: object) -> None:
    problems = fields_for(lambda: taper.calculator({**METHADONE, "pregnant": value}))
    assert problems == {"pregnant": "Must be true or false, or null when not known."}


def test_it_runs_from_the_command_line() -> None:
    status, output, stderr = run_calc("taper", METHADONE)
    assert (status, stderr) == (0, "")
    assert len(output["schedule"]) == 9 and output["end_date"] == "2025-03-09"
    assert output["schedule"][-1] == {"date": "2025-03-09", "daily_dose": 0}
    assert isinstance(output["notes"], list) and isinstance(output["rounding"], list)


def test_it_exits_2_naming_the_bad_field() -> None:
    status, output, stderr = run_calc("taper", {**METHADONE, "days": 12})
    assert (status, stderr) == (2, "")
    assert set(output) == {"error", "fields"}
    assert list(output["fields"]) == ["days"]
    assert "6-10 days" in output["fields"]["days"]
