"""The scale loaders fed malformed knowledge, the pulse table, and the scale code of a result."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, scales
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError


def with_scales(monkeypatch: pytest.MonkeyPatch, change: Callable[[dict[str, Any]], None]) -> None:
    """Make ``scales.toml`` read as shipped after ``change`` edits a copy of it."""
    original = knowledge.read_toml

    def read_toml(name: str) -> dict[str, Any]:
        data = original(name)
        if name == "scales":
            data = copy.deepcopy(data)
            change(data)
        return data

    monkeypatch.setattr(knowledge, "read_toml", read_toml)


def set_in(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_in(["cows", "code"], "sows"), "scales.toml [cows]: wrong code or administered_by"),
        (
            set_in(["cows", "administered_by"], "nurse"),
            "scales.toml [cows]: wrong code or administered_by",
        ),
        (
            set_in(["cows", "confidence"], "X"),
            "scales.toml [cows]: confidence must be one of C, S, U",
        ),
        (
            set_in(["cows", "items", 1, "key"], "resting_pulse_rate"),
            "scales.toml [cows]: item keys must be unique",
        ),
        (
            set_in(
                ["cows", "items", 0, "options"],
                [{"value": 2, "anchor": "a"}, {"value": 1, "anchor": "b"}],
            ),
            "scales.toml item 'resting_pulse_rate': values must be ascending integers",
        ),
        (
            set_in(
                ["cows", "items", 0, "options"],
                [{"value": 1, "anchor": "a"}, {"value": 1, "anchor": "b"}],
            ),
            "scales.toml item 'resting_pulse_rate': values must be ascending integers",
        ),
        (
            set_in(["cows", "items", 0, "options"], [{"value": 0.5, "anchor": "a"}]),
            "scales.toml item 'resting_pulse_rate': values must be ascending integers",
        ),
        (
            set_in(["cows", "items", 0, "options"], []),
            "scales.toml item 'resting_pulse_rate': values must be ascending integers",
        ),
        (set_in(["cows", "title"], KeyError), "scales.toml: missing or malformed entry 'title'"),
        (set_in(["sows"], KeyError), "scales.toml must define exactly cows, sows, ciwa_ar"),
    ],
)
def test_a_malformed_scale_is_refused(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with_scales(monkeypatch, change)
    with pytest.raises(KnowledgeError) as caught:
        scales.get_scale("cows")
    assert str(caught.value) == message


def test_a_scale_loads_every_field_it_is_given() -> None:
    cows = scales.get_scale("cows")
    assert (
        cows.code,
        cows.name,
        cows.title,
        cows.source,
        cows.administered_by,
        cows.confidence,
    ) == (
        "cows",
        "COWS",
        "Clinical Opiate Withdrawal Scale",
        "wesson-ling-2003",
        "clinician",
        "C",
    )
    first = cows.items[0]
    assert (first.key, first.label) == ("resting_pulse_rate", "Resting pulse rate")
    assert first.prompt.startswith("Count beats per minute")
    assert [(o.value, o.anchor) for o in first.options] == [
        (0, "80 or below"),
        (1, "81 to 100"),
        (2, "101 to 120"),
        (4, "Above 120"),
    ]
    assert scales.get_scale("sows").administered_by == "self"
    band = cows.bands[1]
    assert (band.name, band.label, band.low, band.high, band.source) == (
        "mild",
        "Mild",
        5,
        12,
        "wesson-ling-2003",
    )


def test_an_unknown_scale_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        scales.get_scale("pcl5")
    assert caught.value.message == "Unknown scale 'pcl5'. Known scales: cows, sows, ciwa_ar."


@pytest.mark.parametrize("code", ["cows", "sows", "ciwa_ar"])
def test_a_result_carries_its_scale_code(code: str) -> None:
    scale = scales.get_scale(code)
    answers = {item.key: item.options[0].value for item in scale.items}
    result = scales.score(scale, answers)
    assert result.scale == code
    assert result.total == sum(answers.values())
    assert dict(result.items) == answers


def test_the_cows_pulse_table_is_the_one_on_the_form() -> None:
    assert scales.cows_pulse_table() == (
        {"min": None, "max": 80, "value": 0},
        {"min": 81, "max": 100, "value": 1},
        {"min": 101, "max": 120, "value": 2},
        {"min": 121, "max": None, "value": 4},
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            set_in(["cows", "pulse_item", "anchors", 0, "value"], 3),
            "scales.toml cows.pulse_item: a value is not allowed for the item",
        ),
        (
            set_in(["cows", "pulse_item", "anchors", 0, "value"], KeyError),
            "scales.toml cows.pulse_item: missing or malformed 'value'",
        ),
        (
            set_in(["cows", "pulse_item"], KeyError),
            "scales.toml cows.pulse_item: missing or malformed 'pulse_item'",
        ),
    ],
)
def test_a_malformed_pulse_table_is_refused(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with_scales(monkeypatch, change)
    with pytest.raises(KnowledgeError) as caught:
        scales.cows_pulse_table()
    assert str(caught.value) == message


def test_a_gap_in_the_pulse_table_is_refused_when_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    with_scales(monkeypatch, set_in(["cows", "pulse_item", "anchors", 1, "max"], 90))
    assert scales.cows_pulse_item(90) == 1
    with pytest.raises(KnowledgeError, match="no range holds 95"):
        scales.cows_pulse_item(95)


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({}, "required"),
        ({"resting_pulse_rate": 3}, "Must be one of 0, 1, 2, 4."),
    ],
)
def test_answer_errors_names_each_bad_item(answers: dict[str, int], errors: str) -> None:
    found = scales.answer_errors(scales.get_scale("cows"), answers)
    assert errors in found["resting_pulse_rate"]
    full = {item.key: 0 for item in scales.get_scale("cows").items}
    assert scales.answer_errors(scales.get_scale("cows"), full) == {}


def test_an_unknown_item_is_refused_naming_the_scale() -> None:
    with pytest.raises(InvalidInput) as caught:
        scales.get_scale("sows").item("resting_pulse_rate")
    assert caught.value.message == "Not an item of SOWS."
    assert caught.value.fields == {"resting_pulse_rate": "Not an item of SOWS."}


def test_an_item_without_options_on_a_scale_without_shared_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_scales(monkeypatch, set_in(["cows", "items", 0, "options"], KeyError))
    with pytest.raises(KnowledgeError) as caught:
        scales.get_scale("cows")
    assert str(caught.value) == (
        "scales.toml item 'resting_pulse_rate': values must be ascending integers"
    )
