"""Pregnancy and adolescents (SPEC A8, A9): the ages at their edges, and the prompts' sources."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from calc_runner import run_calc
from detoxdesk.clinical import dosing, knowledge, populations
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

AT = "2025-03-01T12:00:00+00:00"
OFF_LABEL = populations.BUPRENORPHINE_OFF_LABEL_AGE

# SPEC A9 and the defaults table: buprenorphine under 16 is off-label (eu-bup-label [S]); an
# admission under 18 asks for consent (cfr-8-12-2024 [S]).
BUPRENORPHINE_FROM = 16
MINOR_UNDER = 18


def test_the_ages_are_spec_values_with_their_sources() -> None:
    assert populations.buprenorphine_labelled_from() == populations.AgeLimit(
        16, "eu-bup-label", "S"
    )
    assert populations.minor_under() == populations.AgeLimit(18, "cfr-8-12-2024", "S")


@pytest.mark.parametrize(
    ("age", "warns"),
    [(BUPRENORPHINE_FROM - 1, True), (BUPRENORPHINE_FROM, False), (BUPRENORPHINE_FROM + 1, False)],
)
def test_buprenorphine_warns_off_label_only_below_its_labelled_age(age: int, warns: bool) -> None:
    found = populations.buprenorphine_age_findings(age)
    assert [(f.code, f.severity, f.source) for f in found] == (
        [(OFF_LABEL, "warning", "eu-bup-label")] if warns else []
    )


def test_an_unknown_age_gives_no_finding() -> None:
    assert populations.buprenorphine_age_findings(None) == []


@pytest.mark.parametrize(
    ("age", "minor"), [(MINOR_UNDER - 1, True), (MINOR_UNDER, False), (MINOR_UNDER + 1, False)]
)
def test_a_minor_is_younger_than_the_minor_age(age: int, minor: bool) -> None:
    assert populations.is_minor(age) is minor


@pytest.mark.parametrize(
    ("day", "age"),
    [(date(2025, 3, 1), 16), (date(2025, 2, 28), 15), (date(2025, 3, 2), 16)],
)
def test_age_counts_a_birthday_on_the_day_itself(day: date, age: int) -> None:
    assert populations.age_on(date(2009, 3, 1), day) == age


@pytest.mark.parametrize(
    ("can", "pregnant", "due"),
    [
        (True, None, True),
        (None, None, True),  # sex at birth not recorded: ask
        (True, False, True),  # an answer "no" is not a test
        (True, True, False),
        (False, None, False),
    ],
)
def test_the_pregnancy_test_is_prompted_for_who_can_become_pregnant(
    can: bool | None, pregnant: bool | None, due: bool
) -> None:
    assert populations.pregnancy_test_due(can, pregnant) is due


def test_the_prompts_name_their_sources() -> None:
    assert populations.pregnancy_test_prompt().source == "buppractice"
    assert populations.moud_first_offer().source == "acog-711"
    for note in (populations.pregnancy_test_prompt(), populations.moud_first_offer()):
        knowledge.source(note.source)


def test_an_age_that_is_not_whole_years_is_refused() -> None:
    with pytest.raises(KnowledgeError, match="whole number of years"):
        populations._build_age(
            "x", {"value": 16.5, "unit": "years", "source": "s", "confidence": "S"}
        )
    with pytest.raises(KnowledgeError, match="whole number of years"):
        populations._build_age(
            "x", {"value": 16, "unit": "months", "source": "s", "confidence": "S"}
        )


# --- The dose check reads the age ----------------------------------------------------------------


def dose(drug: str, **context: Any) -> dict[str, Any]:
    return {
        "drug": drug,
        "dose_mg": 4,
        "at": AT,
        "given": [],
        "vitals": None,
        "context": {"first_day": False, "benzodiazepine_use": False, **context},
    }


@pytest.mark.parametrize(("age", "warns"), [(15, True), (16, False), (17, False)])
def test_the_dose_check_warns_for_buprenorphine_below_its_age(age: int, warns: bool) -> None:
    check = dosing.check_dose(dosing.parse_dose_request(dose("buprenorphine", age_years=age)))
    assert (OFF_LABEL in [f.code for f in check.findings]) is warns
    assert {f.severity for f in check.findings if f.code == OFF_LABEL} <= {"warning"}


def test_the_age_rule_is_buprenorphine_s_only() -> None:
    check = dosing.check_dose(dosing.parse_dose_request(dose("methadone", age_years=15)))
    assert OFF_LABEL not in [f.code for f in check.findings]


def test_the_calculator_takes_the_age_and_refuses_a_bad_one() -> None:
    status, output, _ = run_calc("dose-check", dose("buprenorphine", age_years=15))
    assert status == 0
    assert OFF_LABEL in [f["code"] for f in output["findings"]]
    with pytest.raises(InvalidInput) as caught:
        dosing.parse_dose_request(dose("buprenorphine", age_years="fifteen"))
    assert caught.value.fields == {"context.age_years": "Must be a whole number."}
