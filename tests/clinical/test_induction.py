"""Buprenorphine initiation: readiness (COWS gate, advisory warnings) and the precipitated screen.

Expected values are written out from SPEC.md's defaults table and section 5.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import calc, induction
from detoxdesk.clinical.dosing import MedicationPolicy, default_policy
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.induction import (
    assess_readiness,
    low_dose_schedule,
    screen_precipitated_withdrawal,
)

CLASSES = ["short_acting", "extended_release", "methadone", "fentanyl"]


def readiness(
    cows: int, opioid_class: str = "short_acting", hours: float | None = 24, **flags: Any
) -> induction.Readiness:
    flags.setdefault("benzodiazepine_use", False)
    flags.setdefault("pregnant", False)
    return assess_readiness(cows, opioid_class, hours, **flags)


# --- The COWS gate: acep-bupe-tool, nida-ed-2018 --------------------------------------------------

GATE_EDGES = [
    ("short_acting", 0, False, 8),
    ("short_acting", 7, False, 8),
    ("short_acting", 8, True, 8),
    ("short_acting", 48, True, 8),
    ("fentanyl", 7, False, 8),
    ("fentanyl", 8, True, 8),
    ("extended_release", 12, False, 13),
    ("extended_release", 13, True, 13),
    ("methadone", 12, False, 13),
    ("methadone", 13, True, 13),
]


@pytest.mark.parametrize(("opioid_class", "cows", "ready", "threshold"), GATE_EDGES)
def test_it_gates_readiness_on_cows_for_the_opioid_class(
    opioid_class: str, cows: int, ready: bool, threshold: int
) -> None:
    result = readiness(cows, opioid_class, hours=100)
    assert (result.ready, result.cows_threshold) == (ready, Decimal(threshold))
    assert result.threshold_source == "acep-bupe-tool"


def test_it_explains_precipitated_withdrawal_when_not_ready() -> None:
    reasons = readiness(6).reasons
    assert (
        reasons[0] == "COWS 6 is below the gate of 8 for short-acting opioids (it needs 8 or more)."
    )
    assert "precipitated withdrawal" in reasons[1]
    assert "pushes that opioid off" in reasons[1]
    assert "score COWS again" in reasons[2]


def test_it_says_why_the_patient_is_ready() -> None:
    assert readiness(14, "methadone", hours=80).reasons == (
        "COWS 14 reaches the gate of 13 for methadone: objective signs of withdrawal are present.",
    )


# --- Advisory warnings: asam-2015, nida-ed-2018, varshneya-2022, fda-2017 -------------------------

TIME_EDGES = [
    ("short_acting", 0, "asam-2015"),
    ("short_acting", 11.9, "asam-2015"),
    ("short_acting", 12, None),
    ("extended_release", 23.9, "asam-2015"),
    ("extended_release", 24, None),
    ("methadone", 71.9, "nida-ed-2018"),
    ("methadone", 72, None),
    ("fentanyl", 11.9, "asam-2015"),
    ("fentanyl", 12, None),
]


@pytest.mark.parametrize(
    ("hours", "shown"), [(10.416666, "10.4 hours"), (11.99, "11.9 hours"), (1, "1 hour")]
)
def test_the_hours_since_last_use_read_to_a_tenth_never_up_to_the_wait(hours, shown) -> None:
    result = readiness(20, "short_acting", hours)
    message = next(f.message for f in result.findings if f.code == "time_since_last_use")
    assert message.startswith(f"Last use was {shown} ago;"), message


@pytest.mark.parametrize(("opioid_class", "hours", "source"), TIME_EDGES)
def test_it_warns_when_less_time_than_advised_has_passed(
    opioid_class: str, hours: float, source: str | None
) -> None:
    result = readiness(20, opioid_class, hours)
    assert result.ready  # time never decides readiness
    found = [(f.severity, f.source) for f in result.findings if f.code == "time_since_last_use"]
    assert found == ([] if source is None else [("warning", source)])


@pytest.mark.parametrize(
    ("opioid_class", "hours", "warned"),
    [
        ("fentanyl", 0, True),
        ("fentanyl", 47.9, True),
        ("fentanyl", 48, True),
        ("fentanyl", 48.1, False),
        ("fentanyl", 200, False),
        ("short_acting", 10, False),
        ("methadone", 10, False),
    ],
)
def test_it_warns_about_fentanyl_within_48_hours_and_suggests_low_dose_initiation(
    opioid_class: str, hours: float, warned: bool
) -> None:
    result = readiness(20, opioid_class, hours)
    assert ("fentanyl_within_48h" in result.warnings) is warned
    assert result.suggest_low_dose_initiation is warned
    if warned:
        finding = next(f for f in result.findings if f.code == "fentanyl_within_48h")
        assert (finding.severity, finding.source) == ("warning", "varshneya-2022")
        assert "low-dose initiation" in finding.message


# --- Unknown time since last use: never read as "long ago" (issue 10) ----------------------------


@pytest.mark.parametrize(
    ("opioid_class", "cows", "ready"),
    [
        ("short_acting", 7, False),
        ("short_acting", 8, True),
        ("fentanyl", 7, False),
        ("fentanyl", 8, True),
        ("extended_release", 12, False),
        ("extended_release", 13, True),
        ("methadone", 12, False),
        ("methadone", 13, True),
    ],
)
def test_it_gates_on_cows_alone_when_the_time_of_last_use_is_unknown(
    opioid_class: str, cows: int, ready: bool
) -> None:
    result = readiness(cows, opioid_class, hours=None)
    assert result.ready is ready
    assert (result.hours_since_last_use, result.timing_known) == (None, False)
    unknown = next(f for f in result.findings if f.code == "time_since_last_use_unknown")
    assert unknown.severity == "warning"
    assert unknown.message == (
        "The time of last opioid use is not known: the advised wait cannot be checked."
    )
    assert "time_since_last_use" not in result.warnings


@pytest.mark.parametrize("cows", [7, 8, 13, 20])
def test_it_keeps_the_fentanyl_warning_and_low_dose_suggestion_when_timing_is_unknown(
    cows: int,
) -> None:
    result = readiness(cows, "fentanyl", hours=None)
    assert result.warnings == ("time_since_last_use_unknown", "fentanyl_within_48h")
    assert result.suggest_low_dose_initiation is True
    finding = result.findings[1]
    assert (finding.severity, finding.source) == ("warning", "varshneya-2022")
    assert finding.message.startswith(
        "The time of last fentanyl use is not known: it may be within 48 hours."
    )
    assert "low-dose initiation" in finding.message


@pytest.mark.parametrize("opioid_class", ["short_acting", "extended_release", "methadone"])
def test_it_suggests_low_dose_initiation_only_after_fentanyl(opioid_class: str) -> None:
    result = readiness(20, opioid_class, hours=None)
    assert result.warnings == ("time_since_last_use_unknown",)
    assert result.suggest_low_dose_initiation is False


def test_it_warns_about_benzodiazepines_without_blocking() -> None:
    result = readiness(10, benzodiazepine_use=True)
    assert (result.ready, result.warnings) == (True, ("benzodiazepine_co_use",))
    assert result.findings[0].source == "fda-2017"


def test_it_notes_pregnancy_for_physician_review_without_blocking() -> None:
    result = readiness(10, pregnant=True)
    assert (result.ready, result.warnings) == (True, ())
    assert [(note.code, note.source) for note in result.notes] == [
        ("pregnancy_physician_review", "acog-711")
    ]
    assert "physician review" in result.notes[0].message


@given(
    st.integers(min_value=0, max_value=48),
    st.sampled_from(CLASSES),
    st.none() | st.decimals(min_value=0, max_value=500, places=1),
    st.booleans(),
    st.booleans(),
)
def test_it_decides_readiness_by_the_cows_gate_alone(
    cows: int, opioid_class: str, hours: Decimal | None, benzodiazepine: bool, pregnant: bool
) -> None:
    result = assess_readiness(
        cows, opioid_class, hours, benzodiazepine_use=benzodiazepine, pregnant=pregnant
    )
    gate = {"short_acting": 8, "fentanyl": 8, "extended_release": 13, "methadone": 13}
    assert result.ready is (cows >= gate[opioid_class])
    assert all(finding.severity == "warning" for finding in result.findings)
    assert ("benzodiazepine_co_use" in result.warnings) is benzodiazepine
    if hours is None and opioid_class == "fentanyl":
        assert result.suggest_low_dose_initiation  # unknown is never "more than 48 hours"


# --- First dose and low-dose initiation: nida-ed-2018, randhawa-2020 ------------------------------


@pytest.mark.parametrize(
    ("cows", "first", "may_be"),
    [(7, None, None), (8, Decimal(4), None), (12, Decimal(4), None), (13, Decimal(4), Decimal(8))],
)
def test_it_suggests_4_mg_first_and_8_mg_from_cows_13(
    cows: int, first: Decimal | None, may_be: Decimal | None
) -> None:
    result = readiness(cows)
    assert (result.first_dose_mg, result.first_dose_may_be_mg) == (first, may_be)


def test_it_carries_the_seven_day_low_dose_schedule() -> None:
    schedule = [
        (day.day, day.dose_mg, day.times_per_day, day.stop_full_agonist)
        for day in low_dose_schedule()
    ]
    assert schedule == [
        (1, Decimal("0.5"), 1, False),
        (2, Decimal("0.5"), 2, False),
        (3, Decimal(1), 2, False),
        (4, Decimal(2), 2, False),
        (5, Decimal(3), 2, False),
        (6, Decimal(4), 2, False),
        (7, Decimal(12), 1, True),
    ]
    policy = default_policy().induction
    assert (policy.low_dose_source, policy.low_dose_confidence) == ("randhawa-2020", "S")


# --- Program overrides ----------------------------------------------------------------------------


def with_gate(value: int) -> MedicationPolicy:
    policy = default_policy()
    gate = policy.induction.cows_gate_short_acting.with_value(value)
    return replace(policy, induction=replace(policy.induction, cows_gate_short_acting=gate))


@pytest.mark.parametrize(("cows", "ready"), [(9, False), (10, True)])
def test_it_applies_a_programs_own_gate(cows: int, ready: bool) -> None:
    result = assess_readiness(
        cows, "short_acting", 24, benzodiazepine_use=False, pregnant=False, policy=with_gate(10)
    )
    assert (result.ready, result.cows_threshold, result.threshold_source) == (
        ready,
        Decimal(10),
        "program-policy",
    )


def test_it_is_never_ready_when_a_program_cleared_the_gate() -> None:
    policy = default_policy()
    cleared = policy.induction.cows_gate_methadone.with_value(None)
    policy = replace(policy, induction=replace(policy.induction, cows_gate_methadone=cleared))
    result = assess_readiness(
        40, "methadone", 96, benzodiazepine_use=False, pregnant=False, policy=policy
    )
    assert (result.ready, result.cows_threshold) == (False, None)
    assert result.reasons[0].startswith("No COWS gate is set for methadone")


# --- Precipitated withdrawal screen: oakley-2021 --------------------------------------------------


def with_screen(window: int | None = None, min_rise: int | None = None) -> MedicationPolicy:
    policy = default_policy()
    screen = policy.induction
    return replace(
        policy,
        induction=replace(
            screen,
            precipitated_window_min=screen.precipitated_window_min.with_value(window),
            precipitated_min_rise=screen.precipitated_min_rise.with_value(min_rise),
        ),
    )


SCREEN = [
    # before, after, minutes, window, min_rise, alert
    (10, 11, 45, None, None, True),
    (10, 10, 45, None, None, False),
    (10, 6, 45, None, None, False),
    (10, 20, 5000, None, None, True),  # no window set: any time counts
    (10, 20, 120, 120, None, True),
    (10, 20, 121, 120, None, False),
    (10, 12, 60, None, 3, False),
    (10, 13, 60, None, 3, True),
    (10, 13, 60, 90, 3, True),
]


@pytest.mark.parametrize(("before", "after", "minutes", "window", "min_rise", "alert"), SCREEN)
def test_it_screens_a_rise_in_cows_after_the_first_dose(
    before: int, after: int, minutes: int, window: int | None, min_rise: int | None, alert: bool
) -> None:
    result = screen_precipitated_withdrawal(before, after, minutes, with_screen(window, min_rise))
    assert (result.alert, result.rise) == (alert, after - before)
    assert result.source == "oakley-2021"
    if alert:
        assert result.message.startswith("Possible precipitated withdrawal")
        assert "not a diagnosis" in result.message
        assert result.guidance is not None and "more buprenorphine" in result.guidance
        assert "symptom relief" in result.guidance
    else:
        assert result.guidance is None


def test_it_says_the_screens_settings_are_unset_by_default() -> None:
    result = screen_precipitated_withdrawal(8, 15, 60)
    assert result.alert and result.window_min is None
    assert len(result.notes) == 2
    assert "window" in result.notes[0] and "any rise counts" in result.notes[1]


def test_it_says_when_a_rise_fell_outside_the_window() -> None:
    result = screen_precipitated_withdrawal(8, 15, 200, with_screen(window=120))
    assert result.message == (
        "COWS rose from 8 to 15 200 minutes after the first buprenorphine dose, outside the"
        " program's window."
    )
    assert result.notes == (default_policy().induction.precipitated_min_rise.note,)


@pytest.mark.parametrize(
    ("before", "after", "minutes", "field"),
    [(49, 10, 30, "cows_before"), (10, -1, 30, "cows_after"), (10, 12, -5, "minutes_since_dose")],
)
def test_it_refuses_impossible_screen_input(
    before: int, after: int, minutes: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        screen_precipitated_withdrawal(before, after, minutes)
    assert list(caught.value.fields) == [field]


# --- Calculator input -----------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "cows_total": 9,
    "opioid_class": "short_acting",
    "hours_since_last_use": 14,
    "benzodiazepine_use": False,
    "pregnant": False,
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"cows_total": 49}, "cows_total", "Must be between 0 and 48."),
        ({"cows_total": -1}, "cows_total", "Must be between 0 and 48."),
        ({"cows_total": 7.5}, "cows_total", "Must be a whole number."),
        ({"cows_total": True}, "cows_total", "Must be a whole number."),
        ({"cows_total": None}, "cows_total", "This field is required."),
        ({"opioid_class": "heroin"}, "opioid_class", "Unknown opioid class 'heroin'."),
        ({"hours_since_last_use": -1}, "hours_since_last_use", "Must be 0 or more."),
        ({"hours_since_last_use": "12"}, "hours_since_last_use", "Must be a number."),
        ({"hours_since_last_use": False}, "hours_since_last_use", "Must be a number."),
        ({"benzodiazepine_use": "no"}, "benzodiazepine_use", "Must be true or false."),
        ({"pregnant": 0}, "pregnant", "Must be true or false."),
        ({"pregnant": None}, "pregnant", "This field is required."),
        ({"pregant": True}, "pregant", "Not a field of this input."),
        (
            {"hours_since_last_use": Ellipsis},
            "hours_since_last_use",
            "This field is required (it may be null).",
        ),
    ],
)
def test_it_refuses_bad_readiness_input(change: dict[str, Any], field: str, message: str) -> None:
    payload = {key: value for key, value in {**VALID, **change}.items() if value is not Ellipsis}
    with pytest.raises(InvalidInput) as caught:
        induction.readiness_calculator(payload)
    assert list(caught.value.fields) == [field]
    assert caught.value.fields[field].startswith(message)


def test_it_refuses_bad_arguments_in_process() -> None:
    with pytest.raises(InvalidInput) as caught:
        assess_readiness(60, "opium", -2, benzodiazepine_use=False, pregnant=False)
    assert set(caught.value.fields) == {"cows_total", "opioid_class", "hours_since_last_use"}


# --- The command line -----------------------------------------------------------------------------


def test_it_runs_induction_readiness_from_the_command_line() -> None:
    payload = {**VALID, "cows_total": 6, "opioid_class": "fentanyl", "hours_since_last_use": 20}
    status, output, stderr = run_calc(
        "induction-readiness", {**payload, "benzodiazepine_use": True, "pregnant": True}
    )
    assert (status, stderr) == (0, "")
    assert (output["ready"], output["cows_threshold"]) == (False, 8)
    assert output["warnings"] == ["fentanyl_within_48h", "benzodiazepine_co_use"]
    assert [f["severity"] for f in output["findings"]] == ["warning", "warning"]
    assert output["suggest_low_dose_initiation"] is True
    assert len(output["low_dose_schedule"]) == 7 and output["low_dose_source"] == "randhawa-2020"
    assert "precipitated withdrawal" in output["reasons"][1]
    assert [note["source"] for note in output["notes"]] == ["acog-711"]
    assert (output["first_dose_mg"], output["first_dose_may_be_mg"]) == (None, None)


def test_it_reports_a_ready_patient_and_the_first_dose() -> None:
    status, output, _ = run_calc("induction-readiness", {**VALID, "cows_total": 14})
    assert (status, output["ready"], output["warnings"], output["reasons"][0][:7]) == (
        0,
        True,
        [],
        "COWS 14",
    )
    assert (output["first_dose_mg"], output["first_dose_may_be_mg"]) == (4, 8)
    assert output["first_dose_source"] == "nida-ed-2018"
    assert output["low_dose_schedule"] == []


@pytest.mark.parametrize(
    ("cows", "opioid_class", "ready"),
    [
        (8, "fentanyl", True),
        (7, "fentanyl", False),
        (13, "methadone", True),
        (12, "methadone", False),
    ],
)
def test_it_accepts_an_unknown_time_of_last_use_from_the_command_line(
    cows: int, opioid_class: str, ready: bool
) -> None:
    payload = {**VALID, "cows_total": cows, "opioid_class": opioid_class}
    status, output, stderr = run_calc(
        "induction-readiness", {**payload, "hours_since_last_use": None}
    )
    assert (status, stderr) == (0, "")
    assert output["ready"] is ready
    assert (output["hours_since_last_use"], output["time_since_last_use_known"]) == (None, False)
    fentanyl = opioid_class == "fentanyl"
    expected = ["time_since_last_use_unknown"] + (["fentanyl_within_48h"] if fentanyl else [])
    assert output["warnings"] == expected
    assert output["suggest_low_dose_initiation"] is fentanyl
    assert len(output["low_dose_schedule"]) == (7 if fentanyl else 0)


def test_it_reports_a_known_time_of_last_use() -> None:
    status, output, _ = run_calc("induction-readiness", {**VALID, "hours_since_last_use": 14.5})
    assert (output["hours_since_last_use"], output["time_since_last_use_known"]) == (14.5, True)


def test_it_exits_2_naming_a_bad_opioid_class() -> None:
    status, output, stderr = run_calc("induction-readiness", {**VALID, "opioid_class": "kratom"})
    assert (status, stderr, list(output["fields"])) == (2, "", ["opioid_class"])
    assert set(output) == {"error", "fields"}


def test_it_is_registered_as_a_calculator() -> None:
    assert calc.get("induction-readiness") is induction.readiness_calculator


# --- The first dose of a standard start, for the dose check ---------------------------------------


@pytest.mark.parametrize(
    ("cows", "opioid_class", "hours", "expected"),
    [
        (7, "short_acting", 24, [("cows_gate_not_met", "stop")]),
        (8, "short_acting", 24, []),
        (12, "methadone", 96, [("cows_gate_not_met", "stop")]),
        (13, "methadone", 96, []),
        (13, "extended_release", 6, [("time_since_last_use", "warning")]),
        (8, "fentanyl", 30, [("fentanyl_within_48h", "warning")]),
        (8, "short_acting", None, [("time_since_last_use_unknown", "warning")]),
        (
            8,
            "fentanyl",
            None,
            [("time_since_last_use_unknown", "warning"), ("fentanyl_within_48h", "warning")],
        ),
        (
            7,
            "fentanyl",
            None,
            [
                ("cows_gate_not_met", "stop"),
                ("time_since_last_use_unknown", "warning"),
                ("fentanyl_within_48h", "warning"),
            ],
        ),
        (None, "short_acting", 24, [("cows_not_recorded", "stop")]),
        (20, None, 24, [("opioid_class_not_recorded", "stop")]),
    ],
)
def test_it_gates_the_first_dose_of_a_standard_start(
    cows: int | None, opioid_class: str | None, hours: int | None, expected: list[tuple[str, str]]
) -> None:
    found = induction.standard_start_findings(
        cows,
        opioid_class,
        None if hours is None else Decimal(hours),
        benzodiazepine_use=False,
    )
    assert [(f.code, f.severity) for f in found] == expected


def test_it_explains_precipitated_withdrawal_when_the_gate_is_not_met() -> None:
    (finding,) = induction.standard_start_findings(
        6, "short_acting", Decimal(24), benzodiazepine_use=False
    )
    assert finding.message.startswith("COWS 6 is below the gate of 8 for short-acting opioids")
    assert induction.PRECIPITATED_WITHDRAWAL in finding.message
    assert finding.source == "acep-bupe-tool"


def test_it_never_stops_a_standard_start_for_benzodiazepines() -> None:
    found = induction.standard_start_findings(
        14, "short_acting", Decimal(24), benzodiazepine_use=True
    )
    assert [(f.code, f.severity) for f in found] == [("benzodiazepine_co_use", "warning")]
