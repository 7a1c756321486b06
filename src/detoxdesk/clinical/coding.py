"""Codes for records that leave in a standard format: ICD-10-CM diagnoses, LOINC vital signs and
the project's own code system for the withdrawal scales (``knowledge/coding.toml``).

Codes only; no clinical numbers. Sources: diagnoses icd10cm-f11 (SPEC.md 14.2), vital signs
fhir-r4-vitalsigns; SPEC.md 14.3 confirms no LOINC code for COWS, SOWS or CIWA-Ar.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError


@dataclass(frozen=True)
class Code:
    """One code of a code system, with its display text."""

    system: str
    code: str
    display: str


@dataclass(frozen=True)
class VitalSignCode:
    """The LOINC code of one vital-sign column, its unit as shown and as UCUM."""

    field: str
    code: Code
    unit: str
    ucum: str
    also: Code | None = None


def _table(name: str) -> dict[str, Any]:
    table = knowledge.load("coding").get(name)
    if not isinstance(table, dict):
        raise KnowledgeError(f"coding.toml: [{name}] is missing")
    return table


@cache
def diagnoses() -> tuple[Code, ...]:
    """The ICD-10-CM codes a clinician may record on an evaluation, in the file's order."""
    table = _table("diagnoses")
    try:
        return tuple(Code(table["system"], e["code"], e["display"]) for e in table["codes"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"coding.toml [diagnoses]: malformed entry {exc}") from exc


def diagnosis(code: str) -> Code:
    """The listed ICD-10-CM code ``code``; InvalidInput if it is not listed."""
    for entry in diagnoses():
        if entry.code == code:
            return entry
    raise InvalidInput(f"{code!r} is not one of the listed ICD-10-CM codes.")


def scales_system() -> str:
    """The URI of the project's own code system for the withdrawal scales and their items."""
    return str(_table("scales")["system"])


def results_system() -> str:
    """The URI of the project's own code system for drug tests and other results (labs.toml)."""
    return str(_table("results")["system"])


def _code(system: str, entry: dict[str, Any]) -> Code:
    return Code(system, entry["code"], entry["display"])


@cache
def vital_signs() -> tuple[VitalSignCode, ...]:
    """Each vital-sign column's LOINC code (source fhir-r4-vitalsigns)."""
    table = _table("vital_signs")
    system = table["system"]
    try:
        return tuple(
            VitalSignCode(
                field=e["field"],
                code=_code(system, e),
                unit=e["unit"],
                ucum=e["ucum"],
                also=_code(system, e["also"]) if "also" in e else None,
            )
            for e in table["measurements"]
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"coding.toml [vital_signs]: malformed entry {exc}") from exc


def vital_sign(field: str) -> VitalSignCode:
    """The code of vital-sign column ``field``; InvalidInput if none is listed."""
    for entry in vital_signs():
        if entry.field == field:
            return entry
    raise InvalidInput(f"No LOINC code is listed for the vital sign {field!r}.")


def vital_signs_group(name: str) -> Code:
    """A grouping code of the vital signs: ``panel``, ``blood_pressure`` (LOINC) or
    ``category`` (the FHIR observation category)."""
    table = _table("vital_signs")
    if name == "category":
        return _code("http://terminology.hl7.org/CodeSystem/observation-category", table[name])
    return _code(table["system"], table[name])
