"""Benzodiazepine tapers (SPEC A7, jgim-bzd-2025): the schedule and the step limits.

The limits are checked on the plan's actual steps at the value itself, one below and one above:
a step of exactly 10 % of the dose before it, exactly 14 days after the last, or exactly 25 %
within 14 days is not flagged.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from calc_runner import run_calc
from detoxdesk.clinical import calc, taper
from detoxdesk.clinical.errors import InvalidInput

START = date(2026, 1, 5)
D = Decimal


def benzo(dose: str, percent: str, days: int, increment: str | None = "1", **kw: Any) -> Any:
    return taper.benzodiazepine_taper(
        start_date=START,
        drug="diazepam",
        current_daily_dose=D(dose),
        step_percent=D(percent),
        step_days=days,
        increment=None if increment is None else D(increment),
        **kw,
    )


def codes(plan: taper.TaperPlan) -> list[str]:
    return [finding.code for finding in plan.findings]


def hand_plan(levels: list[tuple[int, str]], current: str = "100") -> taper.TaperPlan:
    """A plan whose dose is ``level`` from day ``offset`` on (offset 0 is the start)."""
    steps, dose = [], D(current)
    changes = dict(levels)
    last = max(changes)
    for offset in range(last + 1):
        dose = D(changes.get(offset, dose))
        steps.append(taper.Step(START + timedelta(days=offset), dose, Fraction(dose)))
    return taper.TaperPlan(
        kind=taper.BENZODIAZEPINE,
        start_date=START,
        current_daily_dose=D(current),
        increment=D("1"),
        rate=taper.Rate(every_days=14, fraction=Fraction(1, 10)),
        steps=tuple(steps),
        notes=(),
        findings=(),
        source="jgim-bzd-2025",
        sources=("jgim-bzd-2025",),
        drug="diazepam",
    )


def found(plan: taper.TaperPlan) -> set[str]:
    return {finding.code for finding in taper.benzodiazepine_findings(plan)}


def test_the_limits_are_the_spec_numbers() -> None:
    rule = taper.benzodiazepine_rule()
    assert (rule.step_warning_percent, rule.step_warning_days) == (10, 14)
    assert (rule.strong_percent, rule.strong_window_days) == (25, 14)
    assert (rule.source, rule.confidence) == ("jgim-bzd-2025", "C")


@pytest.mark.parametrize(
    ("after", "expected"), [("91", set()), ("90", set()), ("89", {taper.TOO_FAST})]
)
def test_a_step_of_ten_percent_is_not_flagged_and_one_above_is(after: str, expected: set) -> None:
    assert found(hand_plan([(0, "100"), (14, after)])) == expected


@pytest.mark.parametrize(("day", "expected"), [(15, set()), (14, set()), (13, {taper.TOO_FAST})])
def test_a_step_fourteen_days_after_the_start_is_not_flagged(day: int, expected: set) -> None:
    assert found(hand_plan([(0, "100"), (day, "95")])) == expected


@pytest.mark.parametrize(("gap", "expected"), [(15, set()), (14, set()), (13, {taper.TOO_FAST})])
def test_a_step_fourteen_days_after_the_last_is_not_flagged(gap: int, expected: set) -> None:
    assert found(hand_plan([(14, "95"), (14 + gap, "90")])) == expected


@pytest.mark.parametrize(
    ("second", "expected"), [("76", set()), ("75", set()), ("74", {taper.FAR_TOO_FAST})]
)
def test_more_than_25_percent_within_14_days_warns_strongly(second: str, expected: set) -> None:
    # 100 -> 90 on day 14, then on day 27 (the 14th day from the first step) to ``second``.
    plan = hand_plan([(14, "90"), (27, second)])
    assert found(plan) - {taper.TOO_FAST} == expected


def test_steps_fourteen_days_apart_are_not_added_together() -> None:
    plan = hand_plan([(14, "90"), (28, "74")])  # 26 % over 15 days, second step 17.8 %
    assert found(plan) == {taper.TOO_FAST}


def test_a_single_step_above_25_percent_warns_strongly() -> None:
    plan = hand_plan([(14, "74")])
    assert found(plan) == {taper.TOO_FAST, taper.FAR_TOO_FAST}


def test_the_last_step_from_one_increment_to_zero_is_not_counted() -> None:
    plan = hand_plan([(0, "1"), (14, "0")], current="1")
    assert found(plan) == set()
    from_two = hand_plan([(0, "2"), (14, "1"), (28, "0")], current="2")
    assert found(from_two) == {taper.TOO_FAST, taper.FAR_TOO_FAST}  # 2 -> 1 is 50 %


def test_each_step_takes_the_percentage_of_the_dose_before_rounded_up() -> None:
    plan = benzo("20", "10", 14)
    levels = [step.daily_dose for step in plan.steps[::14]]
    # 20 -> 18 (exactly 10 %), 18 -> 16.2 rounds up to 17, ... never a larger step than planned
    assert levels[:5] == [D(20), D(18), D(17), D(16), D(15)]
    assert plan.steps[-1].daily_dose == 0
    assert all(
        a.daily_dose >= b.daily_dose for a, b in zip(plan.steps, plan.steps[1:], strict=False)
    )
    first_flagged = taper.benzodiazepine_findings(plan)[0].message
    assert "2026-06-08 (9 to 8, 11.11 %)" in first_flagged  # the first step one tablet forces


def test_a_plan_within_the_limits_has_no_step_finding_before_the_tail() -> None:
    plan = benzo("20", "10", 14, increment="0.25")
    flagged = [r for r in taper.reductions(plan) if r.percent > 10]
    assert flagged and all(r.before <= D("2.5") for r in flagged)  # only where 0.25 is > 10 %


def test_fast_steps_warn_and_a_plan_straight_to_zero_stops() -> None:
    assert codes(benzo("8", "25", 7)) == [taper.TOO_FAST, taper.FAR_TOO_FAST]
    assert codes(benzo("8", "100", 14)) == ["abrupt_taper", taper.TOO_FAST, taper.FAR_TOO_FAST]


def test_without_an_increment_every_step_is_the_first_steps_size() -> None:
    plan = benzo("20", "10", 14, increment=None)
    assert plan.increment == 2
    assert sorted({s.daily_dose for s in plan.steps}) == [D(n) for n in range(0, 21, 2)]
    assert any("No increment was given" in text for text in plan.notes)


def test_a_hold_lengthens_the_interval_and_is_rechecked() -> None:
    plan = benzo("8", "10", 13, increment="0.5")  # 13 days: too soon
    assert taper.TOO_FAST in codes(plan)
    first_step = taper.reductions(plan)[0].day
    held = taper.hold(plan, first_step, 5)
    message = next(f.message for f in held.findings if f.code == taper.TOO_FAST)
    assert f"{first_step} (" not in message.split("sooner than")[1]


def test_the_drug_and_the_unset_equivalents_are_reported() -> None:
    plan = benzo("20", "10", 14)
    assert plan.drug == "diazepam"
    unset = taper.note("diazepam_equivalents_unset")
    assert unset.text in plan.notes and unset.confidence == "U"
    assert taper.diazepam_equivalents_default() == ()


def test_a_program_table_gives_the_day_one_equivalent_with_its_source() -> None:
    table = (taper.DiazepamEquivalent("Diazepam", D("1"), "program table, row 1"),)
    plan = benzo("20", "10", 14, equivalents=table)
    assert any("about 20 mg of diazepam" in t and "program table, row 1" in t for t in plan.notes)
    other = taper.benzodiazepine_taper(
        start_date=START,
        drug="lorazepam",
        current_daily_dose=D(2),
        step_percent=D(10),
        step_days=14,
        increment=D("0.5"),
        equivalents=table,
    )
    assert any("no row for lorazepam" in t for t in other.notes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"step_percent": 0}, "step_percent"),
        ({"step_percent": 101}, "step_percent"),
        ({"step_days": 0}, "step_days"),
        ({"step_days": 1.5}, "step_days"),
        ({"drug": " "}, "drug"),
        ({"drug": 3}, "drug"),
        ({"current_daily_dose": -1}, "current_daily_dose"),
        ({"increment": 0}, "increment"),
        ({"days": 7}, "days"),
        ({"percent": 10}, "percent"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    payload = {**CONTRACT, **change}
    with pytest.raises(InvalidInput) as caught:
        calc.run("taper", payload)
    assert field in caught.value.fields


def test_missing_contract_fields_are_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        calc.run("taper", {"kind": "benzodiazepine"})
    assert {"start_date", "drug", "current_daily_dose", "step_percent", "step_days"} <= set(
        caught.value.fields
    )


CONTRACT = {
    "kind": "benzodiazepine",
    "start_date": "2026-01-05",
    "drug": "diazepam",
    "current_daily_dose": 20,
    "step_percent": 25,
    "step_days": 7,
}


def test_the_command_answers_the_contract() -> None:
    status, output, _ = run_calc("taper", CONTRACT)
    assert status == 0
    assert output["kind"] == "benzodiazepine" and output["drug"] == "diazepam"
    assert output["schedule"][0] == {"date": "2026-01-05", "daily_dose": 20}
    assert output["schedule"][-1]["daily_dose"] == 0
    warnings = {f["code"]: f["severity"] for f in output["findings"]}
    assert warnings["benzodiazepine_step_too_fast"] == "warning"
    status, output, _ = run_calc("taper", {**CONTRACT, "step_days": "7"})
    assert status == 2 and "step_days" in output["fields"]
