"""Taper plans: day-by-day schedules that can be held, resumed and edited.

Kinds (numbers in ``knowledge/tapers.toml``):

* ``buprenorphine`` (ctn-0003), ``methadone`` (asam-2020) and ``lofexidine`` (lofexidine-label):
  withdrawal tapers, equal daily reductions from the current daily dose to zero over ``days`` days;
* ``long_term_opioid`` (hhs-2019, cdc-2022): a percentage of the original or of the current dose
  every ``every_days`` days;
* ``benzodiazepine`` (jgim-bzd-2025): ``step_percent`` of the dose before each step, every
  ``step_days`` days, each step rounded up to the increment and at least one increment.

Each step's exact planned dose is rounded to the nearest whole multiple of the increment (the
smallest amount the product allows), halves up so rounding errs towards the gentler taper, but never
above the current dose. The arithmetic is exact (``Fraction``, whole increments), so no float error
can make a dose a non-multiple or a step rise.

Every plan keeps these invariants: one step per day from the start date to the first day at zero;
doses never rise; each dose is a whole multiple of the increment; the first is at most the current
dose; the last is zero; within any ``every_days`` window the dose falls by at most what the rate
allows plus one increment of rounding. :func:`hold` and :func:`edit_step` keep them too.

Findings on the shape of a plan, recomputed after every hold and edit: a plan that goes from the
full dose to zero in one step is a stop ``abrupt_taper`` (hhs-2019: never abrupt); a withdrawal
taper that reaches zero in fewer days than SPEC's length for its kind (buprenorphine 7, methadone
6 of 6-10, lofexidine 2 of 2-4) is a warning ``taper.shorter_than_usual``. For a long-term opioid
taper the SPEC gives a rate, not a length: faster than the fastest cited rate is the warning
``taper.faster_than_reference_rate``. A pregnant patient's taper carries the warning
``pregnancy_physician_review`` (acog-711), never a block. A benzodiazepine taper's actual steps
(after rounding, holds and edits) are checked against SPEC A7: a step above 10 % of the dose before
it, or sooner than 14 days after the last step, is the warning ``benzodiazepine_step_too_fast``;
more than 25 % within 14 days is the strong warning ``benzodiazepine_step_far_too_fast``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.findings import Finding
from detoxdesk.clinical.knowledge import Note
from detoxdesk.clinical.numbers import decimal_or_none, format_number, json_number, rounded

BENZODIAZEPINE = "benzodiazepine"
KINDS = ("buprenorphine", "methadone", "lofexidine", "long_term_opioid", BENZODIAZEPINE)
WITHDRAWAL_KINDS = ("buprenorphine", "methadone", "lofexidine")
OUD_KINDS = ("buprenorphine", "methadone")  # tapers of an opioid use disorder medication
BASES = ("original", "current")
COMMON_KEYS = frozenset({"kind", "start_date", "current_daily_dose", "increment", "pregnant"})
WITHDRAWAL_KEYS = frozenset({"days", "allow_outside_range"})
LONG_TERM_KEYS = frozenset({"percent", "every_days", "of", "original_daily_dose", "slow_near_end"})
BENZODIAZEPINE_KEYS = frozenset({"drug", "step_percent", "step_days"})
DRUG_MAX_LENGTH = 64  # a software limit: the stored plan's drug field
SLOW_KEYS = frozenset({"at_or_below_percent", "every_days"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HUNDRED = Fraction(100)
# Precision of the repeated products of a percentage-of-current taper; exact fractions would grow
# without bound. Products are rounded up, so a step is never larger than the rate.
CURRENT_CONTEXT = Context(prec=34, rounding=ROUND_CEILING)
ABRUPT = "abrupt_taper"  # stable finding codes (the calculator contract)
SHORTER = "taper.shorter_than_usual"
PREGNANCY = "pregnancy_physician_review"
TOO_FAST = "benzodiazepine_step_too_fast"
FAR_TOO_FAST = "benzodiazepine_step_far_too_fast"
SHAPE_CODES = frozenset({ABRUPT, SHORTER, TOO_FAST, FAR_TOO_FAST})  # recomputed on hold and edit


# --- Knowledge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalRule:
    """Days and start-dose guidance of one withdrawal-taper kind; None where SPEC gives none.

    ``shortest_days``: SPEC's length for the kind; a plan that reaches zero sooner is a warning."""

    kind: str
    label: str
    default_days: int | None
    min_days: int | None
    max_days: int | None
    shortest_days: int | None
    start_dose_min: Decimal | None
    start_dose_max: Decimal | None
    start_dose_unit: str | None
    source: str
    confidence: str

    def days_in_range(self, days: int) -> bool:
        too_few = self.min_days is not None and days < self.min_days
        return not too_few and (self.max_days is None or days <= self.max_days)

    @property
    def range_text(self) -> str:
        return f"{self.min_days}-{self.max_days} days"


@dataclass(frozen=True)
class ReferenceRate:
    """A commonly cited long-term taper rate: ``percent`` every ``every_days`` days."""

    when: str
    percent: Decimal
    period: str
    every_days: int
    source: str
    confidence: str

    @property
    def per_day(self) -> Fraction:
        return Fraction(self.percent) / self.every_days


@dataclass(frozen=True)
class SlowNearEnd:
    """Program policy: from a dose at or below ``at_or_below_percent`` of the original dose, reduce
    only every ``every_days`` days. SPEC gives no figure, so it ships unset."""

    at_or_below_percent: Decimal
    every_days: int


def _data() -> Mapping[str, Any]:
    return knowledge.load("tapers")


def _int(entry: Mapping[str, Any], key: str, where: str) -> int | None:
    value = entry.get(key)
    if value is not None and (type(value) is not int or value < 1):
        raise KnowledgeError(f"tapers.toml {where}: {key} must be a whole number above 0")
    return value


def _dec(entry: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    if key not in entry:
        return None
    number = decimal_or_none(entry[key])
    if number is None or number <= 0:
        raise KnowledgeError(f"tapers.toml {where}: {key} must be a number above 0")
    return number


def _confidence(entry: Mapping[str, Any], where: str) -> str:
    if entry.get("confidence") not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"tapers.toml {where}: confidence must be one of C, S, U")
    return str(entry["confidence"])


def _build_rule(kind: str, entry: Mapping[str, Any]) -> WithdrawalRule:
    where = f"[{kind}]"
    rule = WithdrawalRule(
        kind=kind,
        label=entry["label"],
        default_days=_int(entry, "default_days", where),
        min_days=_int(entry, "min_days", where),
        max_days=_int(entry, "max_days", where),
        shortest_days=_int(entry, "shortest_days", where),
        start_dose_min=_dec(entry, "start_dose_min", where),
        start_dose_max=_dec(entry, "start_dose_max", where),
        start_dose_unit=entry.get("start_dose_unit"),
        source=entry["source"],
        confidence=_confidence(entry, where),
    )
    if rule.default_days is not None and not rule.days_in_range(rule.default_days):
        raise KnowledgeError(f"tapers.toml {where}: default_days is outside the range")
    return rule


