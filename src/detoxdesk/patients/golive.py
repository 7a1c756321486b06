"""The "before go-live" list: every clinical parameter a program still has to set.

SPEC ships a parameter unset when its value is unconfirmed [U] or not given, and the rule that
needs it is then skipped (a hold not checked, a follow-up never overdue). Each stage keeps such
parameters in its own settings or knowledge file; this module gathers them for the director, with
where each one is set. It reads; it never sets anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass

from django.urls import reverse

from detoxdesk.aftercare.policy import settings_for as aftercare_settings
from detoxdesk.clinical import alcohol, labs, vitals
from detoxdesk.clinical.medication_policy import Parameter
from detoxdesk.intake.models import IntakeSettings
from detoxdesk.medications.policy import alcohol_protocol, program_policy
from detoxdesk.medications.policy import settings_for as medication_settings
from detoxdesk.outpatient.queries import settings_for as outpatient_settings
from detoxdesk.patients.models import Program
from detoxdesk.tapers.queries import settings_for as taper_settings


@dataclass(frozen=True)
class Unset:
    """One unset parameter: what it is, what happens while unset, and where it is set.

    ``url`` is None when no page sets it program-wide (``where`` then says who sets it).
    """

    area: str
    name: str
    effect: str
    where: str
    url: str | None


def unset_parameters(program: Program) -> list[Unset]:
    """Every clinical parameter ``program`` has not set, grouped by stage of care."""
    return [
        *_program(program),
        *_vitals_hard_limits(program),
        *_medications(program),
        *_alcohol(program),
        *_tapers(program),
        *_outpatient(program),
        *_intake(program),
        *_aftercare(program),
        *_lab_codes(),
    ]


# --- Monitoring (program settings) ----------------------------------------------------------------

PROGRAM = "Program settings"


def _program(program: Program) -> Iterator[Unset]:
    url = reverse("patients:program_settings")
    if program.assessment_interval_minutes is None:
        yield Unset(
            "Withdrawal assessments",
            "Assessment interval (minutes)",
            "No COWS or CIWA-Ar is ever shown as due or overdue.",
            PROGRAM,
            url,
        )
    if not any(_has_limit(v) for v in (program.vital_ranges or {}).values()):
        yield Unset(
            "Vital signs",
            "Vital-sign flags on the census board (low and high per sign)",
            "Only the NEWS2 critical bands are flagged; no program range is.",
            PROGRAM,
            url,
        )


def _has_limit(limits: object) -> bool:
    return isinstance(limits, dict) and any(limits.get(end) is not None for end in ("low", "high"))


def _vitals_hard_limits(program: Program) -> Iterator[Unset]:
    """SPEC A5.2: numeric hard limits ship unset; only definitional checks refuse an entry."""
    chosen = program.vital_hard_limits or {}
    url = reverse("patients:program_settings") + "#vital-hard-limits"
    for field in vitals.fields():
        shipped = field.hard_low is not None or field.hard_high is not None
        if shipped or _has_limit(chosen.get(field.key)):
            continue
        yield Unset(
            "Vital signs",
            f"{field.label}: hard limits for entries ({field.unit})",
            "Any value is accepted (after the nurse confirms an unusual one); only a negative "
            "value, an SpO2 above 100 % or a diastolic not below the systolic is refused.",
            PROGRAM,
            url,
        )


# --- Medications ----------------------------------------------------------------------------------

# Medication parameters the program's medication settings can set; the others are set by the
# prescriber on each order.
PROGRAM_SETTABLE = {
    "policy.vitals_max_age_min": "vitals_max_age_min",
    "induction.precipitated_withdrawal.window_min": "precipitated_window_min",
}


# Plain words for the policy's parameter keys (wording only, no numbers); others are humanized.
WORDS = {
    "max_dose_mg": "maximum single dose",
    "max_daily_mg": "maximum per day",
    "min_interval_min": "minimum interval between doses",
    "hold_systolic_below": "hold if systolic pressure below",
    "hold_diastolic_below": "hold if diastolic pressure below",
    "hold_heart_rate_below": "hold if heart rate below",
    "vitals_max_age_min": "how old vitals may be for hold checks",
    "precipitated_withdrawal.window_min": "precipitated-withdrawal screening window",
    "precipitated_withdrawal.min_rise": "precipitated withdrawal: smallest COWS rise that counts",
}
OWNERS = {"policy": "Before a dose", "induction": "Buprenorphine induction"}
UNIT_SUFFIXES = ("_mg", "_min", "_ms", "_kg")


def _words(key: str) -> str:
    if key in WORDS:
        return WORDS[key]
    for suffix in UNIT_SUFFIXES:
        key = key.removesuffix(suffix)
    return key.replace("_", " ").replace(".", ": ")


def _parameters(node: object) -> Iterator[Parameter]:
    """Every declared, unset Parameter anywhere in the (nested, frozen) medication policy."""
    if isinstance(node, Parameter):
        if node.declared and not node.is_set:
            yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from _parameters(item)
    elif is_dataclass(node) and not isinstance(node, type):
        for item in fields(node):
            yield from _parameters(getattr(node, item.name))


def _drug_labels(program: Program) -> dict[str, str]:
    policy = program_policy(medication_settings(program))
    return {rules.drug: rules.label for rules in policy.drugs}


def _medications(program: Program) -> Iterator[Unset]:
    settings = medication_settings(program)
    labels = _drug_labels(program)
    url = reverse("medications:settings")
    for parameter in _parameters(program_policy(settings)):
        owner, _, key = parameter.name.partition(".")
        owner_label = labels.get(owner) or OWNERS.get(owner, owner.replace("_", " ").capitalize())
        what = f"{owner_label}: {_words(key)} ({parameter.unit})"
        effect = parameter.note or "Its rule is skipped while unset."
        if parameter.name in PROGRAM_SETTABLE:
            yield Unset("Medications", what, effect, "Medication settings", url)
        elif owner in labels:
            yield Unset("Medications", what, effect, "Set by the prescriber on each order", None)
        else:
            yield Unset("Medications", what, effect, "No page sets it yet", None)
    if settings.prn_reassessment_min is None:
        yield Unset(
            "Medications",
            "PRN re-assessment time (minutes)",
            "No re-assessment is shown as due after a PRN dose.",
            "Medication settings",
            url,
        )


# --- Alcohol withdrawal (SPEC A6.2-A6.4: every number ships unset) --------------------------------

ALCOHOL = "Alcohol withdrawal"
PROTOCOL_NAMES = {
    "symptom_triggered.trigger": "CIWA-Ar trigger of the symptom-triggered benzodiazepine",
    "symptom_triggered.dose_mg": "Symptom-triggered benzodiazepine: dose at each trigger (mg)",
    "symptom_triggered.reassess_min": "Symptom-triggered benzodiazepine: re-assessment time (min)",
}


def _alcohol(program: Program) -> Iterator[Unset]:
    settings = medication_settings(program)
    url = reverse("medications:alcohol_protocol")
    where = "Alcohol-withdrawal protocol"
    protocol = alcohol_protocol(settings)
    if not protocol.drug:
        yield Unset(
            ALCOHOL,
            "Symptom-triggered benzodiazepine: the drug",
            "No CIWA-Ar makes a benzodiazepine dose eligible by the program's protocol.",
            where,
            url,
        )
    for parameter in protocol.unset():
        effect = parameter.note or "Its rule is skipped while unset."
        yield Unset(ALCOHOL, PROTOCOL_NAMES[parameter.name], effect, where, url)
    if settings.phenobarbital_loading_mg_per_kg is None:
        note = alcohol.phenobarbital_loading().note or ""
        yield Unset(ALCOHOL, "Phenobarbital option: loading dose (mg/kg)", note, where, url)
    if not settings.wernicke_thiamine_regimen:
        note = alcohol.thiamine().suspected_wernicke.note or ""
        yield Unset(
            ALCOHOL, "Thiamine regimen for suspected Wernicke encephalopathy", note, where, url
        )


# --- Tapers, intake, aftercare --------------------------------------------------------------------


def _tapers(program: Program) -> Iterator[Unset]:
    settings = taper_settings(program)
    url = reverse("tapers:settings")
    rows = (
        ("hold_cows_at", "Flag the next reduction at a COWS total of", "No COWS flags a step."),
        ("hold_sows_at", "Flag the next reduction at a SOWS total of", "No SOWS flags a step."),
        (
            "slow_near_end_percent",
            "Long-term tapers: slow down from this % of the original dose",
            "Plans keep the same rate to the end, and say so.",
        ),
        (
            "slow_near_end_every_days",
            "Long-term tapers: days between reductions near the end",
            "Plans keep the same rate to the end, and say so.",
        ),
    )
    for attribute, name, effect in rows:
        if getattr(settings, attribute) is None:
            yield Unset("Tapers", name, effect, "Taper settings", url)
    if not settings.diazepam_equivalents:
        yield Unset(
            "Tapers",
            "Benzodiazepine tapers: diazepam-equivalent table (a source on every row)",
            "No diazepam-equivalent dose is shown on a benzodiazepine taper.",
            "Diazepam-equivalent table",
            reverse("tapers:diazepam_equivalents"),
        )


def _outpatient(program: Program) -> Iterator[Unset]:
    settings = outpatient_settings(program)
    url = reverse("outpatient:settings")
    rows = (
        ("review_cows_rise", "Outpatient review when a COWS total rises by at least"),
        ("review_sows_rise", "Outpatient review when a SOWS total rises by at least"),
    )
    for attribute, name in rows:
        if getattr(settings, attribute) is None:
            yield Unset(
                "Outpatient",
                name,
                "A climbing score sends no outpatient episode for review (missed visits and "
                "home check-ins still do).",
                "Outpatient settings",
                url,
            )


def _intake(program: Program) -> Iterator[Unset]:
    settings = IntakeSettings.objects.filter(program=program).first()  # read, never create
    if settings is None or settings.max_contact_attempts is None:
        yield Unset(
            "Intake",
            "Contact attempts before an inquiry may be closed as not reachable",
            "No inquiry can be closed as not reachable.",
            "Intake settings",
            reverse("intake:settings"),
        )
    if settings is None or settings.bed_hold_hours is None:
        yield Unset(
            "Intake",
            "Hours a bed reserved from the intake queue stays held",
            "The coordinator enters the expiry of every reservation; none is offered.",
            "Intake settings",
            reverse("intake:settings"),
        )


def _aftercare(program: Program) -> Iterator[Unset]:
    settings = aftercare_settings(program)
    if settings.overdue_grace_days is None:
        yield Unset(
            "Aftercare",
            "Days a follow-up stays due before it is overdue",
            "A follow-up is overdue from the day after it falls due, with no grace.",
            "Discharge and follow-up settings",
            reverse("aftercare:settings"),
        )


# --- Drug tests (knowledge) -----------------------------------------------------------------------


def _lab_codes() -> Iterator[Unset]:
    """SPEC A10: LOINC codes marked [U] ship empty (labs.toml); a release sets them once checked."""
    for analyte in labs.catalogue().analytes.values():
        if analyte.loinc is not None and analyte.loinc.confidence == "U":
            yield Unset(
                "Drug tests and results",
                f"{analyte.label} screen: LOINC code",
                "Results are recorded and exported under Detox Desk's own code only; no LOINC "
                "code is sent.",
                "Set in labs.toml once checked at loinc.org (SPEC A10: unconfirmed)",
                None,
            )
