"""Exact refusals and messages of PAWSS and the alcohol knowledge loaders (SPEC A6)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import alcohol
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.medication_policy import Parameter

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
GOOD_VALUE = {"value": 3, "unit": "days", "source": "maldonado-2014", "confidence": "S"}
UNIT = "expected a table with unit 'days'"
WHOLE = "expected a whole number above 0"
SOURCED = "a value needs a source and a C or S confidence"


def pawss_data() -> dict[str, Any]:
    return copy.deepcopy(dict(alcohol.knowledge.load("alcohol")["pawss"]))


def refusal(call: Any, *args: Any) -> str:
    with pytest.raises(KnowledgeError) as refused:
        call(*args)
    return str(refused.value)


def test_a_well_formed_value_is_read() -> None:
    assert alcohol._value({"k": GOOD_VALUE}, "k", "days", "w") == 3
    assert alcohol._value({"k": {**GOOD_VALUE, "value": 1}}, "k", "days", "w") == 1


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (None, UNIT),
        ({**GOOD_VALUE, "unit": "hours"}, UNIT),
        ({**GOOD_VALUE, "value": True}, WHOLE),
        ({**GOOD_VALUE, "value": "3"}, WHOLE),
        ({**GOOD_VALUE, "value": 0}, WHOLE),
        ({**GOOD_VALUE, "value": -1}, WHOLE),
        ({**GOOD_VALUE, "source": None}, SOURCED),
        ({**GOOD_VALUE, "confidence": "U"}, SOURCED),
    ],
)
def test_a_malformed_value_is_refused_naming_it(entry: Any, problem: str) -> None:
    table = {} if entry is None else {"k": entry}
    assert refusal(alcohol._value, table, "k", "days", "w") == f"alcohol.toml [w.k]: {problem}"


NOT_SHIPPED_UNSET = "an unconfirmed [U] parameter ships unset, with a note saying why"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (None, "expected a table with unit 'mg'"),
        ({"unit": "g", "note": "n"}, "expected a table with unit 'mg'"),
        ({"unit": "mg", "note": "n", "value": 5}, NOT_SHIPPED_UNSET),
        ({"unit": "mg"}, NOT_SHIPPED_UNSET),
        ({"unit": "mg", "note": 5}, NOT_SHIPPED_UNSET),
    ],
)
def test_an_unset_parameter_with_a_value_or_no_note_is_refused(entry: Any, problem: str) -> None:
    table = {} if entry is None else {"k": entry}
    assert refusal(alcohol._unset, table, "k", "mg", "w") == f"alcohol.toml [w.k]: {problem}"


@pytest.mark.parametrize(("source", "kept"), [("rosenson-2013", "rosenson-2013"), (5, None)])
def test_an_unset_parameter_keeps_its_note_and_a_text_source(source: Any, kept: str | None) -> None:
    table = {"k": {"unit": "mg", "note": "why", "source": source}}
    assert alcohol._unset(table, "k", "mg", "w") == Parameter(
        name="w.k", unit="mg", source=kept, confidence="U", note="why", declared=True
    )


def test_the_scale_keeps_labels_and_note() -> None:
    scale = alcohol.build_pawss(pawss_data())
    assert scale.items[0].label == "Intoxicated (drunk) in the last 30 days"
    assert scale.note.startswith("Validated in general medical inpatients aged 18 or over")


@pytest.mark.parametrize("key", ["drank_within_days", "high_risk_from"])
def test_a_malformed_scale_value_names_its_pawss_key(key: str) -> None:
    data = pawss_data()
    data[key] = {**data[key], "unit": "weeks"}
    unit = "days" if key == "drank_within_days" else "points"
    expected = f"alcohol.toml [pawss.{key}]: expected a table with unit {unit!r}"
    assert refusal(alcohol.build_pawss, data) == expected


def test_a_missing_scale_key_is_named() -> None:
    data = pawss_data()
    del data["note"]
    assert refusal(alcohol.build_pawss, data) == "alcohol.toml [pawss]: missing or malformed 'note'"


def test_a_short_item_list_is_refused_listing_every_item() -> None:
    data = pawss_data()
    data["items"] = data["items"][:9]
    assert refusal(alcohol.build_pawss, data) == (
        "alcohol.toml [pawss]: items must be exactly, in order: " + ", ".join(alcohol.PAWSS_ITEMS)
    )


@pytest.mark.parametrize(("high", "accepted"), [(1, True), (10, True), (11, False)])
def test_the_high_risk_threshold_may_be_anywhere_from_1_to_the_total(
    high: int, accepted: bool
) -> None:
    data = pawss_data()
    data["high_risk_from"] = {**data["high_risk_from"], "value": high}
    if accepted:
        assert alcohol.build_pawss(data).high_risk_from == high
    else:
        assert refusal(alcohol.build_pawss, data) == (
            "alcohol.toml [pawss]: high_risk_from must be within the scale's total"
        )


MISSING = "Missing: answer true or false, or null if not assessed."


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (
            {"threshold_met": False, "items": {}, "note": 1},
            {"note": "Not a field of PAWSS."}
            | {f"items.{key}": MISSING for key in alcohol.PAWSS_ITEMS},
        ),
        (
            {"threshold_met": False, "items": None},
            {"items": "Must be an object with every PAWSS item."},
        ),
        (
            {"threshold_met": True, "items": [1]},
            {"items": "Must be an object with every PAWSS item."},
        ),
    ],
)
def test_parse_names_each_bad_field_with_its_message(
    payload: dict[str, Any], fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        alcohol.parse_pawss(payload)
    assert refused.value.message == "PAWSS cannot be scored: check the marked fields."
    assert refused.value.fields == fields


def test_the_message_says_when_the_unknowns_could_not_reach_the_threshold() -> None:
    answers = {key: index < 2 for index, key in enumerate(alcohol.PAWSS_ITEMS)}
    answers["autonomic_hyperactivity"] = None
    result = alcohol.score_pawss(True, answers)
    assert alcohol.pawss_message(result) == (
        "PAWSS 2 of 10 so far, with 1 item(s) not assessed: answered yes, they could not reach "
        "the high-risk threshold of 4."
    )


@pytest.mark.parametrize(
    ("named", "positive", "why"),
    [
        (
            True,
            False,
            "Alcohol is named with no last drink recorded: ask PAWSS. It is scored as if the "
            "threshold were met until the last drink is known.",
        ),
        (
            False,
            False,
            "No alcohol recorded in the last 30 days and no positive alcohol test: "
            "PAWSS is not scored.",
        ),
    ],
)
def test_the_prompt_gives_its_whole_reason(named: bool, positive: bool, why: str) -> None:
    assert alcohol.pawss_prompt(named, None, positive, NOW)[1] == why


def test_a_program_setting_nothing_keeps_the_shipped_protocol() -> None:
    assert alcohol.program_protocol(None, None, None, None) == alcohol.shipped_protocol()


def test_no_reassessment_is_due_until_the_whole_protocol_is_set() -> None:
    partial = alcohol.program_protocol(None, 10, Decimal(2), 60)
    assert alcohol.reassess_due(partial, NOW) is None
    full = alcohol.program_protocol("lorazepam", 10, Decimal(2), 60)
    assert alcohol.reassess_due(full, NOW) == NOW + timedelta(minutes=60)