@cache
def withdrawal_rule(kind: str) -> WithdrawalRule:
    """The rule of a withdrawal-taper kind. Sources: ctn-0003, asam-2020, lofexidine-label."""
    if kind not in WITHDRAWAL_KINDS:
        raise InvalidInput(f"Not a withdrawal taper: {kind!r}.")
    return _build_rule(kind, _data()[kind])


@cache
def reference_rates() -> tuple[ReferenceRate, ...]:
    """The commonly cited long-term taper rates [S]. Sources: hhs-2019, cdc-2022."""
    entries = _data()["long_term_opioid"]["reference_rates"]
    return tuple(
        ReferenceRate(
            when=entry["when"],
            percent=Decimal(entry["percent"]),
            period=entry["period"],
            every_days=entry["every_days"],
            source=entry["source"],
            confidence=_confidence(entry, f"reference_rates[{index}]"),
        )
        for index, entry in enumerate(entries)
    )


@cache
def slow_near_end_default() -> SlowNearEnd | None:
    """The program-wide slowing near the end, or None when unset (as shipped). Source: hhs-2019."""
    entry = _data()["long_term_opioid"]["slow_near_end"]
    where = "[long_term_opioid.slow_near_end]"
    percent, days = _dec(entry, "at_or_below_percent", where), _int(entry, "every_days", where)
    if percent is None or days is None:
        return None
    return SlowNearEnd(percent, days)


@dataclass(frozen=True)
class BenzodiazepineRule:
    """SPEC A7's limits on a benzodiazepine taper's steps (jgim-bzd-2025)."""

    label: str
    step_warning_percent: Decimal
    step_warning_days: int
    strong_percent: Decimal
    strong_window_days: int
    source: str
    confidence: str


@cache
def benzodiazepine_rule() -> BenzodiazepineRule:
    """The step limits of a benzodiazepine taper. Source: jgim-bzd-2025."""
    entry, where = _data()[BENZODIAZEPINE], f"[{BENZODIAZEPINE}]"
    values = (
        _dec(entry, "step_warning_percent", where),
        _int(entry, "step_warning_days", where),
        _dec(entry, "strong_percent", where),
        _int(entry, "strong_window_days", where),
    )
    if any(value is None for value in values):
        raise KnowledgeError(f"tapers.toml {where}: every step limit is required")
    percent, days, strong, window = values
    return BenzodiazepineRule(
        label=entry["label"],
        step_warning_percent=Decimal(percent or 0),
        step_warning_days=int(days or 0),
        strong_percent=Decimal(strong or 0),
        strong_window_days=int(window or 0),
        source=entry["source"],
        confidence=_confidence(entry, where),
    )


@dataclass(frozen=True)
class DiazepamEquivalent:
    """One row of a diazepam-equivalent table: 1 unit of ``drug`` is ``diazepam_per_unit`` of
    diazepam, according to ``source`` (each row carries its own, SPEC A7)."""

    drug: str
    diazepam_per_unit: Decimal
    source: str


def diazepam_equivalents_default() -> tuple[DiazepamEquivalent, ...]:
    """The shipped table: empty, because no source of one was read (SPEC A7 [U])."""
    return ()


def normal_drug(drug: str) -> str:
    """A drug name as plans and tables compare it: trimmed, lower case, single spaces."""
    return " ".join(drug.split()).lower()


def diazepam_equivalent(
    drug: str, daily_dose: Decimal, table: tuple[DiazepamEquivalent, ...]
) -> tuple[Decimal, str] | None:
    """The diazepam-equivalent daily dose of ``daily_dose`` of ``drug`` and the row's source, or
    None when ``table`` has no row for the drug (always, with the shipped empty table)."""
    row = next((r for r in table if normal_drug(r.drug) == normal_drug(drug)), None)
    if row is None:
        return None
    return daily_dose * row.diazepam_per_unit, row.source


@cache
def note(key: str) -> Note:
    """The text ``[notes.<key>]``. Sources: as recorded on each (asam-2015, asam-2020, hhs-2019)."""
    entry = _data()["notes"][key]
    return Note(entry["text"], entry["source"], _confidence(entry, f"[notes.{key}]"))


# The texts of the patient's calendar (the portal and the printed copy): words for the patient,
# never the staff's instructions ("give naloxone") that notes.lost_tolerance carries for the team.
PATIENT_NOTES = {
    "lost_tolerance": "patient_lost_tolerance",
    "when_hard": "patient_when_hard",
    "naloxone": "naloxone",
}


def patient_notes() -> dict[str, str]:
    """The patient calendar's texts by place. Sources: as recorded on each note."""
    return {place: note(key).text for place, key in PATIENT_NOTES.items()}


@cache
def finding_text(code: str) -> Note:
    """The fixed text of finding ``code`` (``[findings.<code>]``). Sources: as recorded on each
    (hhs-2019 for ``abrupt_taper``, acog-711 for ``pregnancy_physician_review``)."""
    entry = _data()["findings"][code]
    return Note(entry["text"], entry["source"], _confidence(entry, f"[findings.{code}]"))


@cache
def max_schedule_days() -> int:
    """The longest plan accepted: a software limit, not a clinical one (detoxdesk-entry-limits)."""
    value = _int(_data()["limits"], "max_schedule_days", "[limits]")
    if value is None:
        raise KnowledgeError("tapers.toml [limits]: max_schedule_days is required")
    return value


# --- Plans ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One day of a plan. ``planned`` is the exact dose before rounding to the increment."""

    date: date
    daily_dose: Decimal
    planned: Fraction
    held: bool = False
    edited: bool = False

    @property
    def rounded(self) -> bool:
        """Whether rounding to the increment changed this day's dose."""
        return self.planned != self.daily_dose


@dataclass(frozen=True)
class Rate:
    """How fast a plan may reduce: per ``every_days`` days, a fixed ``amount`` or a ``fraction``
    of the planned dose."""

    every_days: int
    amount: Fraction | None = None
    fraction: Fraction | None = None

    def allowed(self, planned: Fraction) -> Fraction:
        """The reduction the rate allows in one period from a planned dose of ``planned``."""
        if self.amount is not None:
            return self.amount
        return planned * (self.fraction or Fraction(0))


@dataclass(frozen=True)
class Hold:
    """The dose held at its level for ``days`` days from ``from_date``; the rest moved later."""

    from_date: date
    days: int


@dataclass(frozen=True)
class Edit:
    """A prescriber's change of one day's dose."""

    on: date
    old_dose: Decimal
    new_dose: Decimal


