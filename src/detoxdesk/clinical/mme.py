"""Morphine milligram equivalents (MME) of prescribed opioid analgesics.

Sources: cdc-2022 (conversion factors, cautions, the 50 MME/day benchmark), cdc-2016 (the tiered
methadone factors offered as a program option, the 90 MME/day level). The numbers and texts live in
``knowledge/mme.toml``.

Arithmetic is exact (``Decimal``): every input number is taken as written, and the thresholds are
compared with the exact total. Only the output is rounded, to 2 decimals (half up), so a total of
49.995 MME/day shows as 50.0 yet is not at or above 50.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.knowledge import Note
from detoxdesk.clinical.numbers import decimal_or_none, json_number, optional_json_number, rounded

METHADONE_MODES = ("cdc2022", "cdc2016")
# A patch dose is a delivery rate: its factor gives MME/day without a number of doses per day.
RATE_UNITS = frozenset({"mcg/h"})
THRESHOLD_KEYS = {"mme_at_or_above_50": "at_or_above_50", "mme_at_or_above_90": "at_or_above_90"}
INPUT_KEYS = frozenset({"medications", "methadone_factors"})
MEDICATION_KEYS = frozenset({"drug", "dose", "unit", "doses_per_day"})


# --- Knowledge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """The CDC 2022 factor of one drug: MME/day per unit of daily amount (mg/day, or mcg/h)."""

    drug: str
    label: str
    unit: str
    factor: Decimal
    source: str
    confidence: str


@dataclass(frozen=True)
class Exclusion:
    """A drug accepted as input but never counted in MME, with the reason shown to the user."""

    drug: str
    label: str
    units: tuple[str, ...]
    reason: str
    source: str
    confidence: str


@dataclass(frozen=True)
class MethadoneTier:
    """A CDC 2016 methadone tier: totals above ``above`` up to ``up_to`` mg/day inclusive."""

    above: Decimal
    up_to: Decimal | None
    factor: Decimal
    source: str
    confidence: str
    note: str | None

    def contains(self, mg_per_day: Decimal) -> bool:
        return self.above < mg_per_day and (self.up_to is None or mg_per_day <= self.up_to)

    @property
    def label(self) -> str:
        upper = "" if self.up_to is None else f" up to {self.up_to}"
        return f"above {self.above}{upper} mg/day"


@dataclass(frozen=True)
class Threshold:
    """An MME/day level at or above which a result is flagged."""

    code: str
    value: Decimal
    unit: str
    message: str
    source: str
    confidence: str


def _decimal_field(entry: Mapping[str, Any], key: str, where: str) -> Decimal:
    number = decimal_or_none(entry.get(key))
    if number is None:
        raise KnowledgeError(f"mme.toml {where}: {key} must be a number")
    return number


def _confidence(entry: Mapping[str, Any], where: str) -> str:
    confidence = entry.get("confidence")
    if confidence not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"mme.toml {where}: confidence must be one of C, S, U")
    return str(confidence)


def _data() -> Mapping[str, Any]:
    return knowledge.load("mme")


@cache
def factors() -> dict[str, Factor]:
    """The CDC 2022 factor of each counted drug, keyed by drug. Source: cdc-2022."""
    table: dict[str, Factor] = {}
    for drug, entry in _data()["factors"].items():
        where = f"[factors.{drug}]"
        table[drug] = Factor(
            drug=drug,
            label=entry["label"],
            unit=entry["unit"],
            factor=_decimal_field(entry, "factor", where),
            source=entry["source"],
            confidence=_confidence(entry, where),
        )
    return table


@cache
def exclusions() -> dict[str, Exclusion]:
    """Drugs shown but not counted (buprenorphine), keyed by drug. Source: cdc-2022."""
    table: dict[str, Exclusion] = {}
    for drug, entry in _data()["excluded"].items():
        table[drug] = Exclusion(
            drug=drug,
            label=entry["label"],
            units=tuple(entry["units"]),
            reason=entry["reason"],
            source=entry["source"],
            confidence=_confidence(entry, f"[excluded.{drug}]"),
        )
    if set(table) & set(factors()):
        raise KnowledgeError("mme.toml: a drug is both counted and excluded")
    return table


def _build_tier(index: int, entry: Mapping[str, Any]) -> MethadoneTier:
    where = f"methadone.cdc2016_tiers[{index}]"
    return MethadoneTier(
        above=_decimal_field(entry, "above", where),
        up_to=None if "up_to" not in entry else _decimal_field(entry, "up_to", where),
        factor=_decimal_field(entry, "factor", where),
        source=entry["source"],
        confidence=_confidence(entry, where),
        note=entry.get("note"),
    )


@cache
def methadone_tiers() -> tuple[MethadoneTier, ...]:
    """The CDC 2016 tiered methadone factors in ascending order. Source: cdc-2016.

    The tiers must start above 0 and join without gaps or overlaps, the last one open-ended.
    """
    tiers = tuple(
        _build_tier(index, entry)
        for index, entry in enumerate(_data()["methadone"]["cdc2016_tiers"])
    )
    joined = all(tier.up_to == after.above for tier, after in itertools.pairwise(tiers))
    if not tiers or tiers[0].above != 0 or not joined or tiers[-1].up_to is not None:
        raise KnowledgeError("mme.toml methadone.cdc2016_tiers: tiers must join from 0 upwards")
    return tiers


@cache
def default_methadone_mode() -> str:
    """The methadone mode used when none is chosen. Source: cdc-2022 (SPEC 10.2)."""
    mode = _data()["methadone"]["default_mode"]
    if mode not in METHADONE_MODES:
        raise KnowledgeError(f"mme.toml methadone.default_mode must be one of {METHADONE_MODES}")
    return str(mode)


@cache
def thresholds() -> tuple[Threshold, ...]:
    """The MME/day flags, lowest first. Sources: cdc-2022 (50), cdc-2016 (90)."""
    table = tuple(
        Threshold(
            code=entry["code"],
            value=_decimal_field(entry, "value", f"thresholds[{index}]"),
            unit=entry["unit"],
            message=entry["message"],
            source=entry["source"],
            confidence=_confidence(entry, f"thresholds[{index}]"),
        )
        for index, entry in enumerate(_data()["thresholds"])
    )
    if [threshold.code for threshold in table] != list(THRESHOLD_KEYS):
        raise KnowledgeError(f"mme.toml thresholds must be {', '.join(THRESHOLD_KEYS)} in order")
    return table


@cache
def cautions() -> dict[str, Note]:
    """The warning texts, keyed as in ``[warnings]``. Sources: as recorded on each."""
    return {
        key: Note(entry["text"], entry["source"], _confidence(entry, f"[warnings.{key}]"))
        for key, entry in _data()["warnings"].items()
    }


# --- Input ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Medication:
    """One prescribed opioid: ``dose`` in ``unit``; ``doses_per_day`` None for a patch (mcg/h)."""

    drug: str
    dose: Decimal
    unit: str
    doses_per_day: Decimal | None

    @property
    def daily_amount(self) -> Decimal:
        """mg/day, or the patch rate in mcg/h, which its factor turns into MME/day directly."""
        if self.unit in RATE_UNITS or self.doses_per_day is None:
            return self.dose
        return self.dose * self.doses_per_day


def _allowed_units(drug: str) -> tuple[str, ...]:
    if drug in factors():
        return (factors()[drug].unit,)
    return exclusions()[drug].units


def _drug_problem(drug: object) -> str | None:
    if isinstance(drug, str) and (drug in factors() or drug in exclusions()):
        return None
    known = ", ".join(sorted([*factors(), *exclusions()]))
    return f"Unknown drug. Known drugs: {known}."


def _unit_problem(drug: str, unit: object) -> str | None:
    units = _allowed_units(drug)
    if unit in units:
        return None
    return f"The unit for {drug} must be {' or '.join(units)}."


def _medication_problems(med: Medication) -> dict[str, str]:
    """Problems with one medication, keyed by its field name."""
    problems: dict[str, str] = {}
    if (drug_problem := _drug_problem(med.drug)) is not None:
        return {"drug": drug_problem}
    if (unit_problem := _unit_problem(med.drug, med.unit)) is not None:
        problems["unit"] = unit_problem
    if not med.dose > 0:
        problems["dose"] = "Must be a number greater than zero."
    if med.unit not in RATE_UNITS and (med.doses_per_day is None or not med.doses_per_day > 0):
        problems["doses_per_day"] = "Must be a number greater than zero."
    return problems


def _positive(value: object) -> Decimal | None:
    number = decimal_or_none(value)
    return number if number is not None and number > 0 else None


def _parse_medication(value: object) -> tuple[Medication | None, dict[str, str]]:
    """One medication object: (the Medication, {}) or (None, problems keyed by field name)."""
    if not isinstance(value, Mapping):
        return None, {"": "Must be an object with drug, dose, unit and doses_per_day."}
    problems = {key: "Not a field of a medication." for key in value if key not in MEDICATION_KEYS}
    drug, unit, dose = value.get("drug"), value.get("unit"), _positive(value.get("dose"))
    if (drug_problem := _drug_problem(drug)) is not None:
        return None, {**problems, "drug": drug_problem}
    if (unit_problem := _unit_problem(str(drug), unit)) is not None:
        return None, {**problems, "unit": unit_problem}
    raw_per_day = value.get("doses_per_day")
    per_day = _positive(raw_per_day)
    if dose is None:
        problems["dose"] = "Must be a number greater than zero."
    # A patch needs no doses per day; one given anyway must still be sensible.
    if per_day is None and (unit not in RATE_UNITS or raw_per_day is not None):
        problems["doses_per_day"] = "Must be a number greater than zero."
    if problems or dose is None:
        return None, problems
    return Medication(str(drug), dose, str(unit), per_day), {}


def _prefixed(index: int, problems: Mapping[str, str]) -> dict[str, str]:
    base = f"medications[{index}]"
    return {f"{base}.{key}" if key else base: message for key, message in problems.items()}


def parse_medications(value: object) -> tuple[Medication, ...]:
    """The ``medications`` list of calculator input as Medication values.

    Sources: cdc-2022 (drugs and their units). Each item needs a known drug, its unit (mg, or mcg/h
    for the fentanyl patch; buprenorphine takes either), a dose above zero and, unless the unit is
    mcg/h, doses_per_day above zero. Raises InvalidInput with fields such as
    ``"medications[0].unit"``; an empty or missing list is refused under ``"medications"``.
    """
    if not isinstance(value, list) or not value:
        message = "List at least one medication."
        raise InvalidInput(message, {"medications": message})
    medications: list[Medication] = []
    problems: dict[str, str] = {}
    for index, entry in enumerate(value):
        medication, found = _parse_medication(entry)
        problems.update(_prefixed(index, found))
        if medication is not None:
            medications.append(medication)
    if problems:
        raise InvalidInput("Some medications need correcting.", problems)
    return tuple(medications)


# --- Calculation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MmeItem:
    """One counted medication: exact ``mme_per_day`` = ``daily_amount`` x ``factor``.

    ``tier`` is the CDC 2016 methadone tier applied, if that mode was chosen.
    """

    medication: Medication
    factor: Decimal
    mme_per_day: Decimal
    source: str
    confidence: str
    tier: MethadoneTier | None = None


@dataclass(frozen=True)
class ExcludedItem:
    """A medication shown but not counted, with the reason."""

    medication: Medication
    reason: str
    source: str


@dataclass(frozen=True)
class ThresholdFlag:
    """A threshold and whether the exact total is at or above it."""

    threshold: Threshold
    reached: bool


@dataclass(frozen=True)
class MmeResult:
    """Per-drug and total MME/day (exact), the threshold flags and the cautions to show."""

    items: tuple[MmeItem, ...]
    excluded: tuple[ExcludedItem, ...]
    total: Decimal
    flags: tuple[ThresholdFlag, ...]
    cautions: tuple[Note, ...]
    methadone_factors: str

    def reached(self, code: str) -> bool:
        """Whether the threshold ``code`` (e.g. ``mme_at_or_above_50``) is reached."""
        return any(flag.reached for flag in self.flags if flag.threshold.code == code)

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source key the result rests on, sorted."""
        keys = {item.source for item in self.items} | {item.source for item in self.excluded}
        keys |= {flag.threshold.source for flag in self.flags}
        keys |= {caution.source for caution in self.cautions}
        return tuple(sorted(keys))


