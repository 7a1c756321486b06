"""The ``detoxdesk calc dose-check`` contract: the context keys of the medication picture.

Run through the command line in a subprocess, as a user or another program would: a bad new key
exits 2 with a ``fields`` map naming it, and a good one reaches the engine.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from calc_runner import run_calc
from detoxdesk.clinical import dosing
from detoxdesk.clinical.dosing import ActiveMedication
from detoxdesk.clinical.errors import InvalidInput

AT = "2025-03-01T12:00:00+00:00"


def payload(drug: str = "clonidine", dose: float = 0.1, **context: Any) -> dict[str, Any]:
    return {
        "drug": drug,
        "dose_mg": dose,
        "at": AT,
        "given": [],
        "vitals": {"systolic": 118, "diastolic": 76, "heart_rate": 72, "at": AT},
        "context": {"first_day": False, "benzodiazepine_use": False, **context},
    }


def parsed(**context: Any) -> dosing.DoseContext:
    return dosing.parse_dose_request(payload(**context)).context


def bad_fields(**context: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        dosing.parse_dose_request(payload(**context))
    return caught.value.fields


def test_it_reads_the_new_context_keys() -> None:
    context = parsed(
        pregnant=None,
        allergies=["naloxone"],
        protocol="low_dose_initiation",
        active_medications=[
            {"drug": "methadone", "daily_dose_mg": 60},
            {"drug": "gabapentin", "daily_dose_mg": None, "source": "home", "label": "Home"},
        ],
        opioid_class="fentanyl",
        hours_since_last_use=None,
        fentanyl_exposure=True,
        qtc_measured_at="2025-02-01T08:00:00+00:00",
    )
    assert context.pregnant is None
    assert context.allergies == ("naloxone",)
    assert context.protocol == "low_dose_initiation"
    assert context.active_medications[0] == ActiveMedication("methadone", Decimal(60))
    assert context.active_medications[1] == ActiveMedication("gabapentin", None, "home", "Home")
    assert (context.opioid_class, context.hours_since_last_use) == ("fentanyl", None)
    assert context.fentanyl_exposure is True
    assert context.qtc_measured_at is not None


def test_it_defaults_every_new_key_to_not_known() -> None:
    context = parsed()
    assert (context.pregnant, context.allergies, context.protocol) == (None, (), None)
    assert (context.active_medications, context.opioid_class) == ((), None)
    assert (context.hours_since_last_use, context.fentanyl_exposure) == (None, None)
    assert context.qtc_measured_at is None


@pytest.mark.parametrize(
    ("context", "field"),
    [
        ({"pregnant": "yes"}, "context.pregnant"),
        ({"pregnant": 1}, "context.pregnant"),
        ({"allergies": "naloxone"}, "context.allergies"),
        ({"allergies": ["Naloxone (rash)"]}, "context.allergies[0]"),
        ({"allergies": ["naloxone", 3]}, "context.allergies[1]"),
        ({"protocol": "micro"}, "context.protocol"),
        ({"active_medications": {"drug": "methadone"}}, "context.active_medications"),
        ({"active_medications": ["methadone"]}, "context.active_medications[0]"),
        ({"active_medications": [{"drug": "methadon"}]}, "context.active_medications[0].drug"),
        (
            {"active_medications": [{"drug": "methadone", "daily_dose_mg": -1}]},
            "context.active_medications[0].daily_dose_mg",
        ),
        (
            {"active_medications": [{"drug": "methadone", "dose": 1}]},
            "context.active_medications[0].dose",
        ),
        ({"opioid_class": "heroin"}, "context.opioid_class"),
        ({"hours_since_last_use": -1}, "context.hours_since_last_use"),
        ({"hours_since_last_use": "12"}, "context.hours_since_last_use"),
        ({"fentanyl_exposure": "no"}, "context.fentanyl_exposure"),
        ({"qtc_measured_at": "2025-02-01"}, "context.qtc_measured_at"),
    ],
)
def test_it_names_a_bad_new_key(context: dict[str, Any], field: str) -> None:
    assert list(bad_fields(**context)) == [field]


@pytest.mark.parametrize(
    ("context", "field"),
    [
        ({"allergies": ["penicillin"]}, "context.allergies[0]"),
        ({"protocol": "micro"}, "context.protocol"),
        ({"active_medications": [{"drug": "heroin!"}]}, "context.active_medications[0].drug"),
        ({"pregnant": "unknown"}, "context.pregnant"),
    ],
)
def test_it_exits_2_with_fields_for_a_bad_new_key(context: dict[str, Any], field: str) -> None:
    status, output, _ = run_calc("dose-check", payload(**context))
    assert status == 2
    assert list(output["fields"]) == [field]


def test_it_accepts_a_product_code_as_the_drug() -> None:
    status, output, _ = run_calc("dose-check", payload("buprenorphine_naloxone", 4))
    assert status == 0
    assert output["drug"] == "buprenorphine"
    assert "buprenorphine_naloxone" in dosing.checkable_drugs()
