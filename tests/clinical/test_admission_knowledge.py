"""admission.toml read and refused in exact words; the levels a kind provides, in rank order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from detoxdesk.clinical import admission
from detoxdesk.clinical.errors import KnowledgeError

Change = Callable[[dict[str, Any]], object]


@pytest.fixture
def with_table(edit_knowledge: Callable[[str, Change], None]) -> Callable[[Change], None]:
    """Make the loaders read admission.toml with a change applied (the file is not touched)."""
    return lambda change: edit_knowledge("admission", change)


def codes(levels: tuple[Any, ...]) -> list[str]:
    return [level.code for level in levels]


def test_each_kind_provides_its_levels_least_intensive_first() -> None:
    found = {kind: codes(levels) for kind, levels in admission.facility_levels().items()}
    assert found == {"outpatient": ["1-WM", "2-WM"], "inpatient": ["3.2-WM", "3.7-WM", "4-WM"]}


def test_levels_listed_out_of_order_or_twice_are_sorted_once(
    with_table: Callable[[Change], None],
) -> None:
    with_table(
        lambda d: d["facility_kinds"]["inpatient"].update(levels=["4-WM", "3.2-WM", "4-WM"]),
    )
    assert codes(admission.facility_levels()["inpatient"]) == ["3.2-WM", "4-WM"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["facility_kinds"]["inpatient"].update(levels=["3.2-WM", "5-WM"]),
            "admission.toml [facility_kinds.inpatient]: levels must name levels of placement.toml",
        ),
        (
            lambda d: d["facility_kinds"]["inpatient"].update(levels=[]),
            "admission.toml [facility_kinds.inpatient]: levels must name levels of placement.toml",
        ),
        (
            lambda d: d["facility_kinds"]["outpatient"].update(levels="1-WM"),
            "admission.toml [facility_kinds.outpatient]: levels must name levels of placement.toml",
        ),
        (
            lambda d: d["facility_kinds"]["outpatient"].pop("levels"),
            "admission.toml: missing or malformed 'levels'",
        ),
        (
            lambda d: d.pop("facility_kinds"),
            "admission.toml: missing or malformed 'facility_kinds'",
        ),
        (
            lambda d: d.update(facility_kinds=["inpatient"]),
            "admission.toml: missing or malformed 'list' object has no attribute 'items'",
        ),
    ],
)
def test_it_refuses_a_malformed_table(
    with_table: Callable[[Change], None], change: Change, message: str
) -> None:
    with_table(change)
    with pytest.raises(KnowledgeError) as raised:
        admission.facility_levels()
    assert str(raised.value) == message


def test_a_decided_code_that_is_not_a_level_is_named() -> None:
    with pytest.raises(KnowledgeError) as raised:
        admission.below_decided_level("5-WM", "inpatient")
    assert str(raised.value) == "placement.toml: no level '5-WM'"


def test_a_kind_providing_nothing_reads_none() -> None:
    found = admission.below_decided_level("2-WM", "day_centre")
    assert found is not None
    assert (found.decided.code, found.provided, found.provided_codes) == ("2-WM", (), "none")


def test_the_decided_level_itself_is_not_below() -> None:
    # 2-WM decided at an outpatient unit that provides 1-WM and 2-WM: at the level, not below.
    assert admission.below_decided_level("2-WM", "outpatient") is None
    found = admission.below_decided_level("3.2-WM", "outpatient")
    assert found is not None and codes(found.provided) == ["1-WM", "2-WM"]
