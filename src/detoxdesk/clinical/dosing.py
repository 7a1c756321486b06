"""The medication safety engine: the program's medication policy and the check before every dose.

Every number comes from ``knowledge/medications.toml`` (SPEC.md sections 5 to 8 and the defaults
table) and reaches the rules inside a :class:`MedicationPolicy`. :func:`default_policy` builds it
from the knowledge file; a program's overrides replace single :class:`Parameter` values
(``dataclasses.replace`` with ``Parameter.with_value``) before the policy is passed in. A parameter
SPEC marks [U], or gives no number for, ships unset: its rule is skipped and the check says so.

The engine advises and never acts. A finding is a ``warning`` (the user acknowledges it) or a
``stop`` (an authorised user overrides it with a reason). Benzodiazepine co-use is only ever a
warning for buprenorphine and methadone (FDA 2017).

Doses are :class:`~decimal.Decimal` milligrams, so that 4 x 0.72 mg equals 2.88 mg exactly.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from detoxdesk.clinical import knowledge, scales, vitals
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

Severity = Literal["warning", "stop"]
Decision = Literal["ok", "warning", "stop"]

PROGRAM_POLICY = "program-policy"  # the source named for a value a program set for itself
DAY = timedelta(hours=24)  # a per-day cap counts the doses of the 24 hours before the dose checked
OPIOID_CLASSES = ("short_acting", "extended_release", "methadone", "fentanyl")

_RANK: Mapping[str, int] = {"ok": 0, "warning": 1, "stop": 2}
_PARAMETER_KEYS = frozenset(
    {"value", "unit", "source", "also", "confidence", "note", "advice", "conflict"}
)


# --- Numbers --------------------------------------------------------------------------------------


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """``value`` as an exact Decimal (a float through its shortest repr, so 0.72 stays 0.72)."""
    if isinstance(value, bool):
        raise InvalidInput("A number is required, not true or false.")
    number = Decimal(str(value)) if isinstance(value, float | str) else Decimal(value)
    if not number.is_finite():
        raise InvalidInput("A finite number is required.")
    return number


def format_number(value: Decimal) -> str:
    """``value`` for a message, without trailing zeros: 2.880 -> "2.88", 60 -> "60"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def json_number(value: Decimal) -> int | float:
    """``value`` for JSON: an int when whole, otherwise a float."""
    return int(value) if value == value.to_integral_value() else float(value)


# --- The policy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    """A competing value or regimen where sources disagree; ``value`` or ``text`` may be None."""

    value: Decimal | None
    text: str | None
    source: str


@dataclass(frozen=True)
class Parameter:
    """One clinical number of the policy. ``value`` None means unset: its rule is not applied.

    ``declared`` is True when the knowledge file (or a program) names the parameter; an unset
    declared parameter is reported by the check; an undeclared one does not apply to the drug.
    """

    name: str
    unit: str
    value: Decimal | None = None
    source: str | None = None
    confidence: str | None = None
    note: str | None = None
    advice: str | None = None
    also: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    declared: bool = False

    @property
    def is_set(self) -> bool:
        return self.value is not None

    @property
    def cited(self) -> str:
        """The source to name in a finding (a set value always has one; see the loader)."""
        return self.source or PROGRAM_POLICY

    def with_value(
        self, value: Decimal | int | float | str | None, *, source: str = PROGRAM_POLICY
    ) -> Parameter:
        """A copy set by a program to ``value`` (None clears it); ``source`` names who set it."""
        number = None if value is None else to_decimal(value)
        return replace(
            self,
            value=number,
            source=None if number is None else source,
            confidence=None,
            also=(),
            declared=True,
        )


@dataclass(frozen=True)
class ImpairmentCap:
    """Lower caps for a band of hepatic (Child-Pugh) or renal (eGFR) function.

    The band runs from ``low`` (inclusive) to ``below`` (exclusive); either end may be open.
    """

    label: str
    low: Decimal | None
    below: Decimal | None
    max_dose_mg: Decimal
    max_daily_mg: Decimal
    source: str
    confidence: str

    def contains(self, measure: Decimal) -> bool:
        return (self.low is None or measure >= self.low) and (
            self.below is None or measure < self.below
        )


@dataclass(frozen=True)
class Advice:
    """A warning attached to a rule, with its own finding code and source."""

    code: str
    message: str
    source: str
    confidence: str


@dataclass(frozen=True)
class UsualDose:
    """The usual regimen an order set starts from; a part is None where sources differ or say
    nothing (the competing regimens are in ``alternatives``)."""

    dose_mg: tuple[Decimal, Decimal] | None
    first_dose_mg: Decimal | None
    every_hours: tuple[Decimal, Decimal] | None
    times_per_day: int | None
    when: str | None
    max_days: int | None
    source: str | None
    confidence: str | None
    note: str | None
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class DrugLimits:
    """The numbers the dose check applies to one drug; each is unset where it does not apply."""

    max_dose_mg: Parameter
    max_daily_mg: Parameter
    min_interval_min: Parameter
    hold_systolic_below: Parameter
    hold_diastolic_below: Parameter
    hold_heart_rate_below: Parameter
    heavy_weight_from_kg: Parameter
    heavy_max_daily_mg: Parameter
    first_dose_warning_above_mg: Parameter
    first_dose_high_mg: Parameter
    first_dose_high_from_cows: Parameter
    first_day_warning_above_mg: Parameter
    first_day_stop_above_mg: Parameter
    qtc_warning_from_ms: Parameter
    qtc_strong_above_ms: Parameter


# The unit each limit must be written in; the loader refuses any other.
LIMIT_UNITS: Mapping[str, str] = {
    "max_dose_mg": "mg",
    "max_daily_mg": "mg",
    "min_interval_min": "min",
    "hold_systolic_below": "mmHg",
    "hold_diastolic_below": "mmHg",
    "hold_heart_rate_below": "/min",
    "heavy_weight_from_kg": "kg",
    "heavy_max_daily_mg": "mg",
    "first_dose_warning_above_mg": "mg",
    "first_dose_high_mg": "mg",
    "first_dose_high_from_cows": "COWS",
    "first_day_warning_above_mg": "mg",
    "first_day_stop_above_mg": "mg",
    "qtc_warning_from_ms": "ms",
    "qtc_strong_above_ms": "ms",
}


