"""The expected course of opioid withdrawal: where a person is now, counted from the last use.

Sources: tip-63 (short-acting, extended-release and methadone ranges, as reproduced by secondary
pages), huhn-2020 (fentanyl: no range, "variable, may be prolonged"). The ranges live in
``knowledge/course.toml`` and are counted from the last use.

Phases, in time order (each boundary belongs to the earlier phase, except the start of onset):

``before_expected_onset``  less than ``onset_hours.low`` hours since the last use
``onset_window``           from ``onset_hours.low`` to ``onset_hours.high`` hours inclusive
``acute_phase``            after the onset window, up to ``acute_days.low`` days inclusive
``acute_ending_window``    after ``acute_days.low`` up to ``acute_days.high`` days inclusive: the
                           acute phase may be over or may still be going on
``after_acute_window``     after ``acute_days.high`` days (protracted symptoms may go on)
``variable``               fentanyl, which has no range
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.times import is_aware, read_instants

OPIOID_CLASSES = ("short_acting", "extended_release", "methadone", "fentanyl")
INPUT_KEYS = ("opioid_class", "last_use", "now")

BEFORE_ONSET = "before_expected_onset"
ONSET = "onset_window"
ACUTE = "acute_phase"
ACUTE_ENDING = "acute_ending_window"
AFTER_ACUTE = "after_acute_window"
VARIABLE = "variable"

# What each phase means, in words a chart or a patient page can show.
PHASE_LABELS = {
    BEFORE_ONSET: "Withdrawal is not expected to have started yet.",
    ONSET: "Withdrawal is expected to start in this window.",
    ACUTE: "Acute withdrawal is expected.",
    ACUTE_ENDING: "The acute phase may be over or may still be going on.",
    AFTER_ACUTE: "Past the expected acute phase; craving, poor sleep or low mood may last longer.",
    VARIABLE: "No reliable range is known for this opioid: the course is variable and may be long.",
}


@dataclass(frozen=True)
class Range:
    """An inclusive range ``low``-``high`` in ``unit`` ("h" or "d")."""

    low: int
    high: int
    unit: str

    def as_timedeltas(self) -> tuple[timedelta, timedelta]:
        """The two ends as durations after the last use."""
        if self.unit == "h":
            return timedelta(hours=self.low), timedelta(hours=self.high)
        return timedelta(days=self.low), timedelta(days=self.high)


@dataclass(frozen=True)
class Course:
    """The expected course for one opioid class; both ranges None when none is known (fentanyl)."""

    opioid_class: str
    label: str
    onset_hours: Range | None
    acute_days: Range | None
    note: str | None
    source: str
    confidence: str


@dataclass(frozen=True)
class Stretch:
    """One phase of the timeline between two instants; ``end`` None is open-ended."""

    phase: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class CourseResult:
    """Where a person is in the expected course at ``now``."""

    course: Course
    last_use: datetime
    now: datetime
    hours_since_last_use: float
    phase: str
    timeline: tuple[Stretch, ...]


# --- Knowledge ------------------------------------------------------------------------------------


def _range(entry: Mapping[str, Any], key: str, unit: str, where: str) -> Range | None:
    raw = entry.get(key)
    if raw is None:
        return None
    try:
        found = Range(low=raw["low"], high=raw["high"], unit=raw["unit"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"course.toml [{where}].{key}: missing or malformed {exc}") from exc
    if found.unit != unit or not (type(found.low) is int and type(found.high) is int):
        raise KnowledgeError(f"course.toml [{where}].{key}: whole numbers in {unit!r} expected")
    if not 0 < found.low <= found.high:
        raise KnowledgeError(f"course.toml [{where}].{key}: low must be above 0, not above high")
    return found


def _build_course(code: str, entry: Mapping[str, Any]) -> Course:
    onset = _range(entry, "onset_hours", "h", code)
    acute = _range(entry, "acute_days", "d", code)
    if (onset is None) != (acute is None) or (onset is None and not entry.get("note")):
        raise KnowledgeError(f"course.toml [{code}]: give both ranges, or neither and a note")
    if onset and acute and onset.as_timedeltas()[1] >= acute.as_timedeltas()[0]:
        raise KnowledgeError(f"course.toml [{code}]: the onset window must end before acute_days")
    if entry.get("confidence") not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"course.toml [{code}]: confidence must be one of C, S, U")
    return Course(
        code, entry["label"], onset, acute, entry.get("note"), entry["source"], entry["confidence"]
    )


@cache
def courses() -> dict[str, Course]:
    """Every opioid class's course, from course.toml. Sources: tip-63, huhn-2020."""
    return knowledge.build_each("course", knowledge.load("course"), OPIOID_CLASSES, _build_course)


def course_for(opioid_class: str) -> Course:
    """The course of ``opioid_class``; InvalidInput naming the field if the class is unknown.

    Sources: tip-63 for short_acting, extended_release and methadone; huhn-2020 for fentanyl.
    """
    found = courses().get(opioid_class)
    if found is None:
        message = f"Must be one of {', '.join(OPIOID_CLASSES)}."
        raise InvalidInput("Unknown opioid class.", {"opioid_class": message})
    return found


