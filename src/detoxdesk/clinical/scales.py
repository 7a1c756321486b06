"""Withdrawal scales: COWS, SOWS and CIWA-Ar as data, validated and scored.

The items, allowed values, anchors and default bands come from ``knowledge/scales.toml``. A total is
given only when every item is answered with an allowed value (SPEC.md, implementation notes);
:func:`partial_total` is for a running total while a form is being filled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from detoxdesk.clinical import knowledge, vitals
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

SCALE_CODES = ("cows", "sows", "ciwa_ar")
ADMINISTERED_BY = frozenset({"clinician", "self"})


@dataclass(frozen=True)
class Option:
    """One allowed answer of an item and its short anchor text."""

    value: int
    anchor: str


@dataclass(frozen=True)
class Item:
    """One item of a scale, with its allowed answers in ascending order."""

    key: str
    label: str
    prompt: str
    options: tuple[Option, ...]

    @property
    def allowed(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    @property
    def max_value(self) -> int:
        return max(self.allowed)


@dataclass(frozen=True)
class Band:
    """A severity band: totals from ``low`` to ``high`` inclusive; ``high`` None is open-ended."""

    name: str
    label: str
    low: int
    high: int | None
    source: str

    def contains(self, total: int) -> bool:
        return self.low <= total and (self.high is None or total <= self.high)


@dataclass(frozen=True)
class Scale:
    """A withdrawal scale: items in form order and its default severity bands (may be empty)."""

    code: str
    name: str
    title: str
    source: str
    administered_by: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    confidence: str

    @property
    def max_total(self) -> int:
        return sum(item.max_value for item in self.items)

    def item(self, key: str) -> Item:
        """The item ``key``; InvalidInput if the scale has no such item."""
        for item in self.items:
            if item.key == key:
                return item
        message = f"Not an item of {self.name}."
        raise InvalidInput(message, fields={key: message})


@dataclass(frozen=True)
class ScaleResult:
    """A scored scale. ``items`` is a read-only view in form order; ``band`` None means unbanded.

    ``source`` is the scale's source; ``band_source`` the source of the band applied, if any.
    """

    scale: str
    total: int
    band: str | None
    band_label: str | None
    # A read-only view cannot be hashed; the total and band already stand for the items in a hash.
    items: Mapping[str, int] = field(hash=False)
    source: str
    band_source: str | None


# --- Loading --------------------------------------------------------------------------------------


def _build_item(entry: Mapping[str, Any], shared_options: Sequence[Mapping[str, Any]]) -> Item:
    options = tuple(
        Option(value=option["value"], anchor=option["anchor"])
        for option in entry.get("options", shared_options)
    )
    values = [option.value for option in options]
    if not values or values != sorted(set(values)) or not all(type(v) is int for v in values):
        message = "values must be ascending integers"
        raise KnowledgeError(f"scales.toml item {entry['key']!r}: {message}")
    return Item(key=entry["key"], label=entry["label"], prompt=entry["prompt"], options=options)


def _build_band(entry: Mapping[str, Any]) -> Band:
    return Band(
        name=entry["name"],
        label=entry["label"],
        low=entry["min"],
        high=entry.get("max"),
        source=entry["source"],
    )


def _build_scale(code: str, entry: Mapping[str, Any]) -> Scale:
    scale = Scale(
        code=entry["code"],
        name=entry["name"],
        title=entry["title"],
        source=entry["source"],
        administered_by=entry["administered_by"],
        items=tuple(_build_item(item, entry.get("options", ())) for item in entry["items"]),
        bands=tuple(_build_band(band) for band in entry["bands"]),
        confidence=entry["confidence"],
    )
    if scale.code != code or scale.administered_by not in ADMINISTERED_BY:
        raise KnowledgeError(f"scales.toml [{code}]: wrong code or administered_by")
    if scale.confidence not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"scales.toml [{code}]: confidence must be one of C, S, U")
    if len({item.key for item in scale.items}) != len(scale.items):
        raise KnowledgeError(f"scales.toml [{code}]: item keys must be unique")
    return scale


@cache
def _catalogue() -> dict[str, Scale]:
    return knowledge.build_each("scales", knowledge.load("scales"), SCALE_CODES, _build_scale)


def get_scale(code: str) -> Scale:
    """The scale ``code`` (one of SCALE_CODES); InvalidInput if unknown.

    Sources: cows wesson-ling-2003, sows handelsman-1987, ciwa_ar sullivan-1989 (bands
    asam-alcohol-2020), as recorded on each scale.
    """
    scale = _catalogue().get(code)
    if scale is None:
        known = ", ".join(SCALE_CODES)
        raise InvalidInput(f"Unknown scale {code!r}. Known scales: {known}.")
    return scale


# --- Scoring --------------------------------------------------------------------------------------


def _check(item: Item, value: object) -> int | str:
    """The answer as an int if it is allowed, otherwise the message saying why not.

    None counts as unanswered. bool, float and str are refused: converting form input is the
    caller's job, and a silent conversion could turn a typo into a score.
    """
    if value is None:
        return "This item is required."
    if not isinstance(value, int) or isinstance(value, bool):
        return "Must be a whole number."
    if value not in item.allowed:
        listed = ", ".join(str(option.value) for option in item.options)
        return f"Must be one of {listed}."
    return int(value)


def _checked(scale: Scale, answers: Mapping[str, object]) -> tuple[dict[str, int], dict[str, str]]:
    """Split ``answers`` into allowed values and error messages, both keyed by item key."""
    keys = {item.key for item in scale.items}
    errors = {key: f"Not an item of {scale.name}." for key in answers if key not in keys}
    values: dict[str, int] = {}
    for item in scale.items:
        checked = _check(item, answers.get(item.key))
        if isinstance(checked, str):
            errors[item.key] = checked
        else:
            values[item.key] = checked
    return values, errors


def answer_errors(scale: Scale, answers: Mapping[str, object]) -> dict[str, str]:
    """Every problem with ``answers``, keyed by item key: missing, unknown or not allowed.

    Source: the scale's own (see :func:`get_scale`). An empty dict means the answers can be scored.
    """
    return _checked(scale, answers)[1]


def band_for(total: int, bands: Sequence[Band]) -> Band | None:
    """The first band in ``bands`` that contains ``total``, or None.

    Source: each band's own ``source`` (defaults: wesson-ling-2003 for COWS, asam-alcohol-2020 for
    CIWA-Ar; SOWS has none per handelsman-1987). Default bands cover their scale without gaps or
    overlaps, so "first" matters only for program bands that overlap.
    """
    return next((band for band in bands if band.contains(total)), None)


def score(
    scale: Scale, answers: Mapping[str, object], *, bands: Sequence[Band] | None = None
) -> ScaleResult:
    """Total and band of a complete set of answers.

    Source: the scale's ``source`` for items and total; each band's ``source`` for the band. Every
    item must be answered with one of its allowed integer values and no other key may be present;
    otherwise InvalidInput lists every problem in ``fields``. ``bands`` None applies the scale's
    default bands; an empty sequence applies none (band is None).
    """
    values, errors = _checked(scale, answers)
    if errors:
        raise InvalidInput(f"{scale.name} cannot be scored yet: check the marked items.", errors)
    total = sum(values.values())
    band = band_for(total, scale.bands if bands is None else bands)
    return ScaleResult(
        scale=scale.code,
        total=total,
        band=band.name if band else None,
        band_label=band.label if band else None,
        items=MappingProxyType(values),
        source=scale.source,
        band_source=band.source if band else None,
    )


def partial_total(scale: Scale, answers: Mapping[str, object]) -> int:
    """Sum of the answers that are allowed, ignoring missing, unknown and invalid ones.

    Source: the scale's ``source``. For a running total while the form is being filled in only;
    it is not a score (use :func:`score`).
    """
    return sum(_checked(scale, answers)[0].values())


# --- COWS resting pulse ---------------------------------------------------------------------------


@cache
def _pulse_anchors() -> tuple[tuple[int | None, int | None, int], ...]:
    try:
        anchors = knowledge.load("scales")["cows"]["pulse_item"]["anchors"]
        table = tuple((entry.get("min"), entry.get("max"), entry["value"]) for entry in anchors)
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"scales.toml cows.pulse_item: missing or malformed {exc}") from exc
    allowed = get_scale("cows").item("resting_pulse_rate").allowed
    if not all(value in allowed for _, _, value in table):
        raise KnowledgeError("scales.toml cows.pulse_item: a value is not allowed for the item")
    return table


def cows_pulse_table() -> tuple[dict[str, int | None], ...]:
    """The heart-rate ranges of the COWS resting-pulse item, as plain values for a page script.

    Each entry is ``{"min", "max", "value"}`` with inclusive limits in beats per minute (None =
    open-ended). It is the very table :func:`cows_pulse_item` scores with, so the live total on
    the form and the total the server saves cannot disagree. Source: wesson-ling-2003.
    """
    return tuple({"min": low, "max": high, "value": value} for low, high, value in _pulse_anchors())


def cows_pulse_item(heart_rate: int) -> int:
    """The COWS resting-pulse item value for a heart rate in beats per minute.

    Source: wesson-ling-2003 (the heart-rate ranges printed on the form). The rate must pass
    :func:`vitals.validate_vitals` (a whole number, not negative, within any hard limit the
    program sets); otherwise InvalidInput with a ``heart_rate`` field.
    """
    vitals.validate_vitals({"heart_rate": heart_rate})
    for low, high, value in _pulse_anchors():
        if (low is None or low <= heart_rate) and (high is None or heart_rate <= high):
            return value
    raise KnowledgeError(f"scales.toml cows.pulse_item: no range holds {heart_rate}")
