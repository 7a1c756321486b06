"""The medication safety engine: the check before every dose.

Every number comes from the :class:`~detoxdesk.clinical.medication_policy.MedicationPolicy` passed
in (by default the one of ``knowledge/medications.toml``); a parameter that ships unset has its
rule skipped, and the check says so.

The engine advises and never acts. A finding is a ``warning`` (the user acknowledges it) or a
``stop`` (an authorised user overrides it with a reason). Benzodiazepine and any other
CNS-depressant co-use is only ever a warning for buprenorphine and methadone (FDA 2017), and so
is every QT combination (SPEC A3).

Doses are :class:`~decimal.Decimal` milligrams, so that 4 x 0.72 mg equals 2.88 mg exactly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from detoxdesk.clinical import populations, products, scales, vitals
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.findings import Decision, Finding, Severity, decision
from detoxdesk.clinical.medication_policy import (
    OPIOID_CLASSES,
    DrugLimits,
    DrugRules,
    ImpairmentCap,
    InteractionMember,
    Parameter,
    entry_limits,
)

# Re-exported: a caller of the dose check builds the policy it passes in.
from detoxdesk.clinical.medication_policy import MedicationPolicy as MedicationPolicy
from detoxdesk.clinical.medication_policy import default_policy as default_policy
from detoxdesk.clinical.numbers import decimal_or_none, format_number, json_number, quantity
from detoxdesk.clinical.times import read_instant

DAY = timedelta(hours=24)  # a per-day cap counts the doses of the 24 hours before the dose checked


def history_window(policy: MedicationPolicy | None = None) -> timedelta:
    """How far before a dose the caller must read earlier doses of the same drug into
    ``DoseRequest.given``: the 24 hours of the daily totals, or longer when a titration rule
    (methadone: the days since the last increase, plus the day before it) needs older doses."""
    policy = policy or default_policy()
    days = [
        rules.limits.increase_min_days.value
        for rules in policy.drugs
        if rules.limits.increase_min_days.value is not None
    ]
    if not days:
        return DAY
    return DAY * (int(max(days)) + 1)


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

    def optional_boolean(self, key: str) -> bool | None:
        """True, false, or None when absent or null ("not known")."""
        value = self._value(key, False)
        if value is not None and not isinstance(value, bool):
            self.fail(key, "Must be true, false or null (not known).")
            return None
        return value

    def optional_choice(self, key: str, choices: Sequence[str]) -> str | None:
        """One of ``choices``, or None when absent or null."""
        value = self._value(key, False)
        if value is None:
            return None
        if value not in choices:
            known = ", ".join(choices)
            self.fail(key, f"Must be one of {known}, or null.")
            return None
        return value if isinstance(value, str) else None

    def optional_moment(self, key: str) -> datetime | None:
        """An ISO-8601 date and time with a timezone, or None when absent or null."""
        if self._value(key, False) is None:
            return None
        return self.moment(key)

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
        number = decimal_or_none(value)
        if number is None:
            self.fail(key, "Must be a finite number.")
            return None
        return self._in_limits(key, number, positive, limits)

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
        """An ISO-8601 date and time with a timezone offset (times are never naive here).

        One message for every refusal, the dose-check contract's (see times.read_instant).
        """
        value = self._value(key, True)
        if value is None:
            return datetime.min.replace(tzinfo=UTC)
        try:
            return read_instant(value, key)
        except InvalidInput:
            example = "2025-03-01T08:00:00+00:00"
            self.fail(key, f"Must be an ISO-8601 date and time with a timezone, e.g. {example}.")
            return datetime.min.replace(tzinfo=UTC)

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
class ActiveMedication:
    """Something else the patient is taking: an order of any set, a taper plan, a PRN, a home
    medication, or a substance such as alcohol recorded at evaluation.

    ``drug`` is a drug code of the medication policy, an ingredient or product code of
    ``clinical.products``, or a code of the interaction lists (``gabapentin``, ``alcohol`` ...).
    """

    drug: str
    daily_dose_mg: Decimal | None  # None when not known (a PRN, a home medication without dose)
    source: str = ""  # "order" | "taper" | "prn" | "home" | "evaluation"
    label: str = ""  # what staff read in a message, e.g. "Methadone taper"


PROTOCOLS = ("standard_start", "low_dose_initiation")


@dataclass(frozen=True)
class DoseContext:
    """What is known about the patient that some rules need; None means not recorded.

    ``pregnant`` None is "not known": no finding, but never read as "not pregnant" by a caller.
    ``allergies`` are ingredient codes of ``clinical.products``. ``protocol`` is the buprenorphine
    initiation protocol of the order (``PROTOCOLS``) or None. ``active_medications`` is the rest of
    the medication picture. ``opioid_class`` and ``hours_since_last_use`` feed the first-dose gate;
    unknown hours are never read as "long ago".
    """

    first_day: bool
    benzodiazepine_use: bool
    qtc_ms: int | None = None
    child_pugh_score: int | None = None
    egfr: Decimal | None = None
    weight_kg: Decimal | None = None
    cows_total: int | None = None
    pregnant: bool | None = None
    allergies: tuple[str, ...] = ()
    protocol: str | None = None
    active_medications: tuple[ActiveMedication, ...] = ()
    opioid_class: str | None = None
    hours_since_last_use: Decimal | None = None
    fentanyl_exposure: bool | None = None
    qtc_measured_at: datetime | None = None
    age_years: int | None = None


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
    "pregnant",
    "allergies",
    "protocol",
    "active_medications",
    "opioid_class",
    "hours_since_last_use",
    "fentanyl_exposure",
    "qtc_measured_at",
    "age_years",
)
ACTIVE_MEDICATION_FIELDS = ("drug", "daily_dose_mg", "source", "label")
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


def _list(reader: FieldReader, key: str, what: str) -> list[object]:
    """The list at ``key`` (absent or null: empty); an error naming ``key`` if not a list."""
    raw = reader.payload.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        reader.fail(key, f"Must be a list of {what}, empty when there are none.")
        return []
    return raw


def _read_allergies(reader: FieldReader) -> tuple[str, ...]:
    """Ingredient codes of ``clinical.products``; an unknown name is refused, never guessed."""
    known = tuple(code for code, _ in products.ingredient_choices())
    found: list[str] = []
    for index, item in enumerate(_list(reader, "allergies", "ingredient codes")):
        if not isinstance(item, str) or item not in known:
            reader.fail(
                f"allergies[{index}]",
                f"Unknown substance {item!r}: use an ingredient code ({', '.join(known)}).",
            )
            continue
        found.append(item)
    return tuple(found)


def _read_active(reader: FieldReader, policy: MedicationPolicy) -> tuple[ActiveMedication, ...]:
    """The rest of the medication picture: ``[{"drug", "daily_dose_mg"}]`` (plus optional
    ``source`` and ``label`` text); ``drug`` must be a code :func:`known_substances` lists."""
    known = known_substances(policy)
    found: list[ActiveMedication] = []
    key = "active_medications"
    for index, item in enumerate(_list(reader, key, "medications")):
        child = _child(reader, f"{key}[{index}]", item, "drug and daily_dose_mg")
        if child is None:
            continue
        child.only(ACTIVE_MEDICATION_FIELDS)
        drug = child.payload.get("drug")
        if not isinstance(drug, str) or drug not in known:
            child.fail("drug", f"Unknown substance {drug!r}. Known: {', '.join(known)}.")
        texts = [child.payload.get(name, "") for name in ("source", "label")]
        for name, text in zip(("source", "label"), texts, strict=True):
            if not isinstance(text, str):
                child.fail(name, "Must be text.")
        source, label = (text if isinstance(text, str) else "" for text in texts)
        dose = child.optional_number("daily_dose_mg", positive=True)
        found.append(ActiveMedication(str(drug), dose, source, label))
    return tuple(found)


def drug_of(code: str, policy: MedicationPolicy | None = None) -> str:
    """The policy drug whose rules check ``code``: the drug itself, or for a product of
    ``clinical.products`` the one ingredient that is a policy drug (buprenorphine_naloxone is
    checked as buprenorphine, its dose in mg of buprenorphine). A code that is neither is
    returned as it is, so that :meth:`MedicationPolicy.rules` refuses it."""
    policy = policy or default_policy()
    names = policy.drug_names()
    if code in names:
        return code
    drugs = [part for part in products.ingredients_of(code) if part in names]
    return drugs[0] if len(drugs) == 1 else code


def checkable_drugs(policy: MedicationPolicy | None = None) -> tuple[str, ...]:
    """The codes a dose check accepts as ``drug``: the policy's drugs, then the products that
    contain exactly one of them (see :func:`drug_of`)."""
    policy = policy or default_policy()
    names = policy.drug_names()
    extra = [code for code in products.catalogue().products if code not in names]
    return (*names, *(code for code in extra if drug_of(code, policy) != code))


def known_substances(policy: MedicationPolicy | None = None) -> tuple[str, ...]:
    """Every code an active medication may name: the policy's drugs, the products and ingredients
    of ``clinical.products`` and the codes of the policy's interaction lists, sorted."""
    policy = policy or default_policy()
    catalogue = products.catalogue()
    codes = {*policy.drug_names(), *catalogue.ingredients, *catalogue.products}
    return tuple(sorted(codes | policy.interaction_codes()))


