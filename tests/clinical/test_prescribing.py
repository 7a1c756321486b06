"""The PDMP check at signing (SPEC A12, prescribing.toml): the shipped rule and each refusal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, prescribing
from detoxdesk.clinical.errors import KnowledgeError

Change = Callable[[dict[str, Any]], object]


def with_table(monkeypatch: pytest.MonkeyPatch, change: Change) -> None:
    read = knowledge.read_toml

    def changed(name: str) -> dict[str, Any]:
        data = copy.deepcopy(read(name))
        if name == "prescribing":
            change(data)
        return data

    monkeypatch.setattr(knowledge, "read_toml", changed)


def test_a_pdmp_check_is_required_when_a_controlled_substance_starts() -> None:
    assert prescribing.pdmp_rule() == prescribing.PdmpRule(True, "cdc-2022", "C")


def test_a_program_may_turn_the_check_off(monkeypatch: pytest.MonkeyPatch) -> None:
    with_table(monkeypatch, lambda d: d["pdmp_check"].update(required_at_start=False))
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
    monkeypatch: pytest.MonkeyPatch, change: Change, message: str
) -> None:
    with_table(monkeypatch, change)
    with pytest.raises(KnowledgeError) as raised:
        prescribing.pdmp_rule()
    assert str(raised.value) == message


def test_text_reads_only_a_table() -> None:
    with pytest.raises(KnowledgeError) as raised:
        prescribing._text(["source"], "source", "pdmp_check")
    assert str(raised.value) == "prescribing.toml [pdmp_check]: source must be text"
    assert prescribing._text({"source": " cdc-2022 "}, "source", "x") == " cdc-2022 "