# The opioid class whose course applies to each substance a placement evaluation names, as the
# course.toml labels describe them; a prescription opioid may be short-acting or extended-release,
# and buprenorphine as the drug of dependence has no course here (SPEC.md, [U]), so both are None.
SUBSTANCE_CLASSES: dict[str, str | None] = {
    "heroin": "short_acting",
    "fentanyl": "fentanyl",
    "methadone": "methadone",
    "prescription_opioid": None,
    "buprenorphine": None,
}
# When several opioids were used, the one whose course is least certain or longest applies first.
_CLASS_PRECEDENCE = ("fentanyl", "methadone", "extended_release", "short_acting")


def class_for_substances(names: Sequence[str]) -> str | None:
    """The opioid class to show the course for, given the substances used; None if none applies.

    Sources: tip-63 (the classes' labels), huhn-2020 (fentanyl's course is variable, so fentanyl
    comes first: it must never be shown a shorter range than it may take).
    """
    found = {SUBSTANCE_CLASSES.get(name) for name in names} - {None}
    return next((code for code in _CLASS_PRECEDENCE if code in found), None)


# --- The course -----------------------------------------------------------------------------------


def phase_at(course: Course, elapsed: timedelta) -> str:
    """The phase ``elapsed`` after the last use (see the module docstring for the boundaries).

    Sources: the course's own (tip-63; huhn-2020 for fentanyl, which is always ``variable``).
    """
    if course.onset_hours is None or course.acute_days is None:
        return VARIABLE
    onset_low, onset_high = course.onset_hours.as_timedeltas()
    acute_low, acute_high = course.acute_days.as_timedeltas()
    if elapsed < onset_low:
        return BEFORE_ONSET
    if elapsed <= onset_high:
        return ONSET
    if elapsed <= acute_low:
        return ACUTE
    if elapsed <= acute_high:
        return ACUTE_ENDING
    return AFTER_ACUTE


def timeline(course: Course, last_use: datetime) -> tuple[Stretch, ...]:
    """The phases as instants from ``last_use``, for a chart; empty when no range is known."""
    if course.onset_hours is None or course.acute_days is None:
        return ()
    onset_low, onset_high = course.onset_hours.as_timedeltas()
    acute_low, acute_high = course.acute_days.as_timedeltas()
    ends = (onset_low, onset_high, acute_low, acute_high)
    starts = (timedelta(0), *ends)
    phases = (BEFORE_ONSET, ONSET, ACUTE, ACUTE_ENDING, AFTER_ACUTE)
    return tuple(
        Stretch(phase, last_use + start, None if end is None else last_use + end)
        for phase, start, end in zip(phases, starts, (*ends, None), strict=True)
    )


def withdrawal_course(opioid_class: str, last_use: datetime, now: datetime) -> CourseResult:
    """Where a person is in the expected withdrawal course at ``now``.

    Sources: tip-63 (short_acting, extended_release, methadone), huhn-2020 (fentanyl). Both times
    must be timezone-aware and ``now`` must not be before ``last_use``; otherwise InvalidInput with
    the field named.
    """
    course = course_for(opioid_class)
    problems = {
        key: "Must include a UTC offset."
        for key, value in (("last_use", last_use), ("now", now))
        if not is_aware(value)
    }
    if not problems and now < last_use:
        problems["last_use"] = "Must not be later than now."
    if problems:
        raise InvalidInput("The times need correcting.", problems)
    elapsed = now - last_use
    return CourseResult(
        course=course,
        last_use=last_use,
        now=now,
        hours_since_last_use=elapsed / timedelta(hours=1),
        phase=phase_at(course, elapsed),
        timeline=timeline(course, last_use),
    )


# --- The calculator -------------------------------------------------------------------------------


def _parse(payload: Mapping[str, Any]) -> tuple[str, datetime, datetime]:
    problems = {key: "Not a field of this calculator." for key in payload if key not in INPUT_KEYS}
    opioid_class = payload.get("opioid_class")
    if opioid_class not in OPIOID_CLASSES:
        problems["opioid_class"] = f"Must be one of {', '.join(OPIOID_CLASSES)}."
    instants, found = read_instants(payload, ("last_use", "now"))
    problems.update(found)
    if problems:
        raise InvalidInput(
            "The withdrawal course cannot be worked out: check the fields.", problems
        )
    return str(opioid_class), instants["last_use"], instants["now"]


def _range_json(found: Range | None) -> list[int] | None:
    return None if found is None else [found.low, found.high]


def calculate(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc withdrawal-course``: {"opioid_class", "last_use", "now"} to the course.

    Sources: tip-63, huhn-2020 (the course's own, listed in ``sources``).
    """
    result = withdrawal_course(*_parse(payload))
    course = result.course
    return {
        "opioid_class": course.opioid_class,
        "label": course.label,
        "hours_since_last_use": result.hours_since_last_use,
        "onset_hours": _range_json(course.onset_hours),
        "acute_days": _range_json(course.acute_days),
        "phase": result.phase,
        "phase_label": PHASE_LABELS[result.phase],
        "note": course.note,
        "timeline": [
            {
                "phase": stretch.phase,
                "start": stretch.start.isoformat(),
                "end": None if stretch.end is None else stretch.end.isoformat(),
            }
            for stretch in result.timeline
        ],
        "confidence": course.confidence,
        "sources": [course.source],
    }
