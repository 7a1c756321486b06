"""Exact numbers for the clinical rules: strict reading into ``Decimal``, and out again for JSON.

Rules compute with :class:`~decimal.Decimal` so that 4 x 0.72 mg is 2.88 mg exactly. A float from
JSON or TOML is taken as written (its shortest repr, so 0.72 stays 0.72). bool is never a number,
and NaN and Infinity are refused: a typo must not turn into a dose.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from detoxdesk.clinical.errors import InvalidInput

CENT = Decimal("0.01")


def _exact(value: Decimal | int | float | str) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def decimal_or_none(value: object) -> Decimal | None:
    """``value`` as an exact Decimal if it is a finite int, float or Decimal, else None.

    None for bool, text, NaN, Infinity and anything else: the caller words the refusal.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = _exact(value)
    return number if number.is_finite() else None


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """``value`` as an exact Decimal; text is read as a decimal numeral ("0.72").

    Raises InvalidInput for bool, NaN and Infinity.
    """
    if isinstance(value, bool):
        raise InvalidInput("A number is required, not true or false.")
    number = _exact(value)
    if not number.is_finite():
        raise InvalidInput("A finite number is required.")
    return number


def rounded(value: Decimal) -> Decimal:
    """``value`` rounded half up to 2 decimals, for display only (rules use the exact value)."""
    context = Context(prec=max(28, value.adjusted() + 4))
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=context)


def json_number(value: Decimal) -> int | float:
    """An exact Decimal as a JSON number: an int when whole, otherwise the nearest float."""
    return int(value) if value == value.to_integral_value() else float(value)


def optional_json_number(value: Decimal | None) -> int | float | None:
    """:func:`json_number`, with None (JSON null) kept as None."""
    return None if value is None else json_number(value)


def format_number(value: Decimal) -> str:
    """``value`` for a message, without trailing zeros: 2.880 -> "2.88", 60 -> "60"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: Decimal | int, unit: str) -> str:
    """``value`` and its unit, the unit singular for exactly one: "1 minute", "90 minutes".

    ``unit`` is the singular English noun ("minute", "hour", "day", "dose"); its plural adds "s".
    """
    number = format_number(value) if isinstance(value, Decimal) else str(value)
    return f"{number} {unit}" if number == "1" else f"{number} {unit}s"
