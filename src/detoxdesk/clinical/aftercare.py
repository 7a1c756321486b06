"""Aftercare rules: the naltrexone start, the discharge bundle, the warm hand-off and follow-ups.

The bundle items, the hand-off window and the follow-up days live in ``knowledge/aftercare.toml``
(see :func:`bundle_items`, :func:`warm_handoff_window`, :func:`default_follow_up_days`).

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
from datetime import date, datetime, timedelta
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


# --- The discharge bundle -------------------------------------------------------------------------

ITEM_OPEN = "open"
ITEM_DONE = "done"
ITEM_DECLINED = "declined"
ITEM_NOT_APPLICABLE = "not_applicable"
ITEM_STATUSES = (ITEM_OPEN, ITEM_DONE, ITEM_DECLINED, ITEM_NOT_APPLICABLE)
BUNDLE_CODES = (
    "moud",
    "naloxone",
    "overdose_education",
    "warm_handoff",
    "referrals",
    "crisis_numbers",
)


@dataclass(frozen=True)
class BundleItemRule:
    """One bundle item: offered to everyone (no "not applicable") unless ``allow_not_applicable``.

    ``allow_not_applicable_with_oud`` False means the item may be not applicable only when the
    record shows no opioid use disorder (MOUD). ``source`` is the source key of the item, or None
    where SPEC.md names none (``basis`` says why).
    """

    code: str
    label: str
    allow_not_applicable: bool
    source: str | None
    basis: str
    allow_not_applicable_with_oud: bool = True

    def not_applicable_allowed(self, *, opioid_use_disorder: bool) -> bool:
        """Whether "not applicable" resolves this item for a patient with or without OUD."""
        if opioid_use_disorder and not self.allow_not_applicable_with_oud:
            return False
        return self.allow_not_applicable


@dataclass(frozen=True)
class ItemState:
    """How an item stands: one of ITEM_STATUSES and the reason given for it."""

    status: str
    reason: str = ""


def _build_item(code: str, entry: Mapping[str, Any]) -> BundleItemRule:
    source = entry.get("source")
    return BundleItemRule(
        code=code,
        label=entry["label"],
        allow_not_applicable=bool(entry["allow_not_applicable"]),
        source=source,
        basis=entry.get("basis", "spec_default" if source else ""),
        allow_not_applicable_with_oud=bool(entry.get("allow_not_applicable_with_oud", True)),
    )


@cache
def bundle_items() -> dict[str, BundleItemRule]:
    """The bundle, in the order it is worked. Sources: asam-2020, nida-ed-2018 (SPEC.md s.13)."""
    table = knowledge.load("aftercare").get("items", {})
    return knowledge.build_each("aftercare", table, BUNDLE_CODES, _build_item)


def item_problem(
    rule: BundleItemRule, state: ItemState, *, opioid_use_disorder: bool = False
) -> str | None:
    """Why one item does not let the discharge be signed, or None when it is resolved.

    Done resolves an item; declined and not applicable need a reason; not applicable is refused
    for an item offered to everyone (naloxone, overdose education, crisis numbers: asam-2020,
    nida-ed-2018), so even a discharge against medical advice records the offer, and for MOUD
    when ``opioid_use_disorder`` (asam-2020): it is offered, then accepted or declined.
    """
    if state.status not in ITEM_STATUSES:
        return f"Must be one of {', '.join(ITEM_STATUSES)}."
    if state.status == ITEM_OPEN:
        return "Not yet done, declined or marked not applicable."
    if state.status == ITEM_NOT_APPLICABLE and not rule.not_applicable_allowed(
        opioid_use_disorder=opioid_use_disorder
    ):
        if rule.allow_not_applicable:
            return (
                "Opioid use disorder is recorded: offer it, and record it as accepted (done) "
                "or declined (with the reason), never as not applicable."
            )
        return "Offered to every patient: record it as done or declined (with the reason)."
    if state.status in (ITEM_DECLINED, ITEM_NOT_APPLICABLE) and not state.reason.strip():
        return "Give the reason."
    return None


def bundle_problems(
    states: Mapping[str, ItemState], *, opioid_use_disorder: bool = False
) -> dict[str, str]:
    """Each bundle item that keeps the discharge from being signed, with the reason.

    An item missing from ``states`` counts as open. Empty when the discharge may be signed.
    Sources: asam-2020, nida-ed-2018 (the checklist in SPEC.md's implementation notes).
    """
    problems: dict[str, str] = {}
    for code, rule in bundle_items().items():
        state = states.get(code, ItemState(ITEM_OPEN))
        problem = item_problem(rule, state, opioid_use_disorder=opioid_use_disorder)
        if problem is not None:
            problems[code] = problem
    return problems


# --- Medicines on the discharge summary -----------------------------------------------------------


def _codes(section: str) -> tuple[str, ...]:
    try:
        codes = knowledge.load("aftercare")[section]["drugs"]
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"aftercare.toml [{section}]: missing or malformed {exc}") from exc
    if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
        raise KnowledgeError(f"aftercare.toml [{section}]: drugs must be a list of codes")
    return tuple(codes)


@cache
def inpatient_only_drugs() -> frozenset[str]:
    """Ingredient codes of the medicines used only on the unit (aftercare.toml [inpatient_only]).

    A product requirement (issue 10); see also lofexidine-label and fda-loperamide-2016.
    """
    return frozenset(_codes("inpatient_only"))


def is_inpatient_only(ingredients: frozenset[str]) -> bool:
    """True when a product with these ingredient codes is not carried to "Your medicines"."""
    return bool(ingredients & inpatient_only_drugs())


@cache
def bridge_drugs() -> tuple[str, ...]:
    """The product codes a MOUD bridge prescription may name (aftercare.toml [moud_bridge])."""
    return _codes("moud_bridge")


# --- Warm hand-off --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A length of time from a knowledge file and the source it rests on."""

    length: timedelta
    source: str
    confidence: str


@cache
def warm_handoff_window() -> Window:
    """How soon after discharge the warm hand-off appointment should be. Source: nida-ed-2018."""
    try:
        entry = knowledge.load("aftercare")["warm_handoff"]
        hours = entry["hours"]
        if entry["unit"] != "h" or type(hours) is not int or hours <= 0:
            raise KnowledgeError("aftercare.toml [warm_handoff]: hours must be whole hours above 0")
        return Window(timedelta(hours=hours), entry["source"], entry["confidence"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"aftercare.toml [warm_handoff]: missing or malformed {exc}") from exc


def handoff_in_time(discharged_at: datetime, appointment_at: datetime) -> bool:
    """True when the appointment falls within the warm hand-off window after discharge.

    Advisory only (a later appointment needs an acknowledgement). Source: nida-ed-2018.
    """
    return appointment_at <= discharged_at + warm_handoff_window().length


# --- Follow-ups -----------------------------------------------------------------------------------

FOLLOW_UP_UPCOMING = "upcoming"
FOLLOW_UP_DUE = "due"
FOLLOW_UP_OVERDUE = "overdue"
FOLLOW_UP_DONE = "done"


@dataclass(frozen=True)
class FollowUpState:
    """Where a follow-up stands on a day; ``days_overdue`` is 0 unless overdue."""

    status: str
    days_overdue: int


@cache
def default_follow_up_days() -> tuple[int, ...]:
    """The shipped follow-up days after discharge (issue 6; SPEC.md gives none).

    A program may set its own through its aftercare settings.
    """
    try:
        days = tuple(knowledge.load("aftercare")["follow_up"]["days"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"aftercare.toml [follow_up]: missing or malformed {exc}") from exc
    if follow_up_days_problem(days) is not None:
        raise KnowledgeError(f"aftercare.toml [follow_up]: {follow_up_days_problem(days)}")
    return days


def follow_up_days_problem(days: object) -> str | None:
    """Why ``days`` is not a usable schedule (whole days above 0, rising, no repeats), or None."""
    if not isinstance(days, list | tuple) or not days:
        return "Give at least one day."
    if not all(type(day) is int and day > 0 for day in days):
        return "Each must be a whole number of days above 0."
    if list(days) != sorted(set(days)):
        return "List the days in rising order, each once."
    return None


def follow_up_schedule(discharged_on: date, days: tuple[int, ...]) -> tuple[tuple[int, date], ...]:
    """(day offset, due date) for each follow-up day after the calendar day of discharge."""
    if (problem := follow_up_days_problem(days)) is not None:
        raise InvalidInput(problem, {"follow_up_days": problem})
    return tuple((day, discharged_on + timedelta(days=day)) for day in days)


def follow_up_state(
    due_on: date, today: date, *, recorded: bool, grace_days: int | None
) -> FollowUpState:
    """Where a follow-up stands on ``today``, derived at read time.

    Upcoming before ``due_on``; due from ``due_on`` through ``grace_days`` days after it; overdue
    after that, counting the days since the grace ended. SPEC.md gives no grace window: it is a
    program setting, and when unset (None) a follow-up is overdue from the day after it falls due.
    A recorded follow-up is done.
    """
    if recorded:
        return FollowUpState(FOLLOW_UP_DONE, 0)
    if today < due_on:
        return FollowUpState(FOLLOW_UP_UPCOMING, 0)
    last_due_day = due_on + timedelta(days=grace_days or 0)
    if today <= last_due_day:
        return FollowUpState(FOLLOW_UP_DUE, 0)
    return FollowUpState(FOLLOW_UP_OVERDUE, (today - last_due_day).days)
