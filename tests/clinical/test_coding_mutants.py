"""Exact codes, systems and refusals of the coding tables (knowledge/coding.toml)."""

from __future__ import annotations

import pytest

from detoxdesk.clinical import coding
from detoxdesk.clinical.coding import Code
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def test_a_listed_diagnosis_is_found_by_its_own_code() -> None:
    assert coding.diagnosis("F11.13") == Code(
        "http://hl7.org/fhir/sid/icd-10-cm", "F11.13", "Opioid abuse with withdrawal"
    )


def test_an_unlisted_diagnosis_is_refused_with_its_code_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        coding.diagnosis("F10.239")
    assert str(refused.value) == "'F10.239' is not one of the listed ICD-10-CM codes."


def test_a_vital_sign_without_a_code_is_refused_with_its_field_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        coding.vital_sign("pain")
    assert str(refused.value) == "No LOINC code is listed for the vital sign 'pain'."


def test_the_own_code_systems_are_the_project_uris() -> None:
    assert coding.scales_system() == "https://detoxdesk.org/fhir/CodeSystem/withdrawal-scales"
    assert coding.results_system() == "https://detoxdesk.org/fhir/CodeSystem/results"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("category", Code(CATEGORY, "vital-signs", "Vital Signs")),
        (
            "blood_pressure",
            Code(LOINC, "85354-9", "Blood pressure panel with all children optional"),
        ),
        (
            "panel",
            Code(
                LOINC,
                "85353-1",
                "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel",
            ),
        ),
    ],
)
def test_each_vital_signs_group_has_its_system_code_and_display(name: str, expected: Code) -> None:
    assert coding.vital_signs_group(name) == expected


def test_a_missing_table_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coding.knowledge, "load", lambda name: {})
    with pytest.raises(KnowledgeError) as refused:
        coding.results_system()
    assert str(refused.value) == "coding.toml: [results] is missing"