def methadone_tier(mg_per_day: Decimal) -> MethadoneTier:
    """The CDC 2016 tier for a total methadone dose in mg/day (above 0). Source: cdc-2016."""
    for tier in methadone_tiers():
        if tier.contains(mg_per_day):
            return tier
    raise InvalidInput("A methadone dose must be above 0 mg/day.")


def _counted(med: Medication, tier: MethadoneTier | None) -> MmeItem:
    """The MME item for a counted drug; ``tier`` replaces the 2022 methadone factor if given."""
    entry = factors()[med.drug]
    if med.drug == "methadone" and tier is not None:
        return MmeItem(
            med, tier.factor, med.daily_amount * tier.factor, tier.source, tier.confidence, tier
        )
    return MmeItem(
        med, entry.factor, med.daily_amount * entry.factor, entry.source, entry.confidence
    )


def _methadone_tier_for(medications: Sequence[Medication], mode: str) -> MethadoneTier | None:
    """The 2016 tier chosen by the patient's total methadone mg/day, in cdc2016 mode only."""
    methadone = [med.daily_amount for med in medications if med.drug == "methadone"]
    if mode != "cdc2016" or not methadone:
        return None
    return methadone_tier(sum(methadone, Decimal(0)))


def _cautions_for(medications: Sequence[Medication], tier: MethadoneTier | None) -> list[Note]:
    """The no-conversion warning always, then the cautions for the drugs listed."""
    table = cautions()
    drugs = {med.drug for med in medications}
    shown = [table["no_conversion"]]
    if "methadone" in drugs:
        shown += [table["methadone"], table["methadone_for_oud"]]
    if "fentanyl_transdermal" in drugs:
        shown.append(table["fentanyl_transdermal"])
    if tier is not None and tier.note:
        shown.append(Note(tier.note, tier.source, tier.confidence))
    return shown