@dataclass(frozen=True)
class TaperPlan:
    """A taper: steps from ``start_date`` to the first day at zero, and what to show with it."""

    kind: str
    start_date: date
    current_daily_dose: Decimal
    increment: Decimal
    rate: Rate
    steps: tuple[Step, ...]
    notes: tuple[str, ...]
    findings: tuple[Finding, ...]
    source: str
    sources: tuple[str, ...]
    holds: tuple[Hold, ...] = ()
    edits: tuple[Edit, ...] = ()
    drug: str | None = None  # a benzodiazepine taper names its drug

    @property
    def end_date(self) -> date:
        """The first day at zero."""
        return self.steps[-1].date

    def rounding_changes(self) -> tuple[Step, ...]:
        """The first day of each step whose dose rounding to the increment changed."""
        return _rounding_changes(self.steps)

    def index_of(self, day: date) -> int:
        """The position of ``day`` in the plan; InvalidInput if the plan does not include it."""
        index = (day - self.start_date).days
        if not 0 <= index < len(self.steps):
            message = f"The plan runs from {self.start_date} to {self.end_date}."
            raise InvalidInput(message, {"date": message})
        return index


# --- Building -------------------------------------------------------------------------------------


def _units(planned: Fraction, increment: Fraction, cap: int) -> int:
    """``planned`` in whole increments: the nearest, halves up, never more than ``cap``."""
    return min(math.floor(planned / increment + Fraction(1, 2)), cap)


def _too_long(field: str) -> InvalidInput:
    message = (
        f"This taper would last more than {max_schedule_days()} days; "
        "choose a faster rate or a larger increment."
    )
    return InvalidInput(message, {field: message})


def _build_steps(
    start_date: date,
    planned_doses: Iterator[Fraction],
    increment: Decimal,
    cap: int,
    period_days: Callable[[int], int],
    too_long_field: str,
) -> tuple[Step, ...]:
    """Rounded steps, each held for ``period_days(units)`` days, up to the first day at zero."""
    steps: list[Step] = []
    for planned in planned_doses:
        units = _units(planned, Fraction(increment), cap)
        for _ in range(period_days(units) if units else 1):
            steps.append(Step(start_date + timedelta(days=len(steps)), increment * units, planned))
        if len(steps) > max_schedule_days():
            raise _too_long(too_long_field)
        if units == 0:
            return tuple(steps)
    raise KnowledgeError("A taper's planned doses ended before reaching zero.")


def _check_amounts(dose: Decimal, increment: Decimal) -> None:
    problems: dict[str, str] = {}
    if not dose > 0:
        problems["current_daily_dose"] = "Must be a number greater than zero."
    if not increment > 0:
        problems["increment"] = "Must be a number greater than zero."
    elif dose > 0 and increment > dose:
        problems["increment"] = "Must not be larger than the current daily dose."
    if problems:
        raise InvalidInput("The taper cannot be planned: check the marked fields.", problems)


def _texts(*keys: str) -> list[Note]:
    return [note(key) for key in keys]


def _sources(notes: list[Note], findings: list[Finding], *extra: str) -> tuple[str, ...]:
    keys = {item.source for item in notes} | {item.source for item in findings} | set(extra)
    return tuple(sorted(keys))


