"""The medication policy a program applies, and the one an order applies on top of it.

Numbers come from the clinical core's knowledge file; the program's settings fill parameters
SPEC leaves unset; an order may only make a limit stricter, or set one the knowledge leaves unset,
never loosen a shipped one (the rule is :mod:`detoxdesk.clinical.order_limits`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from detoxdesk.clinical import alcohol
from detoxdesk.clinical.medication_policy import MedicationPolicy, default_policy
from detoxdesk.clinical.numbers import format_number
from detoxdesk.clinical.order_limits import LOWER_IS_STRICTER, with_order_limits
from detoxdesk.medications.models import MedicationSettings, Order
from detoxdesk.patients.models import Program

# Not clinical: shift boundaries only group the medication record; programs change them.
DEFAULT_SHIFT_STARTS = ("07:00", "19:00")


def settings_for(program: Program) -> MedicationSettings:
    """The program's settings, or unsaved defaults (created on first save by the director)."""
    found = MedicationSettings.objects.filter(program=program).first()
    return found or MedicationSettings(program=program)


def shift_starts(settings: MedicationSettings) -> list[time]:
    values = settings.shift_starts or list(DEFAULT_SHIFT_STARTS)
    return sorted(time.fromisoformat(value) for value in values)


def program_policy(settings: MedicationSettings) -> MedicationPolicy:
    """The shipped policy with the program's own values for parameters SPEC leaves unset."""
    policy = default_policy()
    if settings.vitals_max_age_min is not None:
        age = policy.vitals_max_age_min.with_value(settings.vitals_max_age_min)
        policy = replace(policy, vitals_max_age_min=age)
    if settings.precipitated_window_min is not None:
        window = policy.induction.precipitated_window_min.with_value(
            settings.precipitated_window_min
        )
        policy = replace(
            policy, induction=replace(policy.induction, precipitated_window_min=window)
        )
    return policy


def order_policy(policy: MedicationPolicy, order: Order) -> MedicationPolicy:
    """``policy`` with the limits written on ``order`` applied where they are stricter."""
    limits = {name: getattr(order, name) for name in LOWER_IS_STRICTER}
    return with_order_limits(policy, order.drug, limits)


def alcohol_protocol(settings: MedicationSettings) -> alcohol.SymptomTriggered:
    """The program's symptom-triggered benzodiazepine protocol (unset parts stay unset)."""
    return alcohol.program_protocol(
        settings.ciwa_drug or None,
        settings.ciwa_trigger,
        settings.ciwa_dose_mg,
        settings.ciwa_reassess_min,
    )


def alcohol_notes(settings: MedicationSettings) -> tuple[str, ...]:
    """What the alcohol order set adds from the director's protocol: the phenobarbital option and
    the suspected-Wernicke thiamine regimen, where set (SPEC A6.3, A6.4 ship them unset)."""
    notes = []
    if settings.phenobarbital_loading_mg_per_kg is not None:
        dose = format_number(settings.phenobarbital_loading_mg_per_kg)
        notes.append(f"Phenobarbital option (the program's protocol): {dose} mg/kg loading dose.")
    if settings.wernicke_thiamine_regimen:
        notes.append(
            "Suspected Wernicke encephalopathy (the program's regimen): "
            f"{settings.wernicke_thiamine_regimen}"
        )
    return tuple(notes)
