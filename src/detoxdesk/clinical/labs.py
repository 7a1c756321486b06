"""Drug tests and other results: the panels, what they report, LOINC codes and detection windows.

The definitions are data (``knowledge/labs.toml``, SPEC.md A10); this module reads and checks
them. A LOINC code SPEC marks unconfirmed ships empty, and a code with confidence U is refused,
so an unverified code cannot be switched on by a typo. Detection windows are ranges with a
source each and are shown as ranges, never as one number (SPEC.md A10).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError

PRESENCE = "presence"
MEASURE = "measure"
KINDS = frozenset({PRESENCE, MEASURE})
# The medication facts a result may set (medications.PatientFacts field names).
FEEDS = frozenset({"fentanyl_exposure", "pregnant", "qtc_ms"})
SPECIMENS = {"urine": "Urine", "breath": "Breath", "blood": "Blood", "ecg": "ECG"}
UNITS = {"h": ("hour", "hours"), "d": ("day", "days"), "wk": ("week", "weeks")}
LOINC_CODE = re.compile(r"^\d{1,7}-\d$")


@dataclass(frozen=True)
class Window:
    """How long after use a test may still detect a substance: one figure of one source."""

    substance: str  # "" when the row is about the analyte as a whole
    use: str  # e.g. "chronic use", or ""
    low: Decimal | None
    low_unit: str
    high: Decimal
    unit: str
    less_than: bool
    note: str
    source: str
    confidence: str

    @property
    def text(self) -> str:
        """The range in words: "2–5 days", "up to 3 days", "less than 1 day", "1 day – 1 week"."""
        high = _amount(self.high, self.unit)
        if self.less_than:
            return f"less than {high}"
        if self.low is None:
            return f"up to {high}"
        if self.low_unit == self.unit:
            return f"{_number(self.low)}–{high}"
        return f"{_amount(self.low, self.low_unit)} – {high}"


@dataclass(frozen=True)
class Loinc:
    code: str  # "" when unset
    display: str
    source: str
    confidence: str


@dataclass(frozen=True)
class Analyte:
    code: str
    label: str
    kind: str
    unit: str
    opioid: bool
    feeds: str | None
    loinc: Loinc | None
    loinc_note: knowledge.Note | None
    note: knowledge.Note | None
    # None: not a drug, no window applies; (): a drug SPEC gives no window for.
    windows: tuple[Window, ...] | None

    @property
    def loinc_code(self) -> str:
        """The LOINC code to record with a result, "" when none is confirmed."""
        return self.loinc.code if self.loinc else ""


@dataclass(frozen=True)
class Panel:
    code: str
    label: str
    specimens: tuple[str, ...]
    analytes: tuple[Analyte, ...]
    source: str | None
    confidence: str | None
    note: knowledge.Note | None

    def analyte(self, code: str) -> Analyte | None:
        return next((a for a in self.analytes if a.code == code), None)


@dataclass(frozen=True)
class Catalogue:
    panels: Mapping[str, Panel]
    analytes: Mapping[str, Analyte]

    @property
    def opioid_analytes(self) -> frozenset[str]:
        return frozenset(code for code, a in self.analytes.items() if a.opioid)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _amount(value: Decimal, unit: str) -> str:
    one, many = UNITS[unit]
    return f"{_number(value)} {one if value == 1 else many}"


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnowledgeError(f"labs.toml {where}: expected a number")
    number = Decimal(str(value))
    if not number.is_finite():
        raise KnowledgeError(f"labs.toml {where}: must be a finite number")
    if number <= 0:
        raise KnowledgeError(f"labs.toml {where}: must be above zero")
    return number


def _confidence(entry: Mapping[str, Any], where: str) -> str:
    confidence = entry.get("confidence")
    if confidence not in knowledge.CONFIDENCES:
        raise KnowledgeError(f"labs.toml {where}: confidence must be one of C, S, U")
    if not isinstance(entry.get("source"), str):
        raise KnowledgeError(f"labs.toml {where}: a source is required")
    return str(confidence)


def _unit(value: object, where: str) -> str:
    if value not in UNITS:
        raise KnowledgeError(f"labs.toml {where}: unit must be one of {', '.join(UNITS)}")
    return str(value)


def _build_window(entry: Mapping[str, Any], where: str) -> Window:
    unit = _unit(entry.get("unit"), where)
    less_than = "less_than" in entry
    if less_than and ("high" in entry or "low" in entry):
        raise KnowledgeError(f"labs.toml {where}: less_than stands alone")
    high = _decimal(entry["less_than"] if less_than else entry.get("high"), f"{where} high")
    low = _decimal(entry["low"], f"{where} low") if "low" in entry else None
    low_unit = _unit(entry.get("low_unit", unit), where)
    if low is not None and low_unit == unit and low >= high:
        raise KnowledgeError(f"labs.toml {where}: low must be below high (a range, not a number)")
    return Window(
        substance=str(entry.get("substance", "")),
        use=str(entry.get("use", "")),
        low=low,
        low_unit=low_unit,
        high=high,
        unit=unit,
        less_than=less_than,
        note=str(entry.get("note", "")),
        source=str(entry.get("source")),
        confidence=_confidence(entry, where),
    )


def _build_loinc(entry: object, where: str) -> Loinc | None:
    if entry is None:
        return None
    if not isinstance(entry, Mapping):
        raise KnowledgeError(f"labs.toml {where}: expected a table")
    code = str(entry.get("code", ""))
    confidence = _confidence(entry, where)
    if code and not LOINC_CODE.match(code):
        raise KnowledgeError(f"labs.toml {where}: {code!r} is not a LOINC code")
    if code and confidence == "U":
        raise KnowledgeError(f"labs.toml {where}: an unconfirmed code ships empty")
    return Loinc(code, str(entry.get("display", "")), str(entry["source"]), confidence)


def _note(entry: Mapping[str, Any], key: str, confidence: str = "S") -> knowledge.Note | None:
    if key not in entry:
        return None
    return knowledge.Note(str(entry[key]), str(entry[f"{key}_source"]), confidence)


def _build_analyte(code: str, entry: Mapping[str, Any]) -> Analyte:
    where = f"[analytes.{code}]"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise KnowledgeError(f"labs.toml {where}: kind must be presence or measure")
    feeds = entry.get("feeds")
    if feeds is not None and feeds not in FEEDS:
        raise KnowledgeError(f"labs.toml {where}: feeds must be one of {', '.join(sorted(FEEDS))}")
    unit = str(entry.get("unit", ""))
    if (kind == MEASURE) != bool(unit):
        raise KnowledgeError(f"labs.toml {where}: a measure, and only a measure, has a unit")
    rows = entry.get("windows")
    windows = (
        None
        if rows is None
        else tuple(_build_window(row, f"{where} window {n}") for n, row in enumerate(rows, 1))
    )
    return Analyte(
        code=code,
        label=str(entry["label"]),
        kind=str(kind),
        unit=unit,
        opioid=entry.get("opioid", False) is True,
        feeds=None if feeds is None else str(feeds),
        loinc=_build_loinc(entry.get("loinc"), f"{where} loinc"),
        loinc_note=_note(entry, "loinc_note", "C"),
        note=_note(entry, "note"),
        windows=windows,
    )


def _build_panel(code: str, entry: Mapping[str, Any], analytes: Mapping[str, Analyte]) -> Panel:
    where = f"[panels.{code}]"
    specimens = tuple(str(s) for s in entry["specimens"])
    if not specimens or any(s not in SPECIMENS for s in specimens):
        raise KnowledgeError(f"labs.toml {where}: specimens must be of {', '.join(SPECIMENS)}")
    missing = [a for a in entry["analytes"] if a not in analytes]
    if missing or not entry["analytes"]:
        raise KnowledgeError(f"labs.toml {where}: unknown or no analytes {missing}")
    source = entry.get("source")
    return Panel(
        code=code,
        label=str(entry["label"]),
        specimens=specimens,
        analytes=tuple(analytes[a] for a in entry["analytes"]),
        source=None if source is None else str(source),
        confidence=None if source is None else _confidence(entry, where),
        note=_note(entry, "note"),
    )


def build_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """The checked catalogue of parsed ``labs.toml`` ``data``; KnowledgeError naming the entry."""
    try:
        analytes = {code: _build_analyte(code, e) for code, e in data["analytes"].items()}
        panels = {code: _build_panel(code, e, analytes) for code, e in data["panels"].items()}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"labs.toml: missing or malformed entry {exc}") from exc
    used = {a.code for p in panels.values() for a in p.analytes}
    if unused := sorted(set(analytes) - used):
        raise KnowledgeError(f"labs.toml: analytes in no panel: {', '.join(unused)}")
    return Catalogue(panels=panels, analytes=analytes)


@cache
def catalogue() -> Catalogue:
    """The panels and analytes of ``knowledge/labs.toml`` (sources: SPEC.md A10 keys)."""
    return build_catalogue(knowledge.load("labs"))
