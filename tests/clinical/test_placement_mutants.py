"""Placement (``clinical.placement`` and ``clinical.placement_input``): the values a reason is
written with, the notes and sentences of the rationale word for word, and the checks on the
floors read from placement.toml (built again here: the module builds them once at import)."""

from __future__ import annotations

from typing import Any

import pytest

from detoxdesk.clinical import placement, placement_input
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

ALCOHOL_DAILY = {"substances": [{"name": "alcohol", "daily_use": True}]}
HEROIN_DAILY = {"substances": [{"name": "heroin", "daily_use": True}]}
CIWA_NOTE = "CIWA-Ar not scored: the rating rests on the substances and the history."
COWS_NOTE = "COWS not scored: the rating rests on the substances and the history."


def evaluation(**payload: Any) -> placement_input.Evaluation:
    return placement_input.parse_evaluation(payload)


def test_a_reason_reads_the_scores_their_bands_and_the_readiness_label() -> None:
    scored = evaluation(
        **HEROIN_DAILY, current_cows=30, current_ciwa_ar=12, readiness={"rating": 2}
    )
    assert placement._reason_values(scored) == {
        "cows": 30,
        "cows_band": "moderately severe",
        "ciwa_ar": 12,
        "ciwa_band": "moderate",
        "qtc_ms": None,
        "pawss_total": None,
        "readiness": 2,
        "readiness_label": "moderate",
    }


def test_a_reason_reads_nothing_assessed_as_empty_text() -> None:
    assert placement._reason_values(evaluation(**ALCOHOL_DAILY)) == {
        "cows": None,
        "cows_band": "",
        "ciwa_ar": None,
        "ciwa_band": "",
        "qtc_ms": None,
        "pawss_total": None,
        "readiness": None,
        "readiness_label": "",
    }


@pytest.mark.parametrize(
    ("payload", "notes"),
    [
        (ALCOHOL_DAILY, [CIWA_NOTE]),
        ({**ALCOHOL_DAILY, "current_ciwa_ar": 12}, []),
        (HEROIN_DAILY, [COWS_NOTE]),
        ({**HEROIN_DAILY, "current_cows": 30}, []),
    ],
)
def test_dimension_1_says_which_score_it_lacks(payload: dict[str, Any], notes: list[str]) -> None:
    assert placement._score_notes(1, evaluation(**payload)) == notes
    assert placement._score_notes(2, evaluation(**payload)) == []


def test_the_rationale_names_what_was_not_assessed_and_the_request_word_for_word() -> None:
    result = placement.recommend(evaluation(**ALCOHOL_DAILY, requested_setting="outpatient"))
    assert result.rationale[-3:] == (
        "Not assessed: history.withdrawal_seizures, history.delirium_tremens, "
        "history.overdose_past_year, medical.pregnant, medical.unstable_medical_condition, "
        "psychiatric.suicidal_ideation, psychiatric.psychosis, environment.stable_housing, "
        "environment.supportive_person_at_home. Each counts as its worst answer until it is "
        "assessed, so completing them can only lower this recommendation.",
        "The person asked for outpatient care and the findings point to 4-WM: discuss it with "
        "them; the clinician may choose another level with a reason.",
        "Decision support: the clinician accepts this level or chooses another with a reason.",
    )


def test_an_unknown_level_is_a_knowledge_error() -> None:
    with pytest.raises(KnowledgeError) as raised:
        placement._level("9-WM")
    assert str(raised.value) == "placement.toml: no level '9-WM'"


def test_the_floors_built_again_equal_the_floors_in_use() -> None:
    assert placement.level_floors(placement._data()) == placement.LEVEL_FLOORS


@pytest.mark.parametrize("data", [{}, {"floors": []}, {"floors": "floor-d1-moderate"}])
def test_at_least_one_floor_is_required(data: dict[str, Any]) -> None:
    with pytest.raises(KnowledgeError) as raised:
        placement.level_floors(data)
    assert str(raised.value) == "placement.toml: at least one [[floors]] entry is required"


FLOOR = {
    "id": "floor-d1-moderate",
    "dimension": 1,
    "at_least": "moderate",
    "level": "2-WM",
    "reason": "Withdrawal potential rated moderate or higher: extended on-site monitoring.",
    "source": "asam-criteria-3",
    "spec_sections": "12.1, 12.2",
    "confidence": "U",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at_least": "extreme"}, "missing or malformed 'EXTREME'"),
        ({"confidence": "X"}, "confidence must be one of C, S, U"),
    ],
)
def test_a_floor_entry_is_checked_and_named_by_its_id(change: dict[str, Any], message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        placement.level_floors({"floors": [{**FLOOR, **change}]})
    assert str(raised.value) == f"placement.toml floor 'floor-d1-moderate': {message}"


def test_a_floor_keeps_the_spec_sections_it_is_given() -> None:
    (floor,) = placement.level_floors({"floors": [{**FLOOR, "spec_sections": "12.3"}]})
    assert floor.spec_sections == "12.3"


def test_a_pawss_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        placement_input.parse_evaluation({**HEROIN_DAILY, "pawss": 3})
    assert (str(raised.value), raised.value.fields) == (
        "The placement cannot be worked out: check the marked fields.",
        {"pawss": "Must be a PAWSS object (threshold_met, items), or null if not asked."},
    )
