"""Level-of-care placement: the ASAM Criteria (3rd edition) withdrawal-management level.

Sources: asam-criteria-3 (the six dimensions, the 0-4 rating, the levels 1-WM to 4-WM), and each
rule's own keys below (asam-alcohol-2020, acog-711, asam-2020, mmwr-2013 ...). The names, levels,
band ratings and QTc limits live in ``knowledge/placement.toml``; the evaluation it rates, and how
the calculator reads it, in :mod:`detoxdesk.clinical.placement_input`.

The whole logic is the two ordered tables of this module, read top to bottom:

``RULES``         each rule has an id, the dimension it rates (None for none), a condition (a small
                  named predicate over the :class:`Evaluation`) and its effects: a rating of its
                  dimension, a flag, a minimum level; with the reason shown, its source keys and the
                  SPEC.md sections behind it.
``LEVEL_FLOORS``  the least level a dimension's rating asks for, read from ``[[floors]]`` in
                  ``knowledge/placement.toml`` (each with its source and confidence).

A dimension's rating is the highest rating among its rules that fire (0 if none). The recommended
level is the most intensive level asked for by a floor or a fired rule (1-WM when nothing asks).
SPEC.md gives no mapping from findings to ratings or from ratings to levels: these tables are
Detox Desk defaults (confidence U) for each program's medical director to review. They add no
numeric cut-off: scores count by the bands scales.toml already defines.

Unknown is never reassuring. An item the rules read that was not assessed (an optional section left
out, an answer missing or null, a substance's daily use not given) counts as its worst answer
(:data:`WORST_ANSWERS`) for ratings and levels, and its reason says so. Every rule is monotone in
those answers, so completing an evaluation can only lower the recommendation or leave it as it is.
Flags are raised only from what is known. By design, two things are not worst-cased: a withdrawal
score left null means "not scored" (withdrawal may not have begun; dimension 1 then rests on the
substances and history), and dimension 4 (readiness to change) is not derived from answers: it is
the clinician's own 0-4 rating (``readiness.rating``) when given, and otherwise "not assessed",
rated 4. Either way it asks for no level: readiness shapes how care is offered, not where.

Decision support only: the clinician accepts the level or chooses another with a reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from detoxdesk.clinical import alcohol, knowledge, medication_policy, scales
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.placement_input import SECTIONS

# Re-exported: the input of :func:`recommend`, how the calculator reads it, and the 0-4 rating.
from detoxdesk.clinical.placement_input import Evaluation as Evaluation
from detoxdesk.clinical.placement_input import Risk as Risk
from detoxdesk.clinical.placement_input import Substance as Substance
from detoxdesk.clinical.placement_input import parse_evaluation as parse_evaluation

OPIOIDS = frozenset({"heroin", "fentanyl", "methadone", "buprenorphine", "prescription_opioid"})
SEDATIVES = frozenset({"alcohol", "benzodiazepine"})  # withdrawal can cause seizures (SPEC 8)

# The worst answer of each item the rules read; an item not assessed counts as this for ratings and
# levels. QTc is absent: it only raises flags, and an unmeasured QTc is common and not a finding.
WORST_ANSWERS: dict[str, bool | str] = {
    "withdrawal_seizures": True,
    "delirium_tremens": True,
    "overdose_past_year": True,
    "pregnant": True,
    "unstable_medical_condition": True,
    "suicidal_ideation": "active_with_plan",
    "psychosis": True,
    "stable_housing": False,
    "supportive_person_at_home": False,
}
NOT_ASSESSED = "Not assessed, so assumed until it is: "


# --- Items not assessed ---------------------------------------------------------------------------


def worst_case(evaluation: Evaluation) -> Evaluation:
    """``evaluation`` with every item not assessed set to its worst answer (see WORST_ANSWERS)."""
    unknown: dict[str, Any] = {
        key: worst for key, worst in WORST_ANSWERS.items() if getattr(evaluation, key) is None
    }
    substances = tuple(
        dataclasses.replace(substance, daily_use=True) if substance.daily_use is None else substance
        for substance in evaluation.substances
    )
    pawss = evaluation.pawss
    if pawss is not None and pawss.could_be_high_risk:
        unknown["pawss"] = dataclasses.replace(pawss, high_risk=True)
    return dataclasses.replace(evaluation, substances=substances, **unknown)


def not_assessed(evaluation: Evaluation) -> tuple[str, ...]:
    """The input paths of the items counted as their worst answer, e.g. ``"medical.pregnant"``."""
    section_of = {item: section for section, items in SECTIONS.items() for item in items}
    paths = [
        f"{section_of[key]}.{key}" for key in WORST_ANSWERS if getattr(evaluation, key) is None
    ]
    paths.extend(
        f"substances[{index}].daily_use"
        for index, substance in enumerate(evaluation.substances)
        if substance.daily_use is None
    )
    if evaluation.pawss is not None:
        paths.extend(f"pawss.items.{key}" for key in evaluation.pawss.unknown)
    return tuple(paths)


# --- Knowledge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """A withdrawal-management level; ``rank`` orders them from least to most intensive."""

    code: str
    name: str
    rank: int
    ambulatory: bool


@dataclass(frozen=True)
class QtcLimits:
    """QTc limits in ms (krantz-2009): ``warning`` or above is a warning, above ``strong`` a
    strong warning, the same parameters as the methadone dose check's."""

    warning: int
    strong: int


