"""The ASAM Criteria 4th edition beside the 3rd-edition decision (SPEC A11)."""

from __future__ import annotations

import pytest

from calc_runner import run_calc
from detoxdesk.clinical import asam4, knowledge, placement
from detoxdesk.clinical.errors import KnowledgeError

# SPEC A11, "Mapping 3rd -> 4th (proposed, [U] every row)": 3.2-WM has no direct match.
SPEC_MAPPING = {
    "1-WM": "1.7",
    "2-WM": "2.7",
    "3.2-WM": None,
    "3.7-WM": "3.7",
    "4-WM": "4.0",
}
SPEC_CANDIDATES_32 = ("3.1", "3.5", "3.7")
# SPEC A11 / 12.3, the 4th-edition dimensions [S].
SPEC_DIMENSIONS = {
    1: "Intoxication, withdrawal, and addiction medications",
    2: "Biomedical conditions",
    3: "Psychiatric and cognitive conditions",
    4: "Substance use-related risks",
    5: "Recovery environment interactions",
    6: "Person-centered considerations",
}
CONFIRMED = {"1-WM": "1.7", "2-WM": "2.7", "3.2-WM": "3.5", "3.7-WM": "3.7", "4-WM": "4.0"}


def test_the_mapping_is_spec_s_proposal_every_row_unconfirmed() -> None:
    rows = asam4.mapping()
    assert {level: row.code for level, row in rows.items()} == SPEC_MAPPING
    assert rows["3.2-WM"].candidates == SPEC_CANDIDATES_32
    assert {row.confidence for row in rows.values()} == {"U"}


def test_the_mapping_covers_exactly_the_3rd_edition_levels() -> None:
    assert list(asam4.mapping()) == [level.code for level in placement.levels()]


@pytest.mark.parametrize(("level", "code"), list(SPEC_MAPPING.items()))
def test_a_level_without_a_confirmed_table_is_unconfirmed(level: str, code: str | None) -> None:
    assert asam4.fourth_level(level) == asam4.FourthLevel(code, False)


@pytest.mark.parametrize(("level", "code"), list(CONFIRMED.items()))
def test_a_confirmed_table_gives_confirmed_levels(level: str, code: str) -> None:
    assert asam4.fourth_level(level, CONFIRMED) == asam4.FourthLevel(code, True)


def test_a_confirmed_table_must_choose_among_the_candidates() -> None:
    asam4.check_confirmed(CONFIRMED)
    with pytest.raises(KnowledgeError, match="3.2-WM: choose one of 3.1, 3.5, 3.7"):
        asam4.check_confirmed({**CONFIRMED, "3.2-WM": "2.7"})
    with pytest.raises(KnowledgeError) as raised:
        asam4.check_confirmed({k: v for k, v in CONFIRMED.items() if k != "4-WM"})
    assert str(raised.value) == "A confirmed table maps every 3rd-edition level exactly once."


def test_the_dimension_names_follow_the_edition() -> None:
    assert asam4.dimension_names_for("4") == SPEC_DIMENSIONS
    assert asam4.dimension_names_for("3") == placement.dimension_names()
    assert asam4.dimension_names_for("3")[4] == "Readiness to change"


def test_a_malformed_mapping_is_refused() -> None:
    rows = [
        {"from": lv.code, "code": "", "candidates": ["1.7"], "confidence": "U"}
        for lv in placement.levels()
    ]
    assert asam4.build_mapping(rows)["4-WM"].code is None
    with pytest.raises(KnowledgeError, match="exactly once"):
        asam4.build_mapping(rows[:-1])
    with pytest.raises(KnowledgeError, match="one of its candidates"):
        asam4.build_mapping([{**rows[0], "code": "9.9"}, *rows[1:]])


PLACEMENT = {"substances": [{"name": "heroin", "daily_use": True}]}


def test_calc_placement_shows_the_4th_edition_level_beside_the_3rd() -> None:
    status, output, stderr = run_calc("placement", PLACEMENT)
    assert (status, stderr) == (0, "")
    keys = list(output)
    assert keys.index("level_4th_edition") == keys.index("recommended_level") + 1
    expected = SPEC_MAPPING[output["recommended_level"]]
    assert output["level_4th_edition"] == {"code": expected, "confirmed": False}


def test_the_4th_edition_level_comes_right_after_the_3rd_in_process() -> None:
    # The same order as the command's, from the function itself (a child process would not run
    # a mutated copy of it).
    keys = list(asam4.placement_calculator(PLACEMENT))
    assert keys[:3] == ["recommended_level", "level_4th_edition", "level_name"]


def _rows() -> list[dict[str, object]]:
    return [
        {"from": lv.code, "code": "", "candidates": ["1.7"], "confidence": "U"}
        for lv in placement.levels()
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            lambda rows: rows[:-1],
            "placement.toml fourth_edition.mapping: map every level exactly once",
        ),
        (
            lambda rows: [*rows, rows[0]],
            "placement.toml fourth_edition.mapping: map every level exactly once",
        ),
        (
            lambda rows: [{**rows[0], "code": "9.9"}, *rows[1:]],
            "placement.toml fourth_edition 1-WM: the code must be one of its candidates",
        ),
        (
            lambda rows: [{**rows[0], "candidates": []}, *rows[1:]],
            "placement.toml fourth_edition 1-WM: the code must be one of its candidates",
        ),
        (
            lambda rows: [{k: v for k, v in rows[0].items() if k != "confidence"}, *rows[1:]],
            "placement.toml fourth_edition.mapping: malformed 'confidence'",
        ),
        (
            lambda rows: [{**rows[0], "candidates": 3}, *rows[1:]],
            "placement.toml fourth_edition.mapping: malformed 'int' object is not iterable",
        ),
    ],
)
def test_a_malformed_mapping_is_refused_in_these_words(rows: object, message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        asam4.build_mapping(rows(_rows()))  # type: ignore[operator]
    assert str(raised.value) == message


def test_a_placement_file_without_a_fourth_edition_table_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = knowledge.read_toml

    def without(name: str) -> dict[str, object]:
        data = dict(read(name))
        if name == "placement":
            data.pop("fourth_edition")
        return data

    monkeypatch.setattr(knowledge, "read_toml", without)
    with pytest.raises(KnowledgeError) as raised:
        asam4.mapping()
    assert str(raised.value) == "placement.toml: no [fourth_edition] table"
