"""A golden file of the medication policy as shipped: every drug's usual regimen and every
limit, with the competing values where sources disagree.

The dose check reads the limits; the order sets (medications/ordersets.py) read the usual regimens
and the alternatives, which no calculator prints. Pinning them here means a changed number in
medications.toml fails a test in tests/clinical. Regenerate deliberately as for the calculators'
golden files (``UPDATE_GOLDEN=1``, then review the diff against SPEC.md).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from detoxdesk.clinical.medication_policy import Alternative, Parameter, default_policy

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

GOLDEN = Path(__file__).with_name("golden") / "policy" / "medication-policy.json"


def pretty(document: object) -> list[str]:
    return json.dumps(document, indent=2, ensure_ascii=False).splitlines(keepends=True)


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, Alternative):
        return {"value": plain(value.value), "text": value.text, "source": value.source}
    return value


def parameter(p: Parameter) -> dict[str, Any]:
    return {
        "value": plain(p.value),
        "unit": p.unit,
        "source": p.source,
        "confidence": p.confidence,
        "alternatives": plain(p.alternatives),
    }


def snapshot() -> dict[str, Any]:
    policy = default_policy()
    drugs: dict[str, Any] = {}
    for drug in policy.drug_names():
        rules = policy.rules(drug)
        limits = {
            f.name: parameter(getattr(rules.limits, f.name))
            for f in dataclasses.fields(rules.limits)
            if isinstance(getattr(rules.limits, f.name), Parameter)
            and getattr(rules.limits, f.name).declared
        }
        usual = None
        if rules.usual is not None:
            u = rules.usual
            usual = {
                "dose_mg": plain(u.dose_mg),
                "first_dose_mg": plain(u.first_dose_mg),
                "every_hours": plain(u.every_hours),
                "times_per_day": u.times_per_day,
                "when": u.when,
                "max_days": u.max_days,
                "source": u.source,
                "alternatives": plain(u.alternatives),
            }
        drugs[drug] = {"label": rules.label, "usual": usual, "limits": limits}
    return drugs


def test_the_medication_policy_matches_its_golden_file() -> None:
    actual = snapshot()
    if UPDATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("".join(pretty(actual)) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if actual != expected:
        diff = "".join(difflib.unified_diff(pretty(expected), pretty(actual), "golden", "policy"))
        pytest.fail(f"The medication policy differs from its golden file.\n{diff}", pytrace=False)
