"""Edges of buprenorphine induction: input checks at 0, an unknown time since last use, the
first-dose findings of the dose check and the precipitated-withdrawal screen's words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from detoxdesk.clinical import induction
from detoxdesk.clinical.errors import InvalidInput


def ready(cows: int, opioid_class: str = "short_acting", hours: float | None = 14) -> object:
    return induction.assess_readiness(
        cows, opioid_class, hours, benzodiazepine_use=False, pregnant=False
    )


def test_cows_0_and_48_and_0_hours_are_valid_input() -> None:
    for cows in (0, 48):
        ready(cows)
    readiness = induction.assess_readiness(
        0, "short_acting", 0, benzodiazepine_use=False, pregnant=False
    )
    assert readiness.hours_since_last_use == 0 and readiness.timing_known is True
    assert readiness.warnings == ("time_since_last_use",)


@pytest.mark.parametrize(
    ("cows", "hours", "fields"),
    [
        (-1, 14, {"cows_total": "Must be between 0 and 48."}),
        (49, 14, {"cows_total": "Must be between 0 and 48."}),
        (8, -0.5, {"hours_since_last_use": "Must be 0 or more."}),
    ],
)
def test_values_just_outside_the_ranges_are_refused(cows: int, hours: float, fields: dict) -> None:
    with pytest.raises(InvalidInput) as caught:
        ready(cows, hours=hours)
    assert caught.value.fields == fields
    assert caught.value.message == "Readiness cannot be assessed: correct the marked fields."


def test_an_unknown_time_is_never_read_as_a_wait() -> None:
    readiness = induction.assess_readiness(
        8, "methadone", None, benzodiazepine_use=False, pregnant=False
    )
    assert readiness.hours_since_last_use is None and readiness.timing_known is False
    assert readiness.warnings == ("time_since_last_use_unknown",)
    assert readiness.findings[0].message == (
        "The time of last opioid use is not known: the advised wait cannot be checked."
    )
    output = induction.readiness_calculator(
        {
            "cows_total": 8,
            "opioid_class": "fentanyl",
            "hours_since_last_use": None,
            "benzodiazepine_use": False,
            "pregnant": False,
        }
    )
    assert output["hours_since_last_use"] is None
    assert output["time_since_last_use_known"] is False
    assert output["warnings"] == ["time_since_last_use_unknown", "fentanyl_within_48h"]
    assert output["suggest_low_dose_initiation"] is True
    assert [day["day"] for day in output["low_dose_schedule"]] == [1, 2, 3, 4, 5, 6, 7]
    assert set(output["low_dose_schedule"][0]) == {
        "day",
        "dose_mg",
        "times_per_day",
        "stop_full_agonist",
    }
    assert output["low_dose_schedule"][0]["dose_mg"] == 0.5
    assert output["low_dose_schedule"][-1]["stop_full_agonist"] is True


@pytest.mark.parametrize(("hours", "warned"), [(47, True), (48, True), (49, False)])
def test_the_fentanyl_window_includes_48_hours(hours: int, warned: bool) -> None:
    readiness = induction.assess_readiness(
        8, "fentanyl", hours, benzodiazepine_use=False, pregnant=False
    )
    assert ("fentanyl_within_48h" in readiness.warnings) is warned
    assert readiness.suggest_low_dose_initiation is warned


# --- The first-dose findings of the dose check ---------------------------------------------------


def test_an_unrecorded_opioid_class_stops_the_first_dose() -> None:
    (finding,) = induction.standard_start_findings(13, None, None, benzodiazepine_use=False)
    assert (finding.code, finding.severity, finding.source) == (
        "opioid_class_not_recorded",
        "stop",
        "acep-bupe-tool",
    )
    assert finding.message.startswith("The opioid last used is not recorded")


def test_an_unrecorded_cows_stops_the_first_dose() -> None:
    (finding,) = induction.standard_start_findings(
        None, "short_acting", Decimal(14), benzodiazepine_use=False
    )
    assert (finding.code, finding.severity, finding.source) == (
        "cows_not_recorded",
        "stop",
        "acep-bupe-tool",
    )
    assert finding.message == (
        "No COWS is recorded: objective signs of withdrawal are the gate for a first"
        " buprenorphine dose. Score COWS first."
    )


def test_a_cows_below_the_gate_stops_the_first_dose_with_the_reasons() -> None:
    found = induction.standard_start_findings(
        7, "short_acting", Decimal(14), benzodiazepine_use=True
    )
    assert [(f.code, f.severity) for f in found] == [
        ("cows_gate_not_met", "stop"),
        ("benzodiazepine_co_use", "warning"),
    ]
    assert found[0].message.startswith("COWS 7 is below the gate of 8 for short-acting opioids")
    assert found[0].source == "acep-bupe-tool"
    assert (
        induction.standard_start_findings(8, "short_acting", Decimal(14), benzodiazepine_use=False)
        == ()
    )


# --- The precipitated-withdrawal screen ----------------------------------------------------------


def test_the_screen_accepts_0_minutes_and_refuses_less() -> None:
    screen = induction.screen_precipitated_withdrawal(8, 8, 0)
    assert screen.alert is False and screen.rise == 0
    assert screen.message == (
        "COWS went from 8 to 8 0 minutes after the first buprenorphine dose: no rise to flag."
    )
    with pytest.raises(InvalidInput) as caught:
        induction.screen_precipitated_withdrawal(8, 8, -1)
    assert caught.value.fields == {"minutes_since_dose": "Must be 0 or more."}


@pytest.mark.parametrize(
    ("before", "after", "fields"),
    [
        (-1, 8, {"cows_before": "Must be between 0 and 48."}),
        (8, 49, {"cows_after": "Must be between 0 and 48."}),
        (True, 8, {"cows_before": "Must be a whole number."}),
        (8, 8.5, {"cows_after": "Must be a whole number."}),
    ],
)
def test_the_screen_refuses_cows_outside_0_to_48(
    before: object, after: object, fields: dict
) -> None:
    with pytest.raises(InvalidInput) as caught:
        induction.screen_precipitated_withdrawal(before, after, 30)  # type: ignore[arg-type]
    assert caught.value.fields == fields
    assert caught.value.message == "The screen cannot run: correct the marked fields."


def test_a_rise_is_flagged_for_clinician_review() -> None:
    screen = induction.screen_precipitated_withdrawal(0, 48, 45)
    assert screen.alert is True and screen.rise == 48
    assert screen.message == (
        "Possible precipitated withdrawal: COWS rose from 0 to 48 45 minutes after the first"
        " buprenorphine dose. For clinician review: this is a screen, not a diagnosis."
    )
    assert screen.guidance
