"""The codes of knowledge/coding.toml: each vital-sign column has its LOINC code."""

from __future__ import annotations

import pytest

from detoxdesk.clinical import coding
from detoxdesk.clinical.errors import InvalidInput


@pytest.mark.parametrize(
    ("field", "code", "ucum"),
    [
        ("heart_rate", "8867-4", "/min"),
        ("respiratory_rate", "9279-1", "/min"),
        ("temperature_c", "8310-5", "Cel"),
        ("spo2", "59408-5", "%"),
        ("systolic", "8480-6", "mm[Hg]"),
        ("diastolic", "8462-4", "mm[Hg]"),
    ],
)
def test_it_codes_each_vital_sign_in_loinc(field: str, code: str, ucum: str) -> None:
    entry = coding.vital_sign(field)
    assert (entry.code.system, entry.code.code, entry.ucum) == ("http://loinc.org", code, ucum)


def test_oxygen_saturation_also_carries_the_code_the_profile_requires() -> None:
    also = coding.vital_sign("spo2").also
    assert also is not None and also.code == "2708-6"


def test_it_groups_blood_pressure_in_its_panel() -> None:
    assert coding.vital_signs_group("blood_pressure").code == "85354-9"


def test_it_refuses_a_vital_sign_without_a_code() -> None:
    with pytest.raises(InvalidInput):
        coding.vital_sign("weight_kg")


def test_the_scales_have_no_loinc_code() -> None:
    assert "loinc" not in coding.scales_system()
