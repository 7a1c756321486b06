"""Vital signs: entry validation and comparison against a program's limits.

Two different kinds of range live here and must not be confused:

* entry limits (``knowledge/vitals.toml``, source ``detoxdesk-entry-limits``) only reject values
  that cannot be real, such as a pulse of 400;
* alarm or hold limits are program policy. SPEC.md gives no general vital-sign alarm ranges, so each
  program configures them and passes them to :func:`flag_vitals` as :class:`VitalRange` values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

ALL_FIELDS = "__all__"  # error key for a problem with the form as a whole


@dataclass(frozen=True)
class VitalField:
    """One vital-sign field with its inclusive entry limits; ``decimal`` allows a fraction."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    decimal: bool

    def range_message(self) -> str:
        """The error shown for a value outside the entry limits."""
        return f"Must be between {self.low} and {self.high} {self.unit}."


@dataclass(frozen=True)
class VitalRange:
    """A program's limits for one vital sign; either end may be None (not checked)."""

    key: str
    low: float | None
    high: float | None
    source: str


@dataclass(frozen=True)
class VitalFlag:
    """A value beyond a program limit: ``limit`` is the crossed end of the range."""

    key: str
    value: float
    direction: Literal["low", "high"]
    limit: float
    source: str


def _build_field(entry: Mapping[str, Any]) -> VitalField:
    try:
        field = VitalField(
            key=entry["key"],
            label=entry["label"],
            unit=entry["unit"],
            low=entry["low"],
            high=entry["high"],
            decimal=entry["decimal"],
        )
    except KeyError as exc:
        raise KnowledgeError(f"vitals.toml: a field lacks {exc}") from None
    if not field.low < field.high:
        raise KnowledgeError(f"vitals.toml [{field.key}]: low must be below high")
    return field


@cache
def fields() -> tuple[VitalField, ...]:
    """The vital-sign fields in display order (vitals.toml). Source: detoxdesk-entry-limits."""
    return tuple(_build_field(entry) for entry in knowledge.load("vitals")["fields"])


FIELDS: tuple[VitalField, ...]  # provided lazily by __getattr__ below, so importing reads no file


def __getattr__(name: str) -> object:
    if name == "FIELDS":
        return fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _number(field: VitalField, value: object) -> tuple[int | float | None, str | None]:
    """Convert one entered value: (number, None) or (None, the error message)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None, "Must be a number."
    if field.decimal:
        number: int | float = float(value)
    elif isinstance(value, int):
        number = value
    else:
        return None, "Must be a whole number."
    if not math.isfinite(number) or not field.low <= number <= field.high:
        return None, field.range_message()
    return number, None


def _unknown_keys(values: Mapping[str, object], known: Mapping[str, VitalField]) -> dict[str, str]:
    return {key: "Not a vital sign this form records." for key in values if key not in known}


def _diastolic_error(clean: Mapping[str, int | float | None]) -> str | None:
    systolic, diastolic = clean.get("systolic"), clean.get("diastolic")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        return "Must be lower than the systolic pressure."
    return None


def validate_vitals(values: Mapping[str, object]) -> dict[str, int | float | None]:
    """Check entered vital signs against the entry limits. Source: detoxdesk-entry-limits.

    Every field is optional (missing or None means not taken) but at least one is required. Whole
    numbers only, except a field marked ``decimal`` (temperature), which also takes float or
    Decimal. The diastolic pressure must be lower than the systolic when both are given.

    Returns every field key, None where not taken, temperature as float. Raises InvalidInput with
    one message per bad field, or under ``"__all__"`` when nothing was entered.
    """
    known = {field.key: field for field in fields()}
    errors = _unknown_keys(values, known)
    clean: dict[str, int | float | None] = dict.fromkeys(known)
    for key, field in known.items():
        raw = values.get(key)
        if raw is None:
            continue
        number, error = _number(field, raw)
        if error is not None:
            errors[key] = error
        else:
            clean[key] = number
    if (error := _diastolic_error(clean)) is not None and "diastolic" not in errors:
        errors["diastolic"] = error
    if not errors and all(value is None for value in clean.values()):
        errors[ALL_FIELDS] = "Enter at least one vital sign."
    if errors:
        raise InvalidInput("Some vital signs need correcting.", fields=errors)
    return clean


def _flag(range_: VitalRange, value: float) -> VitalFlag | None:
    if range_.low is not None and value < range_.low:
        return VitalFlag(range_.key, value, "low", range_.low, range_.source)
    if range_.high is not None and value > range_.high:
        return VitalFlag(range_.key, value, "high", range_.high, range_.source)
    return None


def flag_vitals(
    values: Mapping[str, float | int | None], ranges: Sequence[VitalRange]
) -> list[VitalFlag]:
    """Values strictly below ``low`` or above ``high`` of the program's ``ranges``, in range order.

    Source: each range's own ``source`` (program policy; SPEC.md gives no general alarm ranges).
    A value equal to a limit is not flagged; a missing or None value is skipped. This only
    compares: validate entries with :func:`validate_vitals` first.
    """
    flags: list[VitalFlag] = []
    for range_ in ranges:
        value = values.get(range_.key)
        if value is not None and (flag := _flag(range_, value)) is not None:
            flags.append(flag)
    return flags
