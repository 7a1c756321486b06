"""``detoxdesk calc NAME``: the calculator command line, run as a real process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from calc_runner import run_calc, run_cli
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

ALL_CALCULATORS = [
    "ciwa-ar",
    "cows",
    "dose-check",
    "induction-readiness",
    "mme",
    "naltrexone-start",
    "pawss",
    "placement",
    "sows",
    "taper",
    "withdrawal-course",
]


def test_it_scores_cows_from_standard_input() -> None:
    status, output, stderr = run_calc("cows", COWS_21)
    assert status == 0 and stderr == ""
    assert output == {
        "scale": "cows",
        "total": 21,
        "band": "moderate",
        "band_label": "Moderate",
        "max_total": 48,
        "source": "wesson-ling-2003",
        "band_source": "wesson-ling-2003",
        "items": COWS_21,
    }


def test_it_scores_sows_without_a_band() -> None:
    payload = dict.fromkeys(calc_items("sows"), 4)
    status, output, _ = run_calc("sows", payload)
    assert (status, output["total"], output["band"], output["max_total"]) == (0, 64, None, 64)


def test_it_scores_ciwa_ar_under_its_command_line_name() -> None:
    payload = {**dict.fromkeys(calc_items("ciwa_ar"), 2), "orientation": 1}
    status, output, _ = run_calc("ciwa-ar", payload)
    assert status == 0
    assert (output["scale"], output["total"], output["band"]) == ("ciwa_ar", 19, "severe")
    assert output["band_source"] == "asam-alcohol-2020"


def calc_items(code: str) -> list[str]:
    from detoxdesk.clinical import scales

    return [item.key for item in scales.get_scale(code).items]


PLACEMENT = {"substances": [{"name": "heroin", "daily_use": True}]}
PLACEMENT_KEYS = {
    "recommended_level",
    "level_name",
    "dimensions",
    "flags",
    "rationale",
    "not_assessed",
    "rules_fired",
    "floors_reached",
    "sources",
}
DIMENSION_KEYS = {"dimension", "name", "rating", "rating_label", "reasons"}
RULE_FIRED_KEYS = {
    "id",
    "dimension",
    "assumed_worst_case",
    "sources",
    "spec_sections",
    "confidence",
}


@pytest.mark.parametrize(
    "readiness",
    [None, {"rating": None}, {"rating": 0}, {"rating": 4}],
    ids=["left out", "not rated", "rated 0", "rated 4"],
)
def test_the_placement_output_keeps_its_keys_with_or_without_readiness(
    readiness: dict[str, object] | None,
) -> None:
    payload = PLACEMENT if readiness is None else {**PLACEMENT, "readiness": readiness}
    status, output, stderr = run_calc("placement", payload)
    assert (status, stderr) == (0, "")
    assert set(output) == PLACEMENT_KEYS
    assert [set(dimension) for dimension in output["dimensions"]] == [DIMENSION_KEYS] * 6
    assert all(set(rule) == RULE_FIRED_KEYS for rule in output["rules_fired"])
    assert [d["dimension"] for d in output["dimensions"]] == [1, 2, 3, 4, 5, 6]


def test_it_exits_2_naming_a_cows_item_of_3() -> None:
    status, output, stderr = run_calc("cows", {**COWS_21, "resting_pulse_rate": 3})
    assert (status, stderr) == (2, "")
    assert output["fields"] == {"resting_pulse_rate": "Must be one of 0, 1, 2, 4."}
    assert set(output) == {"error", "fields"} and output["error"]


def test_it_exits_2_naming_a_missing_item() -> None:
    payload = {key: value for key, value in COWS_21.items() if key != "tremor"}
    status, output, _ = run_calc("cows", payload)
    assert (status, output["fields"]) == (2, {"tremor": "This item is required."})


@pytest.mark.parametrize("stdin", ['{"sweating": ', "not json", "", "   \n"])
def test_it_exits_2_on_input_that_is_not_json(stdin: str) -> None:
    status, stdout, stderr = run_cli("calc", "cows", stdin=stdin)
    output = json.loads(stdout)
    assert (status, stderr, output["fields"]) == (2, "", {})
    assert set(output) == {"error", "fields"} and output["error"]


@pytest.mark.parametrize("payload", [[1, 2], "cows", 3, None])
def test_it_exits_2_when_the_json_is_not_an_object(payload: object) -> None:
    status, output, _ = run_calc("cows", payload)
    assert (status, output["fields"]) == (2, {})
    assert "JSON object" in output["error"]


def test_it_exits_2_for_an_unknown_calculator() -> None:
    status, output, stderr = run_calc("mme-typo", {})
    assert (status, stderr, output["fields"]) == (2, "", {})
    assert "mme-typo" in output["error"] and "cows" in output["error"]


@pytest.mark.parametrize("args", [(), ("cows", "sows"), ("--bogus",)])
def test_it_exits_2_on_a_malformed_command(args: tuple[str, ...]) -> None:
    status, stdout, stderr = run_cli("calc", *args, stdin="{}")
    assert (status, stderr) == (2, "")
    assert "Usage" in json.loads(stdout)["error"]


def test_it_lists_the_calculators() -> None:
    status, stdout, _ = run_cli("calc", "--list")
    assert (status, stdout.split()) == (0, ALL_CALCULATORS)


def test_it_works_as_the_installed_console_script() -> None:
    script = Path(sys.executable).with_name("detoxdesk")
    if not script.exists():
        pytest.skip("the detoxdesk console script is not installed in this environment")
    status, stdout, _ = run_cli("calc", "cows", stdin=json.dumps(COWS_21), command=[str(script)])
    assert (status, json.loads(stdout)["total"]) == (0, 21)


# --- The registry, in process ---------------------------------------------------------------------


def test_it_registers_each_calculator_once() -> None:
    assert calc.names() == tuple(ALL_CALCULATORS)
    assert set(calc.CALCULATORS) == set(calc.names())


def test_it_runs_a_calculator_in_process() -> None:
    assert calc.run("cows", COWS_21)["total"] == 21


def test_it_refuses_an_unknown_calculator_in_process() -> None:
    with pytest.raises(InvalidInput, match="Known calculators"):
        calc.run("ciwa_ar", {})