@dataclass(frozen=True)
class DrugRules:
    """Everything the policy says about one drug."""

    drug: str
    label: str
    indications: tuple[str, ...]
    limits: DrugLimits
    usual: UsualDose | None
    hepatic_caps: tuple[ImpairmentCap, ...]
    renal_caps: tuple[ImpairmentCap, ...]
    over_cap_warning: Advice | None

    def unset(self) -> tuple[Parameter, ...]:
        """The declared limits that are not set, in field order."""
        limits = (getattr(self.limits, item.name) for item in fields(self.limits))
        return tuple(p for p in limits if isinstance(p, Parameter) and p.declared and not p.is_set)


@dataclass(frozen=True)
class LowDoseDay:
    """One day of the low-dose initiation schedule."""

    day: int
    dose_mg: Decimal
    times_per_day: int
    stop_full_agonist: bool


@dataclass(frozen=True)
class InductionPolicy:
    """Buprenorphine initiation: COWS gates and advised waits per opioid class, and the screens."""

    cows_gate_short_acting: Parameter
    cows_gate_extended_release: Parameter
    cows_gate_methadone: Parameter
    cows_gate_fentanyl: Parameter
    wait_hours_short_acting: Parameter
    wait_hours_extended_release: Parameter
    wait_hours_methadone: Parameter
    wait_hours_fentanyl: Parameter
    fentanyl_window_hours: Parameter
    low_dose_days: tuple[LowDoseDay, ...]
    low_dose_source: str
    low_dose_confidence: str
    low_dose_note: str
    precipitated_source: str
    precipitated_guidance: str
    precipitated_window_min: Parameter
    precipitated_min_rise: Parameter
    pregnancy_source: str
    pregnancy_note: str

    def cows_gate(self, opioid_class: str) -> Parameter:
        """The COWS gate for ``opioid_class`` (one of OPIOID_CLASSES)."""
        return {
            "short_acting": self.cows_gate_short_acting,
            "extended_release": self.cows_gate_extended_release,
            "methadone": self.cows_gate_methadone,
            "fentanyl": self.cows_gate_fentanyl,
        }[opioid_class]

    def wait_hours(self, opioid_class: str) -> Parameter:
        """The advised hours since last use for ``opioid_class`` (one of OPIOID_CLASSES)."""
        return {
            "short_acting": self.wait_hours_short_acting,
            "extended_release": self.wait_hours_extended_release,
            "methadone": self.wait_hours_methadone,
            "fentanyl": self.wait_hours_fentanyl,
        }[opioid_class]


@dataclass(frozen=True)
class BenzodiazepineRule:
    """Benzodiazepine co-use with the listed opioids: always a warning, never a stop."""

    drugs: frozenset[str]
    source: str
    advice: str


@dataclass(frozen=True)
class MedicationPolicy:
    """All medication numbers a program applies: the knowledge defaults plus its own overrides."""

    induction: InductionPolicy
    drugs: tuple[DrugRules, ...]
    benzodiazepine: BenzodiazepineRule
    vitals_max_age_min: Parameter

    def drug_names(self) -> tuple[str, ...]:
        return tuple(rules.drug for rules in self.drugs)

    def rules(self, drug: str) -> DrugRules:
        """The rules for ``drug``; InvalidInput naming the ``drug`` field if there are none."""
        for rules in self.drugs:
            if rules.drug == drug:
                return rules
        message = f"Unknown drug {drug!r}. Known drugs: {', '.join(self.drug_names())}."
        raise InvalidInput(message, fields={"drug": message})

    def with_rules(self, rules: DrugRules) -> MedicationPolicy:
        """A copy with the rules of ``rules.drug`` replaced (a program's or order's overrides)."""
        self.rules(rules.drug)
        drugs = tuple(rules if old.drug == rules.drug else old for old in self.drugs)
        return replace(self, drugs=drugs)


# --- Loading --------------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> KnowledgeError:
    return KnowledgeError(f"medications.toml [{where}]: {problem}")


def _table(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(where, "expected a table")
    return raw


def _number(raw: object, where: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _fail(where, f"expected a number, got {raw!r}")
    return to_decimal(raw)


def _optional_number(raw: object, where: str) -> Decimal | None:
    return None if raw is None else _number(raw, where)


def _text(raw: object, where: str) -> str | None:
    if raw is not None and not (isinstance(raw, str) and raw.strip()):
        raise _fail(where, f"expected text, got {raw!r}")
    return raw


def _required_text(raw: object, where: str) -> str:
    text = _text(raw, where)
    if text is None:
        raise _fail(where, "text is required")
    return text


def _confidence(raw: object, where: str) -> str | None:
    if raw is not None and raw not in knowledge.CONFIDENCES:
        raise _fail(where, "confidence must be one of C, S, U")
    return None if raw is None else str(raw)


def _also(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(key, str) for key in raw):
        raise _fail(where, "`also` must be a list of source keys")
    for key in raw:
        knowledge.source(key)  # refuses an unregistered key
    return tuple(raw)


def _alternatives(raw: object, where: str) -> tuple[Alternative, ...]:
    if not isinstance(raw, list):
        raise _fail(where, "`conflict` must be a list of tables")
    entries = [_table(entry, where) for entry in raw]
    return tuple(
        Alternative(
            value=_optional_number(entry.get("value"), where),
            text=_text(entry.get("text"), where),
            source=_required_text(entry.get("source"), where),
        )
        for entry in entries
    )


def _check_parameter(parameter: Parameter) -> Parameter:
    """Refuse a parameter that breaks the file's rules (SPEC: a [U] value ships unset)."""
    if parameter.is_set and parameter.confidence == "U":
        raise _fail(parameter.name, "an unconfirmed [U] value must ship unset")
    if parameter.is_set and (parameter.source is None or parameter.confidence is None):
        raise _fail(parameter.name, "a value needs a source and a confidence")
    if not parameter.is_set and parameter.note is None:
        raise _fail(parameter.name, "an unset parameter needs a note saying why")
    return parameter


def _parameter(table: Mapping[str, Any], key: str, unit: str, prefix: str) -> Parameter:
    """The parameter ``table[key]``, named ``prefix.key``; undeclared (and unset) when absent."""
    name = f"{prefix}.{key}"
    if key not in table:
        return Parameter(name=name, unit=unit)
    entry = _table(table[key], name)
    if unknown := set(entry) - _PARAMETER_KEYS:
        raise _fail(name, f"unknown keys {sorted(unknown)}")
    if entry.get("unit") != unit:
        raise _fail(name, f"the unit must be {unit!r}")
    return _check_parameter(
        Parameter(
            name=name,
            unit=unit,
            value=_optional_number(entry.get("value"), name),
            source=_text(entry.get("source"), name),
            confidence=_confidence(entry.get("confidence"), name),
            note=_text(entry.get("note"), name),
            advice=_text(entry.get("advice"), name),
            also=_also(entry.get("also", []), name),
            alternatives=_alternatives(entry.get("conflict", []), name),
            declared=True,
        )
    )


def _range(raw: object, where: str) -> tuple[Decimal, Decimal] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        raise _fail(where, "a range is a list [low, high]")
    low, high = _number(raw[0], where), _number(raw[1], where)
    if low > high:
        raise _fail(where, "a range's low end must not be above its high end")
    return low, high


def _integer(raw: object, where: str) -> int | None:
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int)):
        raise _fail(where, "expected a whole number")
    return raw


