"""The placement evaluation: what the calculator asks about a person, and how its input is read.

Sources: wesson-ling-2003 and sullivan-1989 (score ranges), asam-criteria-3 (the 0-4 risk rating
a clinician gives readiness to change). Everything but ``substances`` may be left out or null,
meaning not assessed; :mod:`detoxdesk.clinical.placement` decides what an item not assessed counts
as.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from typing import Any

from detoxdesk.clinical import alcohol, scales
from detoxdesk.clinical.alcohol import PawssResult
from detoxdesk.clinical.errors import InvalidInput

SUBSTANCE_NAMES = (
    "heroin",
    "fentanyl",
    "methadone",
    "buprenorphine",
    "prescription_opioid",
    "alcohol",
    "benzodiazepine",
    "stimulant",
    "cannabis",
    "other",
)
ROUTES = ("iv", "smoked", "intranasal", "oral", "other")
SUICIDAL_IDEATION = ("none", "passive", "active_no_plan", "active_with_plan")  # least to most
REQUESTED_SETTINGS = ("outpatient", "inpatient", "anesthesia_assisted_rapid")

# The optional sections of the input and their items (item names are unique across sections).
SECTIONS: dict[str, tuple[str, ...]] = {
    "history": ("withdrawal_seizures", "delirium_tremens", "overdose_past_year"),
    "medical": ("pregnant", "unstable_medical_condition", "qtc_ms"),
    "psychiatric": ("suicidal_ideation", "psychosis"),
    "environment": ("stable_housing", "supportive_person_at_home"),
}
SUBSTANCE_KEYS = ("name", "route", "daily_use", "hours_since_last_use")
# Readiness to change is rated by the clinician, not derived from answers, so it is not one of
# SECTIONS (whose items the rules read and count as their worst answer when not assessed).
READINESS_KEYS = ("rating",)
INPUT_KEYS = (
    "substances",
    "current_cows",
    "current_ciwa_ar",
    *SECTIONS,
    "readiness",
    "requested_setting",
    "pawss",
)


class Risk(IntEnum):
    """The 0-4 risk rating of an ASAM dimension (asam-criteria-3); the words are ours."""

    NONE = 0
    MILD = 1
    MODERATE = 2
    SIGNIFICANT = 3
    SEVERE = 4


# --- The evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Substance:
    """One substance used; None in any field but ``name`` means not known.

    ``route`` and ``hours_since_last_use`` are checked and kept for the record, but no rule reads
    them: SPEC.md ties no placement finding to them (the withdrawal course uses the last-use time).
    """

    name: str
    route: str | None = None
    daily_use: bool | None = None
    hours_since_last_use: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """The placement input. Any field but ``substances`` may be None: not assessed (or scored)."""

    substances: tuple[Substance, ...]
    current_cows: int | None = None
    current_ciwa_ar: int | None = None
    withdrawal_seizures: bool | None = None
    delirium_tremens: bool | None = None
    overdose_past_year: bool | None = None
    pregnant: bool | None = None
    unstable_medical_condition: bool | None = None
    qtc_ms: int | None = None
    suicidal_ideation: str | None = None
    psychosis: bool | None = None
    stable_housing: bool | None = None
    supportive_person_at_home: bool | None = None
    readiness_rating: Risk | None = None
    requested_setting: str | None = None
    pawss: PawssResult | None = None


# --- Reading the input ----------------------------------------------------------------------------

Reader = Callable[[object], tuple[object, str | None]]


def _optional_bool(value: object) -> tuple[object, str | None]:
    if value is None or isinstance(value, bool):
        return value, None
    return None, "Must be true or false, or null if not assessed."


def _optional_choice(choices: Sequence[str]) -> Reader:
    def read(value: object) -> tuple[object, str | None]:
        if value is None or (isinstance(value, str) and value in choices):
            return value, None
        return None, f"Must be one of {', '.join(choices)}, or null if not known."

    return read


def _optional_whole(low: int, high: int | None, what: str) -> Reader:
    def read(value: object) -> tuple[object, str | None]:
        if value is None:
            return None, None
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole and low <= value and (high is None or value <= high):  # type: ignore[operator]
            return value, None
        upper = "" if high is None else f" to {high}"
        return None, f"Must be a whole number from {low}{upper} ({what}), or null."

    return read


def _optional_hours(value: object) -> tuple[object, str | None]:
    if value is None:
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        hours = float(value)
        if math.isfinite(hours) and hours >= 0:
            return hours, None
    return None, "Must be a number of hours, 0 or more, or null if not known."


@cache
def _item_readers() -> dict[str, Reader]:
    return {
        "withdrawal_seizures": _optional_bool,
        "delirium_tremens": _optional_bool,
        "overdose_past_year": _optional_bool,
        "pregnant": _optional_bool,
        "unstable_medical_condition": _optional_bool,
        # Any positive whole number: a plausibility range is not SPEC's to give.
        "qtc_ms": _optional_whole(1, None, "milliseconds"),
        "suicidal_ideation": _optional_choice(SUICIDAL_IDEATION),
        "psychosis": _optional_bool,
        "stable_housing": _optional_bool,
        "supportive_person_at_home": _optional_bool,
    }


def _section_object(
    name: str, value: object, items: Sequence[str], problems: dict[str, str]
) -> Mapping[str, Any]:
    """Section ``name`` as given (empty if left out or not an object); bad keys are noted."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems[name] = "Must be an object, or left out if not assessed."
        return {}
    problems.update(
        {f"{name}.{key}": "Not a field of this section." for key in value if key not in items}
    )
    return value


