"""The calculator dispatcher (``clinical.calc``) called in this process, so that each rule of it is
checked by a test here and not only through the command line run as a child process."""

from __future__ import annotations

from typing import Any

import pytest

from detoxdesk.clinical import calc
from detoxdesk.clinical.errors import InvalidInput

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

NOT_AN_OBJECT = "The input must be a JSON object of field names and values."


def test_a_scale_calculator_built_here_returns_every_key_of_the_score() -> None:
    # Built inside the test (the table in calc is built once at import).
    calculate = calc._scale_calculator("cows")
    assert calculate(COWS_21) == {
        "scale": "cows",
        "total": 21,
        "band": "moderate",
        "band_label": "Moderate",
        "max_total": 48,
        "source": "wesson-ling-2003",
        "band_source": "wesson-ling-2003",
        "items": COWS_21,
    }


def test_a_scale_calculator_names_its_scale_in_its_description() -> None:
    calculate = calc._scale_calculator("ciwa_ar")
    assert calculate.__doc__ == "Score ciwa_ar from its item answers (see scales.score)."


def test_a_scale_calculator_passes_the_answers_to_the_scale() -> None:
    with pytest.raises(InvalidInput) as raised:
        calc._scale_calculator("cows")({})
    assert raised.value.message == "COWS cannot be scored yet: check the marked items."


def test_an_unknown_calculator_lists_the_known_ones_separated_by_commas() -> None:
    with pytest.raises(InvalidInput) as raised:
        calc.get("cowz")
    assert raised.value.message == (
        "Unknown calculator 'cowz'. Known calculators: ciwa-ar, cows, dose-check, "
        "induction-readiness, mme, naltrexone-start, pawss, placement, sows, taper, "
        "withdrawal-course."
    )
    assert raised.value.fields == {}


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({1: 2}, id="a mapping with a key that is not text"),
        pytest.param({"sweating": 1, 2: 0}, id="a mapping with one key that is not text"),
        pytest.param(["sweating"], id="a list of text"),
        pytest.param("sweating", id="a string"),
        pytest.param([], id="an empty list"),
    ],
)
def test_the_input_must_be_an_object_keyed_by_text(payload: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        calc.run("cows", payload)
    assert str(raised.value) == NOT_AN_OBJECT
    assert raised.value.message == NOT_AN_OBJECT
    assert raised.value.fields == {}


def test_run_passes_an_object_to_the_calculator() -> None:
    assert calc.run("cows", COWS_21)["total"] == 21
