"""Aftercare rules: the earliest start of extended-release naltrexone after the last opioid use.

Sources: vivitrol-label and asam-patient-2020 (7 days after short-acting opioids, 10 days after
methadone or buprenorphine), tip-63 (opioid-free before either form), huhn-2020 (slow fentanyl
clearance). The intervals and notes live in ``knowledge/naltrexone.toml``.

SPEC.md gives no interval after extended-release opioids or fentanyl. For those two the knowledge
file ships the longest interval SPEC.md does give (10 days), with basis
``most_conservative_spec_default``, confidence U and a note saying so; a program may set its own
values through the ``policy`` argument of :func:`naltrexone_start`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.knowledge import Note
from detoxdesk.clinical.times import is_aware, read_instants

OPIOID_CLASSES = ("short_acting", "extended_release", "methadone", "buprenorphine", "fentanyl")
BASES = frozenset({"spec_default", "most_conservative_spec_default", "program_policy"})
INPUT_KEYS = ("last_opioid_use", "opioid_class")


@dataclass(frozen=True)
class OpioidFreeInterval:
    """Whole days without any opioid before the first naltrexone dose, after one opioid class.

    ``basis`` says where the value comes from (see naltrexone.toml); ``sources`` starts with the
    source of the value itself.
    """

    opioid_class: str
    days: int
    basis: str
    sources: tuple[str, ...]
    confidence: str
    note: str | None


@dataclass(frozen=True)
class NaltrexoneStart:
    """The earliest start of extended-release naltrexone and what it rests on."""

    last_opioid_use: datetime
    earliest_start: datetime
    interval: OpioidFreeInterval
    notes: tuple[Note, ...]


# --- Knowledge ------------------------------------------------------------------------------------


def _build_interval(code: str, entry: Mapping[str, Any]) -> OpioidFreeInterval:
    interval = OpioidFreeInterval(
        opioid_class=code,
        days=entry["days"],
        basis=entry["basis"],
        sources=(entry["source"], *(ref["source"] for ref in entry.get("see_also", ()))),
        confidence=entry["confidence"],
        note=entry.get("note"),
    )
    problems = interval_problems(interval)
    if entry["unit"] != "d" or problems:
        raise KnowledgeError(f"naltrexone.toml [intervals.{code}]: {problems or 'unit must be d'}")
    if interval.basis != "spec_default" and not interval.note:
        raise KnowledgeError(f"naltrexone.toml [intervals.{code}]: a value SPEC lacks needs a note")
    return interval


def interval_problems(interval: OpioidFreeInterval) -> str | None:
    """Why ``interval`` cannot be used (days not a whole number above 0, unknown basis), or None."""
    if type(interval.days) is not int or interval.days <= 0:
        return "days must be a whole number above 0"
    if interval.basis not in BASES or interval.confidence not in knowledge.CONFIDENCES:
        return f"basis must be one of {', '.join(sorted(BASES))}; confidence one of C, S, U"
    return None


@cache
def intervals() -> dict[str, OpioidFreeInterval]:
    """The default interval of each opioid class. Sources: vivitrol-label, asam-patient-2020."""
    table = knowledge.load("naltrexone").get("intervals", {})
    return knowledge.build_each("naltrexone", table, OPIOID_CLASSES, _build_interval)


@cache
def notes() -> tuple[Note, ...]:
    """The notes shown with every result. Sources: vivitrol-label, tip-63."""
    try:
        return tuple(
            Note(entry["text"], entry["source"], entry["confidence"])
            for entry in knowledge.load("naltrexone")["notes"]
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"naltrexone.toml notes: missing or malformed {exc}") from exc


# --- The rule -------------------------------------------------------------------------------------


def _class_error(opioid_class: object) -> str | None:
    if opioid_class in OPIOID_CLASSES:
        return None
    return f"Must be one of {', '.join(OPIOID_CLASSES)}."


def naltrexone_start(
    last_opioid_use: datetime,
    opioid_class: str,
    *,
    policy: Mapping[str, OpioidFreeInterval] | None = None,
) -> NaltrexoneStart:
    """The earliest start of extended-release naltrexone: the last use plus the class's interval.

    Sources: vivitrol-label, asam-patient-2020 (the defaults); the interval's own ``sources``.
    ``policy`` maps an opioid class to a program's interval (basis ``program_policy``); a class it
    does not list keeps the default. The interval is whole 24-hour days, so the earliest start has
    the same time of day and UTC offset as the last use. InvalidInput for a time without an offset
    or an unknown class.
    """
    problems: dict[str, str] = {}
    if not is_aware(last_opioid_use):
        problems["last_opioid_use"] = "Must include a UTC offset."
    if (error := _class_error(opioid_class)) is not None:
        problems["opioid_class"] = error
    if problems:
        raise InvalidInput("The naltrexone start cannot be worked out: check the fields.", problems)
    interval = {**intervals(), **(policy or {})}[opioid_class]
    if (problem := interval_problems(interval)) is not None:
        raise InvalidInput(f"The program's naltrexone interval cannot be used: {problem}.")
    return NaltrexoneStart(
        last_opioid_use=last_opioid_use,
        earliest_start=last_opioid_use + timedelta(days=interval.days),
        interval=interval,
        notes=notes(),
    )


# --- The calculator -------------------------------------------------------------------------------


def _parse(payload: Mapping[str, Any]) -> tuple[datetime, str]:
    problems = {key: "Not a field of this calculator." for key in payload if key not in INPUT_KEYS}
    if (error := _class_error(payload.get("opioid_class"))) is not None:
        problems["opioid_class"] = error
    instants, found = read_instants(payload, ("last_opioid_use",))
    problems.update(found)
    if problems:
        raise InvalidInput("The naltrexone start cannot be worked out: check the fields.", problems)
    return instants["last_opioid_use"], str(payload["opioid_class"])


def calculate(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc naltrexone-start``: {"last_opioid_use", "opioid_class"} to the start.

    Sources: vivitrol-label, asam-patient-2020 and the others listed in ``sources``.
    """
    start = naltrexone_start(*_parse(payload))
    interval = start.interval
    notes_text = [interval.note] if interval.note else []
    notes_text.extend(note.text for note in start.notes)
    sources = dict.fromkeys((*interval.sources, *(note.source for note in start.notes)))
    return {
        "opioid_class": interval.opioid_class,
        "last_opioid_use": start.last_opioid_use.isoformat(),
        "earliest_start": start.earliest_start.isoformat(),
        "opioid_free_days_required": interval.days,
        "basis": interval.basis,
        "confidence": interval.confidence,
        "source": interval.sources[0],
        "sources": list(sources),
        "notes": notes_text,
    }
