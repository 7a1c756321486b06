"""Edges of the dose check read through its JSON input: booleans, entry ranges, allergies, the
naloxone offer and how other medicines are named."""

from __future__ import annotations

from typing import Any

import pytest

from detoxdesk.clinical import dosing
from detoxdesk.clinical.errors import InvalidInput

AT = "2025-03-01T12:00:00+00:00"
EARLIER = "2025-03-01T08:00:00+00:00"
VITALS = {"systolic": 118, "diastolic": 76, "heart_rate": 72, "at": AT}


def check(drug: str = "buprenorphine", dose: float = 4, given: Any = (), **context: Any) -> Any:
    payload = {
        "drug": drug,
        "dose_mg": dose,
        "at": AT,
        "given": [{"dose_mg": mg, "at": EARLIER} for mg in given],
        "vitals": VITALS,
        "context": {"first_day": False, "benzodiazepine_use": False, **context},
    }
    return dosing.dose_check_calculator(payload)


def codes(output: dict[str, Any]) -> list[str]:
    return [finding["code"] for finding in output["findings"]]


def fields(**context: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        check(**context)
    return caught.value.fields


def test_first_day_true_and_false_are_read_as_given() -> None:
    # 8 mg given today plus 8 mg: 16 mg, above the day-one warning of 12 mg (SPEC 5.1).
    on_day_one = check(dose=8, given=[8], first_day=True, cows_total=13)
    later = check(dose=8, given=[8], first_day=False, cows_total=13)
    assert "first_day_total_high" in codes(on_day_one)
    assert "first_day_total_high" not in codes(later)


def test_benzodiazepine_use_true_and_false_are_read_as_given() -> None:
    assert "benzodiazepine_co_use" in codes(check(benzodiazepine_use=True))
    assert "benzodiazepine_co_use" not in codes(check(benzodiazepine_use=False))


@pytest.mark.parametrize("value", ["yes", 1, 0])
def test_a_boolean_must_be_true_or_false(value: object) -> None:
    assert fields(first_day=value) == {"context.first_day": "Must be true or false."}


# (field, lowest allowed, highest allowed) from medications.toml [entry_limits] and COWS 0-48.
RANGES = [
    ("egfr", 0, 200),
    ("qtc_ms", 200, 800),
    ("child_pugh_score", 5, 15),
    ("cows_total", 0, 48),
]


@pytest.mark.parametrize(("field", "low", "high"), RANGES)
def test_a_context_number_is_accepted_up_to_its_ends(field: str, low: int, high: int) -> None:
    for value in (low, low + 1, high - 1, high):
        check(drug="clonidine", dose=0.1, **{field: value})
    for value in (low - 1, high + 1):
        problems = fields(drug="clonidine", dose=0.1, **{field: value})
        assert list(problems) == [f"context.{field}"], value


def test_the_egfr_range_is_named_in_the_message() -> None:
    assert fields(egfr=201) == {"context.egfr": "Must be between 0 and 200."}


@pytest.mark.parametrize(
    ("drug", "allergies", "named"),
    [
        ("buprenorphine_naloxone", ["naloxone"], "naloxone"),
        ("buprenorphine_naloxone", ["buprenorphine"], "buprenorphine"),
        ("buprenorphine", ["buprenorphine"], "buprenorphine"),
        ("clonidine", ["clonidine"], "clonidine"),
    ],
)
def test_an_allergy_to_an_ingredient_of_the_drug_stops_the_dose(
    drug: str, allergies: list[str], named: str
) -> None:
    output = check(drug=drug, dose=0.1 if drug == "clonidine" else 2, allergies=allergies)
    found = [f for f in output["findings"] if f["code"] == "allergy_recorded"]
    assert len(found) == 1 and found[0]["severity"] == "stop"
    assert found[0]["source"] == "chart-allergies"
    assert named in found[0]["message"].lower()
    assert output["decision"] == "stop"


def test_an_allergy_to_something_else_is_not_a_stop() -> None:
    assert "allergy_recorded" not in codes(
        check(drug="clonidine", dose=0.1, allergies=["naloxone"])
    )


# --- The naloxone offer (SPEC A13) ---------------------------------------------------------------


def context(**changes: Any) -> dosing.DoseContext:
    return dosing.DoseContext(first_day=False, benzodiazepine_use=False, **changes)


@pytest.mark.parametrize(
    ("drug", "offered"),
    [
        ("buprenorphine", True),
        ("buprenorphine_naloxone", True),
        ("methadone", True),
        ("clonidine", False),
        ("ondansetron", False),
    ],
)
def test_naloxone_is_offered_with_every_opioid_order(drug: str, offered: bool) -> None:
    prompt = dosing.naloxone_prompt(drug)
    assert (prompt is not None) is offered
    if prompt is not None:
        assert (prompt.severity, prompt.source) == ("warning", "fda-naloxone-2020")
        assert "Sedating" not in prompt.message


SEDATING = "Sedating medicines are also recorded, which raises the overdose risk."


def active(drug: str) -> dosing.ActiveMedication:
    return dosing.ActiveMedication(drug, None)


@pytest.mark.parametrize(
    ("changes", "sedating"),
    [
        ({}, False),
        ({"benzodiazepine_use": True}, True),
        ({"active_medications": (active("lorazepam"),)}, True),
        ({"active_medications": (active("gabapentin"),)}, True),
        ({"active_medications": (active("ondansetron"),)}, False),
        ({"active_medications": (active("ondansetron"), active("diazepam"))}, True),
    ],
)
def test_the_offer_names_sedating_medicines_when_recorded(
    changes: dict[str, Any], sedating: bool
) -> None:
    base = {"first_day": False, "benzodiazepine_use": False}
    prompt = dosing.naloxone_prompt("methadone", dosing.DoseContext(**{**base, **changes}))
    assert prompt is not None
    assert prompt.message.endswith(SEDATING) is sedating
    plain = dosing.naloxone_prompt("methadone")
    assert plain is not None
    assert prompt.message == (f"{plain.message} {SEDATING}" if sedating else plain.message)


# --- How other medicines are named in a finding ---------------------------------------------------


@pytest.mark.parametrize(
    ("medication", "name"),
    [
        (
            {"drug": "gabapentin", "daily_dose_mg": 900, "label": "Neurontin 300 mg"},
            "Neurontin 300",
        ),
        ({"drug": "gabapentin", "daily_dose_mg": 900}, "abapentin"),
        ({"drug": "pregabalin", "daily_dose_mg": 150}, "regabalin"),
    ],
)
def test_an_active_medication_is_named_by_its_label_or_its_drug(
    medication: dict[str, Any], name: str
) -> None:
    output = check(drug="methadone", dose=20, active_medications=[medication])
    found = [f for f in output["findings"] if f["code"] == "cns_depressant_interaction"]
    assert len(found) == 1 and name in found[0]["message"]


def test_two_active_medications_are_named_together() -> None:
    both = [
        {"drug": "gabapentin", "daily_dose_mg": 900},
        {"drug": "pregabalin", "daily_dose_mg": 75},
    ]
    output = check(drug="methadone", dose=20, active_medications=both)
    found = [f for f in output["findings"] if f["code"] == "cns_depressant_interaction"]
    assert " and " in found[0]["message"]


@pytest.mark.parametrize(
    ("dose_of", "active_drug", "label"),
    [
        ("buprenorphine", "methadone", "Buprenorphine while Methadone is active"),
        ("buprenorphine", "oxycodone", "Buprenorphine while Oxycodone is active"),
        ("methadone", "buprenorphine_naloxone", "Methadone while Buprenorphine"),
    ],
)
def test_a_policy_drug_product_or_ingredient_is_named_by_its_label(
    dose_of: str, active_drug: str, label: str
) -> None:
    output = check(
        drug=dose_of,
        dose=4,
        first_day=True,
        cows_total=13,
        active_medications=[{"drug": active_drug, "daily_dose_mg": 8}],
    )
    found = [f for f in output["findings"] if f["code"] == "opioid_agonist_conflict"]
    assert len(found) == 1 and found[0]["message"].startswith(label)
    assert active_drug not in found[0]["message"].split(":")[0]