def _required_integer(raw: object, where: str) -> int:
    number = _integer(raw, where)
    if number is None:
        raise _fail(where, "a whole number is required")
    return number


def _usual(raw: object, where: str) -> UsualDose | None:
    if raw is None:
        return None
    entry = _table(raw, where)
    return UsualDose(
        dose_mg=_range(entry.get("dose_mg"), where),
        first_dose_mg=_optional_number(entry.get("first_dose_mg"), where),
        every_hours=_range(entry.get("every_hours"), where),
        times_per_day=_integer(entry.get("times_per_day"), where),
        when=_text(entry.get("when"), where),
        max_days=_integer(entry.get("max_days"), where),
        source=_text(entry.get("source"), where),
        confidence=_confidence(entry.get("confidence"), where),
        note=_text(entry.get("note"), where),
        alternatives=_alternatives(entry.get("conflict", []), where),
    )


def _impairment_cap(raw: object, where: str) -> ImpairmentCap:
    entry = _table(raw, where)
    try:
        return ImpairmentCap(
            label=_required_text(entry.get("label"), where),
            low=_optional_number(entry.get("from"), where),
            below=_optional_number(entry.get("below"), where),
            max_dose_mg=_number(entry["max_dose_mg"], where),
            max_daily_mg=_number(entry["max_daily_mg"], where),
            source=_required_text(entry.get("source"), where),
            confidence=_required_text(_confidence(entry.get("confidence"), where), where),
        )
    except KeyError as exc:
        raise _fail(where, f"missing {exc}") from None


def _advice(raw: object, where: str) -> Advice | None:
    if raw is None:
        return None
    entry = _table(raw, where)
    return Advice(
        code=_required_text(entry.get("code"), where),
        message=_required_text(entry.get("message"), where),
        source=_required_text(entry.get("source"), where),
        confidence=_required_text(_confidence(entry.get("confidence"), where), where),
    )


_DRUG_KEYS = frozenset(LIMIT_UNITS) | {
    "label",
    "indications",
    "usual",
    "hepatic_caps",
    "renal_caps",
    "over_cap_warning",
}


def _drug_rules(drug: str, raw: object) -> DrugRules:
    table = _table(raw, f"drugs.{drug}")
    if unknown := set(table) - _DRUG_KEYS:
        raise _fail(f"drugs.{drug}", f"unknown keys {sorted(unknown)}")
    limits = {key: _parameter(table, key, unit, drug) for key, unit in LIMIT_UNITS.items()}
    indications = table.get("indications", [])
    if not isinstance(indications, list) or not all(isinstance(i, str) for i in indications):
        raise _fail(f"drugs.{drug}", "indications must be a list of text")
    return DrugRules(
        drug=drug,
        label=_required_text(table.get("label"), f"drugs.{drug}"),
        indications=tuple(indications),
        limits=DrugLimits(**limits),
        usual=_usual(table.get("usual"), f"drugs.{drug}.usual"),
        hepatic_caps=tuple(_impairment_cap(c, drug) for c in table.get("hepatic_caps", [])),
        renal_caps=tuple(_impairment_cap(c, drug) for c in table.get("renal_caps", [])),
        over_cap_warning=_advice(table.get("over_cap_warning"), f"drugs.{drug}"),
    )


def _per_class(table: Mapping[str, Any], unit: str, name: str) -> dict[str, Parameter]:
    """One parameter per opioid class; an entry ``{same_as = "..."}`` reuses another class's."""
    direct = [key for key in OPIOID_CLASSES if "same_as" not in _table(table.get(key, {}), name)]
    found = {key: _parameter(table, key, unit, name) for key in direct}
    for key in OPIOID_CLASSES:
        if key not in found:
            target = table[key]["same_as"]
            if target not in found:
                raise _fail(f"{name}.{key}", f"same_as names no class with a value: {target!r}")
            note = f"SPEC gives no value for {key}: the {target} value applies."
            found[key] = replace(found[target], name=f"{name}.{key}", note=note)
    return found


def _low_dose_days(raw: object) -> tuple[LowDoseDay, ...]:
    where = "induction.low_dose_initiation"
    if not isinstance(raw, list):
        raise _fail(where, "days must be a list")
    days = tuple(
        LowDoseDay(
            day=_required_integer(entry.get("day"), where),
            dose_mg=_number(entry.get("dose_mg"), where),
            times_per_day=_required_integer(entry.get("times_per_day"), where),
            stop_full_agonist=entry.get("stop_full_agonist") is True,
        )
        for entry in (_table(item, where) for item in raw)
    )
    if [day.day for day in days] != list(range(1, len(days) + 1)):
        raise _fail(where, "days must be numbered 1, 2, 3 ... in order")
    return days


