"""Exact refusals of the course table and the boundaries of its checks (knowledge/course.toml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from detoxdesk.clinical import course
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

LAST = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ENTRY = {"label": "L", "source": "tip-63", "confidence": "S"}


def hours(low: Any, high: Any, unit: str = "h") -> dict[str, Any]:
    return {"low": low, "high": high, "unit": unit}


def refusal(entry: dict[str, Any]) -> str:
    with pytest.raises(KnowledgeError) as refused:
        course._build_course("x", {**ENTRY, **entry})
    return str(refused.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"onset_hours": hours(6, 12, "d"), "acute_days": hours(3, 5, "d")},
            "course.toml [x].onset_hours: whole numbers in 'h' expected",
        ),
        (
            {"onset_hours": hours(6, 12), "acute_days": hours(3, 5, "h")},
            "course.toml [x].acute_days: whole numbers in 'd' expected",
        ),
        (
            {"onset_hours": hours(1.5, 12), "acute_days": hours(3, 5, "d")},
            "course.toml [x].onset_hours: whole numbers in 'h' expected",
        ),
        (
            {"onset_hours": {"low": 6, "unit": "h"}, "acute_days": hours(3, 5, "d")},
            "course.toml [x].onset_hours: missing or malformed 'high'",
        ),
        (
            {"onset_hours": hours(0, 12), "acute_days": hours(3, 5, "d")},
            "course.toml [x].onset_hours: low must be above 0, not above high",
        ),
        ({}, "course.toml [x]: give both ranges, or neither and a note"),
        ({"onset_hours": hours(6, 12)}, "course.toml [x]: give both ranges, or neither and a note"),
        (
            {"onset_hours": hours(24, 48), "acute_days": hours(2, 5, "d")},
            "course.toml [x]: the onset window must end before acute_days",
        ),
        (
            {"onset_hours": hours(12, 48), "acute_days": hours(1, 3, "d")},
            "course.toml [x]: the onset window must end before acute_days",
        ),
        (
            {"onset_hours": hours(6, 12), "acute_days": hours(3, 5, "d"), "confidence": "X"},
            "course.toml [x]: confidence must be one of C, S, U",
        ),
    ],
)
def test_a_malformed_course_is_refused_naming_it(entry: dict[str, Any], message: str) -> None:
    assert refusal(entry) == message


def test_a_range_may_start_at_1_and_be_a_single_value() -> None:
    built = course._build_course(
        "x", {**ENTRY, "onset_hours": hours(1, 1), "acute_days": hours(1, 1, "d")}
    )
    assert built.onset_hours == course.Range(1, 1, "h")
    assert built.acute_days == course.Range(1, 1, "d")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], None),
        (["cocaine"], None),
        (["buprenorphine", "prescription_opioid"], None),
        (["heroin"], "short_acting"),
        (["heroin", "methadone"], "methadone"),
        (["methadone", "fentanyl", "heroin"], "fentanyl"),
    ],
)
def test_the_least_certain_course_of_the_substances_applies(
    names: list[str], expected: str | None
) -> None:
    assert course.class_for_substances(names) == expected


def test_an_unknown_opioid_class_is_refused_listing_the_classes() -> None:
    with pytest.raises(InvalidInput) as refused:
        course.course_for("tramadol")
    assert refused.value.message == "Unknown opioid class."
    assert refused.value.fields == {
        "opioid_class": "Must be one of short_acting, extended_release, methadone, fentanyl."
    }


def test_the_calculator_refuses_with_its_own_sentence() -> None:
    with pytest.raises(InvalidInput) as refused:
        course.calculate({"opioid_class": "tramadol", "last_use": LAST.isoformat(), "now": None})
    assert refused.value.message == "The withdrawal course cannot be worked out: check the fields."


def test_a_course_with_one_range_only_has_no_phase_and_no_timeline() -> None:
    half = course.Course("x", "L", course.Range(6, 12, "h"), None, None, "tip-63", "S")
    assert course.phase_at(half, timedelta(hours=8)) == course.VARIABLE
    assert course.timeline(half, LAST) == ()


@pytest.mark.parametrize(
    ("last_use", "now", "fields"),
    [
        (LAST, LAST.replace(tzinfo=None), {"now": "Must include a UTC offset."}),
        (LAST.replace(tzinfo=None), LAST, {"last_use": "Must include a UTC offset."}),
        (LAST, LAST - timedelta(seconds=1), {"last_use": "Must not be later than now."}),
    ],
)
def test_wrong_times_are_refused_naming_the_field(
    last_use: datetime, now: datetime, fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        course.withdrawal_course("short_acting", last_use, now)
    assert refused.value.message == "The times need correcting."
    assert refused.value.fields == fields


def test_the_result_keeps_both_times() -> None:
    now = LAST + timedelta(hours=30)
    result = course.withdrawal_course("short_acting", LAST, now)
    assert (result.last_use, result.now, result.hours_since_last_use) == (LAST, now, 30.0)
