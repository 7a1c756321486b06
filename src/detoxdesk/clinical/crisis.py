"""The crisis numbers shown on every public page and discharge summary (knowledge/crisis.toml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError

_DIALLABLE = re.compile(r"tel:\+?[0-9]+")


@dataclass(frozen=True)
class CrisisLine:
    """One number: as shown (``number``), what it is (``label``), the link a phone follows."""

    number: str
    label: str
    href: str
    source: str | None
    confidence: str


def _build(position: int, entry: object) -> CrisisLine:
    where = f"crisis.toml line {position}"
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: expected a table")
    number, label, href = (_text(entry, key, where) for key in ("number", "label", "href"))
    if not _DIALLABLE.fullmatch(href) or re.sub(r"\D", "", number) != href.removeprefix("tel:"):
        raise KnowledgeError(f"{where}: href must be tel: and the digits of {number!r}")
    source = entry.get("source")
    if source is None and not entry.get("basis"):
        raise KnowledgeError(f"{where}: a source key or a basis is required")
    confidence = entry.get("confidence")
    if confidence not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"{where}: confidence must be one of C, S, U")
    return CrisisLine(number, label, href, source, str(confidence))


def _text(entry: dict[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: {key} is required")
    return value


@cache
def crisis_lines() -> tuple[CrisisLine, ...]:
    """The crisis lines in the order they are shown; KnowledgeError if the file is malformed."""
    entries = knowledge.load("crisis").get("lines")
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError("crisis.toml: at least one [[lines]] entry is required")
    return tuple(_build(position, entry) for position, entry in enumerate(entries, start=1))
