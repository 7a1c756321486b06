"""The taper loaders read tapers.toml exactly and refuse a malformed file with a message naming
the table and the key: each value at its limit, one below and one of the wrong type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from detoxdesk.clinical import taper
from detoxdesk.clinical.errors import KnowledgeError

START = date(2025, 3, 1)
Change = Callable[[dict[str, Any]], None]


@pytest.fixture
def edit(edit_knowledge: Callable[[str, Change], None]) -> Callable[[Change], None]:
    """Make the loaders read tapers.toml with a change applied (the file is not touched)."""
    return lambda change: edit_knowledge("tapers", change)


def setting(table: str, key: str, value: object) -> Change:
    def change(data: dict[str, Any]) -> None:
        if value is None:
            del data[table][key]
        else:
            data[table][key] = value

    return change


def test_each_withdrawal_rule_is_read_in_full() -> None:
    assert taper.withdrawal_rule("methadone") == taper.WithdrawalRule(
        kind="methadone",
        label="Methadone withdrawal taper",
        default_days=None,
        min_days=6,
        max_days=10,
        shortest_days=6,
        start_dose_min=D(20),
        start_dose_max=D(30),
        start_dose_unit="mg/day",
        source="asam-2020",
        confidence="C",
    )
    assert taper.withdrawal_rule("buprenorphine") == taper.WithdrawalRule(
        kind="buprenorphine",
        label="Buprenorphine withdrawal taper",
        default_days=7,
        min_days=None,
        max_days=None,
        shortest_days=7,
        start_dose_min=None,
        start_dose_max=None,
        start_dose_unit=None,
        source="ctn-0003",
        confidence="C",
    )


@pytest.mark.parametrize("key", ["min_days", "max_days", "shortest_days", "default_days"])
@pytest.mark.parametrize("value", [0, -1, 1.0, True, "6"])
def test_a_withdrawal_rule_refuses_days_that_are_not_a_whole_number_above_zero(
    edit: Callable[[Change], None], key: str, value: object
) -> None:
    edit(setting("lofexidine", key, value))
    with pytest.raises(KnowledgeError) as refused:
        taper.withdrawal_rule("lofexidine")
    assert str(refused.value) == (f"tapers.toml [lofexidine]: {key} must be a whole number above 0")


def test_a_withdrawal_rule_accepts_one_day(edit: Callable[[Change], None]) -> None:
    def change(data: dict[str, Any]) -> None:
        data["lofexidine"].update(min_days=1, max_days=1, shortest_days=1, default_days=1)

    edit(change)
    rule = taper.withdrawal_rule("lofexidine")
    assert (rule.min_days, rule.max_days, rule.shortest_days, rule.default_days) == (1, 1, 1, 1)


@pytest.mark.parametrize("key", ["start_dose_min", "start_dose_max"])
@pytest.mark.parametrize("value", [0, -1, "20", True, float("nan")])
def test_a_withdrawal_rule_refuses_a_start_dose_that_is_not_a_number_above_zero(
    edit: Callable[[Change], None], key: str, value: object
) -> None:
    edit(setting("methadone", key, value))
    with pytest.raises(KnowledgeError) as refused:
        taper.withdrawal_rule("methadone")
    assert str(refused.value) == f"tapers.toml [methadone]: {key} must be a number above 0"


@pytest.mark.parametrize("key", ["start_dose_min", "start_dose_max"])
@pytest.mark.parametrize(("value", "read"), [(None, None), (0.001, D("0.001"))])
def test_a_start_dose_limit_may_be_left_out_or_as_small_as_a_thousandth(
    edit: Callable[[Change], None], key: str, value: float | None, read: D | None
) -> None:
    edit(setting("methadone", key, value))
    assert getattr(taper.withdrawal_rule("methadone"), key) == read


@pytest.mark.parametrize("value", [None, "X", "c", 1])
def test_a_withdrawal_rule_needs_a_known_confidence(
    edit: Callable[[Change], None], value: object
) -> None:
    edit(setting("buprenorphine", "confidence", value))
    with pytest.raises(KnowledgeError) as refused:
        taper.withdrawal_rule("buprenorphine")
    assert str(refused.value) == "tapers.toml [buprenorphine]: confidence must be one of C, S, U"


@pytest.mark.parametrize(("days", "refused"), [(5, True), (6, False), (10, False), (11, True)])
def test_a_default_length_must_lie_within_the_range(
    edit: Callable[[Change], None], days: int, refused: bool
) -> None:
    edit(setting("methadone", "default_days", days))
    if not refused:
        assert taper.withdrawal_rule("methadone").default_days == days
        return
    with pytest.raises(KnowledgeError) as error:
        taper.withdrawal_rule("methadone")
    assert str(error.value) == "tapers.toml [methadone]: default_days is outside the range"


def test_a_default_length_without_a_range_is_accepted(edit: Callable[[Change], None]) -> None:
    edit(setting("buprenorphine", "default_days", 365))
    assert taper.withdrawal_rule("buprenorphine").default_days == 365


def test_the_days_in_range_and_their_wording() -> None:
    rule = taper.withdrawal_rule("methadone")
    assert [rule.days_in_range(days) for days in (5, 6, 10, 11)] == [False, True, True, False]
    assert rule.range_text == "6-10 days"
    open_ended = taper.withdrawal_rule("buprenorphine")
    assert open_ended.days_in_range(1) and open_ended.days_in_range(3650)


def test_a_reference_rate_needs_a_known_confidence(edit: Callable[[Change], None]) -> None:
    def change(data: dict[str, Any]) -> None:
        data["long_term_opioid"]["reference_rates"][1]["confidence"] = "Z"

    edit(change)
    with pytest.raises(KnowledgeError) as refused:
        taper.reference_rates()
    assert str(refused.value) == (
        "tapers.toml reference_rates[1]: confidence must be one of C, S, U"
    )


def test_the_slowing_near_the_end_ships_unset() -> None:
    assert taper.slow_near_end_default() is None


@pytest.mark.parametrize(
    ("values", "read"),
    [
        ({"at_or_below_percent": 20}, None),
        ({"every_days": 14}, None),
        ({"at_or_below_percent": 20, "every_days": 14}, taper.SlowNearEnd(D(20), 14)),
    ],
)
def test_the_slowing_near_the_end_is_read_only_when_both_values_are_set(
    edit: Callable[[Change], None], values: dict[str, int], read: taper.SlowNearEnd | None
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["long_term_opioid"]["slow_near_end"].update(values)

    edit(change)
    assert taper.slow_near_end_default() == read


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("at_or_below_percent", 0, "at_or_below_percent must be a number above 0"),
        ("every_days", 0, "every_days must be a whole number above 0"),
    ],
)
def test_the_slowing_near_the_end_refuses_values_not_above_zero(
    edit: Callable[[Change], None], key: str, value: int, message: str
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["long_term_opioid"]["slow_near_end"].update(
            {"at_or_below_percent": 20, "every_days": 14, key: value}
        )

    edit(change)
    with pytest.raises(KnowledgeError) as refused:
        taper.slow_near_end_default()
    assert str(refused.value) == f"tapers.toml [long_term_opioid.slow_near_end]: {message}"


@pytest.mark.parametrize("value", [None, 0])
def test_the_longest_schedule_is_required_and_above_zero(
    edit: Callable[[Change], None], value: int | None
) -> None:
    edit(setting("limits", "max_schedule_days", value))
    with pytest.raises(KnowledgeError) as refused:
        taper.max_schedule_days()
    assert str(refused.value) == (
        "tapers.toml [limits]: max_schedule_days is required"
        if value is None
        else "tapers.toml [limits]: max_schedule_days must be a whole number above 0"
    )


@pytest.mark.parametrize(
    "key", ["step_warning_percent", "step_warning_days", "strong_percent", "strong_window_days"]
)
def test_every_benzodiazepine_step_limit_is_required(
    edit: Callable[[Change], None], key: str
) -> None:
    edit(setting("benzodiazepine", key, None))
    with pytest.raises(KnowledgeError) as refused:
        taper.benzodiazepine_rule()
    assert str(refused.value) == "tapers.toml [benzodiazepine]: every step limit is required"


def test_a_program_slowing_near_the_end_applies_when_the_plan_gives_none(
    edit: Callable[[Change], None],
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["long_term_opioid"]["slow_near_end"].update(at_or_below_percent=20, every_days=14)

    edit(change)
    plan = taper.long_term_taper(
        start_date=START,
        current_daily_dose=D(100),
        increment=D(5),
        percent=D(10),
        every_days=7,
        of="original",
    )
    assert (
        "From 20 % of the original dose, reductions come every 14 days (program setting)."
        in plan.notes
    )
    # 20 mg is 20 % of 100: from there each dose is held 14 days, not 7.
    twenty = [step for step in plan.steps if step.daily_dose == D(20)]
    assert len(twenty) == 14


def test_a_long_term_plan_names_the_source_of_its_rule(edit: Callable[[Change], None]) -> None:
    # A key no note or rate of a long-term plan carries (asam-2015 is a note's), so only the
    # rule can bring it into the plan's sources.
    edit(setting("long_term_opioid", "source", "tip-63"))
    plan = taper.long_term_taper(
        start_date=START,
        current_daily_dose=D(100),
        increment=D(5),
        percent=D(10),
        every_days=7,
        of="original",
    )
    assert plan.source == "tip-63"
    assert "tip-63" in plan.sources


def test_a_benzodiazepine_plan_names_the_source_of_its_rule(
    edit: Callable[[Change], None],
) -> None:
    edit(setting("benzodiazepine", "source", "asam-2020"))
    plan = taper.benzodiazepine_taper(
        start_date=START,
        drug="diazepam",
        current_daily_dose=D(20),
        step_percent=D(10),
        step_days=14,
        increment=D(1),
    )
    assert "asam-2020" in plan.sources


def test_without_an_upper_start_dose_no_start_is_outside_the_range(
    edit: Callable[[Change], None],
) -> None:
    edit(setting("methadone", "start_dose_max", None))
    plan = taper.withdrawal_taper(
        "methadone", start_date=START, current_daily_dose=D(100), increment=D(5), days=8
    )
    assert "taper.start_dose_outside_range" not in [f.code for f in plan.findings]


def test_a_plan_at_a_shortest_length_below_the_range_is_outside_the_range(
    edit: Callable[[Change], None],
) -> None:
    # The program's shortest length (1 day) lies below the usual 2-4 days: a 1-day plan is not
    # shorter than usual, so the finding that says so is that it is outside the range.
    edit(setting("lofexidine", "shortest_days", 1))
    plan = taper.withdrawal_taper(
        "lofexidine",
        start_date=START,
        current_daily_dose=D(2),
        increment=D("0.2"),
        days=1,
        allow_outside_range=True,
    )
    assert [(f.code, f.message) for f in plan.findings if f.code.startswith("taper.days")] == [
        (
            "taper.days_outside_range",
            "1 days is outside the usual 2-4 days for a lofexidine wind-down.",
        )
    ]