def _induction(data: Mapping[str, Any]) -> InductionPolicy:
    table = _table(data["induction"], "induction")
    gates = _per_class(_table(table["cows_gate"], "cows_gate"), "COWS", "induction.cows_gate")
    waits = _per_class(_table(table["wait_hours"], "wait_hours"), "h", "induction.wait_hours")
    low_dose = _table(table["low_dose_initiation"], "induction.low_dose_initiation")
    precipitated = _table(table["precipitated_withdrawal"], "induction.precipitated_withdrawal")
    pregnancy = _table(data["pregnancy"], "pregnancy")
    name = "induction.precipitated_withdrawal"
    return InductionPolicy(
        **{f"cows_gate_{key}": value for key, value in gates.items()},
        **{f"wait_hours_{key}": value for key, value in waits.items()},
        fentanyl_window_hours=_parameter(table, "fentanyl_window_hours", "h", "induction"),
        low_dose_days=_low_dose_days(low_dose["days"]),
        low_dose_source=low_dose["source"],
        low_dose_confidence=low_dose["confidence"],
        low_dose_note=low_dose["note"],
        precipitated_source=precipitated["source"],
        precipitated_guidance=precipitated["guidance"],
        precipitated_window_min=_parameter(precipitated, "window_min", "min", name),
        precipitated_min_rise=_parameter(precipitated, "min_rise", "COWS", name),
        pregnancy_source=pregnancy["source"],
        pregnancy_note=pregnancy["note"],
    )


def _benzodiazepine(raw: object) -> BenzodiazepineRule:
    table = _table(raw, "benzodiazepine_with_opioid")
    _also(table.get("also", []), "benzodiazepine_with_opioid")
    return BenzodiazepineRule(
        drugs=frozenset(table["drugs"]),
        source=table["source"],
        advice=table["advice"],
    )


@cache
def default_policy() -> MedicationPolicy:
    """The policy as shipped in ``knowledge/medications.toml`` (cached; it is immutable).

    Raises KnowledgeError if the file breaks its own rules: a value without a source or
    confidence, a [U] value that is set, an unset value without a note, a wrong unit, an
    unregistered source key.
    """
    data = knowledge.load("medications")
    try:
        drugs = _table(data["drugs"], "drugs")
        policy = MedicationPolicy(
            induction=_induction(data),
            drugs=tuple(_drug_rules(drug, raw) for drug, raw in drugs.items()),
            benzodiazepine=_benzodiazepine(data["benzodiazepine_with_opioid"]),
            vitals_max_age_min=_parameter(data["policy"], "vitals_max_age_min", "min", "policy"),
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"medications.toml: missing or malformed entry {exc}") from exc
    if not policy.benzodiazepine.drugs <= set(policy.drug_names()):
        raise _fail("benzodiazepine_with_opioid", "drugs must be drugs of this file")
    return policy


@dataclass(frozen=True)
class EntryLimits:
    """Plausibility limits for the dose check's context: not clinical thresholds."""

    qtc_ms: tuple[Decimal, Decimal]
    child_pugh_score: tuple[Decimal, Decimal]
    egfr: tuple[Decimal, Decimal]
    weight_kg: tuple[Decimal, Decimal]


@cache
def entry_limits() -> EntryLimits:
    """The context entry limits (medications.toml; source detoxdesk-entry-limits)."""
    table = _table(knowledge.load("medications")["entry_limits"], "entry_limits")
    ranges = {
        item.name: _range(table.get(item.name), f"entry_limits.{item.name}")
        for item in fields(EntryLimits)
    }
    if any(value is None for value in ranges.values()):
        raise _fail("entry_limits", "every limit needs a range")
    return EntryLimits(**{key: value for key, value in ranges.items() if value is not None})


# --- Input ----------------------------------------------------------------------------------------


class FieldReader:
    """Reads the fields of one JSON object strictly, keeping a plain-English message per bad field.

    A required reader records its error and returns a placeholder, so the caller reads every field
    and then calls :meth:`check` once, which raises InvalidInput listing them all. bool is never a
    number, and nothing is converted silently: a typo must not turn into a dose.
    """

    def __init__(
        self, payload: Mapping[str, object], prefix: str = "", errors: dict[str, str] | None = None
    ) -> None:
        self.payload = payload
        self.prefix = prefix
        self.errors: dict[str, str] = {} if errors is None else errors

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(f"{self.prefix}{key}", message)

    def only(self, known: Collection[str]) -> None:
        """Refuse every key not in ``known``."""
        for key in self.payload:
            if key not in known:
                self.fail(key, "Not a field of this input.")

    def _value(self, key: str, required: bool) -> object:
        value = self.payload.get(key)
        if value is None and required:
            self.fail(key, "This field is required.")
        return value

    def boolean(self, key: str) -> bool:
        value = self._value(key, True)
        if value is not None and not isinstance(value, bool):
            self.fail(key, "Must be true or false.")
        return value is True

    def optional_integer(self, key: str, low: Decimal, high: Decimal) -> int | None:
        value = self._value(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "Must be a whole number.")
            return None
        if not low <= value <= high:
            self.fail(key, f"Must be between {format_number(low)} and {format_number(high)}.")
            return None
        return value

    def integer(self, key: str, low: Decimal, high: Decimal) -> int:
        self._value(key, True)
        value = self.optional_integer(key, low, high)
        return 0 if value is None else value

    def optional_number(
        self, key: str, *, positive: bool = False, limits: tuple[Decimal, Decimal] | None = None
    ) -> Decimal | None:
        value = self._value(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, "Must be a number.")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(key, "Must be a finite number.")
            return None
        return self._in_limits(key, to_decimal(value), positive, limits)

    def _in_limits(
        self, key: str, number: Decimal, positive: bool, limits: tuple[Decimal, Decimal] | None
    ) -> Decimal | None:
        if positive and number <= 0:
            self.fail(key, "Must be greater than 0.")
            return None
        if not positive and number < 0:
            self.fail(key, "Must be 0 or more.")
            return None
        if limits is not None and not limits[0] <= number <= limits[1]:
            low, high = (format_number(end) for end in limits)
            self.fail(key, f"Must be between {low} and {high}.")
            return None
        return number

    def number(self, key: str, *, positive: bool = False) -> Decimal:
        self._value(key, True)
        value = self.optional_number(key, positive=positive)
        return Decimal(0) if value is None else value

    def choice(self, key: str, choices: Sequence[str], noun: str) -> str:
        value = self._value(key, True)
        if value is not None and value not in choices:
            self.fail(key, f"Unknown {noun} {value!r}. Known: {', '.join(choices)}.")
        return value if isinstance(value, str) else ""

    def moment(self, key: str) -> datetime:
        """An ISO-8601 date and time with a timezone offset (times are never naive here)."""
        value = self._value(key, True)
        if value is None:
            return datetime.min.replace(tzinfo=UTC)
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            example = "2025-03-01T08:00:00+00:00"
            self.fail(key, f"Must be an ISO-8601 date and time with a timezone, e.g. {example}.")
            return datetime.min.replace(tzinfo=UTC)
        return moment

    def present(self, key: str) -> object:
        """The value of a key that must be present but may be null."""
        if key not in self.payload:
            self.fail(key, "This field is required (it may be null).")
        return self.payload.get(key)

    def check(self, message: str) -> None:
        if self.errors:
            raise InvalidInput(message, fields=self.errors)


