"""Findings and the decision they add up to: the worst severity, or ok."""

from __future__ import annotations

import pytest

from detoxdesk.clinical.findings import Finding, Severity, decision


def finding(severity: Severity) -> Finding:
    return Finding("code", severity, "A message.", "fda-2017")


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), "ok"),
        (("warning",), "warning"),
        (("warning", "warning"), "warning"),
        (("stop",), "stop"),
        (("warning", "stop"), "stop"),
        (("stop", "warning"), "stop"),
    ],
)
def test_it_decides_on_the_worst_severity(severities: tuple[Severity, ...], expected: str) -> None:
    assert decision(finding(severity) for severity in severities) == expected


def test_it_gives_the_json_of_every_calculator() -> None:
    assert finding("stop").as_json() == {
        "code": "code",
        "severity": "stop",
        "message": "A message.",
        "source": "fda-2017",
    }
