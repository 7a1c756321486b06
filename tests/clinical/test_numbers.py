"""Exact numbers: strict reading into Decimal (never bool, NaN or Infinity) and out to JSON."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.numbers import (
    decimal_or_none,
    format_number,
    json_number,
    optional_json_number,
    rounded,
    to_decimal,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.72, Decimal("0.72")),
        (49.99, Decimal("49.99")),
        (3, Decimal(3)),
        (Decimal("1.50"), Decimal("1.50")),
        (True, None),
        (False, None),
        ("1", None),
        (None, None),
        ([1], None),
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
        (Decimal("NaN"), None),
        (Decimal("Infinity"), None),
    ],
)
def test_it_reads_only_finite_numbers_as_written(value: object, expected: Decimal | None) -> None:
    assert decimal_or_none(value) == expected


def test_it_reads_text_when_a_number_is_required() -> None:
    assert to_decimal("0.72") * 4 == Decimal("2.88")
    assert to_decimal(0.72) * 4 == Decimal("2.88")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "A number is required, not true or false."),
        (math.nan, "A finite number is required."),
        ("Infinity", "A finite number is required."),
    ],
)
def test_it_refuses_what_is_not_a_finite_number(value: float | str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        to_decimal(value)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("60.0"), 60),
        (Decimal("2.88"), 2.88),
        (Decimal(0), 0),
    ],
)
def test_it_gives_json_an_int_when_whole(value: Decimal, expected: float) -> None:
    number = json_number(value)
    assert (number, type(number)) == (expected, type(expected))


def test_it_keeps_null_as_null() -> None:
    assert optional_json_number(None) is None
    assert optional_json_number(Decimal("0.5")) == 0.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("49.995"), Decimal("50.00")),
        (Decimal("0.125"), Decimal("0.13")),
        (Decimal("-0.125"), Decimal("-0.13")),
        (Decimal("1E+30"), Decimal("1E+30")),
    ],
)
def test_it_rounds_half_up_to_two_decimals(value: Decimal, expected: Decimal) -> None:
    assert rounded(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.880"), "2.88"),
        (Decimal(60), "60"),
        (Decimal("60.0"), "60"),
        (Decimal("0.1"), "0.1"),
        (Decimal("1E+2"), "100"),
        (Decimal("2.5E-7"), "0.00000025"),
    ],
)
def test_it_writes_numbers_without_trailing_zeros(value: Decimal, expected: str) -> None:
    assert format_number(value) == expected


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_a_float_survives_the_round_trip_to_json(value: float) -> None:
    number = decimal_or_none(value)
    assert number is not None
    assert json_number(number) == value


@pytest.mark.parametrize(
    ("value", "unit", "words"),
    [
        (Decimal(1), "minute", "1 minute"),
        (1, "day", "1 day"),
        (Decimal("1.0"), "hour", "1 hour"),
        (Decimal("1.5"), "hour", "1.5 hours"),
        (0, "day", "0 days"),
        (Decimal(60), "minute", "60 minutes"),
        (12345678901234567891, "minute", "12345678901234567891 minutes"),
    ],
)
def test_it_counts_one_of_a_unit_in_the_singular(
    value: Decimal | int, unit: str, words: str
) -> None:
    from detoxdesk.clinical.numbers import quantity

    assert quantity(value, unit) == words
