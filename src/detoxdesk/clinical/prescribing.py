"""Safeguards when an order is signed: the PDMP check and the naloxone offer.

Both rest on ``knowledge/prescribing.toml`` (SPEC A12 and A13). The PDMP check is program policy
on top of a shipped default; the naloxone offer is a warning the prescriber acknowledges, never a
stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.findings import Finding


@dataclass(frozen=True)
class PdmpRule:
    required_at_start: bool
    source: str
    confidence: str


@dataclass(frozen=True)
class NaloxoneRule:
    code: str
    drugs: frozenset[str]
    message: str
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


@cache
def naloxone_rule() -> NaloxoneRule:
    """The drugs whose signing prompts a naloxone offer, and the prompt (fda-naloxone-2020)."""
    table = knowledge.load("prescribing").get("naloxone_offer")
    drugs = table.get("drugs") if isinstance(table, dict) else None
    if not isinstance(drugs, list) or not all(isinstance(d, str) for d in drugs):
        raise KnowledgeError("prescribing.toml [naloxone_offer]: drugs must be a list of codes")
    return NaloxoneRule(
        code=_text(table, "code", "naloxone_offer"),
        drugs=frozenset(drugs),
        message=_text(table, "message", "naloxone_offer"),
        source=_text(table, "source", "naloxone_offer"),
        confidence=_text(table, "confidence", "naloxone_offer"),
    )


def naloxone_prompt(drugs: frozenset[str] | set[str]) -> Finding | None:
    """A warning to offer naloxone when any of ``drugs`` (the order's drug and the policy drug
    it is checked as) is MOUD or an opioid; None otherwise. Source: fda-naloxone-2020."""
    rule = naloxone_rule()
    if not drugs & rule.drugs:
        return None
    return Finding(rule.code, "warning", rule.message, rule.source)
