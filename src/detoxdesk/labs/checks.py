"""Checking a result before it is written: who may record it, and whether every field is good.

Shared by the action and the import, so a row of a file is refused for the same reasons, in the
same words, as the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.clinical import labs, medication_policy
from detoxdesk.labs.models import Finding, Result
from detoxdesk.patients.models import Episode

POSITIVE, NEGATIVE = Finding.Outcome.POSITIVE, Finding.Outcome.NEGATIVE
# The capability each method needs: point-of-care tests at the bedside, laboratory results by
# prescribers (accounts.permissions).
CAPABILITY_FOR_METHOD = {
    Result.Method.POINT_OF_CARE: permissions.LAB_RECORD,
    Result.Method.LABORATORY: permissions.LAB_RECORD_LABORATORY,
}


def may_record(user: User, episode: Episode, method: str) -> bool:
    """True when ``user`` may record a result by ``method`` for ``episode``."""
    capability = CAPABILITY_FOR_METHOD.get(method)  # type: ignore[call-overload]
    return capability is not None and permissions.can(user, capability, episode.facility)


def check_result(
    *,
    panel: str,
    specimen: str,
    specimen_at: datetime | None,
    method: str,
    findings: Mapping[str, Any],
    now: datetime,
) -> tuple[labs.Panel, list[Finding], datetime]:
    """The panel, unsaved findings and specimen time of a result, or ValidationError naming
    each bad field.

    ``findings`` maps analyte codes to "positive" or "negative" (a presence) or a number (a
    measure); an analyte left out, or given "", was not tested. At least one must be.
    """
    found = labs.catalogue().panels.get(panel)
    if found is None:
        raise ValidationError({"panel": "Choose a test this program records."})
    errors: dict[str, str] = {}
    if specimen not in found.specimens:
        names = ", ".join(labs.SPECIMENS[s].lower() for s in found.specimens)
        errors["specimen"] = f"Choose the specimen: {names}."
    if specimen_at is None:
        errors["specimen_at"] = "Give the date and time the specimen was taken."
    elif specimen_at > now:
        errors["specimen_at"] = "This time is in the future."
    if method not in Result.Method.values:
        errors["method"] = "Choose point of care or laboratory."
    if unknown := sorted(set(findings) - {a.code for a in found.analytes}):
        errors[unknown[0]] = f"{found.label} does not report {', '.join(unknown)}."
    rows = [_finding(a, findings.get(a.code), errors) for a in found.analytes]
    tested = [row for row in rows if row is not None]
    if not tested and not errors:
        errors[found.analytes[0].code] = "Record at least one result."
    if errors or specimen_at is None:
        raise ValidationError(errors)
    return found, tested, specimen_at


def _finding(analyte: labs.Analyte, given: Any, errors: dict[str, str]) -> Finding | None:
    if given is None or given == "":
        return None
    if analyte.kind == labs.PRESENCE:
        if str(given).lower() not in (POSITIVE, NEGATIVE):
            errors[analyte.code] = f"{analyte.label}: give positive or negative."
            return None
        return Finding(analyte=analyte.code, outcome=str(given).lower(), loinc=analyte.loinc_code)
    low, high = medication_policy.entry_limits().qtc_ms
    try:
        value = Decimal(str(given))
    except InvalidOperation:
        value = None
    if value is None or value != value.to_integral_value() or not low <= value <= high:
        errors[analyte.code] = (
            f"{analyte.label}: give a whole number of {analyte.unit} from {low} to {high}."
        )
        return None
    return Finding(analyte=analyte.code, value=value, unit=analyte.unit, loinc=analyte.loinc_code)
