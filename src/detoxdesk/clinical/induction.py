"""Buprenorphine initiation: readiness for a standard start and the precipitated-withdrawal screen.

SPEC.md section 5. Readiness depends on the COWS gate for the opioid last used and on nothing else:
the time since last use, recent fentanyl and benzodiazepine use only add warnings, and pregnancy
adds a note for physician review. An unknown time since last use is a warning of its own and is
never read as "long ago": after fentanyl it keeps the fentanyl warning and the low-dose
suggestion. Every number comes from the
:class:`~detoxdesk.clinical.medication_policy.MedicationPolicy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from detoxdesk.clinical import scales
from detoxdesk.clinical.dosing import FieldReader
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.findings import Finding
from detoxdesk.clinical.medication_policy import (
    OPIOID_CLASSES,
    LowDoseDay,
    MedicationPolicy,
    default_policy,
)
from detoxdesk.clinical.numbers import (
    format_number,
    json_number,
    optional_json_number,
    quantity,
    to_decimal,
)

CLASS_LABELS: Mapping[str, str] = {
    "short_acting": "short-acting opioids",
    "extended_release": "extended-release opioids",
    "methadone": "methadone",
    "fentanyl": "fentanyl",
}

# What precipitated withdrawal is, in plain words (SPEC.md 5.4; oakley-2021).
PRECIPITATED_WITHDRAWAL = (
    "Buprenorphine given before withdrawal is clear can cause precipitated withdrawal: it attaches"
    " to the opioid receptors more strongly than the opioid still in the body but switches them on"
    " less, so it pushes that opioid off and withdrawal suddenly gets worse soon after the dose."
)
WAIT_AND_RESCORE = "Wait, watch for more signs of withdrawal and score COWS again before dosing."

# Hours in a message are shown to a tenth, never rounded up to the advised wait.
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Note:
    """Information for the clinician that is neither a warning nor a stop."""

    code: str
    message: str
    source: str


@dataclass(frozen=True)
class Readiness:
    """Whether a standard buprenorphine start may begin now, and why.

    ``ready`` rests on the COWS gate alone. ``first_dose_mg`` (and ``first_dose_may_be_mg`` when
    COWS allows a larger first dose) are given only when ready. ``hours_since_last_use`` is None
    when the time of last use is not known.
    """

    ready: bool
    cows_total: int
    opioid_class: str
    cows_threshold: Decimal | None
    threshold_source: str | None
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]
    notes: tuple[Note, ...]
    suggest_low_dose_initiation: bool
    first_dose_mg: Decimal | None
    first_dose_may_be_mg: Decimal | None
    first_dose_source: str | None
    hours_since_last_use: Decimal | None = None

    @property
    def timing_known(self) -> bool:
        """Whether the time since last use is known."""
        return self.hours_since_last_use is not None

    @property
    def warnings(self) -> tuple[str, ...]:
        """The codes of the findings, all warnings."""
        return tuple(finding.code for finding in self.findings)


def _cows_max() -> int:
    return scales.get_scale("cows").max_total


def _check_arguments(cows_total: int, opioid_class: str, hours: Decimal | None) -> None:
    errors: dict[str, str] = {}
    if isinstance(cows_total, bool) or not isinstance(cows_total, int):
        errors["cows_total"] = "Must be a whole number."
    elif not 0 <= cows_total <= _cows_max():
        errors["cows_total"] = f"Must be between 0 and {_cows_max()}."
    if opioid_class not in OPIOID_CLASSES:
        errors["opioid_class"] = f"Must be one of {', '.join(OPIOID_CLASSES)}."
    if hours is not None and hours < 0:
        errors["hours_since_last_use"] = "Must be 0 or more."
    if errors:
        raise InvalidInput("Readiness cannot be assessed: correct the marked fields.", errors)


def _gate_reasons(cows_total: int, opioid_class: str, gate: Decimal | None) -> tuple[str, ...]:
    """Why the patient is or is not ready. Sources: acep-bupe-tool, nida-ed-2018 (gates)."""
    label = CLASS_LABELS[opioid_class]
    if gate is None:
        return (
            f"No COWS gate is set for {label}: readiness cannot be judged by this check.",
            WAIT_AND_RESCORE,
        )
    value = format_number(gate)
    if cows_total >= gate:
        return (
            f"COWS {cows_total} reaches the gate of {value} for {label}: objective signs of"
            " withdrawal are present.",
        )
    return (
        f"COWS {cows_total} is below the gate of {value} for {label} (it needs {value} or more).",
        PRECIPITATED_WITHDRAWAL,
        WAIT_AND_RESCORE,
    )


def _time_finding(
    hours: Decimal | None, opioid_class: str, policy: MedicationPolicy
) -> list[Finding]:
    """Fewer hours since last use than advised, or an unknown time: a warning only; objective signs
    are the gate.

    Sources: asam-2015 (short-acting 12 h, extended-release 24 h), nida-ed-2018 (methadone 72 h).
    """
    wait = policy.induction.wait_hours(opioid_class)
    if hours is None:
        message = "The time of last opioid use is not known: the advised wait cannot be checked."
        return [Finding("time_since_last_use_unknown", "warning", message, wait.cited)]
    if wait.value is None or hours >= wait.value:
        return []
    shown = hours.quantize(TENTH, rounding=ROUND_DOWN)
    message = (
        f"Last use was {quantity(shown, 'hour')} ago; after {CLASS_LABELS[opioid_class]} waiting"
        f" at least {quantity(wait.value, 'hour')} is advised. Objective signs of withdrawal,"
        " not the time, decide readiness."
    )
    return [Finding("time_since_last_use", "warning", message, wait.cited)]


def _fentanyl_finding(
    hours: Decimal | None, opioid_class: str, policy: MedicationPolicy
) -> list[Finding]:
    """Fentanyl used within the window (inclusive), or at an unknown time, which may be within it:
    a warning suggesting low-dose initiation.

    Source: varshneya-2022 (48 h).
    """
    window = policy.induction.fentanyl_window_hours
    if opioid_class != "fentanyl" or window.value is None:
        return []
    if hours is not None and hours > window.value:
        return []
    limit = quantity(window.value, "hour")
    if hours is None:
        message = f"The time of last fentanyl use is not known: it may be within {limit}."
    else:
        message = f"Fentanyl was used {quantity(hours, 'hour')} ago, within {limit}."
    if window.advice:
        message += f" {window.advice}"
    return [Finding("fentanyl_within_48h", "warning", message, window.cited)]


def _benzodiazepine_finding(benzodiazepine_use: bool, policy: MedicationPolicy) -> list[Finding]:
    """Benzodiazepine co-use: a warning, never a stop. Sources: fda-2017, fda-2016."""
    if not benzodiazepine_use:
        return []
    rule = policy.benzodiazepine
    return [Finding("benzodiazepine_co_use", "warning", rule.advice, rule.source)]


def _pregnancy_notes(pregnant: bool, policy: MedicationPolicy) -> tuple[Note, ...]:
    """Pregnancy: a note for physician review that never blocks. Source: acog-711."""
    if not pregnant:
        return ()
    induction = policy.induction
    return (
        Note("pregnancy_physician_review", induction.pregnancy_note, induction.pregnancy_source),
    )


def _first_dose(
    cows_total: int, policy: MedicationPolicy
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """The usual first dose and, when COWS allows, the larger one. Source: nida-ed-2018."""
    limits = policy.rules("buprenorphine").limits
    usual, high, gate = (
        limits.first_dose_warning_above_mg,
        limits.first_dose_high_mg,
        limits.first_dose_high_from_cows,
    )
    allowed = high.value if gate.value is not None and cows_total >= gate.value else None
    return usual.value, allowed, usual.source


def assess_readiness(
    cows_total: int,
    opioid_class: str,
    hours_since_last_use: Decimal | int | float | None,
    *,
    benzodiazepine_use: bool,
    pregnant: bool,
    policy: MedicationPolicy | None = None,
) -> Readiness:
    """Readiness for a standard ("wait for withdrawal") buprenorphine start.

    Sources: acep-bupe-tool and nida-ed-2018 (COWS gate: 8 after short-acting opioids and
    fentanyl, 13 after methadone or extended-release), asam-2015 and nida-ed-2018 (advised wait),
    varshneya-2022 (fentanyl within 48 h: warn and suggest low-dose initiation), fda-2017 and
    fda-2016 (benzodiazepines: warning only), acog-711 (pregnancy: note for physician review).
    ``ready`` is True exactly when ``cows_total`` reaches the gate. ``hours_since_last_use`` None
    means not known: a warning ``time_since_last_use_unknown``, never read as a long wait; after
    fentanyl the ``fentanyl_within_48h`` warning and the low-dose suggestion stay. Raises
    InvalidInput for a COWS total outside 0-48, an unknown opioid class or negative hours.
    """
    policy = policy or default_policy()
    hours = None if hours_since_last_use is None else to_decimal(hours_since_last_use)
    _check_arguments(cows_total, opioid_class, hours)
    gate = policy.induction.cows_gate(opioid_class)
    ready = gate.value is not None and cows_total >= gate.value
    fentanyl = _fentanyl_finding(hours, opioid_class, policy)
    first, may_be, first_source = _first_dose(cows_total, policy) if ready else (None, None, None)
    return Readiness(
        ready=ready,
        cows_total=cows_total,
        opioid_class=opioid_class,
        cows_threshold=gate.value,
        threshold_source=gate.source,
        reasons=_gate_reasons(cows_total, opioid_class, gate.value),
        findings=tuple(
            _time_finding(hours, opioid_class, policy)
            + fentanyl
            + _benzodiazepine_finding(benzodiazepine_use, policy)
        ),
        notes=_pregnancy_notes(pregnant, policy),
        suggest_low_dose_initiation=bool(fentanyl),
        first_dose_mg=first,
        first_dose_may_be_mg=may_be,
        first_dose_source=first_source,
        hours_since_last_use=hours,
    )


def _unrecorded(code: str, message: str, source: str) -> Finding:
    return Finding(code, "stop", message, source)


def standard_start_findings(
    cows_total: int | None,
    opioid_class: str | None,
    hours_since_last_use: Decimal | None,
    *,
    benzodiazepine_use: bool,
    policy: MedicationPolicy | None = None,
) -> tuple[Finding, ...]:
    """The findings for the FIRST dose of a standard buprenorphine start, for the dose check.

    A stop when COWS is below the gate of the opioid class (its message explains precipitated
    withdrawal), or when the COWS or the opioid class needed to apply the gate is not recorded;
    warnings for the time since last use, fentanyl within 48 h and benzodiazepines, exactly as
    :func:`assess_readiness`. Unknown time since last use is a warning, and after fentanyl it keeps
    the fentanyl warning. Sources: acep-bupe-tool, nida-ed-2018, asam-2015, varshneya-2022,
    fda-2017.
    """
    policy = policy or default_policy()
    gate_source = policy.induction.cows_gate("short_acting").cited
    if opioid_class not in OPIOID_CLASSES:
        message = (
            "The opioid last used is not recorded, so the COWS gate for a first buprenorphine dose"
            " cannot be chosen: record it on the patient's medication facts."
        )
        return (_unrecorded("opioid_class_not_recorded", message, gate_source),)
    if cows_total is None:
        message = (
            "No COWS is recorded: objective signs of withdrawal are the gate for a first"
            " buprenorphine dose. Score COWS first."
        )
        return (_unrecorded("cows_not_recorded", message, gate_source),)
    readiness = assess_readiness(
        cows_total,
        opioid_class,
        hours_since_last_use,
        benzodiazepine_use=benzodiazepine_use,
        pregnant=False,
        policy=policy,
    )
    found = list(readiness.findings)
    if not readiness.ready:
        source = readiness.threshold_source or gate_source
        found.insert(0, Finding("cows_gate_not_met", "stop", " ".join(readiness.reasons), source))
    return tuple(found)


def low_dose_schedule(policy: MedicationPolicy | None = None) -> tuple[LowDoseDay, ...]:
    """The 7-day low-dose initiation schedule; the full agonist continues until day 7.

    Source: randhawa-2020 (confidence S).
    """
    return (policy or default_policy()).induction.low_dose_days


# --- Precipitated withdrawal ----------------------------------------------------------------------


@dataclass(frozen=True)
class PrecipitatedWithdrawalScreen:
    """The screen after a first buprenorphine dose: a prompt for clinician review, not a diagnosis.

    ``guidance`` (what the sources advise) is given only with an alert. ``notes`` say which
    program settings were unset and how the screen behaved without them.
    """

    alert: bool
    rise: int
    minutes_since_dose: Decimal
    window_min: Decimal | None
    message: str
    guidance: str | None
    source: str
    notes: tuple[str, ...]


def _check_screen(cows_before: int, cows_after: int, minutes: Decimal) -> None:
    errors: dict[str, str] = {}
    for key, value in (("cows_before", cows_before), ("cows_after", cows_after)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[key] = "Must be a whole number."
        elif not 0 <= value <= _cows_max():
            errors[key] = f"Must be between 0 and {_cows_max()}."
    if minutes < 0:
        errors["minutes_since_dose"] = "Must be 0 or more."
    if errors:
        raise InvalidInput("The screen cannot run: correct the marked fields.", errors)


def _screen_message(before: int, after: int, minutes: Decimal, rose: bool, within: bool) -> str:
    when = f"{quantity(minutes, 'minute')} after the first buprenorphine dose"
    if not rose:
        return f"COWS went from {before} to {after} {when}: no rise to flag."
    if not within:
        return f"COWS rose from {before} to {after} {when}, outside the program's window."
    return (
        f"Possible precipitated withdrawal: COWS rose from {before} to {after} {when}."
        " For clinician review: this is a screen, not a diagnosis."
    )


def screen_precipitated_withdrawal(
    cows_before: int,
    cows_after: int,
    minutes_since_dose: Decimal | int | float,
    policy: MedicationPolicy | None = None,
) -> PrecipitatedWithdrawalScreen:
    """Flag a rise in COWS at the first assessment after the first buprenorphine dose.

    Source: oakley-2021 (management: more buprenorphine in rapid increments plus symptom relief);
    the window and the size of rise are program policy (SPEC gives neither). With no window set,
    the assessment is screened whatever the time since the dose; with no minimum rise set, any
    rise counts. Both are said in ``notes``. Raises InvalidInput for COWS outside 0-48 or
    negative minutes.
    """
    policy = policy or default_policy()
    minutes = to_decimal(minutes_since_dose)
    _check_screen(cows_before, cows_after, minutes)
    induction = policy.induction
    window, min_rise = induction.precipitated_window_min, induction.precipitated_min_rise
    rise = cows_after - cows_before
    rose = rise >= min_rise.value if min_rise.value is not None else rise > 0
    within = window.value is None or minutes <= window.value
    alert = rose and within
    notes = tuple(p.note or p.name for p in (window, min_rise) if not p.is_set)
    return PrecipitatedWithdrawalScreen(
        alert=alert,
        rise=rise,
        minutes_since_dose=minutes,
        window_min=window.value,
        message=_screen_message(cows_before, cows_after, minutes, rose, within),
        guidance=induction.precipitated_guidance if alert else None,
        source=induction.precipitated_source,
        notes=notes,
    )


# --- The calculator -------------------------------------------------------------------------------

READINESS_FIELDS = (
    "cows_total",
    "opioid_class",
    "hours_since_last_use",
    "benzodiazepine_use",
    "pregnant",
)


def readiness_json(readiness: Readiness, policy: MedicationPolicy) -> dict[str, Any]:
    """A Readiness as the JSON object of ``detoxdesk calc induction-readiness``."""
    induction = policy.induction
    schedule = [
        {
            "day": day.day,
            "dose_mg": json_number(day.dose_mg),
            "times_per_day": day.times_per_day,
            "stop_full_agonist": day.stop_full_agonist,
        }
        for day in induction.low_dose_days
    ]
    return {
        "ready": readiness.ready,
        "cows_total": readiness.cows_total,
        "opioid_class": readiness.opioid_class,
        "hours_since_last_use": optional_json_number(readiness.hours_since_last_use),
        "time_since_last_use_known": readiness.timing_known,
        "cows_threshold": optional_json_number(readiness.cows_threshold),
        "cows_threshold_source": readiness.threshold_source,
        "reasons": list(readiness.reasons),
        "warnings": list(readiness.warnings),
        "findings": [finding.as_json() for finding in readiness.findings],
        "notes": [
            {"code": n.code, "message": n.message, "source": n.source} for n in readiness.notes
        ],
        "suggest_low_dose_initiation": readiness.suggest_low_dose_initiation,
        "first_dose_mg": optional_json_number(readiness.first_dose_mg),
        "first_dose_may_be_mg": optional_json_number(readiness.first_dose_may_be_mg),
        "first_dose_source": readiness.first_dose_source,
        "low_dose_schedule": schedule if readiness.suggest_low_dose_initiation else [],
        "low_dose_source": induction.low_dose_source,
    }


def readiness_calculator(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc induction-readiness`` with the default policy.

    Input: ``{"cows_total": int, "opioid_class": "short_acting|extended_release|methadone|fentanyl",
    "hours_since_last_use": number or null, "benzodiazepine_use": bool, "pregnant": bool}``, all
    required; ``hours_since_last_use: null`` means the time of last use is not known (a warning
    ``time_since_last_use_unknown``; never read as more than 48 hours, so after fentanyl the
    ``fentanyl_within_48h`` warning and the low-dose suggestion stay).
    Output: ``ready``, ``cows_threshold``, ``hours_since_last_use`` (null when unknown),
    ``time_since_last_use_known``, ``reasons``, ``warnings`` (codes), ``findings``, ``notes``,
    ``suggest_low_dose_initiation`` and the first dose. Sources: see :func:`assess_readiness`.
    """
    reader = FieldReader(payload)
    reader.only(READINESS_FIELDS)
    cows_total = reader.integer("cows_total", Decimal(0), Decimal(_cows_max()))
    opioid_class = reader.choice("opioid_class", OPIOID_CLASSES, "opioid class")
    reader.present("hours_since_last_use")
    hours = reader.optional_number("hours_since_last_use")
    benzodiazepine_use = reader.boolean("benzodiazepine_use")
    pregnant = reader.boolean("pregnant")
    reader.check("Readiness cannot be assessed: correct the marked fields.")
    policy = default_policy()
    readiness = assess_readiness(
        cows_total,
        opioid_class,
        hours,
        benzodiazepine_use=benzodiazepine_use,
        pregnant=pregnant,
        policy=policy,
    )
    return readiness_json(readiness, policy)
