"""Edges of the taper rules that the main tables do not reach: the last reduction step, the
rate check's own boundary, and the calculator's contract at its limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from fractions import Fraction

from detoxdesk.clinical import taper

START = date(2025, 3, 1)


def methadone_plan() -> taper.TaperPlan:
    # 30 25 25 20 20 15 10 10 5 5 0: 30 mg over 10 days, 3 mg a day, increment 5.
    return taper.withdrawal_taper(
        "methadone", start_date=START, current_daily_dose=D(30), increment=D(5), days=10
    )


def with_dose(plan: taper.TaperPlan, index: int, dose: int) -> taper.TaperPlan:
    steps = list(plan.steps)
    steps[index] = replace(steps[index], daily_dose=D(dose))
    return replace(plan, steps=tuple(steps))


def test_the_plan_is_the_one_the_edges_rest_on() -> None:
    plan = methadone_plan()
    assert [int(step.daily_dose) for step in plan.steps] == [
        30,
        25,
        25,
        20,
        20,
        15,
        10,
        10,
        5,
        5,
        0,
    ]
    assert plan.rate.allowed(plan.steps[0].planned) == Fraction(3)
    assert taper.rate_problems(plan) == ()


def test_the_rate_check_sees_the_last_reduction_step() -> None:
    plan = with_dose(methadone_plan(), -2, 15)  # ... 5 15 0: 15 mg off on the last day
    assert taper.rate_problems(plan) == (plan.steps[-2].date,)


def test_a_fall_of_exactly_the_rate_plus_one_increment_is_allowed() -> None:
    # 3 mg a day allowed, plus the increment of 5: a fall of 8 is within the rate, 9 is not.
    assert taper.rate_problems(with_dose(methadone_plan(), -2, 8)) == ()
    late = with_dose(methadone_plan(), -2, 9)
    assert taper.rate_problems(late) == (late.steps[-2].date,)


def test_the_first_reduction_step_is_checked_too() -> None:
    plan = with_dose(methadone_plan(), 0, 39)  # 39 -> 25 on day 2: 14 off, 8 allowed
    assert taper.rate_problems(plan) == (START,)


def test_the_rate_check_ignores_an_increase() -> None:
    assert taper.rate_problems(with_dose(methadone_plan(), 1, 30)) == ()


def test_a_taper_longer_than_the_limit_is_refused_naming_the_field() -> None:
    import pytest

    from detoxdesk.clinical.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        taper.long_term_taper(
            start_date=START,
            current_daily_dose=D(1000),
            increment=D("0.5"),
            percent=D(1),
            every_days=30,
            of="current",
        )
    message = (
        f"This taper would last more than {taper.max_schedule_days()} days; "
        "choose a faster rate or a larger increment."
    )
    assert caught.value.message == message
    assert list(caught.value.fields.values()) == [message]
