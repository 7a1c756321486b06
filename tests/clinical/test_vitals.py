"""Vital signs: definitional checks (SPEC A5.2), the typo check (detoxdesk-entry-limits), NEWS2
critical flags (rcp-news2-2017) and comparison with program limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from detoxdesk.clinical import vitals
from detoxdesk.clinical.errors import InvalidInput

# key, low, high, unit of the typo check as in vitals.toml; written out so the data is checked.
LIMITS = [
    ("heart_rate", 20, 250, "/min"),
    ("systolic", 50, 260, "mmHg"),
    ("diastolic", 20, 160, "mmHg"),
    ("respiratory_rate", 4, 60, "/min"),
    ("temperature_c", 30.0, 43.0, "°C"),
    ("spo2", 50, 100, "%"),
]


def errors_for(values: dict[str, object], **kwargs: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        vitals.validate_vitals(values, **kwargs)  # type: ignore[arg-type]
    return caught.value.fields


def test_it_lists_the_fields_in_order() -> None:
    assert [(f.key, f.low, f.high, f.unit) for f in vitals.fields()] == LIMITS
    assert vitals.fields() == vitals.FIELDS
    assert [f.key for f in vitals.fields() if f.decimal] == ["temperature_c"]


# --- What is refused: only definitional impossibilities (SPEC A5.2) -------------------------------


@pytest.mark.parametrize(
    ("values", "accepted"),
    [
        # The numbers of an overdose (issue 10): real, critical, accepted.
        ({"systolic": 45}, ("systolic", 45)),
        ({"respiratory_rate": 4}, ("respiratory_rate", 4)),
        ({"respiratory_rate": 0}, ("respiratory_rate", 0)),
        ({"spo2": 45}, ("spo2", 45)),
        ({"spo2": 0}, ("spo2", 0)),
        ({"spo2": 100}, ("spo2", 100)),
        ({"heart_rate": 0}, ("heart_rate", 0)),
        ({"heart_rate": 400}, ("heart_rate", 400)),
        ({"systolic": 300, "diastolic": 170}, ("systolic", 300)),
        ({"temperature_c": 25.5}, ("temperature_c", 25.5)),
        ({"temperature_c": 98.6}, ("temperature_c", 98.6)),
        ({"temperature_c": 0}, ("temperature_c", 0.0)),
    ],
)
def test_it_accepts_every_value_a_body_can_have(
    values: dict[str, object], accepted: tuple[str, float]
) -> None:
    key, value = accepted
    assert vitals.validate_vitals(values)[key] == value


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"heart_rate": -1}, {"heart_rate": "Must not be negative."}),
        ({"systolic": -5}, {"systolic": "Must not be negative."}),
        ({"diastolic": -1}, {"diastolic": "Must not be negative."}),
        ({"respiratory_rate": -1}, {"respiratory_rate": "Must not be negative."}),
        ({"temperature_c": -0.1}, {"temperature_c": "Must not be negative."}),
        ({"spo2": -1}, {"spo2": "Must not be negative."}),
        ({"spo2": 101}, {"spo2": "Must be at most 100 %."}),
        # A software limit: the largest value the record holds (no body has such a value).
        (
            {"heart_rate": 32768},
            {
                "heart_rate": "Must be at most 32767 /min, the largest value the record holds: "
                "check the entry."
            },
        ),
        (
            {"temperature_c": 1000},
            {
                "temperature_c": "Must be at most 999.9 °C, the largest value the record holds: "
                "check the entry."
            },
        ),
    ],
)
def test_it_refuses_what_cannot_be_a_measurement(
    values: dict[str, object], errors: dict[str, str]
) -> None:
    assert errors_for(values) == errors


@pytest.mark.parametrize(("systolic", "diastolic"), [(120, 120), (100, 130), (45, 45)])
def test_it_asks_to_enter_the_pressures_again_when_diastolic_is_not_below_systolic(
    systolic: int, diastolic: int
) -> None:
    errors = errors_for({"systolic": systolic, "diastolic": diastolic})
    assert errors == {
        "diastolic": "Must be lower than the systolic pressure: check both and enter them again."
    }


def test_it_accepts_a_diastolic_below_systolic() -> None:
    clean = vitals.validate_vitals({"systolic": 45, "diastolic": 44})
    assert (clean["systolic"], clean["diastolic"]) == (45, 44)


def test_it_returns_every_field_with_none_for_those_not_taken() -> None:
    clean = vitals.validate_vitals({"heart_rate": 88, "spo2": None})
    assert clean == {
        "heart_rate": 88,
        "systolic": None,
        "diastolic": None,
        "respiratory_rate": None,
        "temperature_c": None,
        "spo2": None,
    }


@pytest.mark.parametrize("empty", [{}, {"heart_rate": None, "temperature_c": None}])
def test_it_requires_at_least_one_vital_sign(empty: dict[str, object]) -> None:
    assert errors_for(empty) == {"__all__": "Enter at least one vital sign."}


@pytest.mark.parametrize("value", [36.6, Decimal("36.6"), 37])
def test_it_takes_temperature_as_a_decimal_number(value: object) -> None:
    temperature = vitals.validate_vitals({"temperature_c": value})["temperature_c"]
    assert temperature == pytest.approx(float(value))  # type: ignore[arg-type]
    assert isinstance(temperature, float)


@pytest.mark.parametrize("value", [88.0, 88.5, Decimal("88")])
def test_it_requires_whole_numbers_elsewhere(value: object) -> None:
    assert errors_for({"heart_rate": value}) == {"heart_rate": "Must be a whole number."}


@pytest.mark.parametrize("value", [True, "88", [88], float("nan")])
def test_it_rejects_values_that_are_not_numbers(value: object) -> None:
    key = "temperature_c" if isinstance(value, float) else "heart_rate"
    assert key in errors_for({key: value})


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_it_rejects_a_non_finite_temperature(value: float) -> None:
    assert errors_for({"temperature_c": value}) == {"temperature_c": "Must be a finite number."}


def test_it_rejects_an_unknown_field() -> None:
    assert errors_for({"heart_rate": 80, "pulse": 80}) == {
        "pulse": "Not a vital sign this form records."
    }


def test_it_collects_every_error() -> None:
    errors = errors_for({"heart_rate": -4, "spo2": 101, "temperature_c": "hot"})
    assert set(errors) == {"heart_rate", "spo2", "temperature_c"}


# --- Numeric hard limits: unset as shipped (SPEC A5.2 [U]), refuse when a program sets them ------


def test_it_ships_no_numeric_hard_limit() -> None:
    assert vitals.default_hard_limits() == ()
    assert all(f.hard_low is None and f.hard_high is None for f in vitals.fields())


PROGRAM_LIMITS = [
    vitals.VitalRange("heart_rate", 10, 300, "program-hard-limits"),
    vitals.VitalRange("temperature_c", None, 45.0, "program-hard-limits"),
    vitals.VitalRange("systolic", 20, None, "program-hard-limits"),
]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"heart_rate": 9},
            {"heart_rate": "Must be between 10 and 300 /min (this program's limit)."},
        ),
        (
            {"heart_rate": 301},
            {"heart_rate": "Must be between 10 and 300 /min (this program's limit)."},
        ),
        (
            {"temperature_c": 98.6},
            {
                "temperature_c": "Must be at most 45.0 °C (this program's limit). "
                "Was it measured in °F? Enter °C."
            },
        ),
        ({"systolic": 19}, {"systolic": "Must be at least 20 mmHg (this program's limit)."}),
    ],
)
def test_it_refuses_values_outside_a_programs_hard_limits(
    values: dict[str, object], errors: dict[str, str]
) -> None:
    assert errors_for(values, hard_limits=PROGRAM_LIMITS) == errors


@pytest.mark.parametrize(
    "values",
    [{"heart_rate": 10}, {"heart_rate": 300}, {"temperature_c": 45.0}, {"systolic": 20}],
)
def test_it_accepts_values_at_a_programs_hard_limits(values: dict[str, object]) -> None:
    clean = vitals.validate_vitals(values, hard_limits=PROGRAM_LIMITS)
    assert {key: clean[key] for key in values} == values


def test_an_upper_hard_limit_of_zero_is_worded_as_zero() -> None:
    limits = [vitals.VitalRange("respiratory_rate", None, 0, "program-hard-limits")]
    assert errors_for({"respiratory_rate": 1}, hard_limits=limits) == {
        "respiratory_rate": "Must be at most 0 /min (this program's limit)."
    }


# --- The typo check: a confirmation, never a refusal ----------------------------------------------


@pytest.mark.parametrize(("key", "low", "high", "unit"), LIMITS)
def test_it_raises_no_typo_warning_at_the_edges_of_the_usual_range(
    key: str, low: float, high: float, unit: str
) -> None:
    assert vitals.plausibility_warnings(vitals.validate_vitals({key: low})) == {}
    assert vitals.plausibility_warnings(vitals.validate_vitals({key: high})) == {}


@pytest.mark.parametrize(("key", "low", "high", "unit"), LIMITS)
def test_it_asks_to_confirm_values_just_outside_the_usual_range(
    key: str, low: float, high: float, unit: str
) -> None:
    step = 0.1 if isinstance(low, float) else 1
    below = vitals.plausibility_warnings(vitals.validate_vitals({key: low - step}))
    assert list(below) == [key]
    assert "check it was typed correctly and confirm it" in below[key]
    if key != "spo2":  # above 100 % is refused, not confirmed
        above = vitals.plausibility_warnings(vitals.validate_vitals({key: high + step}))
        assert list(above) == [key]


def test_it_words_a_typo_warning_plainly() -> None:
    warnings = vitals.plausibility_warnings(vitals.validate_vitals({"heart_rate": 400}))
    assert warnings == {
        "heart_rate": "Heart rate 400 /min is outside 20 to 250 /min, the usual range of entries: "
        "check it was typed correctly and confirm it."
    }


def test_it_asks_whether_a_high_temperature_was_measured_in_fahrenheit() -> None:
    warnings = vitals.plausibility_warnings(vitals.validate_vitals({"temperature_c": 98.6}))
    assert warnings["temperature_c"].endswith("Was it measured in °F? Enter °C.")


def test_it_skips_signs_not_taken_in_the_typo_check() -> None:
    assert vitals.plausibility_warnings({"heart_rate": None, "spo2": 97}) == {}


# --- Critical flags: NEWS2 bands that score 3 (RCP 2017 Chart 1, SpO2 scale 1) --------------------


@pytest.mark.parametrize(
    ("key", "value", "critical"),
    [
        ("respiratory_rate", 0, True),
        ("respiratory_rate", 4, True),
        ("respiratory_rate", 8, True),
        ("respiratory_rate", 9, False),
        ("respiratory_rate", 24, False),
        ("respiratory_rate", 25, True),
        ("spo2", 45, True),
        ("spo2", 91, True),
        ("spo2", 92, False),
        ("spo2", 100, False),
        ("systolic", 45, True),
        ("systolic", 90, True),
        ("systolic", 91, False),
        ("systolic", 219, False),
        ("systolic", 220, True),
        ("heart_rate", 40, True),
        ("heart_rate", 41, False),
        ("heart_rate", 130, False),
        ("heart_rate", 131, True),
        ("temperature_c", 35.0, True),
        ("temperature_c", 34.9, True),
        ("temperature_c", 35.1, False),
        ("temperature_c", 39.1, False),  # NEWS2 scores a high temperature 2, never 3
        ("temperature_c", 42.0, False),
        ("diastolic", 20, False),  # not part of NEWS2
    ],
)
def test_it_flags_every_sign_in_a_news2_band_that_scores_3(
    key: str, value: float, critical: bool
) -> None:
    flags = vitals.critical_flags(vitals.validate_vitals({key: value}))
    assert [(f.field, f.value, f.source) for f in flags] == (
        [(key, value, "rcp-news2-2017")] if critical else []
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "respiratory_rate",
            4,
            "Respiratory rate 4 /min is critical: NEWS2 scores 3 at 8 /min or less, "
            "which calls for urgent review.",
        ),
        (
            "heart_rate",
            131,
            "Heart rate 131 /min is critical: NEWS2 scores 3 at 131 /min or more, "
            "which calls for urgent review.",
        ),
        (
            "temperature_c",
            35,
            "Temperature 35.0 °C is critical: NEWS2 scores 3 at 35.0 °C or less, "
            "which calls for urgent review.",
        ),
    ],
)
def test_it_words_a_critical_flag_plainly(key: str, value: float, message: str) -> None:
    (flag,) = vitals.critical_flags(vitals.validate_vitals({key: value}))
    assert flag.message == message


def test_it_flags_an_overdose_on_every_sign_in_field_order() -> None:
    clean = vitals.validate_vitals(
        {"systolic": 45, "diastolic": 30, "respiratory_rate": 4, "spo2": 45, "heart_rate": 38}
    )
    flags = vitals.critical_flags(clean)
    assert [f.field for f in flags] == ["heart_rate", "systolic", "respiratory_rate", "spo2"]
    assert isinstance(flags[0], vitals.CriticalFlag)


def test_it_flags_nothing_for_normal_signs() -> None:
    clean = vitals.validate_vitals(
        {"heart_rate": 72, "systolic": 124, "respiratory_rate": 16, "spo2": 97, "temperature_c": 37}
    )
    assert vitals.critical_flags(clean) == ()


def test_it_reads_the_bands_from_the_knowledge_file() -> None:
    bands = {(b.key, b.at_most, b.at_least, b.source) for b in vitals.critical_bands()}
    assert bands == {
        ("respiratory_rate", 8, 25, "rcp-news2-2017"),
        ("spo2", 91, None, "rcp-news2-2017"),
        ("systolic", 90, 220, "rcp-news2-2017"),
        ("heart_rate", 40, 131, "rcp-news2-2017"),
        ("temperature_c", 35.0, None, "rcp-news2-2017"),
    }


# --- Program limits -------------------------------------------------------------------------------

RANGES = [
    vitals.VitalRange("systolic", 90, None, "program-clonidine-hold"),
    vitals.VitalRange("heart_rate", 50, 110, "program-policy"),
    vitals.VitalRange("spo2", 92, None, "program-policy"),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"systolic": 90, "heart_rate": 50, "spo2": 92}, []),
        ({"heart_rate": 110}, []),
        ({"systolic": 89}, [("systolic", 89, "low", 90, "program-clonidine-hold")]),
        ({"heart_rate": 111}, [("heart_rate", 111, "high", 110, "program-policy")]),
        ({"heart_rate": 49}, [("heart_rate", 49, "low", 50, "program-policy")]),
        ({"systolic": None, "spo2": None}, []),
        (
            {"spo2": 88, "systolic": 80},
            [
                ("systolic", 80, "low", 90, "program-clonidine-hold"),
                ("spo2", 88, "low", 92, "program-policy"),
            ],
        ),
    ],
)
def test_it_flags_values_beyond_program_limits(
    values: dict[str, int | None], expected: list[tuple[object, ...]]
) -> None:
    flags = vitals.flag_vitals(values, RANGES)
    assert [(f.key, f.value, f.direction, f.limit, f.source) for f in flags] == expected


def test_it_flags_nothing_without_program_limits() -> None:
    assert vitals.flag_vitals({"heart_rate": 200}, []) == []