def _data() -> Mapping[str, Any]:
    return knowledge.load("placement")


@cache
def levels() -> tuple[Level, ...]:
    """The five levels, least to most intensive. Source: asam-criteria-3."""
    try:
        return tuple(
            Level(entry["code"], entry["name"], rank, entry["ambulatory"])
            for rank, entry in enumerate(_data()["levels"])
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"placement.toml levels: missing or malformed {exc}") from exc


def _level(code: str) -> Level:
    for level in levels():
        if level.code == code:
            return level
    raise KnowledgeError(f"placement.toml: no level {code!r}")


@cache
def dimension_names() -> dict[int, str]:
    """The six dimensions' names by number. Source: asam-criteria-3."""
    try:
        names = {entry["dimension"]: entry["name"] for entry in _data()["dimensions"]}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"placement.toml dimensions: missing or malformed {exc}") from exc
    if sorted(names) != [1, 2, 3, 4, 5, 6]:
        raise KnowledgeError("placement.toml must name dimensions 1 to 6")
    return names


@cache
def risk_labels() -> dict[Risk, str]:
    """The label of each rating 0-4. Source: asam-criteria-3 (the range; the words are ours)."""
    try:
        labels = {
            Risk(entry["rating"]): entry["label"] for entry in _data()["risk_scale"]["ratings"]
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(f"placement.toml risk_scale: missing or malformed {exc}") from exc
    if set(labels) != set(Risk):
        raise KnowledgeError("placement.toml risk_scale must label every rating 0-4")
    return labels


@cache
def band_ratings(scale_code: str) -> dict[str, Risk]:
    """The dimension 1 rating of each band of ``scale_code`` ("cows" or "ciwa_ar").

    Sources: wesson-ling-2003 and asam-alcohol-2020 for the bands; the ratings are Detox Desk
    defaults (placement.toml). Every band of the scale must be rated.
    """
    try:
        table = {
            band: Risk(rating)
            for band, rating in _data()["band_ratings"][scale_code]["ratings"].items()
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(f"placement.toml band_ratings.{scale_code}: malformed {exc}") from exc
    if set(table) != {band.name for band in scales.get_scale(scale_code).bands}:
        raise KnowledgeError(f"placement.toml band_ratings.{scale_code}: rate every band exactly")
    return table


@cache
def qtc_limits() -> QtcLimits:
    """The QTc warning limits in ms: methadone's qtc_warning_from_ms and qtc_strong_above_ms of
    medications.toml, so that placement and the dose check share one boundary. Source:
    krantz-2009."""
    limits = medication_policy.default_policy().rules("methadone").limits
    warning, strong = limits.qtc_warning_from_ms.value, limits.qtc_strong_above_ms.value
    if warning is None or strong is None or not 0 < warning < strong:
        raise KnowledgeError("medications.toml methadone QTc limits: set, warning below strong")
    return QtcLimits(warning=int(warning), strong=int(strong))


# --- Predicates: small, named, one question each --------------------------------------------------

Predicate = Callable[[Evaluation], bool]


def _band(scale_code: str, total: int | None) -> str | None:
    if total is None:
        return None
    band = scales.band_for(total, scales.get_scale(scale_code).bands)
    return None if band is None else band.name


def _rated(scale_code: str, total: Callable[[Evaluation], int | None], risk: Risk) -> Predicate:
    """A predicate: ``total`` was scored and its band of ``scale_code`` rates ``risk``.

    Source: placement.toml band_ratings.
    """

    def predicate(evaluation: Evaluation) -> bool:
        band = _band(scale_code, total(evaluation))
        return band is not None and band_ratings(scale_code)[band] == risk

    predicate.__name__ = f"{scale_code}_rated_{risk.name.lower()}"
    return predicate


def cows_rated(risk: Risk) -> Predicate:
    """A predicate: COWS was scored and its band rates ``risk``."""
    return _rated("cows", lambda evaluation: evaluation.current_cows, risk)


def ciwa_ar_rated(risk: Risk) -> Predicate:
    """A predicate: CIWA-Ar was scored and its band rates ``risk``."""
    return _rated("ciwa_ar", lambda evaluation: evaluation.current_ciwa_ar, risk)


def opioid_used_daily(evaluation: Evaluation) -> bool:
    return any(s.name in OPIOIDS and s.daily_use is True for s in evaluation.substances)


def opioid_used(evaluation: Evaluation) -> bool:
    return any(s.name in OPIOIDS for s in evaluation.substances)


def sedative_not_known_occasional(evaluation: Evaluation) -> bool:
    # Unknown frequency counts as daily here even for the flag: this withdrawal can kill.
    return any(s.name in SEDATIVES and s.daily_use is not False for s in evaluation.substances)


def benzodiazepine_with_opioid(evaluation: Evaluation) -> bool:
    names = {s.name for s in evaluation.substances}
    return "benzodiazepine" in names and bool(names & OPIOIDS)


def fentanyl_used(evaluation: Evaluation) -> bool:
    return any(s.name == "fentanyl" for s in evaluation.substances)


def had_withdrawal_seizures(evaluation: Evaluation) -> bool:
    return evaluation.withdrawal_seizures is True


def had_delirium_tremens(evaluation: Evaluation) -> bool:
    return evaluation.delirium_tremens is True


def sedative_with_complication_history(evaluation: Evaluation) -> bool:
    history = had_withdrawal_seizures(evaluation) or had_delirium_tremens(evaluation)
    return sedative_not_known_occasional(evaluation) and history


def complicated_withdrawal(evaluation: Evaluation) -> bool:
    history = had_withdrawal_seizures(evaluation) or had_delirium_tremens(evaluation)
    return _band("ciwa_ar", evaluation.current_ciwa_ar) == "severe" and history


def pawss_high_risk(evaluation: Evaluation) -> bool:
    """PAWSS at or above its high-risk threshold (bccsu-aud-2023)."""
    return evaluation.pawss is not None and evaluation.pawss.high_risk


def alcohol_with_complication_history(evaluation: Evaluation) -> bool:
    """Alcohol in the PAWSS window with a history of withdrawal seizures or DTs (bccsu-aud-2023)."""
    return alcohol.complication_history(
        evaluation.pawss, evaluation.withdrawal_seizures, evaluation.delirium_tremens
    )


def unstable_medical_condition(evaluation: Evaluation) -> bool:
    return evaluation.unstable_medical_condition is True


def pregnant(evaluation: Evaluation) -> bool:
    return evaluation.pregnant is True


def qtc_above_warning(evaluation: Evaluation) -> bool:
    return evaluation.qtc_ms is not None and evaluation.qtc_ms >= qtc_limits().warning


def qtc_above_strong_warning(evaluation: Evaluation) -> bool:
    return evaluation.qtc_ms is not None and evaluation.qtc_ms > qtc_limits().strong


def suicidal_ideation_with_plan(evaluation: Evaluation) -> bool:
    return evaluation.suicidal_ideation == "active_with_plan"


def suicidal_ideation_active_no_plan(evaluation: Evaluation) -> bool:
    return evaluation.suicidal_ideation == "active_no_plan"


def suicidal_ideation_passive(evaluation: Evaluation) -> bool:
    return evaluation.suicidal_ideation == "passive"


def psychosis(evaluation: Evaluation) -> bool:
    return evaluation.psychosis is True


def readiness_not_rated(evaluation: Evaluation) -> bool:
    return evaluation.readiness_rating is None


def readiness_rated(risk: Risk) -> Predicate:
    """A predicate: the clinician rated readiness to change ``risk``."""

    def predicate(evaluation: Evaluation) -> bool:
        return evaluation.readiness_rating == risk

    predicate.__name__ = f"readiness_rated_{risk.name.lower()}"
    return predicate


def overdose_past_year(evaluation: Evaluation) -> bool:
    return evaluation.overdose_past_year is True


def no_stable_housing(evaluation: Evaluation) -> bool:
    return evaluation.stable_housing is False


def no_support_at_home(evaluation: Evaluation) -> bool:
    return evaluation.supportive_person_at_home is False


def rapid_detox_requested(evaluation: Evaluation) -> bool:
    return evaluation.requested_setting == "anesthesia_assisted_rapid"


# --- The rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One placement rule; see the module docstring for the table it belongs to.

    ``reason`` may name {cows}, {cows_band}, {ciwa_ar}, {ciwa_band}, {qtc_ms}, {pawss_total},
    {readiness} and {readiness_label} (the clinician's rating and its label, lower case).
    ``spec_sections`` names the SPEC.md sections behind the rule. ``confidence`` is that of its
    least confirmed part (U for a Detox Desk mapping).
    """

    id: str
    dimension: int | None
    when: Predicate
    reason: str
    sources: tuple[str, ...]
    spec_sections: str
    rating: Risk | None = None
    flag: str | None = None
    min_level: str | None = None
    confidence: str = "U"


@dataclass(frozen=True)
class Floor:
    """A dimension rated ``at_least`` asks for at least ``level``."""

    id: str
    dimension: int
    at_least: Risk
    level: str
    reason: str
    sources: tuple[str, ...] = ("asam-criteria-3",)
    spec_sections: str = "12.1, 12.2"
    confidence: str = "U"


R = Risk
ALCOHOL = ("asam-alcohol-2020",)
# What a high risk of complicated alcohol withdrawal asks for (knowledge/alcohol.toml, SPEC A6.1).
HIGH_RISK = alcohol.high_risk_placement()
HIGH_RISK_RATING = Risk[HIGH_RISK.dimension_rating.upper()]
ASAM = ("asam-criteria-3",)
CLINICIAN_RATED = (
    "Rated {readiness} ({readiness_label}) by the clinician: readiness shapes how care is offered; "
    "it asks for no level here."
)
# fmt: off
RULES: tuple[Rule, ...] = (
    # Dimension 1: acute intoxication and/or withdrawal potential
    Rule("d1-opioid-daily", 1, opioid_used_daily,
         "An opioid is used daily: opioid withdrawal is expected.",
         ("tip-63",), "4", rating=R.MILD),
    Rule("d1-cows-mild", 1, cows_rated(R.MILD), "COWS {cows} is in the {cows_band} band.",
         ("wesson-ling-2003",), "1.2", rating=R.MILD),
    Rule("d1-cows-moderate", 1, cows_rated(R.MODERATE), "COWS {cows} is in the {cows_band} band.",
         ("wesson-ling-2003",), "1.2", rating=R.MODERATE),
    Rule("d1-cows-significant", 1, cows_rated(R.SIGNIFICANT),
         "COWS {cows} is in the {cows_band} band.",
         ("wesson-ling-2003",), "1.2, 4", rating=R.SIGNIFICANT),
    Rule("d1-ciwa-ar-mild", 1, ciwa_ar_rated(R.MILD),
         "CIWA-Ar {ciwa_ar} is in the {ciwa_band} band.",
         ALCOHOL, "3.1", rating=R.MILD),
    Rule("d1-ciwa-ar-moderate", 1, ciwa_ar_rated(R.MODERATE),
         "CIWA-Ar {ciwa_ar} is in the {ciwa_band} band.",
         ALCOHOL, "3.1, 8", rating=R.MODERATE, flag="alcohol_or_sedative_withdrawal_risk"),
    Rule("d1-ciwa-ar-significant", 1, ciwa_ar_rated(R.SIGNIFICANT),
         "CIWA-Ar {ciwa_ar} is in the {ciwa_band} band.",
         ALCOHOL, "3.1, 8", rating=R.SIGNIFICANT, flag="alcohol_or_sedative_withdrawal_risk"),
    Rule("d1-sedative-use", 1, sedative_not_known_occasional,
         "Alcohol or a benzodiazepine is used daily, or not known to be occasional: their "
         "withdrawal can cause seizures and delirium. Score CIWA-Ar alongside COWS.",
         ALCOHOL, "8", rating=R.MODERATE, flag="alcohol_or_sedative_withdrawal_risk"),
    Rule("d1-withdrawal-seizure-history", 1, had_withdrawal_seizures,
         "A history of withdrawal seizures.",
         ALCOHOL, "8", rating=R.MODERATE, flag="seizure_history"),
    Rule("d1-delirium-tremens-history", 1, had_delirium_tremens,
         "A history of delirium tremens.",
         ALCOHOL, "8", rating=R.MODERATE, flag="delirium_tremens_history"),
    Rule("d1-sedative-with-complication-history", 1, sedative_with_complication_history,
         "Alcohol or benzodiazepine use with a history of withdrawal seizures or delirium "
         "tremens: withdrawal needs medical monitoring around the clock.",
         (*ALCOHOL, *ASAM), "8, 12.2", rating=R.SIGNIFICANT, min_level="3.7-WM"),
    Rule("d1-complicated-withdrawal", 1, complicated_withdrawal,
         "CIWA-Ar {ciwa_ar} is in the severe band with a history of withdrawal seizures or "
         "delirium tremens: complicated withdrawal, managed in hospital.",
         (*ALCOHOL, *ASAM), "3.1, 8, 12.2", rating=R.SEVERE, min_level="4-WM"),
    Rule("d1-pawss-high-risk", 1, pawss_high_risk,
         "PAWSS {pawss_total}: a high risk of complicated alcohol withdrawal. An inpatient, "
         "medically managed level and a benzodiazepine-based plan are suggested.",
         HIGH_RISK.sources, "A6.1", rating=HIGH_RISK_RATING, flag=alcohol.HIGH_RISK_FLAG,
         min_level=HIGH_RISK.level, confidence=HIGH_RISK.confidence),
    Rule("d1-alcohol-complication-history", 1, alcohol_with_complication_history,
         "Alcohol in the last weeks with a history of withdrawal seizures or delirium tremens: "
         "an inpatient, medically managed level and a benzodiazepine-based plan are suggested.",
         HIGH_RISK.sources, "A6.1", rating=HIGH_RISK_RATING, flag=alcohol.HIGH_RISK_FLAG,
         min_level=HIGH_RISK.level, confidence=HIGH_RISK.confidence),
    Rule("d1-fentanyl", 1, fentanyl_used,
         "Fentanyl: the withdrawal course is variable and may be prolonged, and buprenorphine "
         "started soon after fentanyl carries a higher risk of precipitated withdrawal.",
         ("huhn-2020", "varshneya-2022"), "4, 5.4", rating=R.MODERATE, flag="fentanyl_exposure"),
    # Dimension 2: biomedical conditions and complications
    Rule("d2-unstable-medical-condition", 2, unstable_medical_condition,
         "An unstable medical condition: medically managed intensive inpatient (hospital) care.",
         ASAM, "12.2", rating=R.SEVERE, min_level="4-WM"),
    Rule("d2-pregnancy", 2, pregnant,
         "Pregnant: medication for opioid use disorder is preferred over withdrawal management, "
         "which may be considered only with an experienced physician and informed consent. "
         "Physician review.",
         ("acog-711",), "15", rating=R.SIGNIFICANT, flag="pregnancy_moud_preferred"),
    Rule("d2-qtc-above-warning", 2, qtc_above_warning,
         "QTc {qtc_ms} ms is at or above the methadone warning limit: discuss the risks and "
         "monitor more often.",
         ("krantz-2009",), "6.3", flag="qtc_prolonged", confidence="C"),
    Rule("d2-qtc-above-strong-warning", 2, qtc_above_strong_warning,
         "QTc {qtc_ms} ms is above the methadone strong-warning limit: consider a lower dose or "
         "another medication, and correct contributing causes.",
         ("krantz-2009",), "6.3", flag="qtc_markedly_prolonged", confidence="C"),
    # Dimension 3: emotional, behavioral, or cognitive conditions and complications
    Rule("d3-suicidal-ideation-with-plan", 3, suicidal_ideation_with_plan,
         "Active suicidal ideation with a plan: urgent safety assessment now, with "
         "hospital-level care.",
         ASAM, "4, 12.1", rating=R.SEVERE, flag="suicide_risk_urgent", min_level="4-WM"),
    Rule("d3-suicidal-ideation-active", 3, suicidal_ideation_active_no_plan,
         "Active suicidal ideation without a plan: urgent safety assessment today.",
         ASAM, "4, 12.1", rating=R.SIGNIFICANT, flag="suicide_risk_urgent"),
    Rule("d3-suicidal-ideation-passive", 3, suicidal_ideation_passive,
         "Passive suicidal ideation: a safety plan and further assessment.",
         ASAM, "4, 12.1", rating=R.MODERATE),
    Rule("d3-psychosis", 3, psychosis,
         "Psychosis: psychiatric assessment and monitoring around the clock.",
         ASAM, "12.1", rating=R.SIGNIFICANT, flag="psychosis"),
    # Dimension 4: readiness to change, rated by the clinician (no answer here is turned into it)
    Rule("d4-clinician-rated-none", 4, readiness_rated(R.NONE), CLINICIAN_RATED,
         ASAM, "12.1", rating=R.NONE),
    Rule("d4-clinician-rated-mild", 4, readiness_rated(R.MILD), CLINICIAN_RATED,
         ASAM, "12.1", rating=R.MILD),
    Rule("d4-clinician-rated-moderate", 4, readiness_rated(R.MODERATE), CLINICIAN_RATED,
         ASAM, "12.1", rating=R.MODERATE),
    Rule("d4-clinician-rated-significant", 4, readiness_rated(R.SIGNIFICANT), CLINICIAN_RATED,
         ASAM, "12.1", rating=R.SIGNIFICANT),
    Rule("d4-clinician-rated-severe", 4, readiness_rated(R.SEVERE), CLINICIAN_RATED,
         ASAM, "12.1", rating=R.SEVERE),
    Rule("d4-not-assessed", 4, readiness_not_rated,
         "Readiness to change was not rated by the clinician. Until it is, it counts as the "
         "highest rating; it asks for no level here.",
         ASAM, "12.1", rating=R.SEVERE),
    # Dimension 5: relapse, continued use, or continued problem potential
    Rule("d5-opioid-use", 5, opioid_used,
         "Return to opioid use after withdrawal management alone is common, and tolerance "
         "falls: plan medication for opioid use disorder, naloxone and aftercare.",
         ("ctn-0003", "asam-2020"), "9.3, 13", rating=R.MODERATE),
    Rule("d5-overdose-past-year", 5, overdose_past_year,
         "An overdose in the past year: a high risk of another once tolerance falls.",
         ASAM, "9.3, 12.1", rating=R.SIGNIFICANT, flag="overdose_past_year"),
    Rule("d5-benzodiazepine-with-opioid", 5, benzodiazepine_with_opioid,
         "A benzodiazepine with opioids: a higher risk of slowed breathing and overdose. A "
         "warning only, never a reason to withhold buprenorphine or methadone.",
         ("fda-2016", "fda-2017"), "8", rating=R.MODERATE, flag="benzodiazepine_with_opioid"),
    # Dimension 6: recovery/living environment
    Rule("d6-no-stable-housing", 6, no_stable_housing,
         "No stable housing: withdrawal management is hard to complete without a supportive "
         "setting.",
         ASAM, "12.1, 12.2", rating=R.SIGNIFICANT),
    Rule("d6-no-support-at-home", 6, no_support_at_home,
         "No supportive person at home: stopping at home alone is risky.",
         ASAM, "12.1, 12.2", rating=R.MODERATE),
    # The person's request
    Rule("rapid-detox-requested", None, rapid_detox_requested,
         "Rapid or ultra-rapid detox under anesthesia was asked for: it is not recommended, "
         "because of a high risk of serious adverse events and death, and is not offered. "
         "Medication for opioid use disorder is preferred.",
         ("asam-2020", "mmwr-2013"), "12.4", flag="rapid_detox_not_recommended", confidence="C"),
)

# fmt: on


def _floor(entry: Mapping[str, Any]) -> Floor:
    where = f"placement.toml floor {entry.get('id')!r}"
    try:
        at_least = Risk[str(entry["at_least"]).upper()]
        floor = Floor(
            id=str(entry["id"]),
            dimension=int(entry["dimension"]),
            at_least=at_least,
            level=str(entry["level"]),
            reason=str(entry["reason"]),
            sources=(str(entry["source"]),),
            spec_sections=str(entry["spec_sections"]),
            confidence=str(entry["confidence"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(f"{where}: missing or malformed {exc}") from exc
    if floor.confidence not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"{where}: confidence must be one of C, S, U")
    return floor


def level_floors(data: Mapping[str, Any]) -> tuple[Floor, ...]:
    """The floors of ``data`` (placement.toml's ``[[floors]]``), in table order."""
    entries = data.get("floors")
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError("placement.toml: at least one [[floors]] entry is required")
    return tuple(_floor(entry) for entry in entries)


# The least level a dimension's rating asks for (knowledge/placement.toml, confidence U).
LEVEL_FLOORS: tuple[Floor, ...] = level_floors(_data())


# --- Deciding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    """A rule that fired; ``assumed`` when only because an item not assessed counts as its worst."""

    rule: Rule
    assumed: bool


@dataclass(frozen=True)
class DimensionRating:
    """One dimension's rating with the reasons behind it."""

    dimension: int
    name: str
    rating: Risk
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Placement:
    """The recommendation: level, dimension ratings, flags and the rationale, with its sources."""

    level: Level
    dimensions: tuple[DimensionRating, ...]
    flags: tuple[str, ...]
    rationale: tuple[str, ...]
    firings: tuple[Firing, ...]
    floors: tuple[Floor, ...]
    not_assessed: tuple[str, ...]
    sources: tuple[str, ...]


@cache
def check_tables() -> None:
    """Refuse the rule tables if a level, dimension, rating or source is not in the knowledge.

    Sources: asam-criteria-3 (levels, dimensions) and the source registry.
    """
    codes = {level.code for level in levels()}
    names = dimension_names()
    for rule in RULES:
        if rule.min_level not in (None, *codes) or rule.dimension not in (None, *names):
            raise KnowledgeError(f"placement rule {rule.id}: unknown level or dimension")
        if not (rule.rating is not None or rule.flag or rule.min_level) or not rule.sources:
            raise KnowledgeError(f"placement rule {rule.id}: needs an effect and a source")
        for key in rule.sources:
            knowledge.source(key)
    for floor in LEVEL_FLOORS:
        if floor.level not in codes or floor.dimension not in names:
            raise KnowledgeError(f"placement floor {floor.id}: unknown level or dimension")
    ids = [rule.id for rule in RULES] + [floor.id for floor in LEVEL_FLOORS]
    if len(set(ids)) != len(ids):
        raise KnowledgeError("placement rule and floor ids must be unique")


def fire(evaluation: Evaluation) -> tuple[Firing, ...]:
    """The rules that fire, in table order: on the answers given, or else on the worst case."""
    worst = worst_case(evaluation)
    firings: list[Firing] = []
    for rule in RULES:
        if rule.when(evaluation):
            firings.append(Firing(rule, assumed=False))
        elif rule.when(worst):
            firings.append(Firing(rule, assumed=True))
    return tuple(firings)


def _reason_values(evaluation: Evaluation) -> dict[str, object]:
    rating = evaluation.readiness_rating
    return {
        "cows": evaluation.current_cows,
        "cows_band": (_band("cows", evaluation.current_cows) or "").replace("_", " "),
        "ciwa_ar": evaluation.current_ciwa_ar,
        "ciwa_band": (_band("ciwa_ar", evaluation.current_ciwa_ar) or "").replace("_", " "),
        "qtc_ms": evaluation.qtc_ms,
        "pawss_total": None if evaluation.pawss is None else evaluation.pawss.total,
        "readiness": None if rating is None else int(rating),
        "readiness_label": "" if rating is None else risk_labels()[rating].lower(),
    }


def reason_text(firing: Firing, evaluation: Evaluation) -> str:
    """The rule's reason with the evaluation's values; marked if it fired on a worst case only."""
    text = firing.rule.reason.format(**_reason_values(evaluation))
    return NOT_ASSESSED + text[0].lower() + text[1:] if firing.assumed else text


def _score_notes(dimension: int, evaluation: Evaluation) -> list[str]:
    """Why dimension 1 has no score to rest on, where a score would apply (not a rule)."""
    if dimension != 1:
        return []
    notes = []
    if evaluation.current_cows is None and opioid_used(evaluation):
        notes.append("COWS not scored: the rating rests on the substances and the history.")
    if evaluation.current_ciwa_ar is None and sedative_not_known_occasional(evaluation):
        notes.append("CIWA-Ar not scored: the rating rests on the substances and the history.")
    return notes


def rate_dimensions(
    evaluation: Evaluation, firings: Sequence[Firing]
) -> tuple[DimensionRating, ...]:
    """Each dimension's rating (the highest among its fired rules, else 0) with the reasons.

    Source: asam-criteria-3 (dimensions and the 0-4 rating); the rules' own sources.
    """
    rated: list[DimensionRating] = []
    for number, name in sorted(dimension_names().items()):
        mine = [firing for firing in firings if firing.rule.dimension == number]
        ratings = [firing.rule.rating for firing in mine if firing.rule.rating is not None]
        reasons = [reason_text(firing, evaluation) for firing in mine]
        reasons.extend(_score_notes(number, evaluation))
        rated.append(
            DimensionRating(
                dimension=number,
                name=name,
                rating=max(ratings, default=Risk.NONE),
                reasons=tuple(reasons or ["No risk found in the answers given."]),
            )
        )
    return tuple(rated)


def reached_floors(dimensions: Sequence[DimensionRating]) -> tuple[Floor, ...]:
    """The floors the ratings reach, in table order. Source: asam-criteria-3 (our mapping)."""
    rating = {dimension.dimension: dimension.rating for dimension in dimensions}
    return tuple(floor for floor in LEVEL_FLOORS if rating[floor.dimension] >= floor.at_least)


def _asked_levels(firings: Sequence[Firing], floors: Sequence[Floor]) -> list[Level]:
    asked = [_level(floor.level) for floor in floors]
    asked.extend(_level(f.rule.min_level) for f in firings if f.rule.min_level is not None)
    return asked


def _sources(firings: Sequence[Firing], floors: Sequence[Floor]) -> tuple[str, ...]:
    keys = ["asam-criteria-3"]
    keys.extend(key for firing in firings for key in firing.rule.sources)
    keys.extend(key for floor in floors for key in floor.sources)
    return tuple(dict.fromkeys(keys))


def recommend(evaluation: Evaluation) -> Placement:
    """The recommended ASAM 3rd-edition withdrawal-management level for ``evaluation``.

    Sources: asam-criteria-3 and every fired rule's own (listed in ``sources``). See the module
    docstring for how ratings, floors and unknown answers combine.
    """
    check_tables()
    firings = fire(evaluation)
    dimensions = rate_dimensions(evaluation, firings)
    floors = reached_floors(dimensions)
    level = max(_asked_levels(firings, floors), key=lambda asked: asked.rank, default=levels()[0])
    flags = (f.rule.flag for f in firings if f.rule.flag is not None and not f.assumed)
    return Placement(
        level=level,
        dimensions=dimensions,
        flags=tuple(dict.fromkeys(flags)),
        rationale=rationale(evaluation, level, firings, floors, dimensions),
        firings=firings,
        floors=floors,
        not_assessed=not_assessed(evaluation),
        sources=_sources(firings, floors),
    )


# --- The rationale --------------------------------------------------------------------------------


def _decisive(
    evaluation: Evaluation,
    level: Level,
    firings: Sequence[Firing],
    floors: Sequence[Floor],
    dimensions: Sequence[DimensionRating],
) -> list[str]:
    """Why the level is not lower: every floor and rule that asks for exactly this level."""
    labels = risk_labels()
    by_number = {dimension.dimension: dimension for dimension in dimensions}
    lines: list[str] = []
    for floor in floors:
        if floor.level == level.code:
            rated = by_number[floor.dimension]
            lines.append(
                f"Dimension {rated.dimension} ({rated.name}) is rated {int(rated.rating)} "
                f"({labels[rated.rating].lower()}): {floor.reason}"
            )
    lines.extend(
        f"{reason_text(firing, evaluation)} At least {level.code}."
        for firing in firings
        if firing.rule.min_level == level.code
    )
    return lines or ["No finding asks for more than ambulatory care without extended monitoring."]


def _request_line(evaluation: Evaluation, level: Level) -> list[str]:
    asked = evaluation.requested_setting
    if (asked == "outpatient" and not level.ambulatory) or (
        asked == "inpatient" and level.ambulatory
    ):
        return [
            f"The person asked for {asked} care and the findings point to {level.code}: discuss "
            "it with them; the clinician may choose another level with a reason."
        ]
    return []


def rationale(
    evaluation: Evaluation,
    level: Level,
    firings: Sequence[Firing],
    floors: Sequence[Floor],
    dimensions: Sequence[DimensionRating],
) -> tuple[str, ...]:
    """The recommendation in sentences: the level, why, what was not assessed, the request.

    Sources: those of the rules and floors quoted.
    """
    lines = [f"Recommended level {level.code}: {level.name}."]
    lines.extend(_decisive(evaluation, level, firings, floors, dimensions))
    unknown = not_assessed(evaluation)
    if unknown:
        lines.append(
            f"Not assessed: {', '.join(unknown)}. Each counts as its worst answer until it is "
            "assessed, so completing them can only lower this recommendation."
        )
    lines.extend(reason_text(f, evaluation) for f in firings if f.rule.dimension is None)
    lines.extend(_request_line(evaluation, level))
    lines.append(
        "Decision support: the clinician accepts this level or chooses another with a reason."
    )
    return tuple(lines)


# --- The calculator -------------------------------------------------------------------------------


def calculate(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc placement``: an evaluation to the recommended level, ratings and flags.

    Sources: asam-criteria-3 and the fired rules' own, listed in ``sources``.
    """
    placement = recommend(parse_evaluation(payload))
    labels = risk_labels()
    return {
        "recommended_level": placement.level.code,
        "level_name": placement.level.name,
        "dimensions": [
            {
                "dimension": dimension.dimension,
                "name": dimension.name,
                "rating": int(dimension.rating),
                "rating_label": labels[dimension.rating],
                "reasons": list(dimension.reasons),
            }
            for dimension in placement.dimensions
        ],
        "flags": list(placement.flags),
        "rationale": list(placement.rationale),
        "not_assessed": list(placement.not_assessed),
        "rules_fired": [
            {
                "id": firing.rule.id,
                "dimension": firing.rule.dimension,
                "assumed_worst_case": firing.assumed,
                "sources": list(firing.rule.sources),
                "spec_sections": firing.rule.spec_sections,
                "confidence": firing.rule.confidence,
            }
            for firing in placement.firings
        ],
        "floors_reached": [floor.id for floor in placement.floors],
        "sources": list(placement.sources),
    }
