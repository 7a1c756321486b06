"""The program's medication settings (director: ``program.configure``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import scales
from detoxdesk.medications.models import MedicationSettings
from detoxdesk.medications.policy import program_policy, settings_for
from detoxdesk.patients.models import Program
from detoxdesk.staff.versions import check_version, fingerprint

SETTING_FIELDS = (
    "nurses_may_override_stops",
    "second_signer_for_controlled",
    "controlled_drugs",
    "ciwa_benzodiazepine_enabled",
    "precipitated_window_min",
    "vitals_max_age_min",
    "prn_reassessment_min",
    "shift_starts",
    "pdmp_check_required",
)


def do_update_medication_settings(
    program: Program, *, acting_user: User, **values: Any
) -> MedicationSettings:
    """Change the program's medication settings (director: ``program.configure``)."""
    if not permissions.facilities_with(acting_user, permissions.PROGRAM_CONFIGURE).filter(
        program=program
    ):
        raise PermissionDenied("Only the program director changes medication settings.")
    if unknown := set(values) - set(SETTING_FIELDS):
        raise TypeError(f"Unknown settings: {sorted(unknown)}")
    _check_settings(values, program)
    with transaction.atomic():
        row = MedicationSettings.objects.select_for_update().filter(program=program).first()
        row = row or MedicationSettings(program=program)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
        log.record("medication_settings.updated", actor=acting_user, changes=changed, target=row)
    return row


def _check_settings(values: Mapping[str, Any], program: Program) -> None:
    errors: dict[str, str] = {}
    known = program_policy(settings_for(program)).drug_names()
    if any(drug not in known for drug in values.get("controlled_drugs", [])):
        errors["controlled_drugs"] = "Choose drugs the safety engine knows."
    for value in values.get("shift_starts", []):
        try:
            time.fromisoformat(value)
        except ValueError:
            errors["shift_starts"] = f"{value!r} is not a time of day (HH:MM)."
    for key in ("precipitated_window_min", "vitals_max_age_min", "prn_reassessment_min"):
        if values.get(key) is not None and values[key] <= 0:
            errors[key] = "Must be greater than 0, or left empty."
    if errors:
        raise ValidationError(errors)


# The alcohol-withdrawal protocol the medical director sets (SPEC A6.2-A6.4: all ship unset).
ALCOHOL_FIELDS = (
    "ciwa_drug",
    "ciwa_trigger",
    "ciwa_dose_mg",
    "ciwa_reassess_min",
    "phenobarbital_loading_mg_per_kg",
    "wernicke_thiamine_regimen",
)


def alcohol_protocol_version(settings: MedicationSettings) -> str:
    """The fingerprint the alcohol-protocol form carries (see staff/versions.py)."""
    return fingerprint(*(getattr(settings, key) for key in ALCOHOL_FIELDS))


def _alcohol_reads(settings: MedicationSettings) -> str:
    shown = (f"{key} {getattr(settings, key) or 'unset'}" for key in ALCOHOL_FIELDS)
    return "; ".join(shown)


def do_set_alcohol_protocol(
    program: Program, *, acting_user: User, version: str, **values: Any
) -> MedicationSettings:
    """Set the program's alcohol-withdrawal protocol (director: ``program.configure``).

    ``version`` is :func:`alcohol_protocol_version` as the form read it: a save after someone
    else's is refused, naming what it now reads. Audited as ``alcohol_protocol.updated``.
    """
    if not permissions.facilities_with(acting_user, permissions.PROGRAM_CONFIGURE).filter(
        program=program
    ):
        raise PermissionDenied("Only the program's medical director sets this protocol.")
    if unknown := set(values) - set(ALCOHOL_FIELDS):
        raise TypeError(f"Unknown settings: {sorted(unknown)}")
    _check_alcohol(values, program)
    with transaction.atomic():
        row = MedicationSettings.objects.select_for_update().filter(program=program).first()
        row = row or MedicationSettings(program=program)
        check_version(
            version, *(getattr(row, k) for k in ALCOHOL_FIELDS), now_reads=_alcohol_reads(row)
        )
        changed = {
            k: [_plain(getattr(row, k)), _plain(v)]
            for k, v in values.items()
            if getattr(row, k) != v
        }
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
        log.record("alcohol_protocol.updated", actor=acting_user, changes=changed, target=row)
    return row


def _plain(value: object) -> object:
    """A value as the audit log stores it (a Decimal as its text, e.g. "2.5")."""
    return str(value) if isinstance(value, Decimal) else value


def _check_alcohol(values: Mapping[str, Any], program: Program) -> None:
    errors: dict[str, str] = {}
    drug = values.get("ciwa_drug")
    rules = program_policy(settings_for(program))
    if drug and (
        drug not in rules.drug_names() or "alcohol withdrawal" not in rules.rules(drug).indications
    ):
        errors["ciwa_drug"] = "Choose a benzodiazepine the knowledge lists for alcohol withdrawal."
    highest = scales.get_scale("ciwa_ar").max_total
    trigger = values.get("ciwa_trigger")
    if trigger is not None and not 0 < trigger <= highest:
        errors["ciwa_trigger"] = f"Must be a CIWA-Ar total from 1 to {highest}, or left empty."
    for key in ("ciwa_dose_mg", "ciwa_reassess_min", "phenobarbital_loading_mg_per_kg"):
        if values.get(key) is not None and values[key] <= 0:
            errors[key] = "Must be greater than 0, or left empty."
    if errors:
        raise ValidationError(errors)
