"""The crisis numbers come from knowledge/crisis.toml, each with its source or basis."""

from __future__ import annotations

import pytest

from detoxdesk.clinical import crisis, knowledge
from detoxdesk.clinical.errors import KnowledgeError


def test_it_lists_the_three_numbers_in_order() -> None:
    assert [(line.number, line.href) for line in crisis.crisis_lines()] == [
        ("988", "tel:988"),
        ("1-800-662-4357", "tel:18006624357"),
        ("911", "tel:911"),
    ]


def test_each_number_names_its_source_or_basis() -> None:
    sources = {line.number: line.source for line in crisis.crisis_lines()}
    assert sources == {"988": "lifeline-988", "1-800-662-4357": "samhsa-helpline", "911": None}
    assert knowledge.source("samhsa-helpline").confidence == "C"
    assert {line.confidence for line in crisis.crisis_lines()} == {"C"}


GOOD = {"number": "988", "label": "Lifeline", "href": "tel:988", "source": "x", "confidence": "C"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"number": ""}, "number is required"),
        ({"label": None}, "label is required"),
        ({"href": "http://988"}, "href must be tel:"),
        ({"href": "tel:989"}, "href must be tel:"),
        ({"source": None}, "a source key or a basis"),
        ({"confidence": "X"}, "confidence must be one of"),
    ],
)
def test_it_refuses_a_malformed_line(change: dict[str, object], problem: str) -> None:
    with pytest.raises(KnowledgeError, match=problem):
        crisis._build(1, {**GOOD, **change})


@pytest.mark.parametrize(
    ("position", "entry", "message"),
    [
        (2, "988", "crisis.toml line 2: expected a table"),
        (3, {**GOOD, "href": ""}, "crisis.toml line 3: href is required"),
        (1, {**GOOD, "number": "  "}, "crisis.toml line 1: number is required"),
        (
            1,
            {**GOOD, "href": "tel:989"},
            "crisis.toml line 1: href must be tel: and the digits of '988'",
        ),
        (1, {**GOOD, "source": None}, "crisis.toml line 1: a source key or a basis is required"),
        (1, {**GOOD, "confidence": "X"}, "crisis.toml line 1: confidence must be one of C, S, U"),
    ],
)
def test_it_names_the_line_and_the_problem(position: int, entry: object, message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        crisis._build(position, entry)
    assert str(raised.value) == message


def test_a_line_keeps_every_field() -> None:
    assert crisis._build(1, GOOD) == crisis.CrisisLine("988", "Lifeline", "tel:988", "x", "C")


def test_a_basis_stands_in_for_a_source() -> None:
    line = crisis._build(1, {**GOOD, "source": None, "basis": "spec_section_13"})
    assert (line.source, line.number) == (None, "988")
