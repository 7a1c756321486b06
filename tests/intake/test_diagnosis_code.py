"""The evaluation records the clinician's ICD-10-CM diagnosis, chosen from the F11 codes of
SPEC.md 14.2 (knowledge/coding.toml); the FHIR export's Condition comes from it."""

from __future__ import annotations

import pytest

from detoxdesk.clinical import coding
from detoxdesk.intake.forms import EvaluationForm


def test_it_offers_exactly_the_listed_codes() -> None:
    choices = dict(EvaluationForm().fields["diagnosis_code"].choices)
    assert set(choices) == {"", *(code.code for code in coding.diagnoses())}
    assert choices["F11.23"] == "F11.23 Opioid dependence with withdrawal"


@pytest.mark.django_db
def test_it_keeps_the_chosen_code_in_the_answers() -> None:
    form = EvaluationForm(data={"diagnosis_code": "F11.93"})
    assert form.is_valid(), form.errors
    assert form.answers()["diagnosis_code"] == "F11.93"
    assert EvaluationForm.initial_from({"diagnosis_code": "F11.93"})["diagnosis_code"] == "F11.93"


@pytest.mark.django_db
def test_it_refuses_a_code_that_is_not_listed() -> None:
    form = EvaluationForm(data={"diagnosis_code": "T40.1"})
    assert not form.is_valid()
    assert "diagnosis_code" in form.errors


def test_the_diagnosis_lookup_refuses_an_unlisted_code() -> None:
    from detoxdesk.clinical.errors import InvalidInput

    with pytest.raises(InvalidInput):
        coding.diagnosis("F11.22")
