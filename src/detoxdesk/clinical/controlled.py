"""Controlled-substance record rules (SPEC A14.2, 21 CFR 1304), read from
``knowledge/controlled.toml``: which substances are controlled and their schedule, how long
records are kept, how an inventory counts a container, and the DEA Form 106 and Form 41 steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError

SCHEDULES = ("I", "II", "III", "IV", "V")
WEEKEND = (5, 6)  # Saturday, Sunday: not business days (public holidays are not known here)


@dataclass(frozen=True)
class Substance:
    code: str
    label: str
    schedule: str
    source: str
    confidence: str


@dataclass(frozen=True)
class Rules:
    retention_years: int
    biennial_years: int
    exact_schedules: frozenset[str]
    exact_above_units: int
    counted_forms: frozenset[str]
    form_106_notice_business_days: int
    form_106_filing_days: int
    form_41_witnesses: int


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise KnowledgeError(f"controlled.toml: [{key}] must be a table")
    return value


def _int(table: dict[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise KnowledgeError(f"controlled.toml [{where}]: {key} must be a whole number")
    return value


def _strings(table: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = table.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"controlled.toml [{where}]: {key} must be a list of text")
    return frozenset(value)


@cache
def substances() -> dict[str, Substance]:
    """The controlled substances by drug code."""
    found: dict[str, Substance] = {}
    for code, entry in _table(dict(knowledge.load("controlled")), "substances").items():
        if not isinstance(entry, dict):
            raise KnowledgeError(f"controlled.toml [substances.{code}]: expected a table")
        label, schedule = entry.get("label"), entry.get("schedule")
        if not isinstance(label, str) or not label.strip():
            raise KnowledgeError(f"controlled.toml [substances.{code}]: label must be text")
        if schedule not in SCHEDULES:
            raise KnowledgeError(
                f"controlled.toml [substances.{code}]: schedule must be one of {SCHEDULES}"
            )
        found[code] = Substance(
            code, label, schedule, str(entry.get("source", "")), str(entry.get("confidence", ""))
        )
    return found


@cache
def rules() -> Rules:
    data = dict(knowledge.load("controlled"))
    retention = _table(data, "retention")
    inventory = _table(data, "inventory")
    form_106 = _table(data, "form_106")
    form_41 = _table(data, "form_41")
    return Rules(
        retention_years=_int(retention, "years", "retention"),
        biennial_years=_int(inventory, "biennial_years", "inventory"),
        exact_schedules=_strings(inventory, "exact_schedules", "inventory"),
        exact_above_units=_int(inventory, "exact_when_container_holds_more_than", "inventory"),
        counted_forms=_strings(inventory, "counted_forms", "inventory"),
        form_106_notice_business_days=_int(form_106, "notice_business_days", "form_106"),
        form_106_filing_days=_int(form_106, "filing_days", "form_106"),
        form_41_witnesses=_int(form_41, "witnesses", "form_41"),
    )


def count_method(schedule: str, units_per_container: int, dosage_form: str) -> str:
    """ "exact" or "estimated": how an inventory counts an opened container (21 CFR 1304.11)."""
    current = rules()
    if schedule in current.exact_schedules:
        return "exact"
    if dosage_form in current.counted_forms and units_per_container > current.exact_above_units:
        return "exact"
    return "estimated"


def business_days_after(start: date, days: int) -> date:
    """The date ``days`` business days (Monday to Friday) after ``start``."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() not in WEEKEND:
            remaining -= 1
    return current


@dataclass(frozen=True)
class Form106Steps:
    discovered_on: date
    notice_by: date
    file_by: date


def form_106_steps(discovered_on: date) -> Form106Steps:
    """When the written notice and the electronic Form 106 are due after a loss is discovered."""
    current = rules()
    return Form106Steps(
        discovered_on,
        business_days_after(discovered_on, current.form_106_notice_business_days),
        discovered_on + timedelta(days=current.form_106_filing_days),
    )


def retained_until(recorded_on: date) -> date:
    """The first date a record may go (it is kept at least this long)."""
    years = rules().retention_years
    try:
        return recorded_on.replace(year=recorded_on.year + years)
    except ValueError:  # 29 February
        return recorded_on.replace(year=recorded_on.year + years, day=28)


def biennial_due(last_inventory_on: date) -> date:
    """The last date the next biennial inventory may be taken."""
    years = rules().biennial_years
    try:
        return last_inventory_on.replace(year=last_inventory_on.year + years)
    except ValueError:
        return last_inventory_on.replace(year=last_inventory_on.year + years, day=28)
