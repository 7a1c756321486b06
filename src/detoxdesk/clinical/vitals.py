"""Vital signs: what an entry can never be, the typo check, critical flags, program limits.

Five different kinds of range live here and must not be confused (``knowledge/vitals.toml``):

* definitional impossibilities (SPEC.md A5.2) refuse an entry: a negative value, an SpO2 above
  100 %, a diastolic pressure not below the systolic. Nothing else is refused as shipped: a
  systolic of 45, a respiratory rate of 4 or an SpO2 of 45 % are the numbers of an overdose;
* numeric hard limits (SPEC A5.2 [U]) ship unset; a program that sets them refuses entries
  outside them (:func:`validate_vitals` ``hard_limits``);
* the typo check (source ``detoxdesk-entry-limits``), today's former entry ranges:
  :func:`plausibility_warnings` names a value outside them so the form asks the nurse to confirm.
  It never refuses; the engines and the command line accept the value;
* critical flags (rcp-news2-2017): every sign in a NEWS2 band that scores 3
  (:func:`critical_flags`), for the board and the chart;
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
from detoxdesk.clinical.numbers import format_number

ALL_FIELDS = "__all__"  # error key for a problem with the form as a whole


@dataclass(frozen=True)
class VitalField:
    """One vital-sign field. ``low``/``high`` are the typo check (inclusive), never a refusal;
    ``min_possible``/``max_possible`` what the value can never be beyond (None: no such end);
    ``hard_low``/``hard_high`` the numeric hard limits, unset as shipped (SPEC A5.2 [U]);
    ``max_storable`` the largest value the record holds (a software limit); ``decimal`` allows a
    fraction."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    decimal: bool
    min_possible: float | None = None
    max_possible: float | None = None
    hard_low: float | None = None
    hard_high: float | None = None
    max_storable: float | None = None

    def show(self, number: float) -> str:
        """``number`` as written in a message: one decimal for a ``decimal`` field (35.0)."""
        if self.decimal:
            return f"{number:.1f}"
        return format_number(Decimal(str(number)))

    def range_text(self) -> str:
        """The typo-check range in words, e.g. "20 to 250 /min"."""
        return f"{self.show(self.low)} to {self.show(self.high)} {self.unit}"


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


@dataclass(frozen=True)
class CriticalBand:
    """The NEWS2 bands of one sign that score 3: at or below ``at_most``, at or above
    ``at_least`` (either may be None: no such band)."""

    key: str
    at_most: float | None
    at_least: float | None
    source: str


@dataclass(frozen=True)
class CriticalFlag:
    """A sign in a NEWS2 band that scores 3: critical but real, never a refusal."""

    field: str
    value: float
    message: str
    source: str