@dataclass(frozen=True)
class GivenDose:
    """An earlier dose of the same drug."""

    dose_mg: Decimal
    at: datetime


@dataclass(frozen=True)
class VitalsReading:
    """The latest vital signs; a sign not taken is None."""

    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    at: datetime


@dataclass(frozen=True)
class DoseContext:
    """What is known about the patient that some rules need; None means not recorded."""

    first_day: bool
    benzodiazepine_use: bool
    qtc_ms: int | None = None
    child_pugh_score: int | None = None
    egfr: Decimal | None = None
    weight_kg: Decimal | None = None
    cows_total: int | None = None


@dataclass(frozen=True)
class DoseRequest:
    """A dose about to be given (or ordered) at ``at``, with the earlier doses of the same drug."""

    drug: str
    dose_mg: Decimal
    at: datetime
    given: tuple[GivenDose, ...]
    vitals: VitalsReading | None
    context: DoseContext


REQUEST_FIELDS = ("drug", "dose_mg", "at", "given", "vitals", "context")
CONTEXT_FIELDS = (
    "first_day",
    "benzodiazepine_use",
    "qtc_ms",
    "child_pugh_score",
    "egfr",
    "weight_kg",
    "cows_total",
)
VITALS_FIELDS = ("systolic", "diastolic", "heart_rate")


def _child(reader: FieldReader, key: str, raw: object, fields: str) -> FieldReader | None:
    """A reader for the object ``raw`` at ``key``; None (and an error) if it is not an object."""
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        reader.fail(key, f"Must be a JSON object with {fields}.")
        return None
    return FieldReader(raw, prefix=f"{reader.prefix}{key}.", errors=reader.errors)


def _read_given(reader: FieldReader) -> tuple[GivenDose, ...]:
    raw = reader.payload.get("given")
    if not isinstance(raw, list):
        reader.fail("given", "Must be a list of earlier doses, empty when there were none.")
        return ()
    doses: list[GivenDose] = []
    for index, item in enumerate(raw):
        child = _child(reader, f"given[{index}]", item, "dose_mg and at")
        if child is None:
            continue
        child.only(("dose_mg", "at"))
        doses.append(GivenDose(child.number("dose_mg", positive=True), child.moment("at")))
    return tuple(doses)


def _read_vitals(reader: FieldReader) -> VitalsReading | None:
    raw = reader.present("vitals")
    child = None if raw is None else _child(reader, "vitals", raw, "at and the signs taken")
    if child is None:
        return None
    child.only((*VITALS_FIELDS, "at"))
    at = child.moment("at")
    entered = {key: child.payload.get(key) for key in VITALS_FIELDS}
    try:
        clean = vitals.validate_vitals(entered)  # entry limits: detoxdesk-entry-limits
    except InvalidInput as exc:
        for key, message in exc.fields.items():
            if key == vitals.ALL_FIELDS:
                reader.fail("vitals", message)
            else:
                child.fail(key, message)
        return None
    signs = {key: _whole(clean[key]) for key in VITALS_FIELDS}
    return VitalsReading(signs["systolic"], signs["diastolic"], signs["heart_rate"], at)


def _whole(value: float | int | None) -> int | None:
    return None if value is None else int(value)


def _read_context(reader: FieldReader) -> DoseContext:
    raw = reader.payload.get("context")
    child = _child(reader, "context", raw, "first_day and benzodiazepine_use")
    if child is None:
        return DoseContext(first_day=False, benzodiazepine_use=False)
    child.only(CONTEXT_FIELDS)
    limits = entry_limits()
    cows_max = Decimal(scales.get_scale("cows").max_total)
    return DoseContext(
        first_day=child.boolean("first_day"),
        benzodiazepine_use=child.boolean("benzodiazepine_use"),
        qtc_ms=child.optional_integer("qtc_ms", *limits.qtc_ms),
        child_pugh_score=child.optional_integer("child_pugh_score", *limits.child_pugh_score),
        egfr=child.optional_number("egfr", limits=limits.egfr),
        weight_kg=child.optional_number("weight_kg", positive=True, limits=limits.weight_kg),
        cows_total=child.optional_integer("cows_total", Decimal(0), cows_max),
    )


