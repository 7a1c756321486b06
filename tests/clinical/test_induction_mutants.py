"""Readiness for a standard buprenorphine start (``clinical.induction``): the exact refusals, and
the exact wording and source of the fentanyl and unknown-time findings."""

from __future__ import annotations

from typing import Any

import pytest

from detoxdesk.clinical import induction
from detoxdesk.clinical.errors import InvalidInput

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
