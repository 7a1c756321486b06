"""The program's medication policy: every number the dose check and buprenorphine initiation apply.

Every number comes from ``knowledge/medications.toml`` (SPEC.md sections 5 to 8 and the defaults
table) and reaches the rules inside a :class:`MedicationPolicy`. :func:`default_policy` builds it
from the knowledge file; a program's overrides replace single :class:`Parameter` values
(``dataclasses.replace`` with ``Parameter.with_value``) before the policy is passed in. A parameter
SPEC marks [U], or gives no number for, ships unset: its rule is skipped and the check says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.numbers import decimal_or_none, to_decimal

PROGRAM_POLICY = "program-policy"  # the source named for a value a program set for itself
OPIOID_CLASSES = ("short_acting", "extended_release", "methadone", "fentanyl")

_PARAMETER_KEYS = frozenset(
    {"value", "unit", "source", "also", "confidence", "note", "advice", "conflict"}
)


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
    increase_warning_above_mg: Parameter
    increase_min_days: Parameter
    daily_warning_above_mg: Parameter
    daily_stop_above_mg: Parameter
    ecg_above_daily_mg: Parameter
    ecg_max_age_days: Parameter


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
    "increase_warning_above_mg": "mg",
    "increase_min_days": "d",
    "daily_warning_above_mg": "mg",
    "daily_stop_above_mg": "mg",
    "ecg_above_daily_mg": "mg",
    "ecg_max_age_days": "d",
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
    pregnancy_caution: Advice | None = None
    qtc_unknown_warning: Advice | None = None

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
    """Benzodiazepine co-use with the listed opioids: always a warning, never a stop.

    ``benzodiazepines`` are the codes that, among the active medications, count as co-use.
    """

    drugs: frozenset[str]
    source: str
    advice: str
    benzodiazepines: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OpioidAgonists:
    """Which codes are opioids: partial agonists (buprenorphine) and full agonists.

    A partial agonist with a full agonist active is the agonist conflict (``advice`` says why).
    A program extends a list with ``dataclasses.replace`` before passing the policy in.
    """

    partial: frozenset[str]
    full: frozenset[str]
    source: str
    confidence: str
    advice: str

    @property
    def all(self) -> frozenset[str]:
        return self.partial | self.full


@dataclass(frozen=True)
class InteractionMember:
    """One code of an interaction list, with its own source. ``group`` is what staff read;
    ``above_max_daily`` counts the member only above its own daily maximum (loperamide)."""

    drug: str
    group: str
    source: str
    confidence: str
    above_max_daily: bool = False


@dataclass(frozen=True)
class InteractionList:
    """Codes that interact with ``drugs`` (for the CNS list: every opioid), always a warning.

    A program extends ``members`` with :meth:`extended` before passing the policy in.
    """

    drugs: frozenset[str]
    members: tuple[InteractionMember, ...]
    advice: str

    def member(self, code: str) -> InteractionMember | None:
        return next((item for item in self.members if item.drug == code), None)

    def codes(self) -> frozenset[str]:
        return frozenset(item.drug for item in self.members)

    def extended(
        self, codes: Mapping[str, str], *, source: str = PROGRAM_POLICY
    ) -> InteractionList:
        """A copy with the codes of ``codes`` (code -> group label) added by a program."""
        added = tuple(
            InteractionMember(code, group, source, "U")
            for code, group in codes.items()
            if self.member(code) is None
        )
        return replace(self, members=self.members + added)


@dataclass(frozen=True)
class MedicationPolicy:
    """All medication numbers a program applies: the knowledge defaults plus its own overrides."""

    induction: InductionPolicy
    drugs: tuple[DrugRules, ...]
    benzodiazepine: BenzodiazepineRule
    vitals_max_age_min: Parameter
    opioids: OpioidAgonists
    qt_with_methadone: InteractionList
    cns_depressants: InteractionList
    naloxone_offer: Advice

    def drug_names(self) -> tuple[str, ...]:
        return tuple(rules.drug for rules in self.drugs)

    def interaction_codes(self) -> frozenset[str]:
        """Every substance code the interaction lists name (an active medication may name one)."""
        return (
            self.opioids.all
            | self.benzodiazepine.benzodiazepines
            | self.qt_with_methadone.codes()
            | self.cns_depressants.codes()
        )

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
    number = decimal_or_none(raw)
    if number is None:
        raise _fail(where, f"expected a number, got {raw!r}")
    return number


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


def _bands(raw: object, drug: str, kind: str) -> tuple[ImpairmentCap, ...]:
    """A drug's hepatic or renal bands, of which no two overlap: taken from the lowest, each ends
    where or before the next begins, so a measure falls in one band of the list at most."""
    where = f"drugs.{drug}.{kind}"
    if not isinstance(raw, list):
        raise _fail(where, "expected a list of tables")
    bands = tuple(_impairment_cap(entry, drug) for entry in raw)
    rising = sorted(bands, key=lambda band: (band.low is not None, band.low or 0))
    for band, following in itertools.pairwise(rising):
        if band.below is None or following.low is None or band.below > following.low:
            raise _fail(where, f"'{band.label}' overlaps '{following.label}'")
    return bands


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


def _required_advice(raw: object, where: str) -> Advice:
    _also(_table(raw, where).get("also", []), where)
    advice = _advice(raw, where)
    if advice is None:
        raise _fail(where, "expected a table")
    return advice


_DRUG_KEYS = frozenset(LIMIT_UNITS) | {
    "label",
    "indications",
    "usual",
    "hepatic_caps",
    "renal_caps",
    "over_cap_warning",
    "pregnancy_caution",
    "qtc_unknown_warning",
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
        hepatic_caps=_bands(table.get("hepatic_caps", []), drug, "hepatic_caps"),
        renal_caps=_bands(table.get("renal_caps", []), drug, "renal_caps"),
        over_cap_warning=_advice(table.get("over_cap_warning"), f"drugs.{drug}"),
        pregnancy_caution=_advice(table.get("pregnancy_caution"), f"drugs.{drug}"),
        qtc_unknown_warning=_advice(table.get("qtc_unknown_warning"), f"drugs.{drug}"),
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
        benzodiazepines=frozenset(_codes(table.get("benzodiazepines", []), "benzodiazepines")),
    )


def _codes(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(code, str) and code for code in raw):
        raise _fail(where, "expected a list of codes")
    return tuple(raw)


def _opioids(raw: object) -> OpioidAgonists:
    table = _table(raw, "opioids")
    _also(table.get("also", []), "opioids")
    partial = frozenset(_codes(table["partial_agonists"], "opioids.partial_agonists"))
    full = frozenset(_codes(table["full_agonists"], "opioids.full_agonists"))
    if partial & full:
        raise _fail("opioids", "a code cannot be both a partial and a full agonist")
    return OpioidAgonists(
        partial=partial,
        full=full,
        source=_required_text(table.get("source"), "opioids"),
        confidence=_required_text(_confidence(table.get("confidence"), "opioids"), "opioids"),
        advice=_required_text(table.get("advice"), "opioids"),
    )


def _member(raw: object, where: str) -> InteractionMember:
    entry = _table(raw, where)
    _also(entry.get("also", []), where)
    drug = _required_text(entry.get("drug"), where)
    return InteractionMember(
        drug=drug,
        group=_text(entry.get("group"), where) or drug,
        source=_required_text(entry.get("source"), where),
        confidence=_required_text(_confidence(entry.get("confidence"), where), where),
        above_max_daily=entry.get("above_max_daily") is True,
    )


def _interactions(raw: object, where: str, drugs: frozenset[str] | None = None) -> InteractionList:
    table = _table(raw, where)
    members = table.get("members")
    if not isinstance(members, list):
        raise _fail(where, "members must be a list of tables")
    return InteractionList(
        drugs=frozenset(_codes(table["drugs"], where)) if drugs is None else drugs,
        members=tuple(_member(item, where) for item in members),
        advice=_required_text(table.get("advice"), where),
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
        opioids = _opioids(data["opioids"])
        policy = MedicationPolicy(
            induction=_induction(data),
            drugs=tuple(_drug_rules(drug, raw) for drug, raw in drugs.items()),
            benzodiazepine=_benzodiazepine(data["benzodiazepine_with_opioid"]),
            vitals_max_age_min=_parameter(data["policy"], "vitals_max_age_min", "min", "policy"),
            opioids=opioids,
            qt_with_methadone=_interactions(data["qt_with_methadone"], "qt_with_methadone"),
            cns_depressants=_interactions(data["cns_depressants"], "cns_depressants", opioids.all),
            naloxone_offer=_required_advice(data["naloxone_offer"], "naloxone_offer"),
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
    age_years: tuple[Decimal, Decimal]


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