def _rounding_changes(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The first day of each step (a run of days with one planned dose) that rounding changed."""
    return tuple(
        step
        for before, step in zip((None, *steps), steps, strict=False)
        if step.rounded and (before is None or before.planned != step.planned)
    )


def _rounding_notes(steps: tuple[Step, ...], increment: Decimal) -> list[str]:
    changed = len(_rounding_changes(steps))
    if not changed:
        return []
    return [f"Rounding to the increment of {increment} changed {changed} step(s): see rounding."]


# --- Findings on the shape of a plan and on the patient -----------------------------------------


def _abrupt_findings(plan: TaperPlan) -> list[Finding]:
    """A stop when the dose goes from the full dose to zero in one step. Source: hhs-2019.

    The full dose is the current daily dose rounded down to the increment (the first day of a plan
    as built); the step may be the plan's own last one or, when day 1 is at zero, the one from the
    current dose.
    """
    units = math.floor(plan.current_daily_dose / plan.increment)
    full, level = plan.increment * units, plan.current_daily_dose
    for step in plan.steps:
        if step.daily_dose == 0:
            break
        level = step.daily_dose
    if level < full:
        return []
    text = finding_text(ABRUPT)
    message = (
        f"This plan goes from the full dose of {format_number(level)} to zero in one step, on "
        f"{plan.end_date}."
    )
    if units <= 1:
        message += (
            f" With an increment of {format_number(plan.increment)} no dose lies between the "
            "current dose and zero."
        )
    return [Finding(ABRUPT, "stop", f"{message} {text.text}", text.source)]


def _length_findings(plan: TaperPlan) -> list[Finding]:
    """A warning when a withdrawal taper reaches zero sooner than SPEC's length for its kind.

    Sources: ctn-0003 (buprenorphine 7 days), asam-2020 (methadone 6-10 days), lofexidine-label
    (2-4 days). Counted as the days before the first day at zero, after rounding, holds and edits.
    """
    if plan.kind not in WITHDRAWAL_KINDS:
        return []
    rule = withdrawal_rule(plan.kind)
    dosing_days = len(plan.steps) - 1
    if rule.shortest_days is None or dosing_days >= rule.shortest_days:
        return []
    message = (
        f"This plan reaches zero after {dosing_days} day(s), sooner than the "
        f"{rule.shortest_days} days of a {rule.label.lower()} ({rule.source})."
    )
    return [Finding(SHORTER, "warning", message, rule.source)]


@dataclass(frozen=True)
class Reduction:
    """One fall of the daily dose in a plan: on ``day`` from ``before`` to ``after``."""

    day: date
    before: Decimal
    after: Decimal

    @property
    def percent(self) -> Decimal:
        return (self.before - self.after) * 100 / self.before


def reductions(plan: TaperPlan) -> tuple[Reduction, ...]:
    """Every fall of the dose, day 1 compared with the current daily dose."""
    found, level = [], plan.current_daily_dose
    for step in plan.steps:
        if step.daily_dose < level:
            found.append(Reduction(step.date, level, step.daily_dose))
        level = step.daily_dose
    return tuple(found)


def _checked_reductions(plan: TaperPlan) -> tuple[Reduction, ...]:
    """The reductions the step limits apply to: all but a last step from one increment to zero,
    which no product can make smaller (the abrupt-stop rule covers a last step from more)."""
    found = reductions(plan)
    if found and found[-1].after == 0 and found[-1].before <= plan.increment:
        return found[:-1]
    return found


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")


LISTED = 5  # how many days a finding's message names; wording only


def _step_text(item: Reduction) -> str:
    before, after = format_number(item.before), format_number(item.after)
    return f"{item.day} ({before} to {after}, {format_number(rounded(item.percent))} %)"


def benzodiazepine_findings(plan: TaperPlan) -> list[Finding]:
    """SPEC A7 on the plan's actual steps (jgim-bzd-2025): too large or too soon is a warning;
    more than the strong percentage within the window a strong warning."""
    if plan.kind != BENZODIAZEPINE:
        return []
    rule = benzodiazepine_rule()
    checked = _checked_reductions(plan)
    large = [_step_text(r) for r in checked if r.percent > rule.step_warning_percent]
    # The interval: from the start (day 1 is at the current dose) or the last step to each step.
    soon, previous = [], plan.start_date
    for item in reductions(plan):  # the last step to zero counts here: it can come later
        gap = (item.day - previous).days
        if item.day != plan.start_date and gap < rule.step_warning_days:
            soon.append(f"{item.day} ({gap} days after {previous})")
        previous = item.day
    findings = []
    if large or soon:
        parts = []
        if large:
            parts.append(
                f"Steps above {format_number(rule.step_warning_percent)} % of the dose before "
                f"them: {_listed(large)}."
            )
        if soon:
            parts.append(
                f"Steps sooner than {rule.step_warning_days} days after the last one: "
                f"{_listed(soon)}."
            )
        text = finding_text(TOO_FAST)
        findings.append(Finding(TOO_FAST, "warning", " ".join([*parts, text.text]), text.source))
    strong = _strong_windows(checked, rule)
    if strong:
        text = finding_text(FAR_TOO_FAST)
        message = (
            f"The dose falls by more than {format_number(rule.strong_percent)} % within "
            f"{rule.strong_window_days} days from: {_listed(strong)}. {text.text}"
        )
        findings.append(Finding(FAR_TOO_FAST, "warning", message, text.source))
    return findings


def _strong_windows(checked: tuple[Reduction, ...], rule: BenzodiazepineRule) -> list[str]:
    """Each reduction from which the checked reductions within the window (that day and the
    ``strong_window_days - 1`` after it) take more than ``strong_percent`` of the dose before."""
    found = []
    for index, first in enumerate(checked):
        end = first.day + timedelta(days=rule.strong_window_days - 1)
        within = [r for r in checked[index:] if r.day <= end]
        fall = (first.before - within[-1].after) * 100 / first.before
        if fall > rule.strong_percent:
            last = within[-1]
            by = f" by {last.day}" if last.day != first.day else ""
            found.append(
                f"{first.day} ({format_number(first.before)} to {format_number(last.after)}{by}, "
                f"{format_number(rounded(fall))} %)"
            )
    return found


def _pregnancy_findings(pregnant: bool | None) -> list[Finding]:
    """Pregnancy recorded: a warning for physician review, never a stop. Source: acog-711.

    None (not known) adds nothing."""
    if pregnant is not True:
        return []
    text = finding_text(PREGNANCY)
    return [Finding(PREGNANCY, "warning", text.text, text.source)]


def _with_shape(plan: TaperPlan) -> TaperPlan:
    """``plan`` with its shape findings (abrupt, shorter) recomputed, ahead of the others."""
    shape = _abrupt_findings(plan) + _length_findings(plan) + benzodiazepine_findings(plan)
    findings = (*shape, *(f for f in plan.findings if f.code not in SHAPE_CODES))
    sources = tuple(sorted(set(plan.sources) | {f.source for f in findings}))
    return replace(plan, findings=findings, sources=sources)


# --- Withdrawal tapers ----------------------------------------------------------------------------


def _withdrawal_days(rule: WithdrawalRule, days: int | None, allow: bool) -> tuple[int, list[str]]:
    """The number of days and the notes about it; InvalidInput if unset or outside the range."""
    if days is None and rule.default_days is None:
        message = f"Choose the number of days ({rule.range_text}): there is no default."
        raise InvalidInput(message, {"days": message})
    if days is None:
        days = rule.default_days or 0
        return days, [f"{days} days is the default ({rule.source})."]
    if days < 1:
        raise InvalidInput("Must be at least 1 day.", {"days": "Must be at least 1 day."})
    if rule.days_in_range(days):
        return days, []
    if not allow:
        message = (
            f"Must be within {rule.range_text} ({rule.source}); "
            "set allow_outside_range to plan outside it."
        )
        raise InvalidInput(message, {"days": message})
    return days, [f"{days} days is outside the usual {rule.range_text} ({rule.source})."]


def _days_finding(rule: WithdrawalRule, days: int) -> list[Finding]:
    if rule.days_in_range(days):
        return []
    if rule.shortest_days is not None and days < rule.shortest_days:
        return []  # the plan is shorter than usual: that finding says it
    message = f"{days} days is outside the usual {rule.range_text} for a {rule.label.lower()}."
    return [Finding("taper.days_outside_range", "warning", message, rule.source)]


def _start_dose_finding(rule: WithdrawalRule, dose: Decimal) -> list[Finding]:
    low, high = rule.start_dose_min, rule.start_dose_max
    if low is None or high is None or low <= dose <= high:
        return []
    message = (
        f"A {rule.label.lower()} usually starts from {low}-{high} {rule.start_dose_unit}; "
        f"this one starts from {dose}."
    )
    return [Finding("taper.start_dose_outside_range", "warning", message, rule.source)]


def _shortened_note(steps: tuple[Step, ...], days: int) -> list[str]:
    dosing_days = len(steps) - 1
    if dosing_days >= days:
        return []
    return [
        f"Rounding to the increment reaches zero on {steps[-1].date}, "
        f"{days - dosing_days} day(s) sooner than the {days} days planned."
    ]


def withdrawal_taper(
    kind: str,
    *,
    start_date: date,
    current_daily_dose: Decimal,
    increment: Decimal,
    days: int | None = None,
    allow_outside_range: bool = False,
    pregnant: bool | None = None,
) -> TaperPlan:
    """A withdrawal taper: equal daily reductions from the current daily dose to zero.

    Sources: ctn-0003 (buprenorphine, 7 days by default), asam-2020 (methadone: 6-10 days, from
    20-30 mg/day; no default days), lofexidine-label (2-4 days; no default days); the lost-tolerance
    note asam-2015; hhs-2019 (never abrupt); acog-711 (pregnancy). Day 1 is the current dose
    (rounded down to the increment), and the dose reaches zero on day ``days + 1`` unless rounding
    gets there sooner. ``days`` outside the kind's range is refused unless
    ``allow_outside_range``, which turns it into a warning. Any number of buprenorphine days is
    accepted. Findings: a plan that reaches zero sooner than the kind's SPEC length is a warning
    ``taper.shorter_than_usual``; one that goes from the full dose to zero in one step (a one-day
    taper, or an increment that leaves no dose in between) is a stop ``abrupt_taper``;
    ``pregnant`` True adds the warning ``pregnancy_physician_review`` (None: not known, nothing).
    Raises InvalidInput.
    """
    rule = withdrawal_rule(kind)
    _check_amounts(current_daily_dose, increment)
    days, day_notes = _withdrawal_days(rule, days, allow_outside_range)
    dose = Fraction(current_daily_dose)
    planned = (dose * (days - day) / days for day in range(days + 1))
    cap = math.floor(dose / Fraction(increment))
    steps = _build_steps(start_date, planned, increment, cap, lambda _units: 1, "days")
    findings = (
        _days_finding(rule, days)
        + _start_dose_finding(rule, current_daily_dose)
        + _pregnancy_findings(pregnant)
    )
    notes = _texts(
        "lost_tolerance", *(["withdrawal_management_alone"] if kind in OUD_KINDS else [])
    )
    texts = [n.text for n in notes] + day_notes
    texts += _shortened_note(steps, days) + _rounding_notes(steps, increment)
    plan = TaperPlan(
        kind=kind,
        start_date=start_date,
        current_daily_dose=current_daily_dose,
        increment=increment,
        rate=Rate(every_days=1, amount=dose / days),
        steps=steps,
        notes=tuple(texts),
        findings=tuple(findings),
        source=rule.source,
        sources=_sources(notes, findings, rule.source),
    )
    return _with_shape(plan)


# --- Long-term opioid taper -----------------------------------------------------------------------


def _of_original(start: Fraction, amount: Fraction) -> Iterator[Fraction]:
    """start, start - amount, ... down to zero."""
    for period in itertools.count():
        yield max(Fraction(0), start - period * amount)


def _of_current(start: Fraction, fraction: Fraction) -> Iterator[Fraction]:
    """start, then each period the previous planned dose less ``fraction`` of it, rounded up."""
    # Rounded up: the dose kept is never less than exact, so no step exceeds the rate.
    keep = CURRENT_CONTEXT.divide(fraction.denominator - fraction.numerator, fraction.denominator)
    planned = CURRENT_CONTEXT.divide(start.numerator, start.denominator)
    while True:
        yield Fraction(planned)
        planned = CURRENT_CONTEXT.multiply(planned, keep)


def _period_days(
    every_days: int, slow: SlowNearEnd | None, original: Fraction, increment: Decimal
) -> Callable[[int], int]:
    """Days at a dose of ``units`` increments: ``every_days``, or longer near the end if set."""

    def days_at(units: int) -> int:
        if slow is not None and units * Fraction(increment) <= original * (
            Fraction(slow.at_or_below_percent) / HUNDRED
        ):
            return slow.every_days
        return every_days

    return days_at


def _check_long_term(
    percent: Decimal,
    every_days: int,
    of: str,
    original: Decimal,
    current: Decimal,
    slow: SlowNearEnd | None,
) -> None:
    problems: dict[str, str] = {}
    if not 0 < percent <= 100:
        problems["percent"] = "Must be above 0 and at most 100."
    if every_days < 1:
        problems["every_days"] = "Must be at least 1 day."
    if of not in BASES:
        problems["of"] = f"Must be one of {', '.join(BASES)}."
    if original < current:
        problems["original_daily_dose"] = "Must not be below the current daily dose."
    if slow is not None and not 0 < slow.at_or_below_percent <= 100:
        problems["slow_near_end.at_or_below_percent"] = "Must be above 0 and at most 100."
    if slow is not None and slow.every_days < every_days:
        problems["slow_near_end.every_days"] = "Must be at least every_days: it slows the taper."
    if problems:
        raise InvalidInput("The taper cannot be planned: check the marked fields.", problems)


def _rate_findings(percent: Decimal, every_days: int) -> list[Finding]:
    """A warning when faster than the fastest commonly cited rate (hhs-2019, cdc-2022)."""
    fastest = max(reference_rates(), key=lambda rate: rate.per_day)
    if Fraction(percent) / every_days <= fastest.per_day:
        return []
    message = (
        f"{percent} % every {every_days} day(s) is faster than {fastest.percent} % per "
        f"{fastest.period}, the fastest commonly cited rate ({fastest.when})."
    )
    return [Finding("taper.faster_than_reference_rate", "warning", message, fastest.source)]


def _long_term_notes(slow: SlowNearEnd | None) -> tuple[list[Note], list[str]]:
    notes = _texts("lost_tolerance", "never_abrupt")
    rates = "; ".join(
        f"{rate.percent} % per {rate.period} {rate.when} ({rate.source})"
        for rate in reference_rates()
    )
    texts = [n.text for n in notes] + [f"Commonly cited rates: {rates}."]
    if slow is None:
        notes.append(note("slow_near_end_unset"))
        texts.append(notes[-1].text)
    else:
        texts.append(
            f"From {slow.at_or_below_percent} % of the original dose, reductions come every "
            f"{slow.every_days} days (program setting)."
        )
    return notes, texts


def long_term_taper(
    *,
    start_date: date,
    current_daily_dose: Decimal,
    increment: Decimal,
    percent: Decimal,
    every_days: int,
    of: str,
    original_daily_dose: Decimal | None = None,
    slow_near_end: SlowNearEnd | None = None,
    pregnant: bool | None = None,
) -> TaperPlan:
    """A long-term opioid taper: ``percent`` of the original or of the current dose per period.

    Sources: hhs-2019, cdc-2022 (commonly cited rates: 10 % per month after a year or more on
    opioids, 10 % per week after shorter use; never abrupt); asam-2015 (lost tolerance). Each dose
    is held for ``every_days`` days. ``of="original"`` takes a fixed amount, ``percent`` of
    ``original_daily_dose`` (default: the current dose), each period; ``of="current"`` takes
    ``percent`` of the planned dose, so the steps shrink as the dose falls, and the plan ends once
    the planned dose rounds to zero. A rate faster than the fastest cited one is a warning.
    ``slow_near_end`` None uses the program default, unset as shipped (SPEC gives no figure).
    A plan from the full dose to zero in one step (e.g. 100 % at once) is a stop ``abrupt_taper``
    (hhs-2019); ``pregnant`` True adds the warning ``pregnancy_physician_review`` (acog-711).
    Raises InvalidInput.
    """
    _check_amounts(current_daily_dose, increment)
    original = current_daily_dose if original_daily_dose is None else original_daily_dose
    slow = slow_near_end_default() if slow_near_end is None else slow_near_end
    _check_long_term(percent, every_days, of, original, current_daily_dose, slow)
    fraction, start = Fraction(percent) / HUNDRED, Fraction(current_daily_dose)
    rate = Rate(
        every_days,
        amount=Fraction(original) * fraction if of == "original" else None,
        fraction=fraction if of == "current" else None,
    )
    planned = (
        _of_original(start, rate.allowed(start))
        if of == "original"
        else _of_current(start, fraction)
    )
    days_at = _period_days(every_days, slow, Fraction(original), increment)
    cap = math.floor(start / Fraction(increment))
    steps = _build_steps(start_date, planned, increment, cap, days_at, "percent")
    findings = _rate_findings(percent, every_days) + _pregnancy_findings(pregnant)
    notes, texts = _long_term_notes(slow)
    rate_sources = [rate.source for rate in reference_rates()]
    rule_source = _data()["long_term_opioid"]["source"]
    plan = TaperPlan(
        kind="long_term_opioid",
        start_date=start_date,
        current_daily_dose=current_daily_dose,
        increment=increment,
        rate=rate,
        steps=steps,
        notes=tuple(texts + _rounding_notes(steps, increment)),
        findings=tuple(findings),
        source=rule_source,
        sources=_sources(notes, findings, rule_source, *rate_sources),
    )
    return _with_shape(plan)


# --- Benzodiazepine taper ------------------------------------------------------------------------


def _benzodiazepine_doses(
    start: int, fraction: Fraction, increment: Fraction
) -> Iterator[tuple[Fraction, int]]:
    """(planned dose, whole increments) of each period: ``fraction`` of the dose before taken off,
    the rest rounded up to the increment but at least one increment lower, down to zero."""
    units = start
    yield Fraction(units) * increment, units
    while units:
        planned = Fraction(units) * increment * (1 - fraction)
        units = min(math.ceil(planned / increment), units - 1)
        yield planned, units


def _check_benzodiazepine(drug: str, step_percent: Decimal, step_days: int) -> None:
    problems: dict[str, str] = {}
    if not normal_drug(drug):
        problems["drug"] = "Name the benzodiazepine tapered."
    elif len(drug) > DRUG_MAX_LENGTH:
        problems["drug"] = f"Must be at most {DRUG_MAX_LENGTH} characters."
    if not 0 < step_percent <= 100:
        problems["step_percent"] = "Must be above 0 and at most 100."
    if step_days < 1:
        problems["step_days"] = "Must be at least 1 day."
    if problems:
        raise InvalidInput("The taper cannot be planned: check the marked fields.", problems)


def benzodiazepine_taper(
    *,
    start_date: date,
    drug: str,
    current_daily_dose: Decimal,
    step_percent: Decimal,
    step_days: int,
    increment: Decimal | None = None,
    pregnant: bool | None = None,
    equivalents: tuple[DiazepamEquivalent, ...] | None = None,
) -> TaperPlan:
    """A benzodiazepine taper: ``step_percent`` of the dose before each step, every ``step_days``.

    Sources: jgim-bzd-2025 (SPEC A7: initial reductions 5-10 % every 2-4 weeks, generally not
    more than 25 % every 2 weeks; never abrupt; pauses allowed), hhs-2019 (abrupt stop). Each dose
    is held ``step_days`` days; the next is the dose less ``step_percent`` of it, rounded up to the
    increment (never a larger step than planned) but at least one increment lower, down to zero.
    Without an ``increment`` (the smallest dose the product allows) the first step's size is used,
    so every step is that size, and the plan says so. Findings on the actual steps: the warning
    ``benzodiazepine_step_too_fast`` (a step above 10 % of the dose before it, or sooner than 14
    days after the last step; a last step from one increment to zero is not counted against the
    percentage, no product can make it smaller) and the strong warning
    ``benzodiazepine_step_far_too_fast`` (more than 25 % within 14 days); the stop
    ``abrupt_taper`` from the full dose to zero in one step; ``pregnant`` True adds
    ``pregnancy_physician_review``. ``equivalents`` (the program's diazepam-equivalent table;
    None: the shipped one, empty) adds the day-1 diazepam equivalent as a note when it has the
    drug. Raises InvalidInput.
    """
    _check_benzodiazepine(drug, step_percent, step_days)
    fraction = Fraction(step_percent) / HUNDRED
    if increment is not None:
        chosen = increment
    else:
        chosen = _decimal_of(max(Fraction(current_daily_dose), Fraction(0)) * fraction)
        if current_daily_dose > 0 and not chosen > 0:
            message = "Give the smallest dose the product allows: one step is below 0.001."
            raise InvalidInput(message, {"increment": message})
    _check_amounts(current_daily_dose, chosen)
    cap = math.floor(Fraction(current_daily_dose) / Fraction(chosen))
    steps: list[Step] = []
    for planned, units in _benzodiazepine_doses(cap, fraction, Fraction(chosen)):
        for _ in range(step_days if units else 1):
            steps.append(Step(start_date + timedelta(days=len(steps)), chosen * units, planned))
        if len(steps) > max_schedule_days():
            raise _too_long("step_percent")
    rule = benzodiazepine_rule()
    findings = _pregnancy_findings(pregnant)
    notes = _texts("benzodiazepine_never_abrupt")
    texts = [n.text for n in notes]
    if increment is None:
        texts.append(
            f"No increment was given: every step is the first one's size, {format_number(chosen)}. "
            "Give the smallest dose the product allows to let the steps shrink with the dose."
        )
    texts += _equivalent_notes(drug, steps[0].daily_dose, equivalents, notes)
    steps_tuple = tuple(steps)
    plan = TaperPlan(
        kind=BENZODIAZEPINE,
        start_date=start_date,
        current_daily_dose=current_daily_dose,
        increment=chosen,
        rate=Rate(every_days=step_days, fraction=fraction),
        steps=steps_tuple,
        notes=tuple(texts + _rounding_notes(steps_tuple, chosen)),
        findings=tuple(findings),
        source=rule.source,
        sources=_sources(notes, findings, rule.source),
        drug=normal_drug(drug),
    )
    return _with_shape(plan)


def _decimal_of(value: Fraction) -> Decimal:
    """An exact Fraction as a Decimal, to the 3 decimals doses are stored with, rounded down."""
    exact = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.001"), rounding=ROUND_FLOOR
    )
    return Decimal(format(exact.normalize(), "f"))


def _equivalent_notes(
    drug: str,
    dose: Decimal,
    equivalents: tuple[DiazepamEquivalent, ...] | None,
    notes: list[Note],
) -> list[str]:
    table = diazepam_equivalents_default() if equivalents is None else equivalents
    if not table:
        notes.append(note("diazepam_equivalents_unset"))
        return [notes[-1].text]
    found = diazepam_equivalent(drug, dose, table)
    if found is None:
        return [f"The program's diazepam-equivalent table has no row for {normal_drug(drug)}."]
    value, source = found
    return [
        f"Day 1 is about {format_number(rounded(value))} mg of diazepam a day by the program's "
        f"table (source: {source})."
    ]


# --- Holds and edits ------------------------------------------------------------------------------


def _positive_days(days: object) -> int:
    if type(days) is not int or days < 1:
        message = "Must be a whole number of days, at least 1."
        raise InvalidInput(message, {"days": message})
    return days


def hold(plan: TaperPlan, from_date: date, days: int) -> TaperPlan:
    """Hold the dose at its current level for ``days`` days from ``from_date``, then resume.

    The current level is the dose of the day before ``from_date`` (of the first day when holding
    from the start). The steps from ``from_date`` on move ``days`` days later, so the end date moves
    by exactly ``days`` and no step changes size. ``from_date`` may be any day of the plan up to the
    end date. To resume a hold of unknown length, call this with the days actually held. The
    findings on the plan's shape are recomputed (a longer plan may no longer be shorter than
    usual; a hold never makes a plan abrupt or undoes it). Raises InvalidInput.
    """
    days = _positive_days(days)
    index = plan.index_of(from_date)
    if len(plan.steps) + days > max_schedule_days():
        raise _too_long("days")
    level = plan.steps[max(index - 1, 0)]
    held = tuple(
        Step(from_date + timedelta(days=offset), level.daily_dose, level.planned, held=True)
        for offset in range(days)
    )
    moved = tuple(
        replace(step, date=step.date + timedelta(days=days)) for step in plan.steps[index:]
    )
    held_plan = replace(
        plan, steps=plan.steps[:index] + held + moved, holds=(*plan.holds, Hold(from_date, days))
    )
    return _with_shape(held_plan)


def _edit_problem(plan: TaperPlan, index: int, new_dose: Decimal) -> str | None:
    """Why ``new_dose`` on step ``index`` would break an invariant, or None."""
    steps = plan.steps
    before = steps[index - 1].daily_dose if index else plan.current_daily_dose
    after = steps[index + 1] if index + 1 < len(steps) else None
    if new_dose < 0 or new_dose % plan.increment != 0:
        return f"Must be zero or a whole multiple of the increment {plan.increment}."
    if new_dose > before:
        what = "the day before" if index else "the current daily dose"
        return f"Doses never increase: this is more than {what} ({before})."
    if after is None and new_dose != 0:
        return "The last day of a taper is at zero; hold the plan to add days at a dose."
    if after is not None and new_dose < after.daily_dose:
        return (
            f"Doses never increase: {after.date} would then be higher ({after.daily_dose}). "
            "Lower the later days first."
        )
    return None


def rate_problems(plan: TaperPlan) -> tuple[date, ...]:
    """Days from which the dose falls, within ``rate.every_days`` days, by more than the rate
    allows plus one increment. Empty for every plan this module builds or holds; an edit may
    cause some (a warning, not a refusal: the prescriber decides)."""
    steps, window = plan.steps, plan.rate.every_days
    problems = []
    for index, step in enumerate(steps[:-1]):
        later = steps[min(index + window, len(steps) - 1)]
        allowed = plan.rate.allowed(step.planned) + Fraction(plan.increment)
        if step.daily_dose - later.daily_dose > allowed:
            problems.append(step.date)
    return tuple(problems)


def _edit_findings(plan: TaperPlan) -> tuple[Finding, ...]:
    kept = tuple(f for f in plan.findings if f.code != "taper.faster_than_plan_rate")
    dates = rate_problems(plan)
    if not dates:
        return kept
    listed = ", ".join(str(day) for day in dates)
    message = f"After the edit the dose falls faster than the plan's rate from: {listed}."
    return (*kept, Finding("taper.faster_than_plan_rate", "warning", message, plan.source))


def edit_step(plan: TaperPlan, on: date, new_dose: Decimal) -> TaperPlan:
    """Change the dose of day ``on`` to ``new_dose``, keeping every invariant.

    Sources: those of the plan. The dose must be a whole multiple of the increment, at most the
    previous day's (or the current daily dose on day 1) and at least the next day's; the last day
    stays at zero. Setting the day before the end to zero ends the plan a day sooner. A reduction
    faster than the plan's rate is allowed but adds a warning; the findings on the plan's shape
    are recomputed, so an edit that makes the plan go from the full dose to zero in one step gives
    the stop ``abrupt_taper``, and one that shortens it below the kind's length the warning
    ``taper.shorter_than_usual``. Raises InvalidInput (field ``new_dose``) rather than change any
    other day.
    """
    index = plan.index_of(on)
    problem = _edit_problem(plan, index, new_dose)
    if problem is not None:
        raise InvalidInput(problem, {"new_dose": problem})
    old = plan.steps[index]
    edited = replace(old, daily_dose=new_dose, planned=Fraction(new_dose), edited=True)
    steps = (*plan.steps[:index], edited, *plan.steps[index + 1 :])
    if new_dose == 0:
        steps = steps[: index + 1]  # the plan ends on its first day at zero
    changed = replace(plan, steps=steps, edits=(*plan.edits, Edit(on, old.daily_dose, new_dose)))
    return _with_shape(replace(changed, findings=_edit_findings(changed)))


# --- Calculator input and output ------------------------------------------------------------------


def _take_number(payload: Mapping[str, Any], key: str, problems: dict[str, str]) -> Decimal:
    number = decimal_or_none(payload.get(key))
    if number is None or number <= 0:
        problems[key] = "Must be a number greater than zero."
        return Decimal(1)
    return number


def _take_int(payload: Mapping[str, Any], key: str, problems: dict[str, str]) -> int:
    value = payload.get(key)
    if type(value) is not int or value < 1:
        problems[key] = "Must be a whole number, at least 1."
        return 1
    return value


def _take_date(payload: Mapping[str, Any], key: str, problems: dict[str, str]) -> date:
    value = payload.get(key)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems[key] = "Must be a date written YYYY-MM-DD."
    return date.min


def _take_choice(
    payload: Mapping[str, Any], key: str, choices: tuple[str, ...], problems: dict[str, str]
) -> str:
    value = payload.get(key)
    if value not in choices:
        problems[key] = f"Must be one of {', '.join(choices)}."
        return choices[0]
    return str(value)


def _unknown(payload: Mapping[str, Any], kind: object) -> dict[str, str]:
    allowed = COMMON_KEYS | (LONG_TERM_KEYS if kind == "long_term_opioid" else WITHDRAWAL_KEYS)
    if kind == BENZODIAZEPINE:
        allowed = COMMON_KEYS | BENZODIAZEPINE_KEYS
    if kind not in KINDS:
        allowed = COMMON_KEYS | LONG_TERM_KEYS | WITHDRAWAL_KEYS | BENZODIAZEPINE_KEYS
    return {
        key: f"Not an input of this taper kind ({kind})." for key in payload if key not in allowed
    }


def _take_slow(payload: Mapping[str, Any], problems: dict[str, str]) -> SlowNearEnd | None:
    value = payload.get("slow_near_end")
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != SLOW_KEYS:
        problems["slow_near_end"] = "Must be an object with at_or_below_percent and every_days."
        return None
    inner: dict[str, str] = {}
    slow = SlowNearEnd(
        _take_number(value, "at_or_below_percent", inner), _take_int(value, "every_days", inner)
    )
    problems.update({f"slow_near_end.{key}": message for key, message in inner.items()})
    return slow


def _take_pregnant(payload: Mapping[str, Any], problems: dict[str, str]) -> bool | None:
    value = payload.get("pregnant")
    if value is not None and not isinstance(value, bool):
        problems["pregnant"] = "Must be true or false, or null when not known."
        return None
    return value


def _withdrawal_input(payload: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    days = None if payload.get("days") is None else _take_int(payload, "days", problems)
    allow = payload.get("allow_outside_range", False)
    if not isinstance(allow, bool):
        problems["allow_outside_range"] = "Must be true or false."
    return {"days": days, "allow_outside_range": allow is True}


def _long_term_input(payload: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    original = None
    if payload.get("original_daily_dose") is not None:
        original = _take_number(payload, "original_daily_dose", problems)
    return {
        "percent": _take_number(payload, "percent", problems),
        "every_days": _take_int(payload, "every_days", problems),
        "of": _take_choice(payload, "of", BASES, problems),
        "original_daily_dose": original,
        "slow_near_end": _take_slow(payload, problems),
    }


def _benzodiazepine_input(payload: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    drug = payload.get("drug")
    if not isinstance(drug, str) or not normal_drug(drug) or len(drug) > DRUG_MAX_LENGTH:
        problems["drug"] = f"Must name the benzodiazepine, at most {DRUG_MAX_LENGTH} characters."
        drug = ""
    increment = None
    if payload.get("increment") is not None:
        increment = _take_number(payload, "increment", problems)
    return {
        "drug": drug,
        "step_percent": _take_number(payload, "step_percent", problems),
        "step_days": _take_int(payload, "step_days", problems),
        "increment": increment,
        "start_date": _take_date(payload, "start_date", problems),
        "current_daily_dose": _take_number(payload, "current_daily_dose", problems),
        "pregnant": _take_pregnant(payload, problems),
    }


def plan_from_input(payload: Mapping[str, Any]) -> TaperPlan:
    """The plan for calculator input (see :func:`calculator`); InvalidInput naming each bad field.

    Sources: those of :func:`withdrawal_taper`, :func:`long_term_taper` and
    :func:`benzodiazepine_taper`.
    """
    problems = _unknown(payload, payload.get("kind"))
    kind = _take_choice(payload, "kind", KINDS, problems)
    if kind == BENZODIAZEPINE:
        values = _benzodiazepine_input(payload, problems)
        if problems:
            raise InvalidInput("The taper cannot be planned: check the marked fields.", problems)
        return benzodiazepine_taper(**values)
    common: dict[str, Any] = {
        "start_date": _take_date(payload, "start_date", problems),
        "current_daily_dose": _take_number(payload, "current_daily_dose", problems),
        "increment": _take_number(payload, "increment", problems),
        "pregnant": _take_pregnant(payload, problems),
    }
    if kind == "long_term_opioid":
        extra = _long_term_input(payload, problems)
    else:
        extra = _withdrawal_input(payload, problems)
    if problems:
        raise InvalidInput("The taper cannot be planned: check the marked fields.", problems)
    if kind == "long_term_opioid":
        return long_term_taper(**common, **extra)
    return withdrawal_taper(kind, **common, **extra)


def _fraction_json(value: Fraction) -> float:
    return float(rounded(Decimal(value.numerator) / Decimal(value.denominator)))


def plan_json(plan: TaperPlan) -> dict[str, Any]:
    """The calculator output for ``plan`` (the ``detoxdesk calc taper`` contract)."""
    rate = plan.rate
    drug = {"drug": plan.drug} if plan.kind == BENZODIAZEPINE else {}
    return {
        "kind": plan.kind,
        **drug,
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "current_daily_dose": json_number(plan.current_daily_dose),
        "increment": json_number(plan.increment),
        "schedule": [
            {"date": step.date.isoformat(), "daily_dose": json_number(step.daily_dose)}
            for step in plan.steps
        ],
        "rounding": [
            {
                "date": step.date.isoformat(),
                "planned_dose": _fraction_json(step.planned),
                "daily_dose": json_number(step.daily_dose),
            }
            for step in plan.rounding_changes()
        ],
        "rate": {
            "every_days": rate.every_days,
            "reduction": None if rate.amount is None else _fraction_json(rate.amount),
            "percent_of_current": None
            if rate.fraction is None
            else _fraction_json(rate.fraction * HUNDRED),
        },
        "notes": list(plan.notes),
        "findings": [finding.as_json() for finding in plan.findings],
        "holds": [{"from_date": h.from_date.isoformat(), "days": h.days} for h in plan.holds],
        "edits": [
            {
                "date": e.on.isoformat(),
                "old_dose": json_number(e.old_dose),
                "new_dose": json_number(e.new_dose),
            }
            for e in plan.edits
        ],
        "sources": list(plan.sources),
    }


def calculator(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc taper``: {"kind", "start_date", "current_daily_dose", "increment", ...}.

    Every kind takes optional ``pregnant`` (true, false, or null when not known): true adds the
    warning ``pregnancy_physician_review`` (acog-711), never a block. Withdrawal kinds take
    optional ``days`` and ``allow_outside_range``; ``long_term_opioid`` takes ``percent``,
    ``every_days``, ``of`` ("original" or "current") and optional ``original_daily_dose`` and
    ``slow_near_end`` ({"at_or_below_percent", "every_days"}). Doses are in the product's unit per
    day. ``findings`` may hold the stop ``abrupt_taper`` (from the full dose to zero in one step,
    e.g. a one-day buprenorphine taper of 16 mg) and the warning ``taper.shorter_than_usual``
    (zero sooner than SPEC's length: buprenorphine 7 days, methadone 6, lofexidine 2).
    ``benzodiazepine`` takes ``drug``, ``step_percent`` and ``step_days``, and an optional
    ``increment``; its findings may hold the warnings ``benzodiazepine_step_too_fast`` and
    ``benzodiazepine_step_far_too_fast`` (SPEC A7), and its output names the ``drug``. Sources: see
    :func:`withdrawal_taper`, :func:`long_term_taper`, :func:`benzodiazepine_taper`. Unknown keys
    are refused.
    """
    return plan_json(plan_from_input(payload))
