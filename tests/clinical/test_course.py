"""The expected withdrawal course (tip-63, huhn-2020): phases at their boundaries, refusals, CLI.

The ranges are written out here from SPEC.md's defaults table, independently of course.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import course
from detoxdesk.clinical.errors import InvalidInput

LAST_USE = "2024-05-01T08:00:00+00:00"
START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def run(opioid_class: str, last_use: str, now: str) -> dict[str, Any]:
    return course.calculate({"opioid_class": opioid_class, "last_use": last_use, "now": now})


def at(elapsed: timedelta) -> str:
    return (START + elapsed).isoformat()


def refusal(payload: Mapping[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        course.calculate(payload)
    return caught.value.fields


# --- The ranges (SPEC.md defaults table) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("opioid_class", "onset", "acute", "source", "confidence"),
    [
        ("short_acting", [8, 24], [4, 10], "tip-63", "S"),
        ("extended_release", [12, 48], [10, 20], "tip-63", "S"),
        ("methadone", [12, 48], [10, 20], "tip-63", "S"),
        ("fentanyl", None, None, "huhn-2020", "S"),
    ],
)
def test_it_gives_each_class_its_ranges_and_source(
    opioid_class: str,
    onset: list[int] | None,
    acute: list[int] | None,
    source: str,
    confidence: str,
) -> None:
    result = run(opioid_class, LAST_USE, at(D))
    assert (result["onset_hours"], result["acute_days"]) == (onset, acute)
    assert (result["sources"], result["confidence"]) == ([source], confidence)


def test_it_shows_fentanyl_as_variable_without_a_made_up_range() -> None:
    result = run("fentanyl", LAST_USE, at(3 * D))
    assert result["phase"] == "variable"
    assert result["note"] == "variable, may be prolonged"
    assert result["timeline"] == []
    assert result["hours_since_last_use"] == 72.0


@pytest.mark.parametrize("opioid_class", ["short_acting", "extended_release", "methadone"])
def test_it_gives_no_note_where_a_range_is_known(opioid_class: str) -> None:
    assert run(opioid_class, LAST_USE, at(H))["note"] is None


# --- Phases at every boundary ---------------------------------------------------------------------

SHORT_ACTING_EDGES = [
    (timedelta(0), "before_expected_onset"),
    (8 * H - SECOND, "before_expected_onset"),
    (8 * H, "onset_window"),
    (24 * H, "onset_window"),
    (24 * H + SECOND, "acute_phase"),
    (4 * D, "acute_phase"),
    (4 * D + SECOND, "acute_ending_window"),
    (10 * D, "acute_ending_window"),
    (10 * D + SECOND, "after_acute_window"),
    (400 * D, "after_acute_window"),
]
LONG_ACTING_EDGES = [
    (timedelta(0), "before_expected_onset"),
    (12 * H - SECOND, "before_expected_onset"),
    (12 * H, "onset_window"),
    (48 * H, "onset_window"),
    (48 * H + SECOND, "acute_phase"),
    (10 * D, "acute_phase"),
    (10 * D + SECOND, "acute_ending_window"),
    (20 * D, "acute_ending_window"),
    (20 * D + SECOND, "after_acute_window"),
]


@pytest.mark.parametrize(("elapsed", "phase"), SHORT_ACTING_EDGES)
def test_it_places_short_acting_withdrawal_at_its_edges(elapsed: timedelta, phase: str) -> None:
    assert run("short_acting", LAST_USE, at(elapsed))["phase"] == phase


@pytest.mark.parametrize("opioid_class", ["extended_release", "methadone"])
@pytest.mark.parametrize(("elapsed", "phase"), LONG_ACTING_EDGES)
def test_it_places_long_acting_withdrawal_at_its_edges(
    opioid_class: str, elapsed: timedelta, phase: str
) -> None:
    assert run(opioid_class, LAST_USE, at(elapsed))["phase"] == phase


@pytest.mark.parametrize(
    ("now", "hours"),
    [
        ("2024-05-01T08:00:00+00:00", 0.0),
        ("2024-05-01T08:30:00+00:00", 0.5),
        ("2024-05-02T08:00:00Z", 24.0),
        # The same instant written with another offset.
        ("2024-05-01T10:00:00+02:00", 0.0),
        ("2024-05-11T08:00:00+00:00", 240.0),
    ],
)
def test_it_counts_hours_between_instants_whatever_the_offset(now: str, hours: float) -> None:
    assert run("short_acting", LAST_USE, now)["hours_since_last_use"] == hours


def test_it_counts_real_hours_across_a_daylight_saving_change() -> None:
    # New York moved from -05:00 to -04:00 on 10 March 2024: 20:00 to 20:00 is 23 hours.
    result = run("short_acting", "2024-03-09T20:00:00-05:00", "2024-03-10T20:00:00-04:00")
    assert (result["hours_since_last_use"], result["phase"]) == (23.0, "onset_window")


def test_it_draws_the_timeline_in_the_offset_of_the_last_use() -> None:
    result = run("short_acting", "2024-05-01T08:00:00+02:00", "2024-05-02T06:00:00Z")
    assert result["timeline"] == [
        {
            "phase": "before_expected_onset",
            "start": "2024-05-01T08:00:00+02:00",
            "end": "2024-05-01T16:00:00+02:00",
        },
        {
            "phase": "onset_window",
            "start": "2024-05-01T16:00:00+02:00",
            "end": "2024-05-02T08:00:00+02:00",
        },
        {
            "phase": "acute_phase",
            "start": "2024-05-02T08:00:00+02:00",
            "end": "2024-05-05T08:00:00+02:00",
        },
        {
            "phase": "acute_ending_window",
            "start": "2024-05-05T08:00:00+02:00",
            "end": "2024-05-11T08:00:00+02:00",
        },
        {"phase": "after_acute_window", "start": "2024-05-11T08:00:00+02:00", "end": None},
    ]
    assert (result["hours_since_last_use"], result["phase"]) == (24.0, "onset_window")


def test_it_labels_every_phase_in_plain_words() -> None:
    assert set(course.PHASE_LABELS) == {
        "before_expected_onset",
        "onset_window",
        "acute_phase",
        "acute_ending_window",
        "after_acute_window",
        "variable",
    }
    assert (
        run("methadone", LAST_USE, at(H))["phase_label"]
        == course.PHASE_LABELS["before_expected_onset"]
    )


PHASE_ORDER = [
    "before_expected_onset",
    "onset_window",
    "acute_phase",
    "acute_ending_window",
    "after_acute_window",
]


@given(
    opioid_class=st.sampled_from(["short_acting", "extended_release", "methadone"]),
    first=st.integers(min_value=0, max_value=60 * 24 * 3600),
    extra=st.integers(min_value=0, max_value=60 * 24 * 3600),
)
def test_the_phase_never_goes_back_as_time_passes(
    opioid_class: str, first: int, extra: int
) -> None:
    found = course.course_for(opioid_class)
    earlier = course.phase_at(found, timedelta(seconds=first))
    later = course.phase_at(found, timedelta(seconds=first + extra))
    assert PHASE_ORDER.index(earlier) <= PHASE_ORDER.index(later)


@given(
    opioid_class=st.sampled_from(["short_acting", "extended_release", "methadone"]),
    seconds=st.integers(min_value=0, max_value=60 * 24 * 3600),
)
def test_the_phase_is_the_timeline_stretch_holding_now(opioid_class: str, seconds: int) -> None:
    now = START + timedelta(seconds=seconds)
    result = course.withdrawal_course(opioid_class, START, now)
    (stretch,) = [s for s in result.timeline if s.phase == result.phase]
    assert stretch.start <= now and (stretch.end is None or now <= stretch.end)


# --- Refusals -------------------------------------------------------------------------------------

OFFSET = "Must include a UTC offset, for example 2024-05-01T08:00:00+00:00 or ...Z."
NOT_ISO = "Must be an ISO-8601 date and time, for example 2024-05-01T08:00:00+00:00."
NOT_TEXT = "Must be an ISO-8601 date and time, as text."
CLASSES = "Must be one of short_acting, extended_release, methadone, fentanyl."
GOOD = {"opioid_class": "short_acting", "last_use": LAST_USE, "now": "2024-05-02T08:00:00Z"}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"last_use": "2024-05-01T08:00:00"}, {"last_use": OFFSET}),
        ({"now": "2024-05-02T08:00"}, {"now": OFFSET}),
        ({"last_use": "2024-05-01"}, {"last_use": OFFSET}),
        ({"last_use": "yesterday"}, {"last_use": NOT_ISO}),
        ({"last_use": ""}, {"last_use": NOT_ISO}),
        ({"last_use": 1714550400}, {"last_use": NOT_TEXT}),
        ({"now": None}, {"now": NOT_TEXT}),
        ({"now": "2024-05-01T07:59:59Z"}, {"last_use": "Must not be later than now."}),
        ({"opioid_class": "buprenorphine"}, {"opioid_class": CLASSES}),
        ({"opioid_class": None}, {"opioid_class": CLASSES}),
        ({"when": "now"}, {"when": "Not a field of this calculator."}),
        (
            {"opioid_class": "heroin", "now": "later"},
            {"opioid_class": CLASSES, "now": NOT_ISO},
        ),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    changes: dict[str, object], fields: dict[str, str]
) -> None:
    assert refusal({**GOOD, **changes}) == fields


@pytest.mark.parametrize("missing", ["opioid_class", "last_use", "now"])
def test_it_requires_every_field(missing: str) -> None:
    payload = {key: value for key, value in GOOD.items() if key != missing}
    fields = refusal(payload)
    assert list(fields) == [missing]


def test_the_rule_refuses_naive_datetimes_in_process() -> None:
    naive = datetime(2024, 5, 1, 8, 0)  # noqa: DTZ001 - the refusal under test
    with pytest.raises(InvalidInput) as caught:
        course.withdrawal_course("short_acting", naive, START)
    assert caught.value.fields == {"last_use": "Must include a UTC offset."}


def test_the_rule_accepts_now_equal_to_last_use_with_another_offset() -> None:
    now = START.astimezone(timezone(timedelta(hours=-7)))
    result = course.withdrawal_course("methadone", START, now)
    assert (result.hours_since_last_use, result.phase) == (0.0, "before_expected_onset")


# --- The command line -----------------------------------------------------------------------------


def test_it_runs_from_the_command_line() -> None:
    status, output, stderr = run_calc("withdrawal-course", {**GOOD, "opioid_class": "methadone"})
    assert (status, stderr) == (0, "")
    assert output["hours_since_last_use"] == 24.0
    assert (output["onset_hours"], output["acute_days"]) == ([12, 48], [10, 20])
    assert (output["phase"], output["sources"]) == ("onset_window", ["tip-63"])


def test_it_exits_2_with_fields_from_the_command_line() -> None:
    status, output, stderr = run_calc("withdrawal-course", {**GOOD, "now": "2024-05-02T08:00:00"})
    assert (status, stderr) == (2, "")
    assert set(output) == {"error", "fields"}
    assert output["fields"] == {"now": OFFSET}


def test_every_missing_instant_is_named_not_only_the_first() -> None:
    from detoxdesk.clinical import times

    instants, problems = times.read_instants({"now": "2024-05-02T08:00:00Z"}, ["a", "b", "now"])
    assert problems == {"a": "This field is required.", "b": "This field is required."}
    assert list(instants) == ["now"]
