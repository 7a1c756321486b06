"""Vital signs: entry limits (detoxdesk-entry-limits) and comparison with program limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from detoxdesk.clinical import vitals
from detoxdesk.clinical.errors import InvalidInput

# key, low, high, unit as in vitals.toml; written out so the data is checked, not echoed.
LIMITS = [
    ("heart_rate", 20, 250, "/min"),
    ("systolic", 50, 260, "mmHg"),
    ("diastolic", 20, 160, "mmHg"),
    ("respiratory_rate", 4, 60, "/min"),
    ("temperature_c", 30.0, 43.0, "°C"),
    ("spo2", 50, 100, "%"),
]


def errors_for(values: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        vitals.validate_vitals(values)
    return caught.value.fields


def test_it_lists_the_fields_in_order() -> None:
    assert [(f.key, f.low, f.high, f.unit) for f in vitals.fields()] == LIMITS
    assert vitals.fields() == vitals.FIELDS
    assert [f.key for f in vitals.fields() if f.decimal] == ["temperature_c"]


@pytest.mark.parametrize(("key", "low", "high", "unit"), LIMITS)
def test_it_accepts_both_entry_limits(key: str, low: float, high: float, unit: str) -> None:
    assert vitals.validate_vitals({key: low})[key] == low
    assert vitals.validate_vitals({key: high})[key] == high


@pytest.mark.parametrize(("key", "low", "high", "unit"), LIMITS)
def test_it_rejects_values_just_outside_the_entry_limits(
    key: str, low: float, high: float, unit: str
) -> None:
    step = 0.1 if isinstance(low, float) else 1
    message = f"Must be between {low} and {high} {unit}."
    assert errors_for({key: low - step}) == {key: message}
    assert errors_for({key: high + step}) == {key: message}


def test_it_rejects_an_impossible_pulse_in_plain_words() -> None:
    assert errors_for({"heart_rate": 400}) == {"heart_rate": "Must be between 20 and 250 /min."}


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


def test_it_rejects_a_non_finite_temperature() -> None:
    errors = errors_for({"temperature_c": float("inf")})
    assert errors == {"temperature_c": "Must be between 30.0 and 43.0 °C."}


def test_it_rejects_an_unknown_field() -> None:
    assert errors_for({"heart_rate": 80, "pulse": 80}) == {
        "pulse": "Not a vital sign this form records."
    }


@pytest.mark.parametrize(("systolic", "diastolic"), [(120, 120), (100, 130)])
def test_it_requires_diastolic_below_systolic(systolic: int, diastolic: int) -> None:
    errors = errors_for({"systolic": systolic, "diastolic": diastolic})
    assert errors == {"diastolic": "Must be lower than the systolic pressure."}


def test_it_accepts_a_diastolic_below_systolic() -> None:
    clean = vitals.validate_vitals({"systolic": 120, "diastolic": 80})
    assert (clean["systolic"], clean["diastolic"]) == (120, 80)


def test_it_collects_every_error() -> None:
    errors = errors_for({"heart_rate": 400, "spo2": 101, "temperature_c": "hot"})
    assert set(errors) == {"heart_rate", "spo2", "temperature_c"}


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
