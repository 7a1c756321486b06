"""Pregnancy and adolescents: the intake pregnancy-test prompt, MOUD first in pregnancy, and the
ages that change what is asked (buprenorphine's labelled age, a minor's consent).

Sources: buppractice (pregnancy test at intake), acog-711 (MOUD first), eu-bup-label (buprenorphine
from 16), cfr-8-12-2024 (a minor's admission). The numbers and texts live in
``knowledge/populations.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.findings import Finding

BUPRENORPHINE_OFF_LABEL_AGE = "buprenorphine_off_label_age"


@dataclass(frozen=True)
class AgeLimit:
    """An age in whole years, with its source and confidence."""

    years: int
    source: str
    confidence: str


def _data() -> Mapping[str, Any]:
    return knowledge.load("populations")


def _build_age(name: str, entry: Any) -> AgeLimit:
    try:
        years, unit = entry["value"], entry["unit"]
        if type(years) is not int or years <= 0 or unit != "years":
            raise KnowledgeError(f"populations.toml [{name}]: a whole number of years")
        return AgeLimit(years, entry["source"], entry["confidence"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"populations.toml [{name}]: missing or malformed {exc}") from exc


def _build_note(name: str, entry: Any, key: str) -> knowledge.Note:
    try:
        return knowledge.Note(entry[key], entry["source"], entry["confidence"])
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"populations.toml [{name}]: missing or malformed {exc}") from exc


@cache
def buprenorphine_labelled_from() -> AgeLimit:
    """The age from which buprenorphine is labelled. Source: eu-bup-label (SPEC A9)."""
    return _build_age("buprenorphine_labelled_from_age", _data()["buprenorphine_labelled_from_age"])


@cache
def minor_under() -> AgeLimit:
    """Below this age a patient is a minor for admission consent. Source: cfr-8-12-2024."""
    return _build_age("minor_under_age", _data()["minor_under_age"])


@cache
def pregnancy_test_prompt() -> knowledge.Note:
    """The intake prompt to offer a pregnancy test. Source: buppractice (SPEC A8)."""
    return _build_note("pregnancy_test", _data()["pregnancy_test"], "prompt")


@cache
def moud_first_offer() -> knowledge.Note:
    """What the evaluation offers a pregnant patient first. Source: acog-711."""
    return _build_note("pregnancy_moud_first", _data()["pregnancy_moud_first"], "offer")


def age_on(born: date, day: date) -> int:
    """Whole years from ``born`` to ``day`` (a birthday counts on the day itself)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_minor(age_years: int) -> bool:
    """True below the minor age (cfr-8-12-2024 [S]): the admission asks for consent."""
    return age_years < minor_under().years


def buprenorphine_age_findings(age_years: int | None) -> list[Finding]:
    """Buprenorphine for a patient under its labelled age: an off-label warning, never a stop.

    Source: eu-bup-label (SPEC A9). An unknown age gives no finding.
    """
    limit = buprenorphine_labelled_from()
    if age_years is None or age_years >= limit.years:
        return []
    text = str(_data()["buprenorphine_labelled_from_age"]["message"]).format(age=limit.years)
    return [Finding(BUPRENORPHINE_OFF_LABEL_AGE, "warning", text, limit.source)]


def pregnancy_test_due(
    can_become_pregnant: bool | None, pregnant: bool | None, tested: bool = False
) -> bool:
    """Whether intake prompts a pregnancy test: pregnancy possible (or sex at birth not recorded),
    no pregnancy recorded and no test taken at this intake. A "no" answered in the evaluation is
    not a test, so it still asks. Source: buppractice (SPEC A8)."""
    return can_become_pregnant is not False and pregnant is not True and not tested
