"""The ASAM Criteria 4th edition (2023) beside the 3rd-edition decision: dimension names and the
mapping from each 3rd-edition withdrawal-management level to a 4th-edition level.

Source: asam-criteria-4 (SPEC A11, 12.3). The book was not read: every mapping row is [U], so the
knowledge table ships unconfirmed. A program's medical director confirms it (choosing a level where
SPEC finds no direct match); only a confirmed table gives confirmed levels. Placement itself still
decides in the 3rd edition (:mod:`detoxdesk.clinical.placement`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from detoxdesk.clinical import knowledge, placement
from detoxdesk.clinical.errors import KnowledgeError

Edition = Literal["3", "4"]
EDITIONS: tuple[Edition, ...] = ("3", "4")


@dataclass(frozen=True)
class MappingRow:
    """One 3rd-edition level and its proposed 4th-edition level (None: no direct match)."""

    from_level: str
    code: str | None
    candidates: tuple[str, ...]
    confidence: str


@dataclass(frozen=True)
class FourthLevel:
    """A 4th-edition level for a 3rd-edition one; ``confirmed`` only from a confirmed table."""

    code: str | None
    confirmed: bool

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "confirmed": self.confirmed}


def _table() -> Mapping[str, Any]:
    try:
        table: Mapping[str, Any] = knowledge.load("placement")["fourth_edition"]
    except KeyError as exc:
        raise KnowledgeError("placement.toml: no [fourth_edition] table") from exc
    return table


def _build_row(entry: Any) -> MappingRow:
    try:
        candidates = tuple(str(code) for code in entry["candidates"])
        code = entry["code"] or None
        if not candidates or (code is not None and code not in candidates):
            where = f"placement.toml fourth_edition {entry['from']}"
            raise KnowledgeError(f"{where}: the code must be one of its candidates")
        return MappingRow(entry["from"], code, candidates, entry["confidence"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"placement.toml fourth_edition.mapping: malformed {exc}") from exc


def build_mapping(entries: Any) -> dict[str, MappingRow]:
    """The mapping rows by 3rd-edition level; every level of ``placement.levels()`` exactly once."""
    rows = [_build_row(entry) for entry in entries]
    by_level = {row.from_level: row for row in rows}
    if len(by_level) != len(rows) or set(by_level) != {lv.code for lv in placement.levels()}:
        raise KnowledgeError("placement.toml fourth_edition.mapping: map every level exactly once")
    return by_level


@cache
def mapping() -> dict[str, MappingRow]:
    """The shipped (unconfirmed) mapping. Source: asam-criteria-4 (SPEC A11, [U] every row)."""
    return build_mapping(_table().get("mapping"))


@cache
def table_version() -> int:
    """The version of the shipped mapping table; a confirmation names the version it confirmed."""
    version = _table().get("version")
    if type(version) is not int or version < 1:
        raise KnowledgeError("placement.toml fourth_edition.version: a whole number from 1")
    return version


@cache
def dimension_names() -> dict[int, str]:
    """The six 4th-edition dimension names by number. Source: asam-criteria-4 [S]."""
    try:
        names = {e["dimension"]: e["name"] for e in _table()["dimensions"]}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"placement.toml fourth_edition.dimensions: malformed {exc}") from exc
    if sorted(names) != [1, 2, 3, 4, 5, 6]:
        raise KnowledgeError("placement.toml fourth_edition must name dimensions 1 to 6")
    return names


def dimension_names_for(edition: Edition) -> dict[int, str]:
    """The dimension names of ``edition`` ("3" or "4")."""
    return placement.dimension_names() if edition == "3" else dimension_names()


def check_confirmed(confirmed: Mapping[str, str]) -> None:
    """Refuse a confirmed table unless it maps every level to one of its candidates."""
    rows = mapping()
    if set(confirmed) != set(rows):
        raise KnowledgeError("A confirmed table maps every 3rd-edition level exactly once.")
    for level, code in confirmed.items():
        if code not in rows[level].candidates:
            raise KnowledgeError(f"{level}: choose one of {', '.join(rows[level].candidates)}.")


def fourth_level(level: str, confirmed: Mapping[str, str] | None = None) -> FourthLevel:
    """The 4th-edition level for the 3rd-edition ``level``.

    With ``confirmed`` (the program's confirmed table, 3rd-edition code to 4th-edition code) the
    level is confirmed; otherwise it is the shipped proposal, unconfirmed (None where SPEC finds no
    direct match). Source: asam-criteria-4.
    """
    if confirmed:
        return FourthLevel(confirmed[level], True)
    return FourthLevel(mapping()[level].code, False)


def placement_calculator(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``detoxdesk calc placement``: :func:`placement.calculate` with ``level_4th_edition``
    (``{"code", "confirmed"}``) beside ``recommended_level``.

    The calculator knows no program, so the level is the shipped mapping's, always unconfirmed,
    with ``code`` null where SPEC finds no direct match. Sources: asam-criteria-3 and the fired
    rules' own (``sources``); asam-criteria-4 for the 4th-edition level.
    """
    result = placement.calculate(payload)
    fourth = fourth_level(result["recommended_level"]).as_json()
    ordered: dict[str, Any] = {}
    for key, value in result.items():
        ordered[key] = value
        if key == "recommended_level":
            ordered["level_4th_edition"] = fourth
    return ordered
