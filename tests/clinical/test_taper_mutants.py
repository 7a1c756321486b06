"""The taper rules' refusals, field by field: the exact form message, the exact field names and
the exact field messages, at each limit, one below it and one above it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from fractions import Fraction
from typing import Any

import pytest

from detoxdesk.clinical import taper
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

START = date(2025, 3, 1)
FORM = "The taper cannot be planned: check the marked fields."
ABOVE_ZERO = "Must be a number greater than zero."
PERCENT = "Must be above 0 and at most 100."
ONE_DAY = "Must be at least 1 day."


def refusal(call: Callable[[], object]) -> tuple[str, dict[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.message, caught.value.fields


def withdrawal(dose: str, increment: str) -> Callable[[], object]:
    return lambda: taper.withdrawal_taper(
        "methadone", start_date=START, current_daily_dose=D(dose), increment=D(increment), days=6
    )


@pytest.mark.parametrize(
    ("dose", "increment", "fields"),
    [
        ("0", "1", {"current_daily_dose": ABOVE_ZERO}),
        ("-1", "1", {"current_daily_dose": ABOVE_ZERO}),
        ("20", "0", {"increment": ABOVE_ZERO}),
        ("0", "0", {"current_daily_dose": ABOVE_ZERO, "increment": ABOVE_ZERO}),
        ("20", "21", {"increment": "Must not be larger than the current daily dose."}),
        ("0.5", "0.6", {"increment": "Must not be larger than the current daily dose."}),
    ],
)
def test_a_withdrawal_taper_refuses_bad_amounts(
    dose: str, increment: str, fields: dict[str, str]
) -> None:
    assert refusal(withdrawal(dose, increment)) == (FORM, fields)


@pytest.mark.parametrize(("dose", "increment"), [("20", "20"), ("0.5", "0.5"), ("0.5", "0.25")])
def test_an_increment_up_to_the_dose_is_accepted(dose: str, increment: str) -> None:
    plan = taper.withdrawal_taper(
        "buprenorphine",
        start_date=START,
        current_daily_dose=D(dose),
        increment=D(increment),
        days=1,
    )
    assert plan.steps[0].daily_dose == D(dose)


def long_term(**kw: Any) -> Callable[[], object]:
    args: dict[str, Any] = {
        "start_date": START,
        "current_daily_dose": D(100),
        "increment": D(5),
        "percent": D(10),
        "every_days": 7,
        "of": "original",
    }
    args.update(kw)
    return lambda: taper.long_term_taper(**args)


SLOW = "slow_near_end.at_or_below_percent"


@pytest.mark.parametrize(
    ("kw", "fields"),
    [
        ({"percent": D(0)}, {"percent": PERCENT}),
        ({"percent": D(-1)}, {"percent": PERCENT}),
        ({"percent": D("100.01")}, {"percent": PERCENT}),
        ({"every_days": 0}, {"every_days": ONE_DAY}),
        ({"of": "start"}, {"of": "Must be one of original, current."}),
        (
            {"original_daily_dose": D("99.9")},
            {"original_daily_dose": "Must not be below the current daily dose."},
        ),
        ({"slow_near_end": taper.SlowNearEnd(D(0), 14)}, {SLOW: PERCENT}),
        ({"slow_near_end": taper.SlowNearEnd(D("100.5"), 14)}, {SLOW: PERCENT}),
        ({"slow_near_end": taper.SlowNearEnd(D(101), 14)}, {SLOW: PERCENT}),
        (
            {"slow_near_end": taper.SlowNearEnd(D(50), 6)},
            {"slow_near_end.every_days": "Must be at least every_days: it slows the taper."},
        ),
        (
            {"percent": D(0), "every_days": 0, "of": "x", "original_daily_dose": D(1)},
            {
                "percent": PERCENT,
                "every_days": ONE_DAY,
                "of": "Must be one of original, current.",
                "original_daily_dose": "Must not be below the current daily dose.",
            },
        ),
    ],
)
def test_a_long_term_taper_refuses_bad_settings(kw: dict[str, Any], fields: dict[str, str]) -> None:
    assert refusal(long_term(**kw)) == (FORM, fields)


@pytest.mark.parametrize(
    "kw",
    [
        {"percent": D(100)},
        {"percent": D("0.5")},
        {"every_days": 1},
        {"original_daily_dose": D(100)},
        {"slow_near_end": taper.SlowNearEnd(D(100), 7)},
        {"slow_near_end": taper.SlowNearEnd(D("0.5"), 7)},
        {"slow_near_end": taper.SlowNearEnd(D(1), 8)},
    ],
)
def test_a_long_term_taper_accepts_each_limit(kw: dict[str, Any]) -> None:
    plan = long_term(**kw)()
    assert isinstance(plan, taper.TaperPlan)
    assert plan.steps[0].daily_dose == D(100)


def benzodiazepine(**kw: Any) -> Callable[[], object]:
    args: dict[str, Any] = {
        "start_date": START,
        "drug": "diazepam",
        "current_daily_dose": D(20),
        "step_percent": D(10),
        "step_days": 14,
        "increment": D(1),
    }
    args.update(kw)
    return lambda: taper.benzodiazepine_taper(**args)


LONGEST = taper.DRUG_MAX_LENGTH


@pytest.mark.parametrize(
    ("kw", "fields"),
    [
        ({"drug": ""}, {"drug": "Name the benzodiazepine tapered."}),
        ({"drug": "   "}, {"drug": "Name the benzodiazepine tapered."}),
        ({"drug": "d" * (LONGEST + 1)}, {"drug": f"Must be at most {LONGEST} characters."}),
        ({"step_percent": D(0)}, {"step_percent": PERCENT}),
        ({"step_percent": D("100.5")}, {"step_percent": PERCENT}),
        ({"step_days": 0}, {"step_days": ONE_DAY}),
        (
            {"drug": "", "step_percent": D(101), "step_days": 0},
            {
                "drug": "Name the benzodiazepine tapered.",
                "step_percent": PERCENT,
                "step_days": ONE_DAY,
            },
        ),
    ],
)
def test_a_benzodiazepine_taper_refuses_bad_settings(
    kw: dict[str, Any], fields: dict[str, str]
) -> None:
    assert refusal(benzodiazepine(**kw)) == (FORM, fields)


@pytest.mark.parametrize(
    "kw",
    [
        {"drug": "d" * LONGEST},
        {"step_percent": D(100)},
        {"step_percent": D("0.5")},
        {"step_days": 1},
    ],
)
def test_a_benzodiazepine_taper_accepts_each_limit(kw: dict[str, Any]) -> None:
    plan = benzodiazepine(**kw)()
    assert isinstance(plan, taper.TaperPlan)
    assert plan.steps[0].daily_dose == D(20)


def methadone_days(days: int | None, kind: str = "methadone") -> Callable[[], object]:
    return lambda: taper.withdrawal_taper(
        kind, start_date=START, current_daily_dose=D(20), increment=D(1), days=days
    )


OUTSIDE = "Must be within 6-10 days (asam-2020); set allow_outside_range to plan outside it."
NO_DEFAULT = "Choose the number of days (2-4 days): there is no default."


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (methadone_days(0), ONE_DAY),
        (methadone_days(-1, "buprenorphine"), ONE_DAY),
        (methadone_days(5), OUTSIDE),
        (methadone_days(11), OUTSIDE),
        (methadone_days(None, "lofexidine"), NO_DEFAULT),
    ],
)
def test_withdrawal_days_are_refused_with_one_message_for_form_and_field(
    call: Callable[[], object], message: str
) -> None:
    assert refusal(call) == (message, {"days": message})


def test_a_benzodiazepine_step_below_the_smallest_number_needs_an_increment() -> None:
    message = "Give the smallest dose the product allows: one step is below 0.001."
    call = benzodiazepine(current_daily_dose=D("0.001"), increment=None)
    assert refusal(call) == (message, {"increment": message})


@pytest.mark.parametrize("dose", ["0", "-1"])
def test_a_benzodiazepine_taper_without_increment_refuses_a_dose_not_above_zero(dose: str) -> None:
    call = benzodiazepine(current_daily_dose=D(dose), increment=None)
    assert refusal(call) == (FORM, {"current_daily_dose": ABOVE_ZERO, "increment": ABOVE_ZERO})


def test_a_benzodiazepine_taper_without_increment_steps_by_the_first_step() -> None:
    plan = benzodiazepine(current_daily_dose=D("0.01"), increment=None, step_days=1)()
    assert isinstance(plan, taper.TaperPlan)
    assert plan.increment == D("0.001")
    assert [step.daily_dose for step in plan.steps] == [D(n) / 1000 for n in range(10, -1, -1)]


TOO_LONG = "This taper would last more than 3650 days; choose a faster rate or a larger increment."


def test_a_benzodiazepine_taper_may_last_the_longest_schedule_but_not_a_day_more() -> None:
    plan = benzodiazepine(current_daily_dose=D(1), step_days=3649)()
    assert isinstance(plan, taper.TaperPlan)
    assert len(plan.steps) == 3650
    call = benzodiazepine(current_daily_dose=D(1), step_days=3650)
    assert refusal(call) == (TOO_LONG, {"step_percent": TOO_LONG})


def test_a_benzodiazepine_plan_names_its_source_and_the_pregnancy_review() -> None:
    plan = benzodiazepine(pregnant=True)()
    assert isinstance(plan, taper.TaperPlan)
    assert plan.source == "jgim-bzd-2025"
    assert plan.sources == ("acog-711", "jgim-bzd-2025")
    assert [f.code for f in plan.findings] == [
        "benzodiazepine_step_too_fast",
        "benzodiazepine_step_far_too_fast",
        "pregnancy_physician_review",
    ]


@pytest.mark.parametrize("of", ["original", "current"])
def test_a_long_term_plan_names_its_kind_and_source(of: str) -> None:
    plan = long_term(of=of)()
    assert isinstance(plan, taper.TaperPlan)
    assert plan.kind == "long_term_opioid"
    assert plan.source == "hhs-2019"
    assert plan.sources == ("asam-2015", "cdc-2022", "hhs-2019")
    assert plan.rate.amount == (D(10) if of == "original" else None)


def test_a_long_term_plan_names_the_increment_it_rounded_to() -> None:
    plan = long_term(increment=D(3), of="current")()
    assert isinstance(plan, taper.TaperPlan)
    assert plan.notes[-1] == "Rounding to the increment of 3 changed 39 step(s): see rounding."


@pytest.mark.parametrize("dose", [10, 40])
def test_a_methadone_start_outside_its_range_is_a_warning(dose: int) -> None:
    plan = taper.withdrawal_taper(
        "methadone", start_date=START, current_daily_dose=D(dose), increment=D(1), days=6
    )
    message = (
        "A methadone withdrawal taper usually starts from 20-30 mg/day; "
        f"this one starts from {dose}."
    )
    assert [(f.code, f.severity, f.message, f.source) for f in plan.findings] == [
        ("taper.start_dose_outside_range", "warning", message, "asam-2020")
    ]


def methadone_plan() -> taper.TaperPlan:
    # 30 25 25 20 20 15 10 10 5 5 0 from 2025-03-01: 3 mg a day, increment 5.
    return taper.withdrawal_taper(
        "methadone", start_date=START, current_daily_dose=D(30), increment=D(5), days=10
    )


def test_edits_faster_than_the_rate_list_every_day_in_one_warning() -> None:
    plan = methadone_plan()
    for day, dose in [(5, 15), (4, 15), (8, 5), (7, 5)]:
        plan = taper.edit_step(plan, date(2025, 3, day), D(dose))
    message = (
        "After the edit the dose falls faster than the plan's rate from: 2025-03-03, 2025-03-06."
    )
    assert [(f.code, f.severity, f.message, f.source) for f in plan.findings] == [
        ("taper.faster_than_plan_rate", "warning", message, "asam-2020")
    ]
    held = taper.plan_json(taper.hold(plan, date(2025, 3, 3), 2))
    assert held["holds"] == [{"from_date": "2025-03-03", "days": 2}]
    assert held["edits"] == [
        {"date": "2025-03-05", "old_dose": 20, "new_dose": 15},
        {"date": "2025-03-04", "old_dose": 20, "new_dose": 15},
        {"date": "2025-03-08", "old_dose": 10, "new_dose": 5},
        {"date": "2025-03-07", "old_dose": 10, "new_dose": 5},
    ]


LAST_AT_ZERO = "The last day of a taper is at zero; hold the plan to add days at a dose."


def edit_refusal(plan: taper.TaperPlan, on: date, dose: str) -> tuple[str, dict[str, str]]:
    return refusal(lambda: taper.edit_step(plan, on, D(dose)))


def test_an_edit_keeps_the_last_day_at_zero_and_later_days_lower() -> None:
    plan = methadone_plan()
    assert edit_refusal(plan, date(2025, 3, 11), "5") == (LAST_AT_ZERO, {"new_dose": LAST_AT_ZERO})
    higher = (
        "Doses never increase: 2025-03-10 would then be higher (5). Lower the later days first."
    )
    assert edit_refusal(plan, date(2025, 3, 9), "0") == (higher, {"new_dose": higher})
    # The day before the last may keep its dose: only the last day must be zero.
    assert len(taper.edit_step(plan, date(2025, 3, 10), D(5)).steps) == 11
    fine = taper.withdrawal_taper(
        "methadone", start_date=START, current_daily_dose=D(10), increment=D(1), days=6
    )
    assert edit_refusal(fine, fine.steps[-1].date, "1") == (
        LAST_AT_ZERO,
        {"new_dose": LAST_AT_ZERO},
    )


def calc_input(**kw: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "kind": "buprenorphine",
        "start_date": "2025-03-01",
        "current_daily_dose": 8,
        "increment": 2,
    }
    payload.update(kw)
    return {key: value for key, value in payload.items() if value is not None}


WHOLE = "Must be a whole number, at least 1."


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (calc_input(current_daily_dose=0), {"current_daily_dose": ABOVE_ZERO}),
        (calc_input(increment=-2), {"increment": ABOVE_ZERO}),
        (calc_input(days=0), {"days": WHOLE}),
        (calc_input(days=1.0), {"days": WHOLE}),
        (
            calc_input(kind="long_term_opioid", percent=10, every_days=0, of="current"),
            {"every_days": WHOLE},
        ),
        (
            calc_input(
                kind="benzodiazepine", increment=None, drug="diazepam", step_percent=0, step_days=14
            ),
            {"step_percent": ABOVE_ZERO},
        ),
    ],
)
def test_calculator_input_is_refused_field_by_field(
    payload: dict[str, Any], fields: dict[str, str]
) -> None:
    assert refusal(lambda: taper.plan_from_input(payload)) == (FORM, fields)


@pytest.mark.parametrize(
    "payload",
    [
        calc_input(days=1),
        calc_input(kind="long_term_opioid", percent=10, every_days=1, of="current"),
        calc_input(
            kind="benzodiazepine", increment=None, drug="diazepam", step_percent=10, step_days=1
        ),
    ],
)
def test_calculator_input_accepts_one_day(payload: dict[str, Any]) -> None:
    plan = taper.plan_from_input(payload)
    assert plan.steps[0].daily_dose == D(8)


DATE = "Must be a date written YYYY-MM-DD."
KIND = "Must be one of buprenorphine, methadone, lofexidine, long_term_opioid, benzodiazepine."
DRUG = "Must name the benzodiazepine, at most 64 characters."
SLOW_OBJECT = "Must be an object with at_or_below_percent and every_days."
LONG_TERM = {"kind": "long_term_opioid", "percent": 10, "every_days": 7, "of": "current"}
BENZO = {"kind": "benzodiazepine", "drug": "diazepam", "step_percent": 10, "step_days": 1}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (
            calc_input(kind="x", start_date="2025-02-30", allow_outside_range=1),
            {"kind": KIND, "start_date": DATE, "allow_outside_range": "Must be true or false."},
        ),
        (calc_input(**{**BENZO, "drug": "d" * 65}), {"drug": DRUG}),
        (calc_input(**{**BENZO, "drug": "  "}), {"drug": DRUG}),
        (calc_input(**{**BENZO, "drug": 7}), {"drug": DRUG}),
        (
            calc_input(**BENZO, pregnant="yes"),
            {"pregnant": "Must be true or false, or null when not known."},
        ),
        (
            calc_input(**LONG_TERM, slow_near_end={"at_or_below_percent": 10}),
            {"slow_near_end": SLOW_OBJECT},
        ),
        (
            calc_input(**LONG_TERM, slow_near_end={"at_or_below_percent": 10, "every_days": 0}),
            {"slow_near_end.every_days": WHOLE},
        ),
    ],
)
def test_calculator_input_names_each_bad_field(
    payload: dict[str, Any], fields: dict[str, str]
) -> None:
    assert refusal(lambda: taper.plan_from_input(payload)) == (FORM, fields)


def test_calculator_input_accepts_the_longest_drug_name() -> None:
    plan = taper.plan_from_input(calc_input(**{**BENZO, "drug": "d" * 64}))
    assert plan.drug == "d" * 64


def test_a_lofexidine_wind_down_outside_its_days_says_so() -> None:
    plan = taper.withdrawal_taper(
        "lofexidine",
        start_date=START,
        current_daily_dose=D(2),
        increment=D("0.2"),
        days=5,
        allow_outside_range=True,
    )
    message = "5 days is outside the usual 2-4 days for a lofexidine wind-down."
    assert [(f.code, f.severity, f.message, f.source) for f in plan.findings] == [
        ("taper.days_outside_range", "warning", message, "lofexidine-label")
    ]


STOP = (
    "Do not stop suddenly in a person who is physically dependent: withdrawal, a return to use "
    "and an overdose from lost tolerance may follow. Plan more days or a smaller increment."
)


@pytest.mark.parametrize(
    ("dose", "message"),
    [
        (
            "2",
            "This plan goes from the full dose of 2 to zero in one step, on 2025-03-02. "
            f"With an increment of 2 no dose lies between the current dose and zero. {STOP}",
        ),
        ("4", f"This plan goes from the full dose of 4 to zero in one step, on 2025-03-02. {STOP}"),
    ],
)
def test_an_abrupt_plan_says_when_the_increment_leaves_no_dose_between(
    dose: str, message: str
) -> None:
    plan = taper.withdrawal_taper(
        "buprenorphine", start_date=START, current_daily_dose=D(dose), increment=D(2), days=1
    )
    assert [f.message for f in plan.findings if f.code == "abrupt_taper"] == [message]


def test_a_long_term_plan_words_its_rates_and_its_slowing() -> None:
    plan = long_term(percent=D(20), of="current", slow_near_end=taper.SlowNearEnd(D(30), 14))()
    assert isinstance(plan, taper.TaperPlan)
    fast = (
        "20 % every 7 day(s) is faster than 10 % per week, the fastest commonly cited rate "
        "(after shorter use (weeks to months))."
    )
    assert [(f.code, f.message) for f in plan.findings] == [
        ("taper.faster_than_reference_rate", fast)
    ]
    assert plan.notes[2:4] == (
        "Commonly cited rates: 10 % per month after a year or more on opioids (hhs-2019); "
        "10 % per week after shorter use (weeks to months) (cdc-2022).",
        "From 30 % of the original dose, reductions come every 14 days (program setting).",
    )


HOLD_DAYS = "Must be a whole number of days, at least 1."


@pytest.mark.parametrize("days", [0, -1, 1.0])
def test_a_hold_needs_whole_days(days: Any) -> None:
    plan = methadone_plan()
    assert refusal(lambda: taper.hold(plan, START, days)) == (HOLD_DAYS, {"days": HOLD_DAYS})


def test_a_day_outside_the_plan_is_refused_with_the_plan_dates() -> None:
    plan = methadone_plan()
    message = "The plan runs from 2025-03-01 to 2025-03-11."
    assert refusal(lambda: plan.index_of(date(2025, 3, 12))) == (message, {"date": message})


# A program's own table (the shipped one is empty); the drug and its figure are examples only.
EXAMPLE_TABLE = (taper.DiazepamEquivalent("Example  Zepam", D(2), "program-table"),)


@pytest.mark.parametrize(
    ("drug", "note"),
    [
        (
            " example zepam ",
            "Day 1 is about 40 mg of diazepam a day by the program's table "
            "(source: program-table).",
        ),
        (
            "Other  Zepam",
            "The program's diazepam-equivalent table has no row for other zepam.",
        ),
    ],
)
def test_a_program_table_gives_the_day_1_diazepam_equivalent(drug: str, note: str) -> None:
    plan = benzodiazepine(drug=drug, equivalents=EXAMPLE_TABLE)()
    assert isinstance(plan, taper.TaperPlan)
    assert [text for text in plan.notes if "diazepam" in text] == [note]


def test_the_diazepam_equivalent_is_of_day_1_even_when_day_2_is_lower() -> None:
    plan = benzodiazepine(drug="example zepam", step_days=1, equivalents=EXAMPLE_TABLE)()
    assert isinstance(plan, taper.TaperPlan)
    assert [step.daily_dose for step in plan.steps[:2]] == [D(20), D(18)]
    assert [text for text in plan.notes if "diazepam" in text] == [
        "Day 1 is about 40 mg of diazepam a day by the program's table (source: program-table)."
    ]


def test_a_hold_may_reach_the_longest_schedule_but_not_a_day_more() -> None:
    plan = methadone_plan()  # 11 days
    assert len(taper.hold(plan, START, 3639).steps) == 3650
    assert refusal(lambda: taper.hold(plan, START, 3640)) == (TOO_LONG, {"days": TOO_LONG})


def test_the_patient_calendar_texts_are_the_patient_notes() -> None:
    assert taper.patient_notes() == {
        "lost_tolerance": taper.note("patient_lost_tolerance").text,
        "when_hard": taper.note("patient_when_hard").text,
        "naloxone": taper.note("naloxone").text,
    }


def test_an_exact_dose_is_cut_to_three_decimals_rounding_down() -> None:
    # 2/3 mg is stored as 0.666 mg, never rounded up to 0.667 mg.
    assert taper._decimal_of(Fraction(2, 3)) == D("0.666")
    assert taper._decimal_of(Fraction(-2, 3)) == D("-0.667")
    # A whole dose reads as a plain number, not in exponent notation.
    assert str(taper._decimal_of(Fraction(10))) == "10"
    assert str(taper._decimal_of(Fraction(25, 2))) == "12.5"


def test_a_finding_names_five_days_and_counts_the_rest() -> None:
    assert taper._listed(["1", "2", "3", "4", "5"]) == "1, 2, 3, 4, 5"
    assert taper._listed(["1", "2", "3", "4", "5", "6", "7"]) == "1, 2, 3, 4, 5 and 2 more"


def test_a_long_term_taper_may_last_the_longest_schedule_but_not_a_day_more() -> None:
    # 1 mg held for every_days days, then the day at zero.
    plan = long_term(current_daily_dose=D(1), increment=D(1), percent=D(100), every_days=3649)()
    assert isinstance(plan, taper.TaperPlan)
    assert len(plan.steps) == 3650
    call = long_term(current_daily_dose=D(1), increment=D(1), percent=D(100), every_days=3650)
    assert refusal(call) == (TOO_LONG, {"percent": TOO_LONG})


def test_planned_doses_that_never_reach_zero_are_a_knowledge_error() -> None:
    with pytest.raises(KnowledgeError) as raised:
        taper._build_steps(START, iter([Fraction(5)]), D(1), 5, lambda units: 1, "days")
    assert str(raised.value) == "A taper's planned doses ended before reaching zero."


def test_an_edit_faster_than_a_rate_of_the_current_dose_is_a_warning() -> None:
    # 10 % of the current dose each week: 100 (days 1-7), 90 (8-14), 81 (15-21), ...
    plan = long_term(increment=D(1), of="current")()
    assert isinstance(plan, taper.TaperPlan)
    assert [plan.steps[i].daily_dose for i in (6, 7, 13, 14)] == [D(100), D(90), D(90), D(81)]
    edited = taper.edit_step(plan, date(2025, 3, 14), D(81))
    # From day 7 (100) to day 14 (81) is 19, more than 10 % of 100 plus one increment.
    assert [f.message for f in edited.findings if f.code == "taper.faster_than_plan_rate"] == [
        "After the edit the dose falls faster than the plan's rate from: 2025-03-07."
    ]
    assert taper.rate_problems(plan) == ()