def parse_dose_request(
    payload: Mapping[str, object], policy: MedicationPolicy | None = None
) -> DoseRequest:
    """Validate a dose-check payload (see :func:`dose_check_calculator`) into a DoseRequest.

    Raises InvalidInput naming every bad field: ``drug``, ``given[1].at``, ``vitals.systolic``,
    ``context.egfr`` and so on. ``given``, ``vitals`` and ``context`` must be present; ``vitals``
    may be null. Times need a timezone.
    """
    policy = policy or default_policy()
    reader = FieldReader(payload)
    reader.only(REQUEST_FIELDS)
    request = DoseRequest(
        drug=reader.choice("drug", policy.drug_names(), "drug"),
        dose_mg=reader.number("dose_mg", positive=True),
        at=reader.moment("at"),
        given=_read_given(reader),
        vitals=_read_vitals(reader),
        context=_read_context(reader),
    )
    reader.check("The dose cannot be checked: correct the marked fields.")
    return request


# --- The check ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One result of a rule: ``code`` for programs, ``message`` in plain words, ``source`` key."""

    code: str
    severity: Severity
    message: str
    source: str

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True)
class UnsetParameter:
    """A parameter the check could not apply because it is not set, and why."""

    name: str
    message: str


@dataclass(frozen=True)
class Cap:
    """An effective cap: its value, its source and, when lowered or raised, the reason."""

    value: Decimal
    source: str
    reason: str | None = None


@dataclass(frozen=True)
class DoseCheck:
    """The result of checking one dose. ``decision`` is the worst finding's severity, or ok."""

    drug: str
    dose_mg: Decimal
    decision: Decision
    findings: tuple[Finding, ...]
    total_24h_mg: Decimal
    earlier_doses_24h: int
    minutes_since_last_dose: Decimal | None
    max_dose: Cap | None
    max_daily: Cap | None
    unset: tuple[UnsetParameter, ...]


def _minutes(later: datetime, earlier: datetime) -> Decimal:
    return Decimal((later - earlier).total_seconds()) / 60


@dataclass(frozen=True)
class _Facts:
    """What the given doses say about the dose checked."""

    earlier: tuple[GivenDose, ...]  # at or before the dose, any time
    recent: tuple[GivenDose, ...]  # within the 24 hours before the dose
    total_mg: Decimal  # the recent doses plus this one
    minutes_since_last: Decimal | None


def _facts(request: DoseRequest) -> _Facts:
    # A dose recorded after the one checked is ignored; one recorded at the same moment counts.
    earlier = tuple(dose for dose in request.given if dose.at <= request.at)
    recent = tuple(dose for dose in earlier if request.at - dose.at < DAY)
    last = max((dose.at for dose in earlier), default=None)
    return _Facts(
        earlier=earlier,
        recent=recent,
        total_mg=sum((dose.dose_mg for dose in recent), request.dose_mg),
        minutes_since_last=None if last is None else _minutes(request.at, last),
    )


def _cap(parameter: Parameter) -> Cap | None:
    return None if parameter.value is None else Cap(parameter.value, parameter.cited)


def _impairments(rules: DrugRules, context: DoseContext) -> list[ImpairmentCap]:
    """The hepatic and renal bands that apply. Source: each band's (lofexidine-label)."""
    found: list[ImpairmentCap] = []
    if context.child_pugh_score is not None:
        score = Decimal(context.child_pugh_score)
        found += [band for band in rules.hepatic_caps if band.contains(score)]
    if context.egfr is not None:
        found += [band for band in rules.renal_caps if band.contains(context.egfr)]
    return found


def _lowest(caps: Sequence[Cap | None]) -> Cap | None:
    present = [cap for cap in caps if cap is not None]
    return min(present, key=lambda cap: cap.value, default=None)


def dose_cap(rules: DrugRules, context: DoseContext) -> Cap | None:
    """The largest single dose allowed: the default, lowered for hepatic or renal impairment.

    Source: the drug's max_dose_mg (lofexidine-label for lofexidine) and each impairment band's.
    """
    bands = [
        Cap(b.max_dose_mg, b.source, f"lowered for {b.label}") for b in _impairments(rules, context)
    ]
    return _lowest([_cap(rules.limits.max_dose_mg), *bands])


def _weight_cap(limits: DrugLimits, weight: Decimal | None) -> Cap | None:
    """The higher daily cap for a heavy patient, if the drug has one and the weight reaches it."""
    heavy, threshold = limits.heavy_max_daily_mg, limits.heavy_weight_from_kg
    if heavy.value is None or threshold.value is None or weight is None:
        return None
    if weight < threshold.value:
        return None
    reason = f"raised for a weight of {format_number(threshold.value)} {threshold.unit} or more"
    return Cap(heavy.value, heavy.cited, reason)


def daily_cap(rules: DrugRules, context: DoseContext) -> Cap | None:
    """The most allowed in 24 hours: the default, raised for weight, lowered for impairment.

    Sources: max_daily_mg; heavy_weight_from_kg and heavy_max_daily_mg (clonidine, uptodate-ed);
    each impairment band's (lofexidine-label). With no weight recorded the default applies.
    """
    base = _weight_cap(rules.limits, context.weight_kg) or _cap(rules.limits.max_daily_mg)
    bands = [
        Cap(b.max_daily_mg, b.source, f"lowered for {b.label}")
        for b in _impairments(rules, context)
    ]
    return _lowest([base, *bands])


def _over_cap(code: str, amount: str, cap: Cap) -> Finding:
    reason = f" ({cap.reason})" if cap.reason else ""
    message = f"{amount} is above the maximum of {format_number(cap.value)} mg{reason}."
    return Finding(code, "stop", message, cap.source)


def _cap_findings(
    request: DoseRequest, rules: DrugRules, facts: _Facts, per_dose: Cap | None, per_day: Cap | None
) -> list[Finding]:
    """Per-dose and per-day maxima: a stop when exceeded, plus the drug's over-cap warning.

    Sources: the caps' own (e.g. lofexidine-label, uptodate-ed, fda-loperamide-2016).
    """
    found = []
    if per_dose is not None and request.dose_mg > per_dose.value:
        amount = f"A single dose of {format_number(request.dose_mg)} mg of {rules.drug}"
        found.append(_over_cap("max_dose_exceeded", amount, per_dose))
    if per_day is not None and facts.total_mg > per_day.value:
        amount = (
            f"{format_number(facts.total_mg)} mg of {rules.drug} in 24 hours, counting this dose,"
        )
        found.append(_over_cap("max_daily_exceeded", amount, per_day))
    advice = rules.over_cap_warning
    if found and advice is not None:
        found.append(Finding(advice.code, "warning", advice.message, advice.source))
    return found


