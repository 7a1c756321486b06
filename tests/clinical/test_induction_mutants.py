"""A standard buprenorphine start (``clinical.induction``): the exact refusals of the readiness
check, the wording and source of its findings and of the first-dose findings, and what the
precipitated-withdrawal screen reports under a program's settings."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import induction
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.medication_policy import MedicationPolicy, default_policy

CANNOT = "Readiness cannot be assessed: correct the marked fields."


@pytest.mark.parametrize(
    ("cows_total", "opioid_class", "fields"),
    [
        (
            "5",
            "heroin",
            {
                "cows_total": "Must be a whole number.",
                "opioid_class": "Must be one of short_acting, extended_release, methadone, "
                "fentanyl.",
            },
        ),
        (5.0, "short_acting", {"cows_total": "Must be a whole number."}),
        (True, "short_acting", {"cows_total": "Must be a whole number."}),
    ],
)
def test_readiness_needs_a_whole_cows_total_and_a_known_class(
    cows_total: Any, opioid_class: str, fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        induction.assess_readiness(
            cows_total, opioid_class, None, benzodiazepine_use=False, pregnant=False
        )
    assert (str(raised.value), raised.value.fields) == (CANNOT, fields)


def test_fentanyl_within_the_window_says_how_many_hours_ago() -> None:
    readiness = induction.assess_readiness(
        10, "fentanyl", 24, benzodiazepine_use=False, pregnant=False
    )
    assert [(f.code, f.severity, f.message, f.source) for f in readiness.findings] == [
        (
            "fentanyl_within_48h",
            "warning",
            "Fentanyl was used 24 hours ago, within 48 hours. Buprenorphine started soon after "
            "fentanyl carries a higher risk of precipitated withdrawal; low-dose initiation is "
            "the usual way to prevent it.",
            "varshneya-2022",
        )
    ]


def test_an_unknown_time_of_last_use_is_a_warning_citing_the_advised_wait() -> None:
    readiness = induction.assess_readiness(
        10, "short_acting", None, benzodiazepine_use=False, pregnant=False
    )
    assert readiness.findings == (
        induction.Finding(
            "time_since_last_use_unknown",
            "warning",
            "The time of last opioid use is not known: the advised wait cannot be checked.",
            "asam-2015",
        ),
    )


def _program(**induction: Any) -> MedicationPolicy:
    policy = default_policy()
    return replace(policy, induction=replace(policy.induction, **induction))


def test_a_first_dose_without_the_opioid_class_stops_and_says_where_to_record_it() -> None:
    assert induction.standard_start_findings(None, None, None, benzodiazepine_use=False) == (
        induction.Finding(
            "opioid_class_not_recorded",
            "stop",
            "The opioid last used is not recorded, so the COWS gate for a first buprenorphine "
            "dose cannot be chosen: record it on the patient's medication facts.",
            "acep-bupe-tool",
        ),
    )


def test_a_first_dose_under_a_program_without_a_gate_stops_citing_the_default_gate() -> None:
    gate = default_policy().induction.cows_gate_methadone
    program = _program(cows_gate_methadone=gate.with_value(None))
    found = induction.standard_start_findings(
        3, "methadone", Decimal(80), benzodiazepine_use=False, policy=program
    )
    assert found == (
        induction.Finding(
            "cows_gate_not_met",
            "stop",
            "No COWS gate is set for methadone: readiness cannot be judged by this check. Wait, "
            "watch for more signs of withdrawal and score COWS again before dosing.",
            "acep-bupe-tool",
        ),
    )


def test_the_screen_reports_the_minutes_and_the_program_window() -> None:
    window = default_policy().induction.precipitated_window_min
    screen = induction.screen_precipitated_withdrawal(
        5, 12, 30, _program(precipitated_window_min=window.with_value(60))
    )
    assert (screen.alert, screen.minutes_since_dose, screen.window_min) == (
        True,
        Decimal(30),
        Decimal(60),
    )
