"""Golden files: the exact JSON of every calculator (``detoxdesk calc NAME``) for chosen inputs.

Each case below has a file ``golden/<case>.json`` holding the calculator, the input, the exit status
and the output, all reviewed by hand against SPEC.md. A renamed key, a dropped note or a changed
value fails here with a diff of the JSON. The calculator runs in this process through
``detoxdesk.cli.main`` (the command's own code), so ``python3 dev.py mutate`` sees every mutant.

To change a golden file on purpose, run ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/clinical/test_golden.py -p no:cacheprovider``, then read ``git diff tests/clinical/golden``
line by line before committing it.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from detoxdesk import cli
from detoxdesk.clinical import calc

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

AT = "2025-03-01T12:00:00+00:00"
VITALS = {"systolic": 118, "diastolic": 76, "heart_rate": 72, "at": "2025-03-01T11:50:00+00:00"}
CONTEXT = {
    "first_day": False,
    "benzodiazepine_use": False,
    "qtc_ms": None,
    "child_pugh_score": None,
    "egfr": None,
    "weight_kg": 70,
}
COWS_21 = {
    "resting_pulse_rate": 4,
    "sweating": 1,
    "restlessness": 3,
    "pupil_size": 1,
    "bone_joint_aches": 2,
    "runny_nose_tearing": 1,
    "gi_upset": 2,
    "tremor": 1,
    "yawning": 1,
    "anxiety_irritability": 2,
    "gooseflesh_skin": 3,
}
SOWS_ITEMS = [
    "anxious",
    "yawning",
    "perspiring",
    "eyes_tearing",
    "nose_running",
    "goose_flesh",
    "shaking",
    "hot_flashes",
    "cold_flashes",
    "bones_muscles_ache",
    "restless",
    "nauseous",
    "feel_like_vomiting",
    "muscles_twitch",
    "stomach_cramps",
    "urge_to_use",
]
CIWA_ITEMS = [
    "nausea_vomiting",
    "tremor",
    "paroxysmal_sweats",
    "anxiety",
    "agitation",
    "tactile_disturbances",
    "auditory_disturbances",
    "visual_disturbances",
    "headache",
]
PAWSS_ITEMS = [
    "intoxicated_30d",
    "prior_treatment",
    "prior_withdrawal",
    "prior_blackouts",
    "prior_withdrawal_seizures",
    "prior_delirium_tremens",
    "alcohol_with_downers_90d",
    "alcohol_with_other_substances_90d",
    "blood_alcohol_over_200",
    "autonomic_hyperactivity",
]
PAWSS_NO = dict.fromkeys(PAWSS_ITEMS, False)
PLACEMENT_REASSURING: dict[str, Any] = {
    "substances": [
        {"name": "heroin", "route": "smoked", "daily_use": False, "hours_since_last_use": 30}
    ],
    "current_cows": None,
    "current_ciwa_ar": None,
    "history": {
        "withdrawal_seizures": False,
        "delirium_tremens": False,
        "overdose_past_year": False,
    },
    "medical": {"pregnant": False, "unstable_medical_condition": False, "qtc_ms": None},
    "psychiatric": {"suicidal_ideation": "none", "psychosis": False},
    "environment": {"stable_housing": True, "supportive_person_at_home": True},
    "requested_setting": None,
}

# case name: (calculator, input). Names are the golden files' names.
CASES: dict[str, tuple[str, Any]] = {
    "cows-moderate-21": ("cows", COWS_21),
    "cows-mild-5": (
        "cows",
        {**dict.fromkeys(COWS_21, 0), "sweating": 2, "yawning": 2, "tremor": 1},
    ),
    "cows-item-of-3": ("cows", {**COWS_21, "resting_pulse_rate": 3}),
    "sows-all-2": ("sows", dict.fromkeys(SOWS_ITEMS, 2)),
    "ciwa-ar-severe-19": ("ciwa-ar", {**dict.fromkeys(CIWA_ITEMS, 2), "orientation": 1}),
    "ciwa-ar-minimal-0": ("ciwa-ar", {**dict.fromkeys(CIWA_ITEMS, 0), "orientation": 0}),
    "induction-short-acting-ready": (
        "induction-readiness",
        {
            "cows_total": 13,
            "opioid_class": "short_acting",
            "hours_since_last_use": 14,
            "benzodiazepine_use": False,
            "pregnant": False,
        },
    ),
    "induction-methadone-too-soon": (
        "induction-readiness",
        {
            "cows_total": 9,
            "opioid_class": "methadone",
            "hours_since_last_use": 20,
            "benzodiazepine_use": True,
            "pregnant": True,
        },
    ),
    "induction-bad-input": (
        "induction-readiness",
        {"cows_total": 49, "opioid_class": "heroin", "hours_since_last_use": -1},
    ),
    "dose-check-clonidine-ok": (
        "dose-check",
        {
            "drug": "clonidine",
            "dose_mg": 0.1,
            "at": AT,
            "given": [{"dose_mg": 0.2, "at": "2025-03-01T06:00:00+00:00"}],
            "vitals": VITALS,
            "context": CONTEXT,
        },
    ),
    "dose-check-clonidine-low-pressure": (
        "dose-check",
        {
            "drug": "clonidine",
            "dose_mg": 0.1,
            "at": AT,
            "given": [],
            "vitals": {**VITALS, "systolic": 88, "diastolic": 58, "heart_rate": 52},
            "context": CONTEXT,
        },
    ),
    "dose-check-methadone-qtc": (
        "dose-check",
        {
            "drug": "methadone",
            "dose_mg": 30,
            "at": AT,
            "given": [],
            "vitals": VITALS,
            "context": {**CONTEXT, "first_day": True, "qtc_ms": 480},
        },
    ),
    "dose-check-bad-input": (
        "dose-check",
        {"drug": "xanax", "dose_mg": -1, "at": "noon", "given": [], "context": {}},
    ),
    "mme-three-drugs": (
        "mme",
        {
            "medications": [
                {"drug": "methadone", "dose": 10, "unit": "mg", "doses_per_day": 2},
                {"drug": "fentanyl_transdermal", "dose": 25, "unit": "mcg/h"},
                {"drug": "buprenorphine", "dose": 8, "unit": "mg", "doses_per_day": 1},
            ],
            "methadone_factors": "cdc2016",
        },
    ),
    "mme-oxycodone-morphine": (
        "mme",
        {
            "medications": [
                {"drug": "oxycodone", "dose": 10, "unit": "mg", "doses_per_day": 4},
                {"drug": "morphine", "dose": 15, "unit": "mg", "doses_per_day": 2},
            ]
        },
    ),
    "taper-buprenorphine-16": (
        "taper",
        {
            "kind": "buprenorphine",
            "start_date": "2025-03-01",
            "current_daily_dose": 16,
            "increment": 2,
        },
    ),
    "taper-methadone-8-days": (
        "taper",
        {
            "kind": "methadone",
            "start_date": "2025-03-01",
            "current_daily_dose": 30,
            "increment": 5,
            "days": 8,
        },
    ),
    "taper-benzodiazepine-10-percent": (
        "taper",
        {
            "kind": "benzodiazepine",
            "start_date": "2026-01-05",
            "drug": "Clonazepam",
            "current_daily_dose": 2,
            "increment": 0.25,
            "step_percent": 10,
            "step_days": 14,
        },
    ),
    "taper-benzodiazepine-too-fast": (
        "taper",
        {
            "kind": "benzodiazepine",
            "start_date": "2026-01-05",
            "drug": "alprazolam",
            "current_daily_dose": 4,
            "step_percent": 25,
            "step_days": 7,
        },
    ),
    "placement-reassuring": ("placement", PLACEMENT_REASSURING),
    "placement-daily-heroin-cows-14": (
        "placement",
        {
            **PLACEMENT_REASSURING,
            "substances": [
                {"name": "heroin", "route": "iv", "daily_use": True, "hours_since_last_use": 12}
            ],
            "current_cows": 14,
            "history": {
                "withdrawal_seizures": False,
                "delirium_tremens": False,
                "overdose_past_year": True,
            },
            "environment": {"stable_housing": False, "supportive_person_at_home": False},
        },
    ),
    "course-short-acting-day-one": (
        "withdrawal-course",
        {
            "opioid_class": "short_acting",
            "last_use": "2024-05-01T08:00:00+00:00",
            "now": "2024-05-02T08:00:00Z",
        },
    ),
    "course-methadone-day-four": (
        "withdrawal-course",
        {
            "opioid_class": "methadone",
            "last_use": "2024-05-01T08:00:00+00:00",
            "now": "2024-05-05T09:30:00+00:00",
        },
    ),
    "naltrexone-methadone": (
        "naltrexone-start",
        {"last_opioid_use": "2024-05-01T08:00:00+00:00", "opioid_class": "methadone"},
    ),
    "pawss-high-risk-at-4": (
        "pawss",
        {
            "threshold_met": True,
            "items": {
                **PAWSS_NO,
                "intoxicated_30d": True,
                "prior_withdrawal": True,
                "prior_blackouts": True,
                "autonomic_hyperactivity": True,
            },
        },
    ),
    "pawss-3-with-unknowns": (
        "pawss",
        {
            "threshold_met": True,
            "items": {
                **PAWSS_NO,
                "intoxicated_30d": True,
                "prior_withdrawal": True,
                "prior_treatment": True,
                "blood_alcohol_over_200": None,
                "prior_delirium_tremens": None,
            },
        },
    ),
    "pawss-not-scored": ("pawss", {"threshold_met": False, "items": dict.fromkeys(PAWSS_ITEMS)}),
    "pawss-bad-input": (
        "pawss",
        {
            "threshold_met": "yes",
            "items": {**PAWSS_NO, "prior_blackouts": 1, "hallucinations": True},
        },
    ),
    "naltrexone-short-acting": (
        "naltrexone-start",
        {"last_opioid_use": "2024-05-01T08:00:00Z", "opioid_class": "short_acting"},
    ),
}


def run_command(name: str, payload: Any) -> tuple[int, Any]:
    """``detoxdesk calc NAME`` with ``payload`` on standard input: (status, parsed output)."""
    stdin, stdout = sys.stdin, sys.stdout
    sys.stdin = io.TextIOWrapper(io.BytesIO(json.dumps(payload).encode()))
    sys.stdout = captured = io.StringIO()
    try:
        status = cli.main(["calc", name])
    finally:
        sys.stdin, sys.stdout = stdin, stdout
    return status, json.loads(captured.getvalue())


def pretty(document: object) -> list[str]:
    return json.dumps(document, indent=2, ensure_ascii=False).splitlines(keepends=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_output_matches_its_golden_file(case: str) -> None:
    name, payload = CASES[case]
    status, output = run_command(name, payload)
    actual = {"calculator": name, "input": payload, "status": status, "output": output}
    path = GOLDEN / f"{case}.json"
    if UPDATE:
        path.write_text("".join(pretty(actual)) + "\n", encoding="utf-8")
    assert path.exists(), f"No golden file {path.name}: run with UPDATE_GOLDEN=1 and review it."
    expected = json.loads(path.read_text(encoding="utf-8"))
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                pretty(expected), pretty(actual), f"golden/{path.name}", "calculator output", n=2
            )
        )
        pytest.fail(f"{case}: the output differs from its golden file.\n{diff}", pytrace=False)


def test_every_calculator_has_a_golden_case() -> None:
    assert {name for name, _ in CASES.values()} == set(calc.names())


def test_every_golden_file_belongs_to_a_case() -> None:
    assert {path.stem for path in GOLDEN.glob("*.json")} == set(CASES)
