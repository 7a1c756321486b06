"""Records law as data: the accounting period, the notice and the consent wording (SPEC A14.1).

Pure Python; the disclosures app reads these when it checks a consent and builds what travels
with a disclosure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError


@dataclass(frozen=True)
class RecordsLaw:
    """The values of ``records.toml``; each rests on source ``cfr-2-2024``."""

    accounting_years: int
    notice: str
    tpo_recipient_class: str
    tpo_purpose: str
    tpo_expiry_events: tuple[str, ...]
    redisclosure: str
    purpose_wording: dict[str, str]
    revocation: str


@cache
def law() -> RecordsLaw:
    """The records-law values (source key ``cfr-2-2024``); KnowledgeError if malformed."""
    data = knowledge.load("records")
    try:
        purposes = {k: str(v) for k, v in data["purposes"].items() if k not in _META}
        years = data["accounting"]["years"]
        if not isinstance(years, int) or years < 1:
            raise KnowledgeError("records.toml [accounting] years must be a positive whole number")
        return RecordsLaw(
            accounting_years=years,
            notice=str(data["notice"]["text"]),
            tpo_recipient_class=str(data["tpo"]["recipient_class"]),
            tpo_purpose=str(data["tpo"]["purpose"]),
            tpo_expiry_events=tuple(str(e) for e in data["tpo"]["expiry_events"]),
            redisclosure=str(data["tpo"]["redisclosure"]),
            purpose_wording=purposes,
            revocation=str(data["revocation"]["text"]),
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"records.toml: missing or malformed entry {exc}") from exc


_META = frozenset({"source", "confidence", "unit"})