def _optional_number(entry: Mapping[str, Any], key: str, where: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnowledgeError(f"vitals.toml {where}: {key} must be a number")
    return float(value) if isinstance(value, float) else int(value)


def _build_field(entry: Mapping[str, Any]) -> VitalField:
    where = f"[{entry.get('key')}]"
    try:
        field = VitalField(
            key=entry["key"],
            label=entry["label"],
            unit=entry["unit"],
            low=entry["low"],
            high=entry["high"],
            decimal=entry["decimal"],
            min_possible=_optional_number(entry, "min_possible", where),
            max_possible=_optional_number(entry, "max_possible", where),
            hard_low=_optional_number(entry, "hard_low", where),
            hard_high=_optional_number(entry, "hard_high", where),
            max_storable=_optional_number(entry, "max_storable", where),
        )
    except KeyError as exc:
        raise KnowledgeError(f"vitals.toml: a field lacks {exc}") from None
    if not field.low < field.high:
        raise KnowledgeError(f"vitals.toml {where}: low must be below high")
    return field


@cache
def fields() -> tuple[VitalField, ...]:
    """The vital-sign fields in display order (vitals.toml). Source: detoxdesk-entry-limits."""
    return tuple(_build_field(entry) for entry in knowledge.load("vitals")["fields"])


def _build_band(entry: Mapping[str, Any], source: str, known: set[str]) -> CriticalBand:
    key = entry.get("key")
    if key not in known:
        raise KnowledgeError(f"vitals.toml [[news2.critical]]: unknown field {key!r}")
    where = f"[[news2.critical]] {key}"
    band = CriticalBand(
        str(key),
        _optional_number(entry, "at_most", where),
        _optional_number(entry, "at_least", where),
        source,
    )
    if band.at_most is None and band.at_least is None:
        raise KnowledgeError(f"vitals.toml {where}: needs at_most or at_least")
    return band


@cache
def critical_bands() -> tuple[CriticalBand, ...]:
    """The NEWS2 bands that score 3, per sign (vitals.toml [news2]). Source: rcp-news2-2017."""
    try:
        table = knowledge.load("vitals")["news2"]
        known = {field.key for field in fields()}
        return tuple(_build_band(entry, table["source"], known) for entry in table["critical"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"vitals.toml [news2]: missing or malformed {exc}") from None


FIELDS: tuple[VitalField, ...]  # provided lazily by __getattr__ below, so importing reads no file


def __getattr__(name: str) -> object:
    if name == "FIELDS":
        return fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- Validation -----------------------------------------------------------------------------------


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
    if not math.isfinite(number):
        return None, "Must be a finite number."
    return number, None


def _impossible(field: VitalField, number: float) -> str | None:
    """Why ``number`` cannot be a measurement of ``field`` by definition (SPEC A5.2), or None."""
    if field.min_possible is not None and number < field.min_possible:
        return (
            "Must not be negative."
            if field.min_possible == 0
            else (f"Must be at least {field.show(field.min_possible)} {field.unit}.")
        )
    if field.max_possible is not None and number > field.max_possible:
        return f"Must be at most {field.show(field.max_possible)} {field.unit}."
    if field.max_storable is not None and number > field.max_storable:
        return (
            f"Must be at most {field.show(field.max_storable)} {field.unit}, the largest value "
            "the record holds: check the entry."
        )
    return None


def _outside_hard_limit(field: VitalField, number: float, limit: VitalRange | None) -> str | None:
    """The program's numeric hard limit that ``number`` crosses, as a message, or None."""
    if limit is None or (limit.low is None and limit.high is None):
        return None
    too_low = limit.low is not None and number < limit.low
    too_high = limit.high is not None and number > limit.high
    if not (too_low or too_high):
        return None
    if limit.low is not None and limit.high is not None:
        allowed = f"between {field.show(limit.low)} and {field.show(limit.high)} {field.unit}"
    elif limit.low is not None:
        allowed = f"at least {field.show(limit.low)} {field.unit}"
    else:
        allowed = f"at most {field.show(limit.high or 0)} {field.unit}"
    message = f"Must be {allowed} (this program's limit)."
    if too_high and field.key == "temperature_c":
        message += " Was it measured in °F? Enter °C."
    return message


def default_hard_limits() -> tuple[VitalRange, ...]:
    """The numeric hard limits of the knowledge file: none as shipped (SPEC A5.2 [U]).

    Source: detoxdesk-entry-limits. A field with ``hard_low`` or ``hard_high`` set gives a range.
    """
    source = str(knowledge.load("vitals")["source"])
    return tuple(
        VitalRange(field.key, field.hard_low, field.hard_high, source)
        for field in fields()
        if field.hard_low is not None or field.hard_high is not None
    )


def _unknown_keys(values: Mapping[str, object], known: Mapping[str, VitalField]) -> dict[str, str]:
    return {key: "Not a vital sign this form records." for key in values if key not in known}


def _diastolic_error(clean: Mapping[str, int | float | None]) -> str | None:
    systolic, diastolic = clean.get("systolic"), clean.get("diastolic")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        return "Must be lower than the systolic pressure: check both and enter them again."
    return None


def _check_value(
    field: VitalField, raw: object, limit: VitalRange | None
) -> tuple[int | float | None, str | None]:
    number, error = _number(field, raw)
    if number is None:
        return None, error
    error = _impossible(field, number) or _outside_hard_limit(field, number, limit)
    return (None, error) if error else (number, None)


def validate_vitals(
    values: Mapping[str, object], *, hard_limits: Sequence[VitalRange] | None = None
) -> dict[str, int | float | None]:
    """Check entered vital signs. Sources: SPEC A5.2 (definitional checks), detoxdesk-entry-limits.

    Refuses only what cannot be a measurement: a negative value, an SpO2 above 100 %, a diastolic
    pressure not below the systolic (asks to enter both again), a key that is not a vital sign, a
    value that is not a number (or not whole, except a ``decimal`` field: temperature, which also
    takes float or Decimal) or not finite, and a value beyond what the record can hold
    (``max_storable``, a software limit no body reaches). A systolic of 45, a respiratory rate of
    4, an SpO2 of 45 % are accepted: see :func:`critical_flags` and :func:`plausibility_warnings`.

    ``hard_limits``: the program's numeric hard limits (None: those of the knowledge file, unset as
    shipped, SPEC A5.2 [U]); a value outside one is refused. Every field is optional (missing or
    None means not taken) but at least one is required.

    Returns every field key, None where not taken, temperature as float. Raises InvalidInput with
    one message per bad field, or under ``"__all__"`` when nothing was entered.
    """
    known = {field.key: field for field in fields()}
    limits = {
        limit.key: limit
        for limit in (default_hard_limits() if hard_limits is None else hard_limits)
    }
    errors = _unknown_keys(values, known)
    clean: dict[str, int | float | None] = dict.fromkeys(known)
    for key, field in known.items():
        raw = values.get(key)
        if raw is None:
            continue
        number, error = _check_value(field, raw, limits.get(key))
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


# --- The typo check and critical flags ------------------------------------------------------------


def _typo_message(field: VitalField, value: float) -> str:
    message = (
        f"{field.label} {field.show(value)} {field.unit} is outside {field.range_text()}, the "
        "usual range of entries: check it was typed correctly and confirm it."
    )
    if field.key == "temperature_c" and value > field.high:
        message += " Was it measured in °F? Enter °C."
    return message


def plausibility_warnings(clean: Mapping[str, int | float | None]) -> dict[str, str]:
    """Field -> message for each value outside the typo-check range (``low``/``high``, inclusive).

    Source: detoxdesk-entry-limits (not clinical thresholds). The form shows the message and asks
    the nurse to confirm; it is never a refusal, and the engines accept the value. ``clean`` is the
    output of :func:`validate_vitals` (a missing or None value is skipped).
    """
    warnings: dict[str, str] = {}
    for field in fields():
        value = clean.get(field.key)
        if value is not None and not field.low <= value <= field.high:
            warnings[field.key] = _typo_message(field, value)
    return warnings


def _critical_message(field: VitalField, value: float, band: str) -> str:
    return (
        f"{field.label} {field.show(value)} {field.unit} is critical: NEWS2 scores 3 at {band}, "
        "which calls for urgent review."
    )


def _critical(band: CriticalBand, field: VitalField, value: float) -> CriticalFlag | None:
    if band.at_most is not None and value <= band.at_most:
        text = f"{field.show(band.at_most)} {field.unit} or less"
    elif band.at_least is not None and value >= band.at_least:
        text = f"{field.show(band.at_least)} {field.unit} or more"
    else:
        return None
    return CriticalFlag(field.key, float(value), _critical_message(field, value, text), band.source)


def critical_flags(clean: Mapping[str, int | float | None]) -> tuple[CriticalFlag, ...]:
    """Every sign in a NEWS2 band that scores 3, in field order. Source: rcp-news2-2017 (SPEC A5.1).

    Respiratory rate 8 or less or 25 or more, SpO2 (scale 1) 91 % or less, systolic 90 or less or
    220 or more, pulse 40 or less or 131 or more, temperature 35.0 °C or less (both ends inclusive;
    the numbers live in vitals.toml). Critical but real values: flags for the board and the chart,
    never a refusal. ``clean`` is the output of :func:`validate_vitals`; None values are skipped.
    """
    by_key = {field.key: field for field in fields()}
    flags = []
    for band in critical_bands():
        value = clean.get(band.key)
        if value is not None and (flag := _critical(band, by_key[band.key], value)) is not None:
            flags.append(flag)
    order = list(by_key)
    return tuple(sorted(flags, key=lambda flag: order.index(flag.field)))


# --- Program limits -------------------------------------------------------------------------------


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