def _check(medications: Sequence[Medication], mode: str) -> None:
    problems: dict[str, str] = {}
    for index, med in enumerate(medications):
        problems.update(_prefixed(index, _medication_problems(med)))
    if mode not in METHADONE_MODES:
        problems["methadone_factors"] = f"Must be one of {', '.join(METHADONE_MODES)}."
    if not medications:
        problems["medications"] = "List at least one medication."
    if problems:
        raise InvalidInput("The MME cannot be calculated: check the marked fields.", problems)


def calculate(
    medications: Sequence[Medication], *, methadone_factors: str | None = None
) -> MmeResult:
    """MME/day of each medication and in total, with the 50 and 90 MME/day flags.

    Sources: cdc-2022 (factors; methadone 4.7 in mode ``cdc2022``, the default), cdc-2016 (mode
    ``cdc2016``: one tier for all methadone, chosen by the total methadone mg/day). Buprenorphine
    is never counted (cdc-2022): it is returned in ``excluded`` with the reason. Flags compare the
    exact total. Raises InvalidInput for an unknown drug or mode, a wrong unit, or a dose or
    doses per day that is not above zero.
    """
    mode = default_methadone_mode() if methadone_factors is None else methadone_factors
    _check(medications, mode)
    tier = _methadone_tier_for(medications, mode)
    items = tuple(_counted(med, tier) for med in medications if med.drug in factors())
    excluded = tuple(
        ExcludedItem(med, exclusions()[med.drug].reason, exclusions()[med.drug].source)
        for med in medications
        if med.drug in exclusions()
    )
    total = sum((item.mme_per_day for item in items), Decimal(0))
    flags = tuple(ThresholdFlag(t, total >= t.value) for t in thresholds())
    return MmeResult(items, excluded, total, flags, tuple(_cautions_for(medications, tier)), mode)


