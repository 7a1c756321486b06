"""``detoxdesk calc dose-check`` takes the vital signs a body can have (SPEC A5.2).

The dose check reads its vitals through ``vitals.validate_vitals``: a systolic of 45 is the number
of an overdose, so it must reach the clonidine hold (stable code ``hold_blood_pressure``) instead of
being refused as an impossible entry.
"""

from __future__ import annotations

from typing import Any

import pytest

from calc_runner import run_calc


def clonidine_dose(systolic: int, diastolic: int) -> dict[str, Any]:
    return {
        "drug": "clonidine",
        "dose_mg": 0.1,
        "at": "2025-03-01T12:00:00+00:00",
        "given": [],
        "vitals": {
            "systolic": systolic,
            "diastolic": diastolic,
            "heart_rate": 72,
            "at": "2025-03-01T11:50:00+00:00",
        },
        "context": {
            "first_day": False,
            "benzodiazepine_use": False,
            "qtc_ms": None,
            "child_pugh_score": None,
            "egfr": None,
            "weight_kg": 70,
        },
    }


def test_it_accepts_a_real_systolic_of_45_and_holds_clonidine() -> None:
    status, output, stderr = run_calc("dose-check", clonidine_dose(45, 30))
    assert (status, stderr) == (0, "")
    assert output["decision"] == "stop"
    (hold,) = [f for f in output["findings"] if f["code"] == "hold_blood_pressure"]
    assert hold["severity"] == "stop"
    assert "systolic 45 mmHg is below 90" in hold["message"]
    assert hold["source"] == "va-pbm-handout"


@pytest.mark.parametrize(
    ("systolic", "diastolic", "held"),
    [(45, 44, True), (89, 61, True), (90, 60, False), (300, 170, False)],
)
def test_it_checks_the_hold_on_any_real_pressure(systolic: int, diastolic: int, held: bool) -> None:
    status, output, _ = run_calc("dose-check", clonidine_dose(systolic, diastolic))
    assert status == 0
    codes = [f["code"] for f in output["findings"]]
    assert ("hold_blood_pressure" in codes) is held


def test_it_still_refuses_an_impossible_pressure_naming_the_field() -> None:
    status, output, _ = run_calc("dose-check", clonidine_dose(-5, 30))
    assert status == 2
    assert output["fields"] == {"vitals.systolic": "Must not be negative."}