def _interval_findings(rules: DrugRules, facts: _Facts) -> list[Finding]:
    """Minimum interval since the last dose of the same drug: a stop if sooner.

    Source: the drug's min_interval_min (nida-ed-2018 for buprenorphine re-dosing).
    """
    interval, minutes = rules.limits.min_interval_min, facts.minutes_since_last
    if interval.value is None or minutes is None or minutes >= interval.value:
        return []
    message = (
        f"The last dose of {rules.drug} was {format_number(minutes.quantize(Decimal(1)))} minutes"
        f" ago; wait at least {format_number(interval.value)} minutes between doses."
    )
    return [Finding("min_interval_not_met", "stop", message, interval.cited)]


def _below(parameter: Parameter, value: int | None) -> bool:
    return parameter.value is not None and value is not None and value < parameter.value


def _hold_findings(rules: DrugRules, reading: VitalsReading) -> list[Finding]:
    """Hold parameters against the vitals: a stop naming each sign below its hold.

    Sources: the holds' (va-pbm-handout for clonidine); [U] holds ship unset.
    """
    limits, found = rules.limits, []
    pressure = [
        (name, value, hold)
        for name, value, hold in (
            ("systolic", reading.systolic, limits.hold_systolic_below),
            ("diastolic", reading.diastolic, limits.hold_diastolic_below),
        )
        if _below(hold, value)
    ]
    if pressure:
        parts = " and ".join(
            f"{name} {value} mmHg is below {format_number(hold.value or Decimal(0))}"
            for name, value, hold in pressure
        )
        message = f"Hold {rules.drug}: {parts}."
        found.append(Finding("hold_blood_pressure", "stop", message, pressure[0][2].cited))
    hold = limits.hold_heart_rate_below
    if _below(hold, reading.heart_rate):
        limit = format_number(hold.value or Decimal(0))
        message = f"Hold {rules.drug}: heart rate {reading.heart_rate}/min is below {limit}."
        found.append(Finding("hold_heart_rate", "stop", message, hold.cited))
    return found


def _holds(rules: DrugRules) -> list[tuple[str, Parameter]]:
    limits = rules.limits
    pairs = [
        ("systolic", limits.hold_systolic_below),
        ("diastolic", limits.hold_diastolic_below),
        ("heart_rate", limits.hold_heart_rate_below),
    ]
    return [(sign, hold) for sign, hold in pairs if hold.is_set]


def _vitals_findings(
    request: DoseRequest, rules: DrugRules, policy: MedicationPolicy
) -> list[Finding]:
    """Holds against the latest vitals; a warning when vitals are missing or older than allowed.

    Sources: the holds' own; the freshness window is program policy (SPEC gives none).
    """
    holds, reading = _holds(rules), request.vitals
    if not holds:
        return []
    source = holds[0][1].cited
    missing = [sign for sign, _ in holds if reading is None or getattr(reading, sign) is None]
    found: list[Finding] = []
    if missing:
        names = ", ".join(sign.replace("_", " ") for sign in missing)
        message = f"No {names} recorded: the hold parameters of {rules.drug} cannot be checked."
        found.append(Finding("vitals_missing", "warning", message, source))
    if reading is None:
        return found
    return found + _hold_findings(rules, reading) + _stale_findings(request.at, reading, policy)


def _stale_findings(
    at: datetime, reading: VitalsReading, policy: MedicationPolicy
) -> list[Finding]:
    """Vitals older than the program's window: a warning. Unset by default (SPEC gives none)."""
    window, age = policy.vitals_max_age_min, _minutes(at, reading.at)
    if window.value is None or age <= window.value:
        return []
    message = (
        f"The vitals are {format_number(age.quantize(Decimal(1)))} minutes old, older than"
        f" {format_number(window.value)} minutes: take them again before relying on them."
    )
    return [Finding("vitals_stale", "warning", message, window.cited)]


def _first_dose_findings(request: DoseRequest, rules: DrugRules, facts: _Facts) -> list[Finding]:
    """The first dose of the first day above the usual start: a warning.

    Sources: first_dose_warning_above_mg (buprenorphine nida-ed-2018: 4 mg, or up to
    first_dose_high_mg 8 mg when COWS reaches first_dose_high_from_cows 13; methadone asam-2020).
    """
    limits, context = rules.limits, request.context
    limit = limits.first_dose_warning_above_mg
    if not context.first_day or facts.earlier or limit.value is None:
        return []
    if request.dose_mg <= limit.value or _high_first_dose_allowed(request, limits):
        return []
    message = (
        f"A first dose of {format_number(request.dose_mg)} mg of {rules.drug} is above the usual"
        f" {format_number(limit.value)} mg{_high_first_dose_hint(limits)}."
    )
    if limit.advice:
        message += f" {limit.advice}"
    return [Finding("first_dose_above_usual", "warning", message, limit.cited)]


def _high_first_dose_allowed(request: DoseRequest, limits: DrugLimits) -> bool:
    high, gate, cows = (
        limits.first_dose_high_mg,
        limits.first_dose_high_from_cows,
        request.context.cows_total,
    )
    if high.value is None or gate.value is None or cows is None:
        return False
    return cows >= gate.value and request.dose_mg <= high.value


def _high_first_dose_hint(limits: DrugLimits) -> str:
    high, gate = limits.first_dose_high_mg.value, limits.first_dose_high_from_cows.value
    if high is None or gate is None:
        return ""
    return f" ({format_number(high)} mg may be chosen when COWS is {format_number(gate)} or more)"