# --- JSON -----------------------------------------------------------------------------------------


def _item_json(item: MmeItem) -> dict[str, Any]:
    med = item.medication
    return {
        "drug": med.drug,
        "label": factors()[med.drug].label,
        "dose": json_number(med.dose),
        "unit": med.unit,
        "doses_per_day": optional_json_number(med.doses_per_day),
        "daily_amount": json_number(med.daily_amount),
        "factor": json_number(item.factor),
        "mme_per_day": float(rounded(item.mme_per_day)),
        "tier": None if item.tier is None else item.tier.label,
        "source": item.source,
        "confidence": item.confidence,
    }


def _flag_json(flag: ThresholdFlag) -> dict[str, Any]:
    threshold = flag.threshold
    return {
        "code": threshold.code,
        "value": json_number(threshold.value),
        "unit": threshold.unit,
        "reached": flag.reached,
        "message": threshold.message,
        "source": threshold.source,
        "confidence": threshold.confidence,
    }


def result_json(result: MmeResult) -> dict[str, Any]:
    """The calculator output for ``result`` (the ``detoxdesk calc mme`` contract)."""
    output: dict[str, Any] = {
        "total_mme_per_day": float(rounded(result.total)),
        "items": [_item_json(item) for item in result.items],
        "excluded": [
            {"drug": item.medication.drug, "reason": item.reason, "source": item.source}
            for item in result.excluded
        ],
    }
    output.update({key: result.reached(code) for code, key in THRESHOLD_KEYS.items()})
    output["thresholds"] = [_flag_json(flag) for flag in result.flags]
    output["warnings"] = [caution.text for caution in result.cautions]
    output["methadone_factors"] = result.methadone_factors
    output["rounding_note"] = "MME/day is shown to 2 decimals; thresholds use the exact total."
    output["sources"] = list(result.sources)
    return output


def _mode_problem(value: object) -> dict[str, str]:
    if value is None or value in METHADONE_MODES:
        return {}
    return {"methadone_factors": f"Must be one of {', '.join(METHADONE_MODES)}."}


def calculator(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc mme``: {"medications": [...], "methadone_factors": "cdc2022|cdc2016"}.

    Sources: cdc-2022, cdc-2016 (see :func:`calculate`). Unknown keys are refused; every problem
    is reported at once.
    """
    problems = {
        key: "Not an input of the MME calculator." for key in payload if key not in INPUT_KEYS
    }
    problems.update(_mode_problem(payload.get("methadone_factors")))
    try:
        medications = parse_medications(payload.get("medications"))
    except InvalidInput as exc:
        problems.update(exc.fields)
    if problems:
        raise InvalidInput("The MME cannot be calculated: check the marked fields.", problems)
    mode = payload.get("methadone_factors")
    return result_json(
        calculate(medications, methadone_factors=None if mode is None else str(mode))
    )
