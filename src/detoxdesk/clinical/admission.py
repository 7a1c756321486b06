"""Admission below the level of care decided at evaluation.

The levels and their order are the ASAM 3rd edition list of ``knowledge/placement.toml`` (source
asam-criteria-3). Which levels each kind of facility provides is configuration,
``knowledge/admission.toml`` (confidence U: SPEC.md does not say). Admitting to a facility that
provides only lower levels than the one decided is a warning: it needs an acknowledgement and a
reason, never blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge, placement
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.placement import Level


@dataclass(frozen=True)
class BelowLevel:
    """The decided level and the levels a facility kind provides, all of them less intensive."""

    decided: Level
    provided: tuple[Level, ...]

    @property
    def provided_codes(self) -> str:
        """The provided levels for people to read, e.g. "1-WM, 2-WM" ("none" when empty)."""
        return ", ".join(level.code for level in self.provided) or "none"


def _build_kind(kind: str, entry: Mapping[str, Any]) -> tuple[Level, ...]:
    by_code = {level.code: level for level in placement.levels()}
    codes = entry["levels"]
    if not isinstance(codes, list) or not codes or any(code not in by_code for code in codes):
        raise KnowledgeError(
            f"admission.toml [facility_kinds.{kind}]: levels must name levels of placement.toml"
        )
    return tuple(sorted((by_code[code] for code in set(codes)), key=lambda level: level.rank))


@cache
def facility_levels() -> dict[str, tuple[Level, ...]]:
    """Each facility kind and the levels it provides, least to most intensive.

    Source: asam-criteria-3 (the levels); the mapping itself is configuration (admission.toml).
    """
    try:
        table = knowledge.load("admission")["facility_kinds"]
        return {kind: _build_kind(kind, entry) for kind, entry in table.items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"admission.toml: missing or malformed {exc}") from exc


def below_decided_level(decided_code: str, facility_kind: str) -> BelowLevel | None:
    """A BelowLevel when ``facility_kind`` provides no level as intensive as ``decided_code``.

    None when it provides the decided level or a more intensive one, or when no level was
    decided (empty code). A facility kind the table does not list provides no level, so it is
    always below. KnowledgeError for a decided code that is not a level. Source: asam-criteria-3.
    """
    if not decided_code:
        return None
    by_code = {level.code: level for level in placement.levels()}
    if decided_code not in by_code:
        raise KnowledgeError(f"placement.toml: no level {decided_code!r}")
    decided = by_code[decided_code]
    provided = facility_levels().get(facility_kind, ())
    if any(level.rank >= decided.rank for level in provided):
        return None
    return BelowLevel(decided=decided, provided=provided)
