"""The program's medication settings (director: ``program.configure``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.medications.models import MedicationSettings
from detoxdesk.medications.policy import program_policy, settings_for
from detoxdesk.patients.models import Program

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
