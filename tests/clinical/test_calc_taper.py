"""``detoxdesk calc taper`` as a real process: pregnancy, short and abrupt tapers (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest

from calc_runner import run_calc

BUPRENORPHINE: dict[str, Any] = {
    "kind": "buprenorphine",
    "start_date": "2025-03-01",
    "current_daily_dose": 16,
    "increment": 2,
}


def findings(output: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["code"], f["severity"]) for f in output["findings"]]


def test_it_stops_a_one_day_buprenorphine_taper_from_16_mg_to_zero() -> None:
    status, output, stderr = run_calc("taper", {**BUPRENORPHINE, "days": 1})
    assert (status, stderr) == (0, "")
    assert output["schedule"] == [
        {"date": "2025-03-01", "daily_dose": 16},
        {"date": "2025-03-02", "daily_dose": 0},
    ]
    assert findings(output) == [
        ("abrupt_taper", "stop"),
        ("taper.shorter_than_usual", "warning"),
    ]
    assert output["findings"][0]["source"] == "hhs-2019"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"days": 7}, []),
        ({}, []),  # the 7-day default
        ({"days": 3}, [("taper.shorter_than_usual", "warning")]),
        ({"days": 7, "pregnant": True}, [("pregnancy_physician_review", "warning")]),
        ({"days": 7, "pregnant": None}, []),
        (
            {
                "kind": "methadone",
                "current_daily_dose": 30,
                "increment": 5,
                "days": 4,
                "allow_outside_range": True,
            },
            [("taper.shorter_than_usual", "warning")],
        ),
        (
            {"kind": "long_term_opioid", "percent": 100, "every_days": 7, "of": "original"},
            [("abrupt_taper", "stop"), ("taper.faster_than_reference_rate", "warning")],
        ),
    ],
)
def test_it_reports_the_findings_of_a_plan(
    change: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    status, output, _ = run_calc("taper", {**BUPRENORPHINE, **change})
    assert status == 0
    assert findings(output) == expected


def test_it_refuses_a_methadone_taper_shorter_than_6_days_unless_allowed() -> None:
    payload = {**BUPRENORPHINE, "kind": "methadone", "current_daily_dose": 30, "days": 4}
    status, output, _ = run_calc("taper", payload)
    assert status == 2
    assert list(output["fields"]) == ["days"]


def test_it_exits_2_for_a_bad_pregnant() -> None:
    status, output, _ = run_calc("taper", {**BUPRENORPHINE, "pregnant": "unknown"})
    assert status == 2
    assert output["fields"] == {"pregnant": "Must be true or false, or null when not known."}
