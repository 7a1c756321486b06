"""Alcohol co-withdrawal: PAWSS, when to ask it, what a high risk asks for, thiamine, and the
symptom-triggered benzodiazepine protocol a program sets.

Sources: maldonado-2014 (the PAWSS items and threshold question), bccsu-aud-2023 (high risk at
the threshold of ``knowledge/alcohol.toml``; PAWSS, past seizures and past DTs choose the
pathway), nice-cg100, asam-alcohol-2020 (thiamine, Rec V.7). Every number is in
``knowledge/alcohol.toml``; the symptom-triggered trigger, dose and reassessment interval, the
phenobarbital loading dose and the suspected-Wernicke regimen ship unset (SPEC A6.2-A6.4 [U]).

Unknown is not reassuring: an item not assessed scores nothing, and the result says how many are
unknown and whether, answered yes, they could reach the high-risk threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.medication_policy import Parameter
from detoxdesk.clinical.numbers import json_number

# The calculator's item keys, in form order (a stable contract of ``detoxdesk calc pawss``; the
# knowledge file must list exactly these).
PAWSS_ITEMS = (
    "intoxicated_30d",
    "prior_treatment",
    "prior_withdrawal",
    "prior_blackouts",
    "prior_withdrawal_seizures",
    "prior_delirium_tremens",
    "alcohol_with_downers_90d",
    "alcohol_with_other_substances_90d",
    "blood_alcohol_over_200",
    "autonomic_hyperactivity",
)
# The two items the evaluation already asks as withdrawal history (placement's ``history``).
HISTORY_ITEMS = {
    "prior_withdrawal_seizures": "withdrawal_seizures",
    "prior_delirium_tremens": "delirium_tremens",
}
INPUT_KEYS = ("threshold_met", "items")
# The placement flag of a high risk of complicated withdrawal: it proposes the alcohol order set.
HIGH_RISK_FLAG = "alcohol_withdrawal_high_risk"


# --- Knowledge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PawssItem:
    key: str
    label: str


@dataclass(frozen=True)
class Pawss:
    """The scale: items in form order, the threshold question and the high-risk threshold."""

    items: tuple[PawssItem, ...]
    points_per_item: int
    drank_within_days: int
    high_risk_from: int
    threshold_question: str
    note: str
    source: str
    high_risk_source: str

    @property
    def max_total(self) -> int:
        return self.points_per_item * len(self.items)


@dataclass(frozen=True)
class HighRiskPlacement:
    """The level and dimension 1 rating a high risk asks for (a Detox Desk mapping, U)."""

    level: str
    dimension_rating: str
    sources: tuple[str, ...]
    confidence: str
    advice: str


@dataclass(frozen=True)
class Thiamine:
    """The thiamine prompt (asam-alcohol-2020 Rec V.7) and the unset suspected-Wernicke regimen."""

    dose_mg: Decimal
    routes: tuple[str, ...]
    days: tuple[int, int]
    advice: str
    source: str
    suspected_wernicke: Parameter


@dataclass(frozen=True)
class SymptomTriggered:
    """The symptom-triggered benzodiazepine protocol: the program sets every part (SPEC A6.2).

    ``drug`` None and unset parameters mean not set; :attr:`is_set` only when all four are.
    """

    drug: str | None
    trigger: Parameter
    dose_mg: Parameter
    reassess_min: Parameter

    @property
    def is_set(self) -> bool:
        return bool(self.drug) and all(
            p.is_set for p in (self.trigger, self.dose_mg, self.reassess_min)
        )

    def unset(self) -> tuple[Parameter, ...]:
        return tuple(p for p in (self.trigger, self.dose_mg, self.reassess_min) if not p.is_set)


def _fail(where: str, problem: str) -> KnowledgeError:
    return KnowledgeError(f"alcohol.toml [{where}]: {problem}")


def _value(table: Mapping[str, Any], key: str, unit: str, where: str) -> int:
    entry = table.get(key)
    if not isinstance(entry, Mapping) or entry.get("unit") != unit:
        raise _fail(f"{where}.{key}", f"expected a table with unit {unit!r}")
    value = entry.get("value")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(f"{where}.{key}", "expected a whole number above 0")
    if not isinstance(entry.get("source"), str) or entry.get("confidence") not in {"C", "S"}:
        raise _fail(f"{where}.{key}", "a value needs a source and a C or S confidence")
    return value


def _unset(table: Mapping[str, Any], key: str, unit: str, where: str) -> Parameter:
    """An unset parameter of the file ([U]: it must carry no value and a note saying why)."""
    entry = table.get(key)
    name = f"{where}.{key}"
    if not isinstance(entry, Mapping) or entry.get("unit") != unit:
        raise _fail(name, f"expected a table with unit {unit!r}")
    if "value" in entry or not isinstance(entry.get("note"), str):
        raise _fail(name, "an unconfirmed [U] parameter ships unset, with a note saying why")
    source = entry.get("source")
    return Parameter(
        name=name,
        unit=unit,
        source=source if isinstance(source, str) else None,
        confidence="U",
        note=str(entry["note"]),
        declared=True,
    )


def build_pawss(data: Mapping[str, Any]) -> Pawss:
    """The PAWSS of ``data`` (alcohol.toml's ``[pawss]``); KnowledgeError if malformed."""
    try:
        items = tuple(PawssItem(str(i["key"]), str(i["label"])) for i in data["items"])
        days = _value(data, "drank_within_days", "days", "pawss")
        high = _value(data, "high_risk_from", "points", "pawss")
        pawss = Pawss(
            items=items,
            points_per_item=int(data["points_per_item"]),
            drank_within_days=days,
            high_risk_from=high,
            threshold_question=str(data["threshold_question"]).format(days=days),
            note=str(data["note"]),
            source=str(data["source"]),
            high_risk_source=str(data["high_risk_from"]["source"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail("pawss", f"missing or malformed {exc}") from exc
    if tuple(item.key for item in items) != PAWSS_ITEMS:
        raise _fail("pawss", f"items must be exactly, in order: {', '.join(PAWSS_ITEMS)}")
    if not 0 < pawss.high_risk_from <= pawss.max_total:
        raise _fail("pawss", "high_risk_from must be within the scale's total")
    return pawss


@cache
def pawss() -> Pawss:
    """PAWSS from the knowledge file. Sources: maldonado-2014, bccsu-aud-2023."""
    return build_pawss(knowledge.load("alcohol")["pawss"])


@cache
def high_risk_placement() -> HighRiskPlacement:
    """What a high risk of complicated withdrawal asks of placement (bccsu-aud-2023; nice-cg100).

    The level is a Detox Desk mapping (confidence U): SPEC says "inpatient/medically managed".
    """
    try:
        entry = knowledge.load("alcohol")["high_risk_placement"]
        return HighRiskPlacement(
            level=str(entry["level"]),
            dimension_rating=str(entry["dimension_rating"]),
            sources=(str(entry["source"]), *(str(key) for key in entry.get("also", []))),
            confidence=str(entry["confidence"]),
            advice=str(entry["advice"]),
        )
    except (KeyError, TypeError) as exc:
        raise _fail("high_risk_placement", f"missing or malformed {exc}") from exc


@cache
def thiamine() -> Thiamine:
    """The thiamine prompt. Source: asam-alcohol-2020 (Rec V.7); the Wernicke regimen is unset."""
    try:
        table = knowledge.load("alcohol")["thiamine"]
        entry = table["prophylaxis"]
        low, high = (int(day) for day in entry["days"])
        return Thiamine(
            dose_mg=Decimal(int(entry["dose_mg"])),
            routes=tuple(str(route) for route in entry["routes"]),
            days=(low, high),
            advice=str(entry["advice"]),
            source=str(entry["source"]),
            suspected_wernicke=_unset(table, "suspected_wernicke", "mg", "thiamine"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail("thiamine", f"missing or malformed {exc}") from exc


@cache
def shipped_protocol() -> SymptomTriggered:
    """The symptom-triggered protocol as shipped: every part unset (SPEC A6.2 [U])."""
    table = knowledge.load("alcohol").get("symptom_triggered", {})
    return SymptomTriggered(
        drug=None,
        trigger=_unset(table, "trigger", "CIWA-Ar", "symptom_triggered"),
        dose_mg=_unset(table, "dose_mg", "mg", "symptom_triggered"),
        reassess_min=_unset(table, "reassess_min", "min", "symptom_triggered"),
    )


@cache
def phenobarbital_loading() -> Parameter:
    """The phenobarbital loading dose as shipped: unset (SPEC A6.3 [U]; rosenson-2013 for the
    trial's dose, shown for reference only)."""
    return _unset(
        knowledge.load("alcohol").get("phenobarbital", {}),
        "loading_mg_per_kg",
        "mg/kg",
        "phenobarbital",
    )


def phenobarbital_reference() -> str:
    """The trial dose a director may read before choosing (rosenson-2013), never a default."""
    return str(knowledge.load("alcohol")["phenobarbital"]["loading_mg_per_kg"]["reference"])


def program_protocol(
    drug: str | None, trigger: int | None, dose_mg: Decimal | None, reassess_min: int | None
) -> SymptomTriggered:
    """The shipped protocol with the program's own values (None keeps a part unset)."""
    shipped = shipped_protocol()
    return SymptomTriggered(
        drug=drug or None,
        trigger=shipped.trigger.with_value(trigger) if trigger is not None else shipped.trigger,
        dose_mg=shipped.dose_mg.with_value(dose_mg) if dose_mg is not None else shipped.dose_mg,
        reassess_min=(
            shipped.reassess_min.with_value(reassess_min)
            if reassess_min is not None
            else shipped.reassess_min
        ),
    )


# --- PAWSS ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PawssResult:
    """A PAWSS result. Not scored (the threshold question is no): total None, nothing unknown.

    ``total`` counts the items answered yes; ``unknown`` names the items not assessed.
    """

    scored: bool
    total: int | None
    unknown: tuple[str, ...]
    high_risk: bool
    could_be_high_risk: bool

    @property
    def unknown_items(self) -> int:
        return len(self.unknown)


def score_pawss(
    threshold_met: bool, answers: Mapping[str, bool | None], scale: Pawss | None = None
) -> PawssResult:
    """Score PAWSS: one point per item answered yes, high risk at ``high_risk_from`` or more.

    Sources: maldonado-2014 (items, threshold question), bccsu-aud-2023 (the threshold). Not
    scored unless ``threshold_met``. An item missing from ``answers`` or None is not assessed: it
    adds nothing, and counts towards ``could_be_high_risk`` (the total if every unknown were yes).
    """
    scale = scale or pawss()
    if not threshold_met:
        return PawssResult(False, None, (), False, False)
    keys = [item.key for item in scale.items]
    total = scale.points_per_item * sum(answers.get(key) is True for key in keys)
    unknown = tuple(key for key in keys if answers.get(key) is None)
    could = total + scale.points_per_item * len(unknown)
    return PawssResult(
        scored=True,
        total=total,
        unknown=unknown,
        high_risk=total >= scale.high_risk_from,
        could_be_high_risk=could >= scale.high_risk_from,
    )


def parse_pawss(payload: Mapping[str, Any], where: str = "") -> tuple[bool, dict[str, bool | None]]:
    """The threshold answer and the items of a PAWSS input; InvalidInput naming each bad field.

    ``threshold_met`` must be true or false. ``items`` must hold every item, each true, false or
    null (not assessed); it may be left out only when the threshold is not met (nothing is scored).
    ``where`` prefixes the field names (e.g. ``"pawss."`` inside the placement input).
    """
    problems = {
        f"{where}{key}": "Not a field of PAWSS." for key in payload if key not in INPUT_KEYS
    }
    threshold = payload.get("threshold_met")
    if not isinstance(threshold, bool):
        problems[f"{where}threshold_met"] = "Must be true or false."
    items = payload.get("items")
    answers: dict[str, bool | None] = {}
    if items is None and threshold is False and "items" not in payload:
        items = {}
    elif not isinstance(items, Mapping):
        problems[f"{where}items"] = "Must be an object with every PAWSS item."
        items = {}
    else:
        problems.update(_item_problems(items, where))
        answers = {key: items[key] for key in PAWSS_ITEMS if isinstance(items.get(key), bool)}
    if problems:
        raise InvalidInput("PAWSS cannot be scored: check the marked fields.", problems)
    return bool(threshold), answers


def _item_problems(items: Mapping[str, Any], where: str) -> dict[str, str]:
    problems = {
        f"{where}items.{key}": "Not a PAWSS item." for key in items if key not in PAWSS_ITEMS
    }
    for key in PAWSS_ITEMS:
        if key not in items:
            problems[f"{where}items.{key}"] = (
                "Missing: answer true or false, or null if not assessed."
            )
        elif items[key] is not None and not isinstance(items[key], bool):
            problems[f"{where}items.{key}"] = "Must be true or false, or null if not assessed."
    return problems


def pawss_message(result: PawssResult, scale: Pawss | None = None) -> str:
    """The result in one plain sentence (maldonado-2014; bccsu-aud-2023 for the threshold)."""
    scale = scale or pawss()
    if not result.scored:
        return "Not scored: no alcohol in the threshold window and no positive alcohol test."
    text = f"PAWSS {result.total} of {scale.max_total}"
    if result.high_risk:
        return f"{text}: high risk of complicated withdrawal ({scale.high_risk_from} or more)."
    if not result.unknown:
        return f"{text}: below the high-risk threshold of {scale.high_risk_from}."
    reach = "could" if result.could_be_high_risk else "could not"
    return (
        f"{text} so far, with {result.unknown_items} item(s) not assessed: answered yes, they "
        f"{reach} reach the high-risk threshold of {scale.high_risk_from}."
    )


def calculator(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc pawss``: ``{"threshold_met", "items"}`` to the PAWSS result.

    Sources: maldonado-2014, bccsu-aud-2023. Output keys ``scored``, ``total``, ``unknown_items``,
    ``high_risk``, ``could_be_high_risk`` are the stable contract; the others explain them.
    """
    scale = pawss()
    threshold, answers = parse_pawss(payload)
    result = score_pawss(threshold, {**dict.fromkeys(PAWSS_ITEMS), **answers}, scale)
    return {
        "scored": result.scored,
        "total": result.total,
        "unknown_items": result.unknown_items,
        "high_risk": result.high_risk,
        "could_be_high_risk": result.could_be_high_risk,
        "unknown": list(result.unknown),
        "high_risk_from": scale.high_risk_from,
        "max_total": scale.max_total,
        "message": pawss_message(result, scale),
        "source": scale.source,
        "high_risk_source": scale.high_risk_source,
    }


# --- When to ask, and what a high risk asks for ---------------------------------------------


def threshold_met(
    alcohol_named: bool,
    last_drink: datetime | None,
    alcohol_positive: bool,
    now: datetime,
    scale: Pawss | None = None,
) -> bool | None:
    """The PAWSS threshold question from what the evaluation and the labs know (maldonado-2014).

    True for a positive breath or blood alcohol, or alcohol drunk within the threshold window
    (a last drink in the future counts as recent). None when alcohol is named with no known last
    drink: not known, so PAWSS is asked. False otherwise.
    """
    scale = scale or pawss()
    if alcohol_positive:
        return True
    if not alcohol_named:
        return False
    if last_drink is None:
        return None
    return now - last_drink <= timedelta(days=scale.drank_within_days)


def pawss_prompt(
    alcohol_named: bool, last_drink: datetime | None, alcohol_positive: bool, now: datetime
) -> tuple[bool | None, str]:
    """The threshold answer (see :func:`threshold_met`) and why PAWSS is, or is not, asked.

    Source: maldonado-2014 (the threshold question).
    """
    scale = pawss()
    days = scale.drank_within_days
    found = threshold_met(alcohol_named, last_drink, alcohol_positive, now, scale)
    if alcohol_positive:
        why = f"A positive breath or blood alcohol in the last {days} days: ask PAWSS."
    elif found is None:
        why = (
            "Alcohol is named with no last drink recorded: ask PAWSS. It is scored as if the "
            "threshold were met until the last drink is known."
        )
    elif found:
        why = f"Alcohol drunk within the last {days} days: ask PAWSS."
    elif alcohol_named:
        why = f"Alcohol last drunk more than {days} days ago: PAWSS is not scored."
    else:
        why = (
            f"No alcohol recorded in the last {days} days and no positive alcohol test: "
            "PAWSS is not scored."
        )
    return found, why


def complication_history(
    result: PawssResult | None, seizures: bool | None, dts: bool | None
) -> bool:
    """A history of withdrawal seizures or delirium tremens in a person who drank recently.

    Source: bccsu-aud-2023 (Rec 5: past seizures and past DTs choose the pathway).
    """
    return result is not None and result.scored and (seizures is True or dts is True)


def thiamine_prompt(threshold: bool | None) -> str | None:
    """The thiamine prompt for a person who drank recently, or may have (asam-alcohol-2020)."""
    return None if threshold is False else thiamine().advice


def ciwa_trigger_met(protocol: SymptomTriggered, ciwa_total: int | None) -> bool | None:
    """A CIWA-Ar at or above the program's trigger; None while the protocol is not set or no
    CIWA-Ar is recorded (SPEC A6.2: the trigger ships unset)."""
    if not protocol.is_set or ciwa_total is None or protocol.trigger.value is None:
        return None
    return Decimal(ciwa_total) >= protocol.trigger.value


def reassess_due(protocol: SymptomTriggered, started_at: datetime) -> datetime | None:
    """When CIWA-Ar is due again after ``started_at`` (a CIWA-Ar at or above the trigger, or a
    dose); None while the protocol is not set (SPEC A6.2)."""
    minutes = protocol.reassess_min.value
    if not protocol.is_set or minutes is None:
        return None
    return started_at + timedelta(minutes=json_number(minutes))
