"""The pure aftercare rules: bundle completeness, the hand-off window, follow-up states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from detoxdesk.clinical import aftercare as rules
from detoxdesk.clinical.errors import InvalidInput

ALL_DONE = {code: rules.ItemState("done") for code in rules.BUNDLE_CODES}


def test_it_lists_the_bundle_of_the_spec_in_order() -> None:
    assert tuple(rules.bundle_items()) == (
        "moud",
        "naloxone",
        "overdose_education",
        "warm_handoff",
        "referrals",
        "crisis_numbers",
    )


def test_it_lets_a_discharge_with_every_item_done_be_signed() -> None:
    assert rules.bundle_problems(ALL_DONE) == {}


@pytest.mark.parametrize(
    ("code", "state", "problem"),
    [
        ("moud", rules.ItemState("open"), "Not yet done"),
        ("moud", rules.ItemState("declined"), "Give the reason"),
        ("moud", rules.ItemState("declined", "   "), "Give the reason"),
        ("moud", rules.ItemState("declined", "Prefers counselling"), None),
        ("moud", rules.ItemState("not_applicable"), "Give the reason"),
        ("moud", rules.ItemState("not_applicable", "Alcohol only"), None),
        ("naloxone", rules.ItemState("not_applicable", "Left AMA"), "Offered to every patient"),
        ("naloxone", rules.ItemState("declined", "Has a kit"), None),
        ("naloxone", rules.ItemState("declined"), "Give the reason"),
        ("overdose_education", rules.ItemState("not_applicable", "x"), "Offered to every"),
        ("crisis_numbers", rules.ItemState("not_applicable", "x"), "Offered to every"),
        ("crisis_numbers", rules.ItemState("declined", "Refused the leaflet"), None),
        ("warm_handoff", rules.ItemState("not_applicable", "Transferred"), None),
        ("referrals", rules.ItemState("not_applicable", "Left AMA"), None),
        ("referrals", rules.ItemState("maybe", "x"), "Must be one of"),
    ],
)
def test_it_refuses_an_item_neither_done_nor_declined_with_a_reason(
    code: str, state: rules.ItemState, problem: str | None
) -> None:
    found = rules.bundle_problems({**ALL_DONE, code: state})
    if problem is None:
        assert found == {}
    else:
        assert list(found) == [code]
        assert problem in found[code]


def test_it_counts_a_missing_item_as_open() -> None:
    states = {code: state for code, state in ALL_DONE.items() if code != "naloxone"}
    assert list(rules.bundle_problems(states)) == ["naloxone"]


def test_it_takes_the_hand_off_window_from_the_knowledge_file() -> None:
    window = rules.warm_handoff_window()
    assert (window.length, window.source) == (timedelta(hours=72), "nida-ed-2018")


@pytest.mark.parametrize(
    ("after", "in_time"),
    [
        (timedelta(hours=1), True),
        (timedelta(hours=72), True),
        (timedelta(hours=72, minutes=1), False),
    ],
)
def test_it_checks_the_hand_off_is_within_the_window(after: timedelta, in_time: bool) -> None:
    out = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert rules.handoff_in_time(out, out + after) is in_time


def test_it_ships_the_follow_up_days_of_the_issue() -> None:
    assert rules.default_follow_up_days() == (3, 7, 30, 90)


def test_it_schedules_follow_ups_from_the_day_of_discharge() -> None:
    assert rules.follow_up_schedule(date(2026, 1, 30), (3, 30)) == (
        (3, date(2026, 2, 2)),
        (30, date(2026, 3, 1)),
    )


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        ((), "at least one"),
        ((0, 7), "above 0"),
        ((3, 3), "rising order"),
        ((7, 3), "rising order"),
        ((3, 2.5), "whole number"),
        ((3, True), "whole number"),
    ],
)
def test_it_refuses_a_schedule_that_cannot_be_used(days: tuple[object, ...], problem: str) -> None:
    assert problem in (rules.follow_up_days_problem(days) or "")
    with pytest.raises(InvalidInput):
        rules.follow_up_schedule(date(2026, 1, 1), days)  # type: ignore[arg-type]


DUE = date(2026, 5, 10)


@pytest.mark.parametrize(
    ("today", "grace", "status", "days_overdue"),
    [
        (date(2026, 5, 9), None, "upcoming", 0),
        (date(2026, 5, 10), None, "due", 0),
        (date(2026, 5, 11), None, "overdue", 1),
        (date(2026, 5, 20), None, "overdue", 10),
        (date(2026, 5, 11), 0, "overdue", 1),
        (date(2026, 5, 12), 2, "due", 0),
        (date(2026, 5, 13), 2, "overdue", 1),
    ],
)
def test_it_derives_due_and_overdue_from_the_day(
    today: date, grace: int | None, status: str, days_overdue: int
) -> None:
    state = rules.follow_up_state(DUE, today, recorded=False, grace_days=grace)
    assert (state.status, state.days_overdue) == (status, days_overdue)


def test_a_recorded_follow_up_is_done_however_late() -> None:
    state = rules.follow_up_state(DUE, date(2027, 1, 1), recorded=True, grace_days=None)
    assert (state.status, state.days_overdue) == ("done", 0)