def _first_day_findings(request: DoseRequest, rules: DrugRules, facts: _Facts) -> list[Finding]:
    """The first day's total: a stop above first_day_stop_above_mg, else a warning above
    first_day_warning_above_mg.

    Sources: buprenorphine cmaj-2018 (12 mg) and nida-ed-2018 (32 mg); methadone cfr-8-12-2024
    (50 mg, override with a documented justification).
    """
    if not request.context.first_day:
        return []
    limits, total = rules.limits, facts.total_mg
    levels: tuple[tuple[str, Severity, Parameter], ...] = (
        ("first_day_total_exceeded", "stop", limits.first_day_stop_above_mg),
        ("first_day_total_high", "warning", limits.first_day_warning_above_mg),
    )
    for code, severity, limit in levels:
        if limit.value is not None and total > limit.value:
            message = (
                f"The first-day total of {rules.drug} would be {format_number(total)} mg,"
                f" above {format_number(limit.value)} mg."
            )
            if limit.advice:
                message += f" {limit.advice}"
            return [Finding(code, severity, message, limit.cited)]
    return []


def _qtc_findings(request: DoseRequest, rules: DrugRules) -> list[Finding]:
    """QTc against the drug's thresholds: a warning, and a strong warning above the upper one.

    Source: krantz-2009 (methadone: 450-500 ms warning, above 500 ms strong warning).
    """
    qtc, limits = request.context.qtc_ms, rules.limits
    strong, warning = limits.qtc_strong_above_ms, limits.qtc_warning_from_ms
    if qtc is None:
        return []
    if strong.value is not None and qtc > strong.value:
        code, limit, words = "qtc_markedly_prolonged", strong, "Strong warning: QTc {} ms is above"
    elif warning.value is not None and qtc >= warning.value:
        code, limit, words = "qtc_prolonged", warning, "QTc {} ms is at or above"
    else:
        return []
    value = format_number(limit.value or Decimal(0))
    message = f"{words.format(qtc)} {value} ms on {rules.drug}."
    if limit.advice:
        message += f" {limit.advice}"
    return [Finding(code, "warning", message, limit.cited)]


def _benzodiazepine_findings(
    request: DoseRequest, rules: DrugRules, policy: MedicationPolicy
) -> list[Finding]:
    """Benzodiazepine co-use with buprenorphine or methadone: ALWAYS a warning, never a stop.

    Sources: fda-2017 (do not withhold MOUD), fda-2016 (boxed warning on combined use).
    """
    rule = policy.benzodiazepine
    if not request.context.benzodiazepine_use or rules.drug not in rule.drugs:
        return []
    return [Finding("benzodiazepine_co_use", "warning", rule.advice, rule.source)]


def _unset(rules: DrugRules, policy: MedicationPolicy) -> tuple[UnsetParameter, ...]:
    found = [UnsetParameter(p.name, p.note or f"{p.name} is not set.") for p in rules.unset()]
    window = policy.vitals_max_age_min
    if _holds(rules) and not window.is_set:
        found.append(UnsetParameter(window.name, window.note or f"{window.name} is not set."))
    return tuple(found)


def decision_of(findings: Sequence[Finding]) -> Decision:
    """The worst severity among ``findings``, or "ok" when there are none."""
    worst: Decision = "ok"
    for finding in findings:
        if _RANK[finding.severity] > _RANK[worst]:
            worst = finding.severity
    return worst


def check_dose(request: DoseRequest, policy: MedicationPolicy | None = None) -> DoseCheck:
    """Check one dose against the policy; every rule runs and the decision is the worst finding.

    Sources: each finding names its own (see the rule functions of this module). Earlier doses
    count when given at or before ``request.at``; the daily total counts those of the 24 hours
    before it (a dose exactly 24 hours earlier no longer counts). Raises InvalidInput for an
    unknown drug.
    """
    policy = policy or default_policy()
    rules = policy.rules(request.drug)
    facts = _facts(request)
    per_dose, per_day = dose_cap(rules, request.context), daily_cap(rules, request.context)
    findings = (
        _cap_findings(request, rules, facts, per_dose, per_day)
        + _interval_findings(rules, facts)
        + _vitals_findings(request, rules, policy)
        + _first_dose_findings(request, rules, facts)
        + _first_day_findings(request, rules, facts)
        + _qtc_findings(request, rules)
        + _benzodiazepine_findings(request, rules, policy)
    )
    return DoseCheck(
        drug=rules.drug,
        dose_mg=request.dose_mg,
        decision=decision_of(findings),
        findings=tuple(findings),
        total_24h_mg=facts.total_mg,
        earlier_doses_24h=len(facts.recent),
        minutes_since_last_dose=facts.minutes_since_last,
        max_dose=per_dose,
        max_daily=per_day,
        unset=_unset(rules, policy),
    )


# --- The calculator -------------------------------------------------------------------------------


def _cap_json(cap: Cap | None) -> dict[str, Any] | None:
    if cap is None:
        return None
    return {"value": json_number(cap.value), "source": cap.source, "reason": cap.reason}


def dose_check_json(check: DoseCheck) -> dict[str, Any]:
    """A DoseCheck as the JSON object of ``detoxdesk calc dose-check``."""
    minutes = check.minutes_since_last_dose
    return {
        "drug": check.drug,
        "dose_mg": json_number(check.dose_mg),
        "decision": check.decision,
        "findings": [finding.as_json() for finding in check.findings],
        "total_24h_mg": json_number(check.total_24h_mg),
        "earlier_doses_24h": check.earlier_doses_24h,
        "minutes_since_last_dose": None
        if minutes is None
        else json_number(minutes.quantize(Decimal("0.1"))),
        "max_dose_mg": _cap_json(check.max_dose),
        "max_daily_mg": _cap_json(check.max_daily),
        "unset": [{"name": item.name, "message": item.message} for item in check.unset],
    }


def dose_check_calculator(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc dose-check``: check one dose with the default policy.

    Input: ``{"drug", "dose_mg", "at", "given": [{"dose_mg", "at"}], "vitals": {"systolic",
    "diastolic", "heart_rate", "at"} | null, "context": {"first_day", "benzodiazepine_use",
    "qtc_ms", "child_pugh_score", "egfr", "weight_kg", "cows_total"}}``. Output: ``decision``
    (ok | warning | stop), ``findings`` [{code, severity, message, source}], the 24-hour total,
    the effective caps and the parameters left unset. Sources: see :func:`check_dose`.
    """
    return dose_check_json(check_dose(parse_dose_request(payload)))