def _read_context(reader: FieldReader, policy: MedicationPolicy) -> DoseContext:
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
        pregnant=child.optional_boolean("pregnant"),
        allergies=_read_allergies(child),
        protocol=child.optional_choice("protocol", PROTOCOLS),
        active_medications=_read_active(child, policy),
        opioid_class=child.optional_choice("opioid_class", OPIOID_CLASSES),
        hours_since_last_use=child.optional_number("hours_since_last_use"),
        fentanyl_exposure=child.optional_boolean("fentanyl_exposure"),
        qtc_measured_at=child.optional_moment("qtc_measured_at"),
        age_years=child.optional_integer("age_years", *limits.age_years),
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
        drug=reader.choice("drug", checkable_drugs(policy), "drug"),
        dose_mg=reader.number("dose_mg", positive=True),
        at=reader.moment("at"),
        given=_read_given(reader),
        vitals=_read_vitals(reader),
        context=_read_context(reader, policy),
    )
    reader.check("The dose cannot be checked: correct the marked fields.")
    return request


# --- The check ------------------------------------------------------------------------------------


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
        f"The last dose of {rules.drug} was {quantity(minutes.quantize(Decimal(1)), 'minute')}"
        f" ago; wait at least {quantity(interval.value, 'minute')} between doses."
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
    """Vitals older than the program's window: a warning. While the window is unset (SPEC gives
    none), a warning that says how old the vitals are, so that someone looks, instead of reading
    "ok" on vitals of any age."""
    window, age = policy.vitals_max_age_min, _minutes(at, reading.at)
    if window.value is None:
        message = (
            f"The vitals were taken {_age_words(age)} before this dose and no maximum age for"
            " vitals is configured: confirm they are recent enough to check the holds against."
        )
        return [Finding("vitals_age_unchecked", "warning", message, window.cited)]
    if age <= window.value:
        return []
    message = (
        f"The vitals are {quantity(age.quantize(Decimal(1)), 'minute')} old, older than"
        f" {quantity(window.value, 'minute')}: take them again before relying on them."
    )
    return [Finding("vitals_stale", "warning", message, window.cited)]