def _read_section(name: str, value: object, problems: dict[str, str]) -> dict[str, Any]:
    items = SECTIONS[name]
    given = _section_object(name, value, items, problems)
    answers: dict[str, Any] = {}
    for key in items:
        answer, error = _item_readers()[key](given.get(key))
        if error is not None:
            problems[f"{name}.{key}"] = error
        else:
            answers[key] = answer
    return answers


def _read_substance(index: int, value: object, problems: dict[str, str]) -> Substance | None:
    where = f"substances[{index}]"
    if not isinstance(value, Mapping):
        problems[where] = "Must be an object with the substance's name."
        return None
    found = {
        f"{where}.{key}": "Not a field of a substance."
        for key in value
        if key not in SUBSTANCE_KEYS
    }
    name = value.get("name")
    if not isinstance(name, str) or name not in SUBSTANCE_NAMES:
        found[f"{where}.name"] = f"Must be one of {', '.join(SUBSTANCE_NAMES)}."
    readers: dict[str, Reader] = {
        "route": _optional_choice(ROUTES),
        "daily_use": _optional_bool,
        "hours_since_last_use": _optional_hours,
    }
    fields: dict[str, Any] = {}
    for key, reader in readers.items():
        fields[key], error = reader(value.get(key))
        if error is not None:
            found[f"{where}.{key}"] = error
    problems.update(found)
    return None if found else Substance(name=str(name), **fields)


def _read_substances(value: object, problems: dict[str, str]) -> tuple[Substance, ...]:
    if not isinstance(value, list) or not value:
        problems["substances"] = "List at least one substance."
        return ()
    read = [_read_substance(index, entry, problems) for index, entry in enumerate(value)]
    return tuple(substance for substance in read if substance is not None)


def _read_score(
    key: str, scale_code: str, payload: Mapping[str, Any], problems: dict[str, str]
) -> Any:
    scale = scales.get_scale(scale_code)
    score, error = _optional_whole(0, scale.max_total, f"a {scale.name} total; null if not scored")(
        payload.get(key)
    )
    if error is not None:
        problems[key] = error
    return score


def _read_readiness(value: object, problems: dict[str, str]) -> Risk | None:
    """The clinician's rating of readiness to change; None if not given. Source: asam-criteria-3."""
    section = _section_object("readiness", value, READINESS_KEYS, problems)
    rating, error = _optional_whole(min(Risk), max(Risk), "a clinician's ASAM risk rating")(
        section.get("rating")
    )
    if error is not None:
        problems["readiness.rating"] = error
    return Risk(rating) if isinstance(rating, int) else None


def _read_pawss(value: object, problems: dict[str, str]) -> PawssResult | None:
    """The PAWSS of the evaluation (``detoxdesk calc pawss`` input), or None when not asked.

    Sources: maldonado-2014, bccsu-aud-2023.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems["pawss"] = "Must be a PAWSS object (threshold_met, items), or null if not asked."
        return None
    try:
        threshold, answers = alcohol.parse_pawss(value, where="pawss.")
    except InvalidInput as refused:
        problems.update(refused.fields)
        return None
    return alcohol.score_pawss(threshold, answers)


def parse_evaluation(payload: Mapping[str, Any]) -> Evaluation:
    """The calculator input as an :class:`Evaluation`; InvalidInput naming every bad field.

    Sources: wesson-ling-2003 and sullivan-1989 (score ranges), asam-criteria-3 (the 0-4 rating).
    ``substances`` needs at least one entry with a known ``name``; everything else may be left out
    or null, meaning not assessed. ``readiness.rating`` is the clinician's 0-4 rating of readiness
    to change. ``pawss`` is the PAWSS input (:mod:`detoxdesk.clinical.alcohol`), or null when it
    was not asked. Unknown keys are refused so that a typo is not read as "not assessed".
    """
    problems = {key: "Not a field of this calculator." for key in payload if key not in INPUT_KEYS}
    substances = _read_substances(payload.get("substances"), problems)
    answers: dict[str, Any] = {}
    for section in SECTIONS:
        answers.update(_read_section(section, payload.get(section), problems))
    answers["current_cows"] = _read_score("current_cows", "cows", payload, problems)
    answers["current_ciwa_ar"] = _read_score("current_ciwa_ar", "ciwa_ar", payload, problems)
    answers["readiness_rating"] = _read_readiness(payload.get("readiness"), problems)
    answers["requested_setting"], error = _optional_choice(REQUESTED_SETTINGS)(
        payload.get("requested_setting")
    )
    if error is not None:
        problems["requested_setting"] = error
    answers["pawss"] = _read_pawss(payload.get("pawss"), problems)
    if problems:
        raise InvalidInput("The placement cannot be worked out: check the marked fields.", problems)
    return Evaluation(substances=substances, **answers)
