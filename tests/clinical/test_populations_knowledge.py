"""populations.toml read in full and refused in exact words (ages, prompts), and the prompt rule."""

from __future__ import annotations

from typing import Any

import pytest

from detoxdesk.clinical import knowledge, populations
from detoxdesk.clinical.errors import KnowledgeError

AGE = {"value": 16, "unit": "years", "source": "eu-bup-label", "confidence": "S"}


def test_the_prompts_are_read_with_their_text_source_and_confidence() -> None:
    data = knowledge.load("populations")
    assert populations.pregnancy_test_prompt() == knowledge.Note(
        data["pregnancy_test"]["prompt"], "buppractice", "S"
    )
    assert populations.pregnancy_test_prompt().text.startswith("Offer a pregnancy test at intake")
    assert populations.moud_first_offer() == knowledge.Note(
        data["pregnancy_moud_first"]["offer"], "acog-711", "C"
    )
    assert populations.moud_first_offer().text.startswith("Opioid agonist treatment is recommended")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**AGE, "value": 0}, "populations.toml [age]: a whole number of years"),
        ({**AGE, "value": -16}, "populations.toml [age]: a whole number of years"),
        ({**AGE, "value": True}, "populations.toml [age]: a whole number of years"),
        ({**AGE, "value": 16.0}, "populations.toml [age]: a whole number of years"),
        ({**AGE, "unit": "months"}, "populations.toml [age]: a whole number of years"),
        (
            {k: v for k, v in AGE.items() if k != "unit"},
            "populations.toml [age]: missing or malformed 'unit'",
        ),
        (
            {k: v for k, v in AGE.items() if k != "value"},
            "populations.toml [age]: missing or malformed 'value'",
        ),
        (
            {k: v for k, v in AGE.items() if k != "source"},
            "populations.toml [age]: missing or malformed 'source'",
        ),
        (
            {k: v for k, v in AGE.items() if k != "confidence"},
            "populations.toml [age]: missing or malformed 'confidence'",
        ),
        (
            None,
            "populations.toml [age]: missing or malformed 'NoneType' object is not subscriptable",
        ),
    ],
)
def test_it_refuses_a_malformed_age(entry: Any, message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        populations._build_age("age", entry)
    assert str(raised.value) == message


def test_an_age_of_one_year_is_whole() -> None:
    assert populations._build_age("age", {**AGE, "value": 1}) == populations.AgeLimit(
        1, "eu-bup-label", "S"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"source": "s", "confidence": "S"},
            "populations.toml [note]: missing or malformed 'offer'",
        ),
        (
            {"offer": "o", "confidence": "S"},
            "populations.toml [note]: missing or malformed 'source'",
        ),
        (
            {"offer": "o", "source": "s"},
            "populations.toml [note]: missing or malformed 'confidence'",
        ),
        (
            "offer",
            "populations.toml [note]: missing or malformed string indices must be integers, "
            "not 'str'",
        ),
    ],
)
def test_it_refuses_a_malformed_note(entry: Any, message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        populations._build_note("note", entry, "offer")
    assert str(raised.value) == message


def test_the_off_label_finding_in_full() -> None:
    (finding,) = populations.buprenorphine_age_findings(15)
    assert (finding.code, finding.severity, finding.source) == (
        "buprenorphine_off_label_age",
        "warning",
        "eu-bup-label",
    )
    assert finding.message == (
        "The patient is under 16 years old: buprenorphine is labelled from 16, so this use is "
        "off-label. For prescriber review; it never blocks the dose."
    )


@pytest.mark.parametrize(
    ("can_become_pregnant", "pregnant", "tested", "due"),
    [
        (True, None, False, True),
        (None, None, False, True),  # sex at birth not recorded
        (True, False, False, True),  # a "no" answered at evaluation is not a test
        (False, None, False, False),
        (True, True, False, False),
        (True, None, True, False),
        (None, False, True, False),
    ],
)
def test_the_pregnancy_test_prompt_rule(
    can_become_pregnant: bool | None, pregnant: bool | None, tested: bool, due: bool
) -> None:
    assert populations.pregnancy_test_due(can_become_pregnant, pregnant, tested) is due


def test_the_pregnancy_test_is_due_unless_told_it_was_taken() -> None:
    assert populations.pregnancy_test_due(True, None) is True
