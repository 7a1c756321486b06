"""PAWSS, its threshold question, thiamine and the symptom-triggered protocol (SPEC A6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from calc_runner import run_calc
from detoxdesk.clinical import alcohol, calc
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

ITEMS = list(alcohol.PAWSS_ITEMS)
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def answers(yes: int, unknown: int = 0) -> dict[str, bool | None]:
    """The first ``yes`` items answered yes, the next ``unknown`` not assessed, the rest no."""
    found: dict[str, bool | None] = {}
    for index, key in enumerate(ITEMS):
        found[key] = True if index < yes else None if index < yes + unknown else False
    return found


def payload(yes: int, unknown: int = 0, threshold: bool = True) -> dict[str, Any]:
    return {"threshold_met": threshold, "items": answers(yes, unknown)}


def test_it_lists_the_ten_items_of_spec_in_order() -> None:
    scale = alcohol.pawss()
    assert [item.key for item in scale.items] == ITEMS
    assert (len(ITEMS), scale.max_total, scale.high_risk_from) == (10, 10, 4)
    assert scale.drank_within_days == 30
    assert (scale.source, scale.high_risk_source) == ("maldonado-2014", "bccsu-aud-2023")
    assert "30 days" in scale.threshold_question


# (yes, unknown) -> (total, unknown_items, high_risk, could_be_high_risk)
TABLE = [
    ((0, 0), (0, 0, False, False)),
    ((3, 0), (3, 0, False, False)),
    ((4, 0), (4, 0, True, True)),
    ((5, 0), (5, 0, True, True)),
    ((10, 0), (10, 0, True, True)),
    ((3, 1), (3, 1, False, True)),
    ((2, 1), (2, 1, False, False)),
    ((0, 4), (0, 4, False, True)),
    ((0, 3), (0, 3, False, False)),
    ((4, 6), (4, 6, True, True)),
    ((0, 10), (0, 10, False, True)),
]


@pytest.mark.parametrize(("given", "expected"), TABLE)
def test_it_scores_one_point_per_yes_and_says_what_the_unknowns_could_do(
    given: tuple[int, int], expected: tuple[int, int, bool, bool]
) -> None:
    result = alcohol.calculator(payload(*given))
    found = (
        result["total"],
        result["unknown_items"],
        result["high_risk"],
        result["could_be_high_risk"],
    )
    assert result["scored"] is True
    assert found == expected
    assert len(result["unknown"]) == expected[1]


@pytest.mark.parametrize(("yes", "high"), [(3, False), (4, True), (5, True)])
def test_high_risk_starts_at_the_threshold_itself(yes: int, high: bool) -> None:
    result = alcohol.score_pawss(True, answers(yes))
    assert (result.high_risk, result.could_be_high_risk) == (high, high)


@pytest.mark.parametrize(("unknown", "could"), [(2, False), (3, True), (4, True)])
def test_unknowns_could_reach_the_threshold_from_one_below(unknown: int, could: bool) -> None:
    result = alcohol.score_pawss(True, answers(1, unknown))
    assert (result.high_risk, result.could_be_high_risk) == (False, could)


def test_it_does_not_score_past_a_no_to_the_threshold_question() -> None:
    result = alcohol.calculator(payload(10, threshold=False))
    assert result | {"message": ""} == {
        **result,
        "scored": False,
        "total": None,
        "unknown_items": 0,
        "high_risk": False,
        "could_be_high_risk": False,
        "message": "",
    }
    assert alcohol.calculator({"threshold_met": False})["scored"] is False


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"threshold_met": True, "items": {k: False for k in ITEMS[1:]}}, "items.intoxicated_30d"),
        (
            {"threshold_met": True, "items": {**answers(0), "prior_treatment": 1}},
            "items.prior_treatment",
        ),
        ({"threshold_met": True, "items": {**answers(0), "blackouts": True}}, "items.blackouts"),
        ({"threshold_met": "yes", "items": answers(0)}, "threshold_met"),
        ({"threshold_met": None, "items": answers(0)}, "threshold_met"),
        ({"threshold_met": True}, "items"),
        ({"threshold_met": True, "items": [True] * 10}, "items"),
        ({"threshold_met": True, "items": answers(0), "total": 3}, "total"),
    ],
)
def test_it_refuses_a_missing_or_wrong_typed_field_naming_it(
    bad: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        calc.run("pawss", bad)
    assert field in refused.value.fields


def test_the_command_answers_with_the_contract_keys() -> None:
    status, output, stderr = run_calc("pawss", payload(4, 1))
    assert (status, stderr) == (0, "")
    assert {k: output[k] for k in ("scored", "total", "unknown_items", "high_risk")} == {
        "scored": True,
        "total": 4,
        "unknown_items": 1,
        "high_risk": True,
    }
    assert output["could_be_high_risk"] is True


def test_the_command_exits_2_with_fields_for_a_wrong_typed_item() -> None:
    bad = {"threshold_met": True, "items": {**answers(0), "autonomic_hyperactivity": "no"}}
    status, output, _ = run_calc("pawss", bad)
    assert status == 2
    assert set(output) == {"error", "fields"}
    assert list(output["fields"]) == ["items.autonomic_hyperactivity"]


@pytest.mark.parametrize(
    ("named", "last", "positive", "expected"),
    [
        (False, None, False, False),
        (False, None, True, True),
        (True, None, False, None),
        (True, NOW - timedelta(days=30), False, True),
        (True, NOW - timedelta(days=30, seconds=1), False, False),
        (True, NOW - timedelta(days=29), False, True),
        (True, NOW - timedelta(days=31), False, False),
        (True, NOW - timedelta(days=31), True, True),
    ],
)
def test_the_threshold_question_reads_the_last_drink_and_the_alcohol_test(
    named: bool, last: datetime | None, positive: bool, expected: bool | None
) -> None:
    assert alcohol.threshold_met(named, last, positive, NOW) is expected


def test_a_malformed_item_list_is_refused() -> None:
    data = dict(alcohol.knowledge.load("alcohol")["pawss"])
    data["items"] = data["items"][:9]
    with pytest.raises(KnowledgeError, match="items must be exactly"):
        alcohol.build_pawss(data)


def test_a_high_risk_threshold_beyond_the_total_is_refused() -> None:
    data = dict(alcohol.knowledge.load("alcohol")["pawss"])
    data["high_risk_from"] = {**data["high_risk_from"], "value": 11}
    with pytest.raises(KnowledgeError, match="high_risk_from"):
        alcohol.build_pawss(data)


def test_a_high_risk_asks_for_an_inpatient_medically_managed_level() -> None:
    placement = alcohol.high_risk_placement()
    assert (placement.level, placement.dimension_rating) == ("3.7-WM", "significant")
    assert placement.sources == ("bccsu-aud-2023", "nice-cg100")
    assert placement.confidence == "U"


def test_thiamine_is_prompted_unless_the_person_did_not_drink() -> None:
    prompt = alcohol.thiamine_prompt(True)
    assert prompt is not None and "100 mg IV or IM daily for 3 to 5 days" in prompt
    assert alcohol.thiamine_prompt(None) == prompt
    assert alcohol.thiamine_prompt(False) is None
    regimen = alcohol.thiamine()
    assert (regimen.dose_mg, regimen.days, regimen.source) == (100, (3, 5), "asam-alcohol-2020")
    assert not regimen.suspected_wernicke.is_set


def test_the_symptom_triggered_protocol_ships_unset() -> None:
    shipped = alcohol.shipped_protocol()
    assert not shipped.is_set
    assert [p.name for p in shipped.unset()] == [
        "symptom_triggered.trigger",
        "symptom_triggered.dose_mg",
        "symptom_triggered.reassess_min",
    ]
    assert not alcohol.phenobarbital_loading().is_set
    assert "10 mg/kg" in alcohol.phenobarbital_reference()
    assert alcohol.ciwa_trigger_met(shipped, 40) is None
    assert alcohol.reassess_due(shipped, NOW) is None


def test_a_partly_set_protocol_triggers_nothing() -> None:
    partial = alcohol.program_protocol("lorazepam", 10, Decimal(2), None)
    assert not partial.is_set
    assert alcohol.ciwa_trigger_met(partial, 40) is None


@pytest.mark.parametrize(("ciwa", "met"), [(9, False), (10, True), (11, True)])
def test_a_set_protocol_triggers_at_its_trigger_itself(ciwa: int, met: bool) -> None:
    protocol = alcohol.program_protocol("lorazepam", 10, Decimal(2), 60)
    assert alcohol.ciwa_trigger_met(protocol, ciwa) is met
    assert alcohol.ciwa_trigger_met(protocol, None) is None
    assert alcohol.reassess_due(protocol, NOW) == NOW + timedelta(minutes=60)


@pytest.mark.parametrize(
    ("named", "days", "positive", "asked", "why"),
    [
        (True, 3, False, True, "Alcohol drunk within the last 30 days: ask PAWSS."),
        (True, 40, False, False, "Alcohol last drunk more than 30 days ago: PAWSS is not scored."),
        (True, None, False, None, "Alcohol is named with no last drink recorded: ask PAWSS."),
        (False, None, True, True, "A positive breath or blood alcohol in the last 30 days"),
        (False, None, False, False, "No alcohol recorded in the last 30 days"),
    ],
)
def test_the_prompt_says_why_pawss_is_or_is_not_asked(
    named: bool, days: int | None, positive: bool, asked: bool | None, why: str
) -> None:
    last = None if days is None else NOW - timedelta(days=days)
    found, text = alcohol.pawss_prompt(named, last, positive, NOW)
    assert found is asked
    assert text.startswith(why)
