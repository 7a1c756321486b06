"""The ends of medications.toml [entry_limits] for weight and age, each end itself, just
inside and just outside (detoxdesk-entry-limits)."""

from __future__ import annotations

from typing import Any

import pytest

from detoxdesk.clinical import dosing
from detoxdesk.clinical.errors import InvalidInput

AT = "2025-03-01T12:00:00+00:00"
VITALS = {"systolic": 118, "diastolic": 76, "heart_rate": 72, "at": AT}


def check(**context: Any) -> dict[str, Any]:
    payload = {
        "drug": "clonidine",
        "dose_mg": 0.1,
        "at": AT,
        "given": [],
        "vitals": VITALS,
        "context": {"first_day": False, "benzodiazepine_use": False, **context},
    }
    return dosing.dose_check_calculator(payload)


def refusal(**context: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        check(**context)
    return dict(caught.value.fields)


@pytest.mark.parametrize(
    ("field", "accepted", "refused", "message"),
    [
        ("weight_kg", [1, 1.01, 499.99, 500], [0.99, 500.01], "Must be between 1 and 500."),
        ("age_years", [0, 1, 129, 130], [-1, 131], "Must be between 0 and 130."),
    ],
)
def test_a_weight_or_an_age_is_accepted_up_to_its_ends(
    field: str, accepted: list[float], refused: list[float], message: str
) -> None:
    for value in accepted:
        assert check(**{field: value})["decision"] in {"ok", "warning", "stop"}, value
    for value in refused:
        assert refusal(**{field: value}) == {f"context.{field}": message}, value
