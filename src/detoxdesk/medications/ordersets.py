"""Protocol order sets: each pre-fills an order form from the clinical knowledge.

Values the knowledge leaves unset (the [U] holds, doses where sources disagree, every
benzodiazepine number) are left empty for the prescriber; the usual regimen and its source are
shown beside the form. Times of day are operational, not clinical: a set spreads its doses from
FIRST_DOSE_TIME by the knowledge's interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from detoxdesk.clinical import alcohol, induction
from detoxdesk.clinical.medication_policy import DrugRules, MedicationPolicy
from detoxdesk.clinical.numbers import format_number
from detoxdesk.medications.safety import BUP_LOW_DOSE, BUP_STANDARD

FIRST_DOSE_TIME = time(8, 0)  # not clinical: the first administration round of the day
CIWA_BENZODIAZEPINE = "ciwa_benzodiazepine"
COMFORT_PREFIX = "comfort_"
BENZODIAZEPINES = ("chlordiazepoxide", "lorazepam", "diazepam")


@dataclass(frozen=True)
class OrderSet:
    code: str
    title: str
    description: str
    initial: dict[str, Any]
    notes: tuple[str, ...] = field(default=())
    proposed: str = ""  # why this set is proposed for the patient, if it is


def _usual_text(rules: DrugRules) -> tuple[str, ...]:
    usual = rules.usual
    if usual is None:
        return ()
    parts: list[str] = []
    if usual.first_dose_mg is not None:
        parts.append(f"first dose {format_number(usual.first_dose_mg)} mg")
    if usual.dose_mg:
        low, high = (format_number(v) for v in usual.dose_mg)
        parts.append(f"{low} mg" if low == high else f"{low} to {high} mg")
    if usual.every_hours:
        low, high = (format_number(v) for v in usual.every_hours)
        parts.append(f"every {low} h" if low == high else f"every {low} to {high} h")
    if usual.times_per_day:
        parts.append(f"{usual.times_per_day} times a day")
    if usual.when:
        parts.append(usual.when)
    notes = [f"Usual: {', '.join(parts)} ({usual.source})."] if parts else []
    if usual.note:
        notes.append(usual.note)
    notes += [
        f"Alternative ({a.source}): {a.text or format_number(a.value or Decimal(0))}"
        for a in usual.alternatives
    ]
    return tuple(notes)


def _spread(times_per_day: int, every_hours: Decimal) -> str:
    start = datetime.combine(date(2000, 1, 1), FIRST_DOSE_TIME)
    step = timedelta(hours=float(every_hours))
    return ", ".join((start + step * n).strftime("%H:%M") for n in range(times_per_day))


def _limits(rules: DrugRules) -> dict[str, Any]:
    limits = rules.limits
    return {
        "max_dose_mg": limits.max_dose_mg.value,
        "max_daily_mg": limits.max_daily_mg.value,
        "min_interval_min": limits.min_interval_min.value,
        "hold_systolic_below": limits.hold_systolic_below.value,
        "hold_diastolic_below": limits.hold_diastolic_below.value,
        "hold_heart_rate_below": limits.hold_heart_rate_below.value,
    }


def _unset_notes(rules: DrugRules) -> tuple[str, ...]:
    return tuple(f"Not set: {p.note}" for p in rules.unset() if p.note)


def _bup_standard(policy: MedicationPolicy) -> OrderSet:
    rules = policy.rules("buprenorphine")
    gate = policy.induction.cows_gate("short_acting")
    initial = {
        "drug": "buprenorphine",
        "dose_mg": rules.limits.first_dose_warning_above_mg.value,
        "route": "sublingual",
        "prn_indication": "opioid withdrawal (standard start)",
        "trigger_scale": "cows",
        "trigger_min_total": gate.value,
        **_limits(rules),
    }
    notes = (
        f"COWS gate: {format_number(gate.value or Decimal(0))} or more after short-acting opioids,"
        f" {format_number(policy.induction.cows_gate('methadone').value or Decimal(0))} or more"
        " after methadone or extended-release opioids (acep-bupe-tool). Set the trigger to match"
        " the opioid last used; the first dose is gated on it whatever the trigger.",
        f"Re-dose no sooner than {format_number(rules.limits.min_interval_min.value or Decimal(0))}"
        " minutes (nida-ed-2018); day-1 total: warning above "
        f"{format_number(rules.limits.first_day_warning_above_mg.value or Decimal(0))} mg, stop"
        f" above {format_number(rules.limits.first_day_stop_above_mg.value or Decimal(0))} mg.",
    )
    return OrderSet(
        BUP_STANDARD,
        "Buprenorphine: standard start",
        "First dose once COWS reaches the gate, then re-dose by the interval.",
        initial,
        notes,
    )


def low_dose_rows(start: date, policy: MedicationPolicy) -> list[dict[str, str]]:
    """The low-dose initiation days as a dose schedule from ``start`` (randhawa-2020)."""
    return [
        {
            "date": (start + timedelta(days=day.day - 1)).isoformat(),
            "daily_dose_mg": str(day.dose_mg * day.times_per_day),
            "doses": str(day.times_per_day),
        }
        for day in induction.low_dose_schedule(policy)
    ]


def _bup_low_dose(policy: MedicationPolicy, today: date) -> OrderSet:
    days = induction.low_dose_schedule(policy)
    most = max(day.times_per_day for day in days)
    initial = {
        "drug": "buprenorphine",
        "dose_mg": days[0].dose_mg,
        "route": "sublingual",
        "times_of_day": _spread(most, Decimal(12)),
        "start_date": today,
        "dose_schedule": low_dose_rows(today, policy),
    }
    stop_day = next((d.day for d in days if d.stop_full_agonist), len(days))
    notes = (
        f"{len(days)}-day schedule ({policy.induction.low_dose_source}, confidence"
        f" {policy.induction.low_dose_confidence}). Continue the full agonist until day"
        f" {stop_day}, then stop it: keep or write its own order.",
        policy.induction.low_dose_note,
    )
    return OrderSet(
        BUP_LOW_DOSE,
        "Buprenorphine: low-dose initiation",
        "Small, rising doses while the full agonist continues.",
        initial,
        notes,
    )


def _scheduled(code: str, title: str, drug: str, policy: MedicationPolicy) -> OrderSet:
    rules = policy.rules(drug)
    usual = rules.usual
    initial: dict[str, Any] = {"drug": drug, "route": "oral", **_limits(rules)}
    if usual and usual.dose_mg:
        initial["dose_mg"] = usual.dose_mg[0]
    if usual and usual.times_per_day and usual.every_hours:
        initial["times_of_day"] = _spread(usual.times_per_day, usual.every_hours[0])
    return OrderSet(
        code,
        title,
        ", ".join(rules.indications).capitalize(),
        initial,
        _usual_text(rules) + _unset_notes(rules),
    )


def _methadone(policy: MedicationPolicy) -> OrderSet:
    found = _scheduled("methadone", "Methadone", "methadone", policy)
    initial = {**found.initial, "times_of_day": FIRST_DOSE_TIME.strftime("%H:%M")}
    limits = policy.rules("methadone").limits
    notes = found.notes + (
        f"First-day total above {format_number(limits.first_day_stop_above_mg.value or Decimal(0))}"
        " mg is a stop that needs a documented reason (cfr-8-12-2024); QTc warnings from"
        f" {format_number(limits.qtc_warning_from_ms.value or Decimal(0))} ms (krantz-2009):"
        " record the QTc on the patient's medication facts.",
    )
    return OrderSet(found.code, found.title, found.description, initial, notes)


def _prn(code: str, drug: str, indication: str, policy: MedicationPolicy) -> OrderSet:
    rules = policy.rules(drug)
    usual = rules.usual
    initial: dict[str, Any] = {
        "drug": drug,
        "route": "oral",
        "prn_indication": indication,
        **_limits(rules),
    }
    if usual and usual.dose_mg:
        initial["dose_mg"] = usual.dose_mg[0]
    if usual and usual.every_hours and initial["min_interval_min"] is None:
        initial["min_interval_min"] = int(usual.every_hours[0] * 60)
    return OrderSet(
        code,
        f"{rules.label} as needed for {indication}",
        indication.capitalize(),
        initial,
        _usual_text(rules) + _unset_notes(rules),
    )


def order_sets(
    policy: MedicationPolicy,
    today: date,
    *,
    ciwa_enabled: bool,
    protocol: alcohol.SymptomTriggered | None = None,
    alcohol_proposed: str | None = None,
    alcohol_notes: tuple[str, ...] = (),
) -> list[OrderSet]:
    """Every order set the program offers, in the order the form lists them.

    The alcohol order set (CIWA-Ar-triggered benzodiazepine) is offered where the program
    enables it or has set its symptom-triggered ``protocol``, and always when
    ``alcohol_proposed`` says why it is proposed for this patient: it is then listed first.
    ``alcohol_notes`` are the program's phenobarbital option and Wernicke regimen, where set.
    """
    found = [
        _bup_standard(policy),
        _bup_low_dose(policy, today),
        _methadone(policy),
        _scheduled("lofexidine", "Lofexidine", "lofexidine", policy),
        _prn("clonidine", "clonidine", "opioid withdrawal symptoms", policy),
    ]
    for rules in policy.drugs:
        for indication in rules.indications:
            if indication in COMFORT_INDICATIONS:
                found.append(
                    _prn(
                        f"{COMFORT_PREFIX}{rules.drug}_{indication}", rules.drug, indication, policy
                    )
                )
    protocol = protocol or alcohol.shipped_protocol()
    ciwa = _ciwa(policy, protocol)
    ciwa = replace(ciwa, notes=ciwa.notes + alcohol_notes)
    if alcohol_proposed:
        return [replace(ciwa, proposed=alcohol_proposed), *found]
    if ciwa_enabled or protocol.is_set:
        found.append(ciwa)
    return found


COMFORT_INDICATIONS = ("diarrhoea", "nausea", "aches", "cramps", "anxiety", "insomnia")


def _ciwa(policy: MedicationPolicy, protocol: alcohol.SymptomTriggered) -> OrderSet:
    """The alcohol order set: the program's symptom-triggered protocol when it is set, else
    only the drug and trigger scale (SPEC A6.2 ships every number unset); thiamine prompted."""
    initial: dict[str, Any] = {
        "drug": BENZODIAZEPINES[0],
        "route": "oral",
        "prn_indication": "alcohol withdrawal",
        "trigger_scale": "ciwa_ar",
    }
    if protocol.is_set:
        initial["drug"] = protocol.drug
        initial["dose_mg"] = protocol.dose_mg.value
        initial["trigger_min_total"] = int(protocol.trigger.value or 0)
        first = (
            "Symptom-triggered benzodiazepine for alcohol withdrawal, pre-filled from the"
            " program's protocol (set by the medical director): a dose is eligible at CIWA-Ar"
            f" {format_number(protocol.trigger.value or Decimal(0))} or more, and CIWA-Ar is due"
            f" again {format_number(protocol.reassess_min.value or Decimal(0))} minutes after."
        )
    else:
        first = (
            "Symptom-triggered benzodiazepine for alcohol co-withdrawal. SPEC marks the doses and"
            " CIWA-Ar thresholds unconfirmed [U] and the program has not set its protocol: the"
            " prescriber sets drug, dose, trigger, interval and maxima."
        )
    notes = (first, f"Thiamine: {alcohol.thiamine().advice}", policy.benzodiazepine.advice)
    return OrderSet(
        CIWA_BENZODIAZEPINE,
        "CIWA-Ar-triggered benzodiazepine",
        "Alcohol co-withdrawal, where the program enables it.",
        initial,
        notes,
    )


def find(sets: list[OrderSet], code: str) -> OrderSet | None:
    return next((s for s in sets if s.code == code), None)