def _age_words(minutes: Decimal) -> str:
    whole = int(minutes.quantize(Decimal(1)))
    if whole < 120:
        return quantity(whole, "minute")
    hours = int(minutes // 60)
    return quantity(hours, "hour") if hours < 48 else quantity(hours // 24, "day")


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

    Co-use is the context's benzodiazepine_use or a benzodiazepine among the active medications;
    a benzodiazepine checked while an opioid is active warns the same way.
    Sources: fda-2017 (do not withhold MOUD), fda-2016 (boxed warning on combined use).
    """
    rule, mine = policy.benzodiazepine, _checked_codes(request, rules)
    if mine & rule.drugs:
        co_use = request.context.benzodiazepine_use or bool(
            _active_with(request, rule.benzodiazepines)
        )
    elif mine & rule.benzodiazepines:
        co_use = bool(_active_with(request, policy.opioids.all | rule.drugs))
    else:
        co_use = False
    return [Finding("benzodiazepine_co_use", "warning", rule.advice, rule.source)] if co_use else []


ALLERGY_SOURCE = "chart-allergies"  # the patient's own record, not a publication


def _allergy_findings(drug: str, rules: DrugRules, context: DoseContext) -> list[Finding]:
    """An allergy recorded against an ingredient the product ``drug`` contains: a stop.

    Matching is by ingredient code through ``clinical.products`` (buprenorphine/naloxone contains
    naloxone), never by free text. Source: the chart (ALLERGY_SOURCE).
    """
    matched = products.allergy_matches(drug, context.allergies)
    if not matched:
        return []
    names = ", ".join(products.ingredient_label(code) for code in matched)
    product = products.catalogue().products.get(drug)
    label = product.label if product else rules.label  # the product as ordered
    message = (
        f"The chart records an allergy to {names}, which {label} contains."
        " Check with the patient and the prescriber before giving it."
    )
    return [Finding("allergy_recorded", "stop", message, ALLERGY_SOURCE)]


def _pregnancy_findings(rules: DrugRules, context: DoseContext) -> list[Finding]:
    """Pregnancy recorded, for a drug with a pregnancy caution: a warning, never a stop.

    Sources: the caution's own (acog-711 for buprenorphine and methadone; lofexidine-label).
    """
    caution = rules.pregnancy_caution
    if not context.pregnant or caution is None:
        return []
    return [Finding(caution.code, "warning", caution.message, caution.source)]


def _age_findings(rules: DrugRules, context: DoseContext) -> list[Finding]:
    """Buprenorphine below its labelled age: an off-label warning. Source: eu-bup-label."""
    if rules.drug != "buprenorphine":
        return []
    return populations.buprenorphine_age_findings(context.age_years)


# --- The medication picture: combinations (SPEC A3, A4, 6.4) ------------------------------------

LOW_DOSE_INITIATION = "low_dose_initiation"


def _codes_of(code: str) -> frozenset[str]:
    """A code and, for a product, its ingredients (buprenorphine_naloxone: buprenorphine too)."""
    return frozenset({code}) | products.ingredients_of(code)


def _checked_codes(request: DoseRequest, rules: DrugRules) -> frozenset[str]:
    return _codes_of(request.drug) | {rules.drug}


def _name(item: ActiveMedication, policy: MedicationPolicy) -> str:
    """What staff read for an active medication: its label, else the product or drug label."""
    if item.label:
        return item.label
    if item.drug in policy.drug_names():
        return policy.rules(item.drug).label
    found = products.catalogue().products.get(item.drug)
    return found.label if found else products.ingredient_label(item.drug)


def _names(items: Sequence[ActiveMedication], policy: MedicationPolicy) -> str:
    names = list(dict.fromkeys(_name(item, policy) for item in items))
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _active_with(request: DoseRequest, codes: Collection[str]) -> tuple[ActiveMedication, ...]:
    """The active medications that are (or contain) one of ``codes``."""
    wanted = frozenset(codes)
    return tuple(m for m in request.context.active_medications if _codes_of(m.drug) & wanted)


def _agonist_findings(
    request: DoseRequest, rules: DrugRules, policy: MedicationPolicy
) -> list[Finding]:
    """A partial agonist (buprenorphine) with a full agonist active, either way round: a stop
    naming precipitated withdrawal. A low-dose initiation, which continues the full agonist until
    its last day (SPEC 5.3), is the exception. Source: the [opioids] list (methadone label)."""
    opioids, mine = policy.opioids, _checked_codes(request, rules)
    if request.context.protocol == LOW_DOSE_INITIATION:
        return []
    if mine & opioids.partial:
        partners = opioids.full - mine
    elif mine & opioids.full:
        partners = opioids.partial - mine
    else:
        return []
    active = _active_with(request, partners)
    if not active:
        return []
    message = (
        f"{rules.label} while {_names(active, policy)} is active: risk of precipitated"
        f" withdrawal. {opioids.advice}"
    )
    return [Finding("opioid_agonist_conflict", "stop", message, opioids.source)]


def _above_label_dose(
    code: str, daily_mg: Decimal | None, policy: MedicationPolicy, context: DoseContext
) -> bool:
    """A daily dose above the drug's daily maximum; unknown (no dose or no maximum) is not."""
    if daily_mg is None or code not in policy.drug_names():
        return False
    cap = daily_cap(policy.rules(code), context)
    return cap is not None and daily_mg > cap.value


def _qt_findings(
    request: DoseRequest, rules: DrugRules, facts: _Facts, policy: MedicationPolicy
) -> list[Finding]:
    """Methadone with a QT-prolonging drug of the list, either way round: a warning with an ECG
    prompt, never a stop. A member marked ``above_max_daily`` (loperamide) counts only above its
    own daily maximum; a dose not known does not count (the drug's own check stops an excess).
    Sources: each member's (lofexidine-label, fda-ondansetron-2011, mhra-hydroxyzine-2015,
    fda-loperamide-2016)."""
    qt, mine, context = policy.qt_with_methadone, _checked_codes(request, rules), request.context
    pairs: list[tuple[InteractionMember, ActiveMedication | None]] = []
    if mine & qt.drugs:
        for item in request.context.active_medications:
            for member in (qt.member(code) for code in _codes_of(item.drug)):
                if member is None:
                    continue
                if member.above_max_daily and not _above_label_dose(
                    member.drug, item.daily_dose_mg, policy, context
                ):
                    continue
                pairs.append((member, item))
    else:
        member = next((qt.member(code) for code in mine if qt.member(code)), None)
        if member is None or not _active_with(request, qt.drugs):
            return []
        if member.above_max_daily and not _above_label_dose(
            member.drug, facts.total_mg, policy, context
        ):
            return []
        pairs = [(member, item) for item in _active_with(request, qt.drugs)]
    if not pairs:
        return []
    others = _names([item for _, item in pairs if item is not None], policy)
    message = f"{rules.label} with {others}: {qt.advice}"
    return [Finding("qt_interaction", "warning", message, pairs[0][0].source)]


def _cns_findings(
    request: DoseRequest, rules: DrugRules, policy: MedicationPolicy
) -> list[Finding]:
    """Any opioid (MOUD included) with a CNS depressant of the list, either way round: a warning
    with acknowledgement, never a stop (SPEC A4, FDA 2017). Sources: each member's
    (fda-gabapentinoid-2019, who-2009, fda-2016)."""
    cns, mine = policy.cns_depressants, _checked_codes(request, rules)
    if mine & cns.drugs:
        active = _active_with(request, cns.codes() - mine)
        members = [m for item in active for c in _codes_of(item.drug) if (m := cns.member(c))]
    else:
        own = [member for code in mine if (member := cns.member(code))]
        active = _active_with(request, cns.drugs - mine) if own else ()
        members = own
    if not active or not members:
        return []
    groups = ", ".join(dict.fromkeys(member.group for member in members))
    message = f"{rules.label} with {_names(active, policy)} ({groups}): {cns.advice}"
    return [Finding("cns_depressant_interaction", "warning", message, members[0].source)]


# --- Buprenorphine: the first-dose gate, whatever the order set (SPEC 5.1, 5.3) -------------------


# The codes the first-dose gate can report (its own and induction.standard_start_findings'), so that
# a caller checking an order at signing, before the bedside, can tell them apart.
FIRST_DOSE_GATE_CODES = frozenset(
    {
        "no_withdrawal_score",
        "cows_gate_not_met",
        "opioid_class_not_recorded",
        "cows_not_recorded",
        "time_since_last_use",
        "time_since_last_use_unknown",
        "fentanyl_within_48h",
        "fentanyl_timing_unknown",
    }
)


def _is_first_dose(request: DoseRequest, facts: _Facts) -> bool:
    return request.context.first_day and not facts.earlier


def _within_low_dose_start(request: DoseRequest, policy: MedicationPolicy) -> bool:
    """A low-dose initiation's first dose, at or below the schedule's day-1 dose."""
    days = policy.induction.low_dose_days
    return (
        request.context.protocol == LOW_DOSE_INITIATION
        and bool(days)
        and request.dose_mg <= days[0].dose_mg
    )


def _gate_findings(
    request: DoseRequest, rules: DrugRules, facts: _Facts, policy: MedicationPolicy
) -> list[Finding]:
    """The first buprenorphine dose needs an objective withdrawal score at the gate of the opioid
    last used, from any order set. No score: a stop ``no_withdrawal_score``. The low-dose
    initiation's first dose (within its schedule) is exempt; one raised above it is not.

    Sources: acep-bupe-tool, nida-ed-2018 (the gate), asam-2015 (the wait), varshneya-2022
    (fentanyl), randhawa-2020 (the low-dose schedule).
    """
    # Imported here: induction reads this module's FieldReader.
    from detoxdesk.clinical import induction

    context = request.context
    if not _checked_codes(request, rules) & policy.opioids.partial:
        return []
    if not _is_first_dose(request, facts) or _within_low_dose_start(request, policy):
        return []
    gate_source = policy.induction.cows_gate("short_acting").cited
    if context.cows_total is None:
        message = (
            "No withdrawal score (COWS) is recorded: objective signs of withdrawal are the gate"
            " for a first buprenorphine dose, whatever the order set. Score COWS first."
        )
        return [Finding("no_withdrawal_score", "stop", message, gate_source)]
    found = list(
        induction.standard_start_findings(
            context.cows_total,
            context.opioid_class,
            context.hours_since_last_use,
            benzodiazepine_use=False,  # the dose check's own rule reports it
            policy=policy,
        )
    )
    return found + _fentanyl_findings(context, found, policy)


def _fentanyl_findings(
    context: DoseContext, found: Sequence[Finding], policy: MedicationPolicy
) -> list[Finding]:
    """Fentanyl used (by class or recorded exposure) within the window, or at a time not known:
    the fentanyl warning and the low-dose suggestion. Unknown never reads as "long ago".
    Source: varshneya-2022."""
    if any(finding.code.startswith("fentanyl") for finding in found):
        return []
    if context.opioid_class != "fentanyl" and context.fentanyl_exposure is not True:
        return []
    window, hours = policy.induction.fentanyl_window_hours, context.hours_since_last_use
    if window.value is None:
        return []
    advice = f" {window.advice}" if window.advice else ""
    if hours is None:
        message = f"Fentanyl was used and the time of last use is not known.{advice}"
        return [Finding("fentanyl_timing_unknown", "warning", message, window.cited)]
    if hours > window.value:
        return []
    message = (
        f"Fentanyl was used {quantity(hours, 'hour')} ago, within"
        f" {quantity(window.value, 'hour')}.{advice}"
    )
    return [Finding("fentanyl_within_48h", "warning", message, window.cited)]


# --- Ceilings after day 1 and titration (SPEC A1, A2) ---------------------------------------------


def _ceiling_findings(request: DoseRequest, rules: DrugRules, facts: _Facts) -> list[Finding]:
    """After day 1, the 24-hour total: a stop above daily_stop_above_mg (a plausibility ceiling,
    not a clinical maximum), else a warning above daily_warning_above_mg.

    Sources: buprenorphine herring-2021 (32 mg) and fda-btod-2024 (24 mg).
    """
    if request.context.first_day:
        return []
    limits, total = rules.limits, facts.total_mg
    levels: tuple[tuple[str, Severity, Parameter], ...] = (
        ("daily_total_exceeded", "stop", limits.daily_stop_above_mg),
        ("daily_total_high", "warning", limits.daily_warning_above_mg),
    )
    for code, severity, limit in levels:
        if limit.value is not None and total > limit.value:
            message = (
                f"{format_number(total)} mg of {rules.drug} in 24 hours, counting this dose, is"
                f" above {format_number(limit.value)} mg."
            )
            if limit.advice:
                message += f" {limit.advice}"
            return [Finding(code, severity, message, limit.cited)]
    return []


def _daily_stop(request: DoseRequest, rules: DrugRules, per_day: Cap | None) -> Cap | None:
    """The lowest daily amount above which the total is a stop, on the day of the dose."""
    limits = rules.limits
    day_stop = limits.first_day_stop_above_mg if request.context.first_day else None
    later_stop = None if request.context.first_day else limits.daily_stop_above_mg
    return _lowest([per_day, *(_cap(p) for p in (day_stop, later_stop) if p is not None)])


def _implausible_findings(
    request: DoseRequest, rules: DrugRules, per_day: Cap | None
) -> list[Finding]:
    """One dose above the drug's daily stop: a stop, as a probable unit or entry error (mg and
    mcg, films and mg). Source: the daily stop's own (SPEC A1, derived)."""
    stop = _daily_stop(request, rules, per_day)
    if stop is None or request.dose_mg <= stop.value:
        return []
    message = (
        f"A single dose of {format_number(request.dose_mg)} mg of {rules.drug} is above the daily"
        f" stop of {format_number(stop.value)} mg: probably a unit or entry error (mg and"
        " micrograms, films and mg). Check the order before giving it."
    )
    return [Finding("dose_implausible", "stop", message, stop.source)]


def _day_totals(request: DoseRequest) -> dict[date, Decimal]:
    """Totals by calendar day in the timezone of ``request.at``, counting this dose.

    Titration compares days, not rolling 24-hour windows: a once-daily dose given an hour
    earlier than yesterday's must not read as a doubled dose. Pass ``at`` in the unit's local
    time so that days split at its midnight.
    """
    zone = request.at.tzinfo
    totals: dict[date, Decimal] = {request.at.date(): request.dose_mg}
    for dose in request.given:
        if dose.at <= request.at:
            day = dose.at.astimezone(zone).date()
            totals[day] = totals.get(day, Decimal(0)) + dose.dose_mg
    return totals


def _titration_findings(request: DoseRequest, rules: DrugRules) -> list[Finding]:
    """After day 1, a day's total above the last dosing day's: a warning when the step is above
    increase_warning_above_mg, and when it comes fewer than increase_min_days days after the
    last increase. The caller reads :func:`history_window` of earlier doses.

    Source: methadone asam-2015 (5 to 10 mg, no more often than every 7 days).
    """
    step, interval = rules.limits.increase_warning_above_mg, rules.limits.increase_min_days
    if request.context.first_day or not (step.is_set or interval.is_set):
        return []
    totals = _day_totals(request)
    today = request.at.date()
    days = sorted(day for day in totals if day < today)
    if not days or totals[today] <= totals[days[-1]]:
        return []
    increase, found = totals[today] - totals[days[-1]], []
    if step.value is not None and increase > step.value:
        message = (
            f"The daily total of {rules.drug} rises by {format_number(increase)} mg to"
            f" {format_number(totals[today])} mg, more than the usual step of"
            f" {format_number(step.value)} mg."
        )
        found.append(Finding("dose_increase_above_step", "warning", message, step.cited))
    raised = [b for a, b in zip(days, days[1:], strict=False) if totals[b] > totals[a]]
    if interval.value is not None and raised and (today - raised[-1]).days < interval.value:
        message = (
            f"The daily total of {rules.drug} was last increased"
            f" {quantity((today - raised[-1]).days, 'day')} ago, sooner than every"
            f" {quantity(interval.value, 'day')}."
        )
        found.append(Finding("dose_increase_too_soon", "warning", message, interval.cited))
    return found


# --- QTc and ECG prompts (SPEC A2) ----------------------------------------------------------------


def _ecg_findings(request: DoseRequest, rules: DrugRules) -> list[Finding]:
    """No QTc on file: a warning (qtc_unknown), never a block. A QTc older than
    ecg_max_age_days, or a day's total rising above ecg_above_daily_mg with no QTc taken since
    that day began: an ECG prompt (a warning). A QTc with no date gets no age prompt.

    Sources: bccsu-oud-app3 (no QTc), krantz-2009 (yearly; above 100 mg a day).
    """
    context, limits, found = request.context, rules.limits, []
    if context.qtc_ms is None and rules.qtc_unknown_warning is not None:
        advice = rules.qtc_unknown_warning
        found.append(Finding(advice.code, "warning", advice.message, advice.source))
    age_limit, measured = limits.ecg_max_age_days, context.qtc_measured_at
    if context.qtc_ms is not None and measured is not None and age_limit.value is not None:
        age = (request.at - measured).days
        if age > age_limit.value:
            message = (
                f"The QTc on file was measured {quantity(age, 'day')} ago, more than"
                f" {quantity(age_limit.value, 'day')}: take a new ECG."
            )
            found.append(Finding("ecg_due", "warning", message, age_limit.cited))
    return found + _ecg_dose_findings(request, rules)


def _ecg_dose_findings(request: DoseRequest, rules: DrugRules) -> list[Finding]:
    limit, measured = rules.limits.ecg_above_daily_mg, request.context.qtc_measured_at
    if limit.value is None:
        return []
    totals, today = _day_totals(request), request.at.date()
    earlier = sorted(day for day in totals if day < today)
    if totals[today] <= limit.value or (earlier and totals[earlier[-1]] > limit.value):
        return []
    if measured is not None and measured.astimezone(request.at.tzinfo).date() >= today:
        return []
    message = (
        f"The daily total of {rules.drug} goes above {format_number(limit.value)} mg"
        f" ({format_number(totals[today])} mg): take an ECG (QTc)."
    )
    return [Finding("ecg_prompt_dose", "warning", message, limit.cited)]


# --- Naloxone (SPEC A13) --------------------------------------------------------------------------


def naloxone_prompt(
    drug: str, context: DoseContext | None = None, policy: MedicationPolicy | None = None
) -> Finding | None:
    """The naloxone offer to show when an order for ``drug`` is signed: a warning for MOUD or any
    opioid of the policy's [opioids] lists (a drug, product or ingredient code), else None.

    SPEC A13: an MOUD or detox patient is always offered naloxone; benzodiazepines or other CNS
    depressants are named when the context records them. Source: fda-naloxone-2020.
    """
    policy = policy or default_policy()
    if not (_codes_of(drug) | {drug_of(drug, policy)}) & policy.opioids.all:
        return None
    offer = policy.naloxone_offer
    message = offer.message
    if context is not None and (context.benzodiazepine_use or _sedatives(context, policy)):
        message += " Sedating medicines are also recorded, which raises the overdose risk."
    return Finding(offer.code, "warning", message, offer.source)


def _sedatives(context: DoseContext, policy: MedicationPolicy) -> bool:
    codes = policy.cns_depressants.codes() | policy.benzodiazepine.benzodiazepines
    return any(_codes_of(item.drug) & codes for item in context.active_medications)


HOLD_SIGNS = {
    "hold_systolic_below": "systolic blood-pressure",
    "hold_diastolic_below": "diastolic blood-pressure",
    "hold_heart_rate_below": "heart-rate",
}


def _unset(rules: DrugRules, policy: MedicationPolicy) -> tuple[UnsetParameter, ...]:
    """The declared parameters left unset; each unset hold of the drug is also listed by its key
    (``hold_systolic_below`` ...), so that a dose form can say "hold not configured"."""
    found = [UnsetParameter(p.name, p.note or f"{p.name} is not set.") for p in rules.unset()]
    for key, sign in HOLD_SIGNS.items():
        hold: Parameter = getattr(rules.limits, key)
        if hold.declared and not hold.is_set:
            message = f"Hold not configured: no {sign} hold is set for {rules.label}."
            found.append(UnsetParameter(key, message))
    window = policy.vitals_max_age_min
    if _holds(rules) and not window.is_set:
        found.append(UnsetParameter(window.name, window.note or f"{window.name} is not set."))
    return tuple(found)


def check_dose(request: DoseRequest, policy: MedicationPolicy | None = None) -> DoseCheck:
    """Check one dose against the policy; every rule runs and the decision is the worst finding.

    Sources: each finding names its own (see the rule functions of this module). Earlier doses
    count when given at or before ``request.at``; the daily total counts those of the 24 hours
    before it (a dose exactly 24 hours earlier no longer counts); older doses (up to
    :func:`history_window`) feed the titration rule, which compares calendar days. The rules see
    ``context.active_medications`` (agonist conflict, QT and CNS combinations, benzodiazepines)
    and run the first-buprenorphine-dose gate whatever the order set. A product code is checked
    by the rules of its one policy drug (:func:`drug_of`). Raises InvalidInput for an unknown
    drug.
    """
    policy = policy or default_policy()
    rules = policy.rules(drug_of(request.drug, policy))
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
        + _allergy_findings(request.drug, rules, request.context)
        + _pregnancy_findings(rules, request.context)
        + _age_findings(rules, request.context)
        + _gate_findings(request, rules, facts, policy)
        + _agonist_findings(request, rules, policy)
        + _implausible_findings(request, rules, per_day)
        + _ceiling_findings(request, rules, facts)
        + _titration_findings(request, rules)
        + _ecg_findings(request, rules)
        + _qt_findings(request, rules, facts, policy)
        + _cns_findings(request, rules, policy)
    )
    return DoseCheck(
        drug=rules.drug,
        dose_mg=request.dose_mg,
        decision=decision(findings),
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
    "qtc_ms", "child_pugh_score", "egfr", "weight_kg", "cows_total", "pregnant" (bool | null),
    "allergies" [ingredient codes], "protocol" ("standard_start" | "low_dose_initiation" | null),
    "active_medications" [{"drug", "daily_dose_mg", "source", "label"}], "opioid_class",
    "hours_since_last_use", "fentanyl_exposure" (bool | null), "qtc_measured_at", "age_years"}}``;
    every
    context key but the first two is optional (absent: not known). ``drug`` may be a product
    code (:func:`checkable_drugs`). Output: ``decision`` (ok | warning | stop), ``findings``
    [{code, severity, message, source}], the 24-hour total, the effective caps and the
    parameters left unset (an unset hold also as ``hold_*``). Sources: see :func:`check_dose`.
    The contract is documented in docs/clinical-knowledge.md.
    """
    return dose_check_json(check_dose(parse_dose_request(payload)))
