"""What every resource of the bundle shares: ids, references, the security labels, codings.

Security labels follow the HL7 FHIR Data Segmentation for Privacy (DS4P) guide: each resource
carries the 42 CFR Part 2 policy label and the restricted confidentiality code, and the bundle
carries them too with the refrain policy against redisclosure without consent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
UCUM = "http://unitsofmeasure.org"
# The project's own URIs (identifiers, not codes of anyone else's system).
RECORD_NUMBER_SYSTEM = "https://detoxdesk.org/fhir/sid/record-number"

PART2 = {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"}
RESTRICTED = {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}
NO_REDISCLOSURE = {
    "system": ACT_CODE,
    "code": "NORDSCLCD",
    "display": "no redisclosure without consent directive",
}
RESOURCE_SECURITY = (PART2, RESTRICTED)
BUNDLE_SECURITY = (RESTRICTED, PART2, NO_REDISCLOSURE)

# Purposes of a disclosure as HL7 v3 ActReason codes (the consent's provision and Provenance).
PURPOSES = {
    "treatment": ("TREAT", "treatment"),
    "payment": ("HPAYMT", "healthcare payment"),
    "operations": ("HOPERAT", "healthcare operations"),
    "patient_request": ("PATRQT", "patient requested"),
}


def derived_id(base: uuid.UUID, part: str) -> str:
    """A stable id for a resource made from part of a row (one vital sign of a reading)."""
    return str(uuid.uuid5(base, part))


def ref(resource: dict[str, Any]) -> dict[str, str]:
    """A reference to a resource of the same bundle, by its full URL."""
    return {"reference": f"urn:uuid:{resource['id']}"}


def resource(kind: str, row_id: uuid.UUID | str, **fields: Any) -> dict[str, Any]:
    """A resource of type ``kind`` with id ``row_id``, its security labels and ``fields``."""
    body: dict[str, Any] = {
        "resourceType": kind,
        "id": str(row_id),
        "meta": {"security": [dict(label) for label in RESOURCE_SECURITY]},
    }
    body.update({key: value for key, value in fields.items() if value not in (None, [], "")})
    return body


def instant(value: datetime | None) -> str | None:
    """An ISO-8601 instant with its offset, in UTC; None stays None."""
    return None if value is None else value.astimezone(UTC).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def text(value: str) -> dict[str, str]:
    return {"text": value}


def concept(system: str, code: str, display: str, label: str | None = None) -> dict[str, Any]:
    return {
        "coding": [{"system": system, "code": code, "display": display}],
        "text": label or display,
    }


def quantity(value: Decimal | int, unit: str, ucum: str) -> dict[str, Any]:
    number: int | float = value if isinstance(value, int) else _number(value)
    return {"value": number, "unit": unit, "system": UCUM, "code": ucum}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def milligrams(value: Decimal) -> dict[str, Any]:
    return quantity(value, "mg", "mg")
