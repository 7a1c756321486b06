"""Extended-release naltrexone: earliest start after the last opioid use (vivitrol-label et al.).

The intervals are written out here from SPEC.md's defaults table (7 days after short-acting, 10
after methadone or buprenorphine) and from the choice documented in naltrexone.toml for the classes
SPEC.md is silent on (10 days, the most conservative, confidence U).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import aftercare
from detoxdesk.clinical.errors import InvalidInput


def run(last_use: str, opioid_class: str) -> dict[str, Any]:
    return aftercare.calculate({"last_opioid_use": last_use, "opioid_class": opioid_class})


def refusal(payload: Mapping[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        aftercare.calculate(payload)
    return caught.value.fields


@pytest.mark.parametrize(
    ("opioid_class", "days", "basis", "source", "confidence"),
    [
        ("short_acting", 7, "spec_default", "vivitrol-label", "S"),
        ("methadone", 10, "spec_default", "vivitrol-label", "S"),
        ("buprenorphine", 10, "spec_default", "vivitrol-label", "S"),
        ("extended_release", 10, "most_conservative_spec_default", "vivitrol-label", "U"),
        ("fentanyl", 10, "most_conservative_spec_default", "vivitrol-label", "U"),
    ],
)
def test_it_requires_the_opioid_free_days_of_each_class(
    opioid_class: str, days: int, basis: str, source: str, confidence: str
) -> None:
    result = run("2024-05-01T08:00:00+00:00", opioid_class)
    assert result["opioid_free_days_required"] == days
    assert (result["basis"], result["source"], result["confidence"]) == (basis, source, confidence)


@pytest.mark.parametrize(
    ("last_use", "opioid_class", "earliest"),
    [
        ("2024-05-01T08:00:00+00:00", "short_acting", "2024-05-08T08:00:00+00:00"),
        ("2024-05-01T08:00:00+00:00", "methadone", "2024-05-11T08:00:00+00:00"),
        # Leap day, year end and month end.
        ("2024-02-22T23:59:59+00:00", "short_acting", "2024-02-29T23:59:59+00:00"),
        ("2023-02-22T23:59:59+00:00", "short_acting", "2023-03-01T23:59:59+00:00"),
        ("2024-12-25T10:00:00-05:00", "buprenorphine", "2025-01-04T10:00:00-05:00"),
        ("2024-01-31T00:00:00+00:00", "fentanyl", "2024-02-10T00:00:00+00:00"),
        # "Z" comes back as +00:00; the offset given is kept.
        ("2024-05-01T08:00:00Z", "extended_release", "2024-05-11T08:00:00+00:00"),
        ("2024-05-01T00:30:00+05:30", "short_acting", "2024-05-08T00:30:00+05:30"),
    ],
)
def test_it_adds_whole_days_to_the_last_use(
    last_use: str, opioid_class: str, earliest: str
) -> None:
    assert run(last_use, opioid_class)["earliest_start"] == earliest


def test_it_keeps_the_offset_given_across_a_daylight_saving_change() -> None:
    # New York moves to -04:00 on 10 March 2024; the start stays exactly 7 x 24 hours later, in the
    # offset of the input (13:00 local summer time), never silently shifted by the clock change.
    result = run("2024-03-08T12:00:00-05:00", "short_acting")
    assert result["earliest_start"] == "2024-03-15T12:00:00-05:00"


def test_it_says_the_naloxone_challenge_is_optional() -> None:
    notes = run("2024-05-01T08:00:00+00:00", "short_acting")["notes"]
    assert notes[0].startswith("A naloxone challenge before the first dose is optional.")
    assert any("overdose" in note for note in notes)


@pytest.mark.parametrize("opioid_class", ["extended_release", "fentanyl"])
def test_it_explains_the_value_chosen_where_the_sources_are_silent(opioid_class: str) -> None:
    notes = run("2024-05-01T08:00:00+00:00", opioid_class)["notes"]
    assert notes[0].startswith("The sources Detox Desk relies on give no interval after")
    assert "Confirm the person is opioid-free" in notes[0]


def test_it_warns_that_ten_days_may_not_be_enough_after_fentanyl() -> None:
    result = run("2024-05-01T08:00:00+00:00", "fentanyl")
    assert "may not be enough" in result["notes"][0]
    assert result["sources"] == ["vivitrol-label", "huhn-2020", "tip-63"]


@pytest.mark.parametrize("opioid_class", ["short_acting", "methadone", "buprenorphine"])
def test_it_cites_both_sources_of_the_spec_defaults(opioid_class: str) -> None:
    result = run("2024-05-01T08:00:00+00:00", opioid_class)
    assert result["sources"] == ["vivitrol-label", "asam-patient-2020", "tip-63"]
    assert not result["notes"][0].startswith("The sources Detox Desk relies on")


def test_a_program_may_set_its_own_interval() -> None:
    policy = {
        "fentanyl": aftercare.OpioidFreeInterval(
            "fentanyl", 14, "program_policy", ("vivitrol-label",), "U", "Program policy."
        )
    }
    last_use = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    start = aftercare.naltrexone_start(last_use, "fentanyl", policy=policy)
    assert (start.earliest_start, start.interval.basis) == (
        datetime(2024, 5, 15, 8, 0, tzinfo=UTC),
        "program_policy",
    )
    # A class the policy does not list keeps the default.
    other = aftercare.naltrexone_start(last_use, "short_acting", policy=policy)
    assert other.earliest_start == datetime(2024, 5, 8, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", [0, -1, True])
def test_it_refuses_a_program_interval_that_is_not_a_positive_whole_number(days: int) -> None:
    interval = dataclasses.replace(aftercare.intervals()["methadone"], days=days)
    with pytest.raises(InvalidInput, match="days must be a whole number above 0"):
        aftercare.naltrexone_start(
            datetime(2024, 5, 1, tzinfo=UTC), "methadone", policy={"methadone": interval}
        )


@given(
    day=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - bounds for an aware strategy
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    opioid_class=st.sampled_from(aftercare.OPIOID_CLASSES),
)
def test_the_start_is_whole_days_later_at_the_same_time(day: datetime, opioid_class: str) -> None:
    start = aftercare.naltrexone_start(day, opioid_class)
    elapsed = start.earliest_start - day
    assert elapsed.days in (7, 10) and elapsed.seconds == 0 and elapsed.microseconds == 0
    assert elapsed.days == (7 if opioid_class == "short_acting" else 10)


# --- Refusals -------------------------------------------------------------------------------------

GOOD = {"last_opioid_use": "2024-05-01T08:00:00+00:00", "opioid_class": "methadone"}
CLASSES = "Must be one of short_acting, extended_release, methadone, buprenorphine, fentanyl."
OFFSET = "Must include a UTC offset, for example 2024-05-01T08:00:00+00:00 or ...Z."


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"last_opioid_use": "2024-05-01T08:00:00"}, {"last_opioid_use": OFFSET}),
        ({"last_opioid_use": "2024-05-01"}, {"last_opioid_use": OFFSET}),
        (
            {"last_opioid_use": "last week"},
            {
                "last_opioid_use": (
                    "Must be an ISO-8601 date and time, for example 2024-05-01T08:00:00+00:00."
                )
            },
        ),
        (
            {"last_opioid_use": True},
            {"last_opioid_use": "Must be an ISO-8601 date and time, as text."},
        ),
        ({"opioid_class": "heroin"}, {"opioid_class": CLASSES}),
        ({"opioid_class": ["methadone"]}, {"opioid_class": CLASSES}),
        ({"now": "2024-05-02T00:00:00Z"}, {"now": "Not a field of this calculator."}),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    changes: dict[str, object], fields: dict[str, str]
) -> None:
    assert refusal({**GOOD, **changes}) == fields


@pytest.mark.parametrize("missing", ["last_opioid_use", "opioid_class"])
def test_it_requires_both_fields(missing: str) -> None:
    payload = {key: value for key, value in GOOD.items() if key != missing}
    assert list(refusal(payload)) == [missing]


def test_the_rule_refuses_a_naive_datetime_in_process() -> None:
    naive = datetime(2024, 5, 1, 8, 0)  # noqa: DTZ001 - the refusal under test
    with pytest.raises(InvalidInput) as caught:
        aftercare.naltrexone_start(naive, "fentanyl")
    assert caught.value.fields == {"last_opioid_use": "Must include a UTC offset."}


# --- The command line -----------------------------------------------------------------------------


def test_it_runs_from_the_command_line() -> None:
    status, output, stderr = run_calc("naltrexone-start", GOOD)
    assert (status, stderr) == (0, "")
    assert output["earliest_start"] == "2024-05-11T08:00:00+00:00"
    assert (output["opioid_free_days_required"], output["source"]) == (10, "vivitrol-label")
    assert isinstance(output["notes"], list) and output["notes"]


def test_it_exits_2_with_fields_from_the_command_line() -> None:
    status, output, stderr = run_calc(
        "naltrexone-start", {"last_opioid_use": "2024-05-01T08:00:00"}
    )
    assert (status, stderr) == (2, "")
    assert set(output) == {"error", "fields"}
    assert output["fields"] == {"last_opioid_use": OFFSET, "opioid_class": CLASSES}


# --- MOUD when opioid use disorder is recorded; medicines left off the summary --------------------


@pytest.mark.parametrize(
    ("status", "reason", "oud", "resolved"),
    [
        ("not_applicable", "Alcohol withdrawal only", False, True),
        ("not_applicable", "Left against medical advice", True, False),
        ("declined", "Wants to try without medication", True, True),
        ("declined", "", True, False),
        ("done", "", True, True),
        ("open", "", True, False),
    ],
)
def test_moud_is_never_not_applicable_with_opioid_use_disorder(
    status: str, reason: str, oud: bool, resolved: bool
) -> None:
    rule = aftercare.bundle_items()["moud"]
    problem = aftercare.item_problem(
        rule, aftercare.ItemState(status, reason), opioid_use_disorder=oud
    )
    assert (problem is None) is resolved
    if status == "not_applicable" and oud:
        assert problem is not None and "Opioid use disorder is recorded" in problem


def test_the_other_items_keep_their_own_not_applicable_rule_with_oud() -> None:
    states = {code: aftercare.ItemState("not_applicable", "n/a") for code in aftercare.BUNDLE_CODES}
    problems = aftercare.bundle_problems(states, opioid_use_disorder=True)
    assert set(problems) == {"moud", "naloxone", "overdose_education", "crisis_numbers"}
    assert set(aftercare.bundle_problems(states)) == {
        "naloxone",
        "overdose_education",
        "crisis_numbers",
    }


@pytest.mark.parametrize(
    ("ingredients", "inpatient_only"),
    [
        ({"lofexidine"}, True),
        ({"loperamide"}, True),
        ({"buprenorphine", "naloxone"}, False),
        ({"methadone"}, False),
        ({"clonidine"}, False),
    ],
)
def test_it_knows_the_inpatient_only_medicines(ingredients: set[str], inpatient_only: bool):
    assert aftercare.is_inpatient_only(frozenset(ingredients)) is inpatient_only


def test_a_bridge_prescription_names_buprenorphine_products() -> None:
    assert aftercare.bridge_drugs() == ("buprenorphine_naloxone", "buprenorphine")
