"""Which levels each facility kind provides, and when an admission is below the decided level."""

from __future__ import annotations

import pytest

from detoxdesk.clinical import admission, placement
from detoxdesk.clinical.errors import KnowledgeError


@pytest.mark.parametrize(
    ("decided", "kind", "below"),
    [
        ("1-WM", "outpatient", False),
        ("2-WM", "outpatient", False),
        ("3.2-WM", "outpatient", True),
        ("3.7-WM", "outpatient", True),
        ("4-WM", "outpatient", True),
        ("1-WM", "inpatient", False),  # a more intensive level than decided is not "below"
        ("3.2-WM", "inpatient", False),
        ("3.7-WM", "inpatient", False),
        ("4-WM", "inpatient", False),
        ("1-WM", "no_such_kind", True),  # a kind the table does not list provides nothing
    ],
)
def test_it_tells_an_admission_below_the_decided_level(decided: str, kind: str, below: bool):
    assert (admission.below_decided_level(decided, kind) is not None) is below


def test_it_names_the_levels_provided_least_intensive_first() -> None:
    found = admission.below_decided_level("4-WM", "outpatient")
    assert found is not None
    assert (found.decided.code, found.provided_codes) == ("4-WM", "1-WM, 2-WM")


def test_it_asks_nothing_when_no_level_was_decided() -> None:
    assert admission.below_decided_level("", "outpatient") is None


def test_it_refuses_a_decided_code_that_is_not_a_level() -> None:
    with pytest.raises(KnowledgeError):
        admission.below_decided_level("5-WM", "inpatient")


def test_every_configured_level_is_a_placement_level() -> None:
    codes = {level.code for level in placement.levels()}
    for provided in admission.facility_levels().values():
        assert provided and {level.code for level in provided} <= codes
