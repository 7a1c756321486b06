"""The PDMP check at signing (SPEC A12, prescribing.toml): the shipped rule and each refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from detoxdesk.clinical import prescribing
from detoxdesk.clinical.errors import KnowledgeError

Change = Callable[[dict[str, Any]], object]


@pytest.fixture
def with_table(edit_knowledge: Callable[[str, Change], None]) -> Callable[[Change], None]:
    """Make the loaders read prescribing.toml with a change applied (the file is not touched)."""
    return lambda change: edit_knowledge("prescribing", change)


def test_a_pdmp_check_is_required_when_a_controlled_substance_starts() -> None:
    assert prescribing.pdmp_rule() == prescribing.PdmpRule(True, "cdc-2022", "C")


def test_a_program_may_turn_the_check_off(with_table: Callable[[Change], None]) -> None:
    with_table(lambda d: d["pdmp_check"].update(required_at_start=False))
    assert prescribing.pdmp_rule() == prescribing.PdmpRule(False, "cdc-2022", "C")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["pdmp_check"].update(required_at_start="yes"),
            "prescribing.toml [pdmp_check]: required_at_start must be a boolean",
        ),
        (
            lambda d: d.update(pdmp_check="required"),
            "prescribing.toml [pdmp_check]: required_at_start must be a boolean",
        ),
        (
            lambda d: d["pdmp_check"].pop("source"),
            "prescribing.toml [pdmp_check]: source must be text",
        ),
        (
            lambda d: d["pdmp_check"].update(confidence="  "),
            "prescribing.toml [pdmp_check]: confidence must be text",
        ),
        (
            lambda d: d["pdmp_check"].update(confidence=3),
            "prescribing.toml [pdmp_check]: confidence must be text",
        ),
    ],
)
def test_it_refuses_a_malformed_rule(
    with_table: Callable[[Change], None], change: Change, message: str
) -> None:
    with_table(change)
    with pytest.raises(KnowledgeError) as raised:
        prescribing.pdmp_rule()
    assert str(raised.value) == message


def test_text_reads_only_a_table() -> None:
    with pytest.raises(KnowledgeError) as raised:
        prescribing._text(["source"], "source", "pdmp_check")
    assert str(raised.value) == "prescribing.toml [pdmp_check]: source must be text"
    assert prescribing._text({"source": " cdc-2022 "}, "source", "x") == " cdc-2022 "
