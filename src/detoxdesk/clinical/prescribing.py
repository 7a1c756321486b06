"""Safeguards when an order is signed: the PDMP check (SPEC A12).

The requirement rests on ``knowledge/prescribing.toml``; a program may change it (medication
settings). The naloxone offer at signing is the dose-check engine's (``dosing.naloxone_prompt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError


@dataclass(frozen=True)
class PdmpRule:
    required_at_start: bool
    source: str
    confidence: str


def _text(table: object, key: str, where: str) -> str:
    value = table.get(key) if isinstance(table, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"prescribing.toml [{where}]: {key} must be text")
    return value


@cache
def pdmp_rule() -> PdmpRule:
    """Whether a PDMP check is required when a controlled substance is started (cdc-2022)."""
    table = knowledge.load("prescribing").get("pdmp_check")
    required = table.get("required_at_start") if isinstance(table, dict) else None
    if not isinstance(required, bool):
        raise KnowledgeError("prescribing.toml [pdmp_check]: required_at_start must be a boolean")
    return PdmpRule(
        required,
        _text(table, "source", "pdmp_check"),
        _text(table, "confidence", "pdmp_check"),
    )
