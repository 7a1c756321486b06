"""Whatever JSON arrives, every calculator answers or refuses with field messages; none crashes."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detoxdesk.clinical import calc
from detoxdesk.clinical.errors import InvalidInput

SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats() | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

# Keys each calculator reads, so the generated objects reach past the first missing-field check.
KEYS: dict[str, list[str]] = {
    "mme": ["medications", "methadone_factors", "drug", "dose", "unit", "doses_per_day"],
    "taper": [
        "kind",
        "start_date",
        "current_daily_dose",
        "increment",
        "percent",
        "every_days",
        "of",
        "days",
    ],
    "dose-check": ["drug", "dose_mg", "at", "given", "vitals", "context"],
    "induction-readiness": [
        "cows_total",
        "opioid_class",
        "hours_since_last_use",
        "benzodiazepine_use",
        "pregnant",
    ],
    "placement": [
        "substances",
        "current_cows",
        "current_ciwa_ar",
        "history",
        "medical",
        "psychiatric",
        "environment",
        "readiness",
        "requested_setting",
        "name",
        "route",
        "rating",
        "pawss",
        "threshold_met",
        "items",
    ],
    "withdrawal-course": ["opioid_class", "last_use", "now"],
    "pawss": ["threshold_met", "items", "intoxicated_30d", "prior_blackouts"],
    "naltrexone-start": ["last_opioid_use", "opioid_class"],
}


def payloads(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Objects whose keys, at every depth, are mostly the names the calculator reads."""
    keys = st.sampled_from(KEYS.get(name, ["sweating", "tremor", "anxious", "orientation"]))
    any_key = keys | st.text(max_size=6)
    values = st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_key, inner, max_size=6),
        max_leaves=12,
    )
    return st.dictionaries(keys, values, max_size=8)


@pytest.mark.parametrize("name", calc.names())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_it_answers_or_refuses_any_json_object(name: str, data: st.DataObject) -> None:
    payload = data.draw(payloads(name))
    try:
        result = calc.run(name, payload)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert isinstance(result, dict)


# One complete, valid input per calculator; every leaf is then replaced by a wrong type.
COWS_ITEMS = [
    "resting_pulse_rate",
    "sweating",
    "restlessness",
    "pupil_size",
    "bone_joint_aches",
    "runny_nose_tearing",
    "gi_upset",
    "tremor",
    "yawning",
    "anxiety_irritability",
    "gooseflesh_skin",
]
VALID: dict[str, dict[str, Any]] = {
    "cows": dict.fromkeys(COWS_ITEMS, 0),
    "mme": {
        "medications": [
            {"drug": "oxycodone", "dose": 10, "unit": "mg", "doses_per_day": 3},
            {"drug": "fentanyl_transdermal", "dose": 25, "unit": "mcg/h"},
        ],
        "methadone_factors": "cdc2016",
    },
    "taper": {
        "kind": "long_term_opioid",
        "start_date": "2026-01-05",
        "current_daily_dose": 60,
        "increment": 5,
        "percent": 10,
        "every_days": 7,
        "of": "original",
    },
    "dose-check": {
        "drug": "clonidine",
        "dose_mg": 0.1,
        "at": "2026-01-05T12:00:00+00:00",
        "given": [{"dose_mg": 0.1, "at": "2026-01-05T06:00:00+00:00"}],
        "vitals": {
            "systolic": 120,
            "diastolic": 80,
            "heart_rate": 80,
            "at": "2026-01-05T11:30:00+00:00",
        },
        "context": {
            "first_day": False,
            "benzodiazepine_use": False,
            "qtc_ms": None,
            "child_pugh_score": None,
            "egfr": None,
            "weight_kg": 70,
        },
    },
    "induction-readiness": {
        "cows_total": 10,
        "opioid_class": "short_acting",
        "hours_since_last_use": 14,
        "benzodiazepine_use": False,
        "pregnant": False,
    },
    "placement": {
        "substances": [
            {"name": "fentanyl", "route": "smoked", "daily_use": True, "hours_since_last_use": 10}
        ],
        "current_cows": 9,
        "current_ciwa_ar": None,
        "history": {
            "withdrawal_seizures": False,
            "delirium_tremens": False,
            "overdose_past_year": True,
        },
        "medical": {"pregnant": False, "unstable_medical_condition": False, "qtc_ms": None},
        "psychiatric": {"suicidal_ideation": "none", "psychosis": False},
        "environment": {"stable_housing": True, "supportive_person_at_home": True},
        "readiness": {"rating": 2},
        "requested_setting": "outpatient",
    },
    "withdrawal-course": {
        "opioid_class": "methadone",
        "last_use": "2026-01-01T08:00:00Z",
        "now": "2026-01-03T08:00:00Z",
    },
    "naltrexone-start": {
        "last_opioid_use": "2026-01-01T08:00:00+00:00",
        "opioid_class": "short_acting",
    },
    "pawss": {
        "threshold_met": True,
        "items": {
            "intoxicated_30d": True,
            "prior_treatment": False,
            "prior_withdrawal": None,
            "prior_blackouts": True,
            "prior_withdrawal_seizures": False,
            "prior_delirium_tremens": None,
            "alcohol_with_downers_90d": False,
            "alcohol_with_other_substances_90d": True,
            "blood_alcohol_over_200": None,
            "autonomic_hyperactivity": False,
        },
    },
}
WRONG = [None, True, -1, 1.5, "", "x", [], {}, [[]], {"x": []}]


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, inner in value.items() for p in leaf_paths(inner, (*path, key))]
    if isinstance(value, list):
        return [p for i, inner in enumerate(value) for p in leaf_paths(inner, (*path, i))]
    return [path]


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def test_the_valid_inputs_are_valid() -> None:
    assert set(VALID) <= set(calc.names())
    for name, payload in VALID.items():
        assert isinstance(calc.run(name, payload), dict)


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_wrong_type_anywhere_is_refused_or_answered_never_a_crash(name: str) -> None:
    payload = VALID[name]
    for path in leaf_paths(payload) + [p[:-1] for p in leaf_paths(payload) if len(p) > 1]:
        for wrong in WRONG:
            with contextlib.suppress(InvalidInput):
                calc.run(name, replaced(payload, path, wrong))
