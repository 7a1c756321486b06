"""Level-of-care placement (asam-criteria-3 and the rules' own sources): rules, flags, levels,
the unknown-is-not-reassuring guarantee, refusals and the command line.

Expected levels, ratings and flags are literals worked out from the rule tables by hand.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import dosing, knowledge, placement, placement_input
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

LEVELS = ["1-WM", "2-WM", "3.2-WM", "3.7-WM", "4-WM"]

# The most reassuring complete answer: occasional smoked heroin, nothing else of note.
REASSURING: dict[str, Any] = {
    "substances": [
        {"name": "heroin", "route": "smoked", "daily_use": False, "hours_since_last_use": 30}
    ],
    "current_cows": None,
    "current_ciwa_ar": None,
    "history": {
        "withdrawal_seizures": False,
        "delirium_tremens": False,
        "overdose_past_year": False,
    },
    "medical": {"pregnant": False, "unstable_medical_condition": False, "qtc_ms": None},
    "psychiatric": {"suicidal_ideation": "none", "psychosis": False},
    "environment": {"stable_housing": True, "supportive_person_at_home": True},
    "requested_setting": None,
}
SECTIONS = ["history", "medical", "psychiatric", "environment"]


def payload(**changes: Any) -> dict[str, Any]:
    """REASSURING with ``changes``: a section given as a dict is merged into the reassuring one."""
    result = copy.deepcopy(REASSURING)
    for key, value in changes.items():
        if key in SECTIONS and isinstance(value, dict):
            result[key] = {**result[key], **value}
        else:
            result[key] = value
    return result


def heroin(daily: bool | None = True) -> dict[str, Any]:
    return {"name": "heroin", "route": "iv", "daily_use": daily, "hours_since_last_use": 12}


def substance(name: str, daily: bool | None = True) -> dict[str, Any]:
    return {"name": name, "route": "oral", "daily_use": daily, "hours_since_last_use": 12}


def calc(data: dict[str, Any]) -> dict[str, Any]:
    return placement.calculate(data)


def ratings(result: dict[str, Any]) -> list[int]:
    return [dimension["rating"] for dimension in result["dimensions"]]


def fired(result: dict[str, Any], *, assumed: bool = False) -> set[str]:
    return {r["id"] for r in result["rules_fired"] if r["assumed_worst_case"] is assumed}


# --- The most reassuring answer -------------------------------------------------------------------


def test_the_most_reassuring_answer_is_ambulatory_care() -> None:
    result = calc(REASSURING)
    assert result["recommended_level"] == "1-WM"
    assert ratings(result) == [0, 0, 0, 4, 2, 0]
    assert result["flags"] == []
    assert result["not_assessed"] == []
    assert fired(result) == {"d4-not-assessed", "d5-opioid-use"}
    assert result["rationale"][0] == (
        "Recommended level 1-WM: Ambulatory withdrawal management without extended on-site "
        "monitoring."
    )


def test_it_names_each_dimension_of_the_third_edition() -> None:
    result = calc(REASSURING)
    assert [(d["dimension"], d["name"]) for d in result["dimensions"]] == [
        (1, "Acute intoxication and/or withdrawal potential"),
        (2, "Biomedical conditions and complications"),
        (3, "Emotional, behavioral, or cognitive conditions and complications"),
        (4, "Readiness to change"),
        (5, "Relapse, continued use, or continued problem potential"),
        (6, "Recovery/living environment"),
    ]


def test_it_explains_a_dimension_with_no_finding() -> None:
    result = calc(REASSURING)
    assert result["dimensions"][1]["reasons"] == ["No risk found in the answers given."]


# --- Every rule fires -----------------------------------------------------------------------------

# rule id, input, the dimension it rates (None: none), the rating it gives, the level, the flag.
AOSWR = "alcohol_or_sedative_withdrawal_risk"
AWHR = "alcohol_withdrawal_high_risk"
PAWSS_KEYS = [
    "intoxicated_30d",
    "prior_treatment",
    "prior_withdrawal",
    "prior_blackouts",
    "prior_withdrawal_seizures",
    "prior_delirium_tremens",
    "alcohol_with_downers_90d",
    "alcohol_with_other_substances_90d",
    "blood_alcohol_over_200",
    "autonomic_hyperactivity",
]


def pawss(yes: int, unknown: int = 0) -> dict[str, Any]:
    """A PAWSS past its threshold: the first ``yes`` items yes, the next ``unknown`` null."""
    items = {
        key: True if i < yes else None if i < yes + unknown else False
        for i, key in enumerate(PAWSS_KEYS)
    }
    return {"threshold_met": True, "items": items}


# fmt: off
RULE_CASES: list[tuple[str, dict[str, Any], int | None, int | None, str, str | None]] = [
    ("d1-opioid-daily", payload(substances=[heroin()]), 1, 1, "1-WM", None),
    ("d1-cows-mild", payload(current_cows=5), 1, 1, "1-WM", None),
    ("d1-cows-moderate", payload(current_cows=13), 1, 2, "2-WM", None),
    ("d1-cows-significant", payload(current_cows=25), 1, 3, "3.7-WM", None),
    ("d1-ciwa-ar-mild", payload(current_ciwa_ar=0), 1, 1, "1-WM", None),
    ("d1-ciwa-ar-moderate", payload(current_ciwa_ar=10), 1, 2, "2-WM", AOSWR),
    ("d1-ciwa-ar-significant", payload(current_ciwa_ar=19), 1, 3, "3.7-WM", AOSWR),
    ("d1-sedative-use", payload(substances=[substance("alcohol")]), 1, 2, "2-WM", AOSWR),
    ("d1-withdrawal-seizure-history", payload(history={"withdrawal_seizures": True}),
     1, 2, "2-WM", "seizure_history"),
    ("d1-delirium-tremens-history", payload(history={"delirium_tremens": True}),
     1, 2, "2-WM", "delirium_tremens_history"),
    ("d1-sedative-with-complication-history",
     payload(substances=[substance("benzodiazepine")], history={"withdrawal_seizures": True}),
     1, 3, "3.7-WM", None),
    ("d1-complicated-withdrawal", payload(current_ciwa_ar=19, history={"delirium_tremens": True}),
     1, 4, "4-WM", None),
    ("d1-pawss-high-risk", payload(pawss=pawss(4)), 1, 3, "3.7-WM", AWHR),
    ("d1-alcohol-complication-history",
     payload(pawss=pawss(0), history={"delirium_tremens": True}), 1, 3, "3.7-WM", AWHR),
    ("d1-fentanyl", payload(substances=[substance("fentanyl", False)]),
     1, 2, "2-WM", "fentanyl_exposure"),
    ("d2-unstable-medical-condition", payload(medical={"unstable_medical_condition": True}),
     2, 4, "4-WM", None),
    ("d2-pregnancy", payload(medical={"pregnant": True}),
     2, 3, "3.7-WM", "pregnancy_moud_preferred"),
    ("d2-qtc-above-warning", payload(medical={"qtc_ms": 451}), 2, None, "1-WM", "qtc_prolonged"),
    ("d2-qtc-above-strong-warning", payload(medical={"qtc_ms": 501}),
     2, None, "1-WM", "qtc_markedly_prolonged"),
    ("d3-suicidal-ideation-with-plan",
     payload(psychiatric={"suicidal_ideation": "active_with_plan"}),
     3, 4, "4-WM", "suicide_risk_urgent"),
    ("d3-suicidal-ideation-active", payload(psychiatric={"suicidal_ideation": "active_no_plan"}),
     3, 3, "3.7-WM", "suicide_risk_urgent"),
    ("d3-suicidal-ideation-passive", payload(psychiatric={"suicidal_ideation": "passive"}),
     3, 2, "2-WM", None),
    ("d3-psychosis", payload(psychiatric={"psychosis": True}), 3, 3, "3.7-WM", "psychosis"),
    ("d4-clinician-rated-none", payload(readiness={"rating": 0}), 4, 0, "1-WM", None),
    ("d4-clinician-rated-mild", payload(readiness={"rating": 1}), 4, 1, "1-WM", None),
    ("d4-clinician-rated-moderate", payload(readiness={"rating": 2}), 4, 2, "1-WM", None),
    ("d4-clinician-rated-significant", payload(readiness={"rating": 3}), 4, 3, "1-WM", None),
    ("d4-clinician-rated-severe", payload(readiness={"rating": 4}), 4, 4, "1-WM", None),
    ("d4-not-assessed", payload(), 4, 4, "1-WM", None),
    ("d5-opioid-use", payload(), 5, 2, "1-WM", None),
    ("d5-overdose-past-year", payload(history={"overdose_past_year": True}),
     5, 3, "3.2-WM", "overdose_past_year"),
    ("d5-benzodiazepine-with-opioid",
     payload(substances=[heroin(False), substance("benzodiazepine", False)]),
     5, 2, "1-WM", "benzodiazepine_with_opioid"),
    ("d6-no-stable-housing", payload(environment={"stable_housing": False}), 6, 3, "3.2-WM", None),
    ("d6-no-support-at-home", payload(environment={"supportive_person_at_home": False}),
     6, 2, "2-WM", None),
    ("rapid-detox-requested", payload(requested_setting="anesthesia_assisted_rapid"),
     None, None, "1-WM", "rapid_detox_not_recommended"),
]
# fmt: on


def test_every_rule_has_a_case() -> None:
    assert [case[0] for case in RULE_CASES] == [rule.id for rule in placement.RULES]


@pytest.mark.parametrize(
    ("rule_id", "data", "dimension", "rating", "level", "flag"),
    RULE_CASES,
    ids=[case[0] for case in RULE_CASES],
)
def test_each_rule_fires(
    rule_id: str,
    data: dict[str, Any],
    dimension: int | None,
    rating: int | None,
    level: str,
    flag: str | None,
) -> None:
    result = calc(data)
    assert rule_id in fired(result)
    assert result["recommended_level"] == level
    if rating is not None and dimension is not None:
        assert result["dimensions"][dimension - 1]["rating"] == rating
    if flag is not None:
        assert flag in result["flags"]


@pytest.mark.parametrize(
    ("data", "silent"),
    [
        (payload(current_cows=4), "d1-cows-mild"),
        (payload(current_ciwa_ar=9), "d1-ciwa-ar-moderate"),
        (payload(current_cows=24), "d1-cows-significant"),
        (payload(current_ciwa_ar=18), "d1-ciwa-ar-significant"),
        (payload(medical={"qtc_ms": 449}), "d2-qtc-above-warning"),
        (payload(medical={"qtc_ms": 500}), "d2-qtc-above-strong-warning"),
        (payload(substances=[substance("alcohol", False)]), "d1-sedative-use"),
        (
            payload(current_ciwa_ar=18, history={"delirium_tremens": True}),
            "d1-complicated-withdrawal",
        ),
        (
            payload(
                substances=[substance("alcohol", False)], history={"withdrawal_seizures": True}
            ),
            "d1-sedative-with-complication-history",
        ),
        (payload(substances=[substance("stimulant")]), "d5-opioid-use"),
        (payload(substances=[substance("benzodiazepine")]), "d5-benzodiazepine-with-opioid"),
        (payload(requested_setting="inpatient"), "rapid-detox-requested"),
    ],
)
def test_a_rule_stays_silent_just_short_of_its_condition(data: dict[str, Any], silent: str) -> None:
    result = calc(data)
    assert silent not in fired(result) | fired(result, assumed=True)


@pytest.mark.parametrize(
    ("cows", "rating"),
    [(0, 0), (4, 0), (5, 1), (12, 1), (13, 2), (24, 2), (25, 3), (36, 3), (37, 3), (48, 3)],
)
def test_cows_bands_rate_dimension_1(cows: int, rating: int) -> None:
    assert calc(payload(current_cows=cows))["dimensions"][0]["rating"] == rating


@pytest.mark.parametrize(
    ("ciwa_ar", "rating"), [(0, 1), (9, 1), (10, 2), (18, 2), (19, 3), (67, 3)]
)
def test_ciwa_ar_bands_rate_dimension_1(ciwa_ar: int, rating: int) -> None:
    assert calc(payload(current_ciwa_ar=ciwa_ar))["dimensions"][0]["rating"] == rating


def test_a_reason_quotes_the_score_and_its_band() -> None:
    reasons = calc(payload(current_cows=26))["dimensions"][0]["reasons"]
    assert "COWS 26 is in the moderately severe band." in reasons


def test_a_reason_quotes_the_qtc() -> None:
    reasons = calc(payload(medical={"qtc_ms": 505}))["dimensions"][1]["reasons"]
    assert reasons[0].startswith("QTc 505 ms is at or above the methadone warning limit")
    assert reasons[1].startswith("QTc 505 ms is above the methadone strong-warning limit")


# --- Levels ---------------------------------------------------------------------------------------

LEVEL_CASES = [
    ("daily heroin, COWS mild", payload(substances=[heroin()], current_cows=12), "1-WM"),
    ("daily heroin, COWS moderate", payload(substances=[heroin()], current_cows=13), "2-WM"),
    ("COWS severe alone stays below hospital", payload(current_cows=40), "3.7-WM"),
    ("daily alcohol, no history", payload(substances=[substance("alcohol")]), "2-WM"),
    (
        "daily alcohol with seizure history",
        payload(substances=[substance("alcohol")], history={"withdrawal_seizures": True}),
        "3.7-WM",
    ),
    (
        "alcohol of unknown frequency with DT history",
        payload(substances=[substance("alcohol", None)], history={"delirium_tremens": True}),
        "3.7-WM",
    ),
    (
        "severe CIWA-Ar with seizure history",
        payload(
            substances=[substance("alcohol")],
            current_ciwa_ar=25,
            history={"withdrawal_seizures": True},
        ),
        "4-WM",
    ),
    ("seizure history without alcohol", payload(history={"withdrawal_seizures": True}), "2-WM"),
    ("overdose in the past year", payload(history={"overdose_past_year": True}), "3.2-WM"),
    (
        "no housing and no support",
        payload(environment={"stable_housing": False, "supportive_person_at_home": False}),
        "3.2-WM",
    ),
    (
        "housing problem with moderate withdrawal",
        payload(current_cows=13, environment={"stable_housing": False}),
        "3.2-WM",
    ),
    (
        "passive ideation with no support",
        payload(
            psychiatric={"suicidal_ideation": "passive"},
            environment={"supportive_person_at_home": False},
        ),
        "2-WM",
    ),
    (
        "pregnant with fentanyl",
        payload(substances=[substance("fentanyl")], medical={"pregnant": True}),
        "3.7-WM",
    ),
    (
        "the most intensive finding wins",
        payload(
            current_cows=13,
            environment={"stable_housing": False},
            medical={"unstable_medical_condition": True},
        ),
        "4-WM",
    ),
    (
        "rapid detox requested changes no level",
        payload(requested_setting="anesthesia_assisted_rapid"),
        "1-WM",
    ),
]


@pytest.mark.parametrize(
    ("data", "level"),
    [case[1:] for case in LEVEL_CASES],
    ids=[case[0] for case in LEVEL_CASES],
)
def test_it_recommends_the_level(data: dict[str, Any], level: str) -> None:
    assert calc(data)["recommended_level"] == level


@pytest.mark.parametrize(
    ("floor_id", "data"),
    [
        ("floor-d1-moderate", payload(current_cows=13)),
        ("floor-d1-significant", payload(current_cows=25)),
        ("floor-d1-severe", payload(current_ciwa_ar=19, history={"withdrawal_seizures": True})),
        ("floor-d2-moderate", payload(medical={"pregnant": True})),
        ("floor-d2-significant", payload(medical={"pregnant": True})),
        ("floor-d2-severe", payload(medical={"unstable_medical_condition": True})),
        ("floor-d3-moderate", payload(psychiatric={"suicidal_ideation": "passive"})),
        ("floor-d3-significant", payload(psychiatric={"psychosis": True})),
        ("floor-d3-severe", payload(psychiatric={"suicidal_ideation": "active_with_plan"})),
        ("floor-d5-significant", payload(history={"overdose_past_year": True})),
        ("floor-d6-moderate", payload(environment={"supportive_person_at_home": False})),
        ("floor-d6-significant", payload(environment={"stable_housing": False})),
    ],
)
def test_each_floor_is_reached(floor_id: str, data: dict[str, Any]) -> None:
    assert floor_id in calc(data)["floors_reached"]
    assert floor_id not in calc(REASSURING)["floors_reached"]


def test_every_floor_has_a_case() -> None:
    assert [floor.id for floor in placement.LEVEL_FLOORS] == [
        "floor-d1-moderate",
        "floor-d1-significant",
        "floor-d1-severe",
        "floor-d2-moderate",
        "floor-d2-significant",
        "floor-d2-severe",
        "floor-d3-moderate",
        "floor-d3-significant",
        "floor-d3-severe",
        "floor-d5-significant",
        "floor-d6-moderate",
        "floor-d6-significant",
    ]


def test_readiness_to_change_asks_for_no_level() -> None:
    result = calc(REASSURING)
    assert result["dimensions"][3]["rating"] == 4
    assert result["recommended_level"] == "1-WM"


# --- Flags ----------------------------------------------------------------------------------------

FLAG_CASES = [
    ("alcohol_or_sedative_withdrawal_risk", payload(substances=[substance("alcohol", None)])),
    ("alcohol_or_sedative_withdrawal_risk", payload(substances=[substance("benzodiazepine")])),
    ("seizure_history", payload(history={"withdrawal_seizures": True})),
    ("pregnancy_moud_preferred", payload(medical={"pregnant": True})),
    ("rapid_detox_not_recommended", payload(requested_setting="anesthesia_assisted_rapid")),
    ("suicide_risk_urgent", payload(psychiatric={"suicidal_ideation": "active_no_plan"})),
    ("suicide_risk_urgent", payload(psychiatric={"suicidal_ideation": "active_with_plan"})),
    ("fentanyl_exposure", payload(substances=[heroin(), substance("fentanyl", None)])),
]


@pytest.mark.parametrize(("flag", "data"), FLAG_CASES, ids=[case[0] for case in FLAG_CASES])
def test_it_raises_each_flag(flag: str, data: dict[str, Any]) -> None:
    assert flag in calc(data)["flags"]


@pytest.mark.parametrize("section", SECTIONS)
def test_it_raises_no_flag_from_an_answer_not_given(section: str) -> None:
    data = {key: value for key, value in REASSURING.items() if key != section}
    assert calc(data)["flags"] == []


def test_passive_ideation_is_not_urgent() -> None:
    result = calc(payload(psychiatric={"suicidal_ideation": "passive"}))
    assert "suicide_risk_urgent" not in result["flags"]


def test_a_benzodiazepine_with_opioids_is_a_warning_that_asks_for_no_level() -> None:
    result = calc(payload(substances=[heroin(False), substance("benzodiazepine", False)]))
    assert result["flags"] == ["benzodiazepine_with_opioid"]
    assert result["recommended_level"] == "1-WM"


def test_it_says_why_rapid_detox_is_not_offered_with_both_sources() -> None:
    result = calc(payload(requested_setting="anesthesia_assisted_rapid"))
    assert any(line.startswith("Rapid or ultra-rapid detox") for line in result["rationale"])
    assert {"asam-2020", "mmwr-2013"} <= set(result["sources"])


def test_pregnancy_cites_acog_and_asks_for_physician_review() -> None:
    result = calc(payload(medical={"pregnant": True}))
    assert "acog-711" in result["sources"]
    assert any("Physician review" in reason for reason in result["dimensions"][1]["reasons"])


# --- Unknown is not reassuring --------------------------------------------------------------------


def test_an_unknown_section_is_counted_as_its_worst_answer() -> None:
    expected = {
        "history": ("3.2-WM", [2, 0, 0, 4, 3, 0]),
        "medical": ("4-WM", [0, 4, 0, 4, 2, 0]),
        "psychiatric": ("4-WM", [0, 0, 4, 4, 2, 0]),
        "environment": ("3.2-WM", [0, 0, 0, 4, 2, 3]),
    }
    for section, (level, rated) in expected.items():
        result = calc({key: value for key, value in REASSURING.items() if key != section})
        assert (result["recommended_level"], ratings(result)) == (level, rated), section


def test_it_lists_what_was_not_assessed_and_says_so_in_the_reasons() -> None:
    data = payload(environment={"stable_housing": None})
    del data["history"]
    result = calc(data)
    assert result["not_assessed"] == [
        "history.withdrawal_seizures",
        "history.delirium_tremens",
        "history.overdose_past_year",
        "environment.stable_housing",
    ]
    assert result["dimensions"][5]["reasons"] == [
        "Not assessed, so assumed until it is: no stable housing: withdrawal management is hard "
        "to complete without a supportive setting."
    ]
    assert any(line.startswith("Not assessed: history.") for line in result["rationale"])
    assert "d6-no-stable-housing" in fired(result, assumed=True)


def test_an_unknown_daily_use_counts_as_daily() -> None:
    result = calc(payload(substances=[heroin(None)]))
    assert result["not_assessed"] == ["substances[0].daily_use"]
    assert "d1-opioid-daily" in fired(result, assumed=True)
    assert result["dimensions"][0]["rating"] == 1


def rank(result: dict[str, Any]) -> int:
    return LEVELS.index(result["recommended_level"])


def assert_not_reassuring(unknown: dict[str, Any], known: dict[str, Any]) -> None:
    """The answer with unknowns is rated and placed at least as high as the known one."""
    left, right = calc(unknown), calc(known)
    assert rank(left) >= rank(right)
    assert all(a >= b for a, b in zip(ratings(left), ratings(right), strict=True))


SECTION_ANSWERS: dict[str, dict[str, list[Any]]] = {
    "history": {
        "withdrawal_seizures": [False, True],
        "delirium_tremens": [False, True],
        "overdose_past_year": [False, True],
    },
    "medical": {
        "pregnant": [False, True],
        "unstable_medical_condition": [False, True],
        "qtc_ms": [None, 450, 451, 501],
    },
    "psychiatric": {
        "suicidal_ideation": ["none", "passive", "active_no_plan", "active_with_plan"],
        "psychosis": [False, True],
    },
    "environment": {"stable_housing": [False, True], "supportive_person_at_home": [False, True]},
}
CONTEXTS = {
    "occasional heroin": payload(),
    "daily heroin, COWS moderate": payload(substances=[heroin()], current_cows=13),
    "daily alcohol": payload(substances=[substance("alcohol")]),
    "alcohol, CIWA-Ar severe": payload(substances=[substance("alcohol")], current_ciwa_ar=19),
    "fentanyl and benzodiazepine": payload(
        substances=[substance("fentanyl"), substance("benzodiazepine", False)]
    ),
}


def every_answer(section: str) -> list[dict[str, Any]]:
    items = SECTION_ANSWERS[section]
    return [dict(zip(items, values, strict=True)) for values in itertools.product(*items.values())]


@pytest.mark.parametrize("context", CONTEXTS, ids=list(CONTEXTS))
@pytest.mark.parametrize("section", SECTIONS)
def test_leaving_out_a_section_is_never_lower_than_any_complete_answer(
    section: str, context: str
) -> None:
    base = CONTEXTS[context]
    omitted = {key: value for key, value in base.items() if key != section}
    for answer in every_answer(section):
        assert_not_reassuring(omitted, {**base, section: answer})


@pytest.mark.parametrize("context", CONTEXTS, ids=list(CONTEXTS))
@pytest.mark.parametrize("section", SECTIONS)
def test_leaving_out_one_item_is_never_lower_than_any_answer_to_it(
    section: str, context: str
) -> None:
    base = CONTEXTS[context]
    for answer in every_answer(section):
        for item in answer:
            assert_not_reassuring(
                {**base, section: {**answer, item: None}}, {**base, section: answer}
            )


def section_strategy(section: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {item: st.sampled_from(values) for item, values in SECTION_ANSWERS[section].items()}
    )


SUBSTANCE = st.fixed_dictionaries(
    {
        "name": st.sampled_from(placement_input.SUBSTANCE_NAMES),
        "route": st.sampled_from([*placement_input.ROUTES, None]),
        "daily_use": st.sampled_from([True, False]),
        "hours_since_last_use": st.one_of(st.none(), st.floats(0, 500)),
    }
)
COMPLETE = st.fixed_dictionaries(
    {
        "substances": st.lists(SUBSTANCE, min_size=1, max_size=3),
        "current_cows": st.one_of(st.none(), st.integers(0, 48)),
        "current_ciwa_ar": st.one_of(st.none(), st.integers(0, 67)),
        **{section: section_strategy(section) for section in SECTIONS},
        "readiness": st.fixed_dictionaries({"rating": st.sampled_from([None, 0, 1, 2, 3, 4])}),
        "requested_setting": st.sampled_from([None, *placement_input.REQUESTED_SETTINGS]),
    }
)


@settings(max_examples=200, deadline=None)
@given(data=COMPLETE, section=st.sampled_from(SECTIONS), item_index=st.integers(0, 2))
def test_unknown_is_never_more_reassuring_than_a_complete_answer(
    data: dict[str, Any], section: str, item_index: int
) -> None:
    assert_not_reassuring({k: v for k, v in data.items() if k != section}, data)
    items = list(SECTION_ANSWERS[section])
    item = items[item_index % len(items)]
    assert_not_reassuring({**data, section: {**data[section], item: None}}, data)
    unknown_daily = [{**s, "daily_use": None} for s in data["substances"]]
    assert_not_reassuring({**data, "substances": unknown_daily}, data)
    assert_not_reassuring({k: v for k, v in data.items() if k != "readiness"}, data)


@settings(max_examples=200, deadline=None)
@given(data=COMPLETE)
def test_every_result_is_well_formed(data: dict[str, Any]) -> None:
    result = calc(data)
    assert result["recommended_level"] in LEVELS
    assert [d["dimension"] for d in result["dimensions"]] == [1, 2, 3, 4, 5, 6]
    assert all(0 <= d["rating"] <= 4 and d["reasons"] for d in result["dimensions"])
    assert result["not_assessed"] == []
    assert result["rationale"][-1].startswith("Decision support")
    assert all(knowledge.source(key) for key in result["sources"])


# --- Readiness to change: the clinician's rating --------------------------------------------------

READINESS_LABELS = ["no risk found", "mild", "moderate", "significant", "severe"]


@pytest.mark.parametrize("rating", [0, 1, 2, 3, 4])
def test_the_clinicians_readiness_rating_is_dimension_4(rating: int) -> None:
    result = calc(payload(readiness={"rating": rating}))
    dimension = result["dimensions"][3]
    assert dimension["rating"] == rating
    assert dimension["reasons"] == [
        f"Rated {rating} ({READINESS_LABELS[rating]}) by the clinician: readiness shapes how care "
        "is offered; it asks for no level here."
    ]
    assert "d4-not-assessed" not in fired(result)
    assert result["not_assessed"] == []


@pytest.mark.parametrize(
    "data",
    [
        REASSURING,
        payload(readiness=None),
        payload(readiness={}),
        payload(readiness={"rating": None}),
    ],
    ids=["left out", "null", "empty", "rating null"],
)
def test_readiness_not_rated_is_not_assessed_and_counts_as_4(data: dict[str, Any]) -> None:
    result = calc(data)
    assert result["dimensions"][3] == calc(REASSURING)["dimensions"][3]
    assert result["dimensions"][3]["rating"] == 4
    assert result["dimensions"][3]["reasons"] == [
        "Readiness to change was not rated by the clinician. Until it is, it counts as the highest "
        "rating; it asks for no level here."
    ]
    assert fired(result) == {"d4-not-assessed", "d5-opioid-use"}
    assert result["recommended_level"] == "1-WM"


@pytest.mark.parametrize("rating", [None, 0, 1, 2, 3, 4])
@pytest.mark.parametrize("context", CONTEXTS, ids=list(CONTEXTS))
def test_readiness_changes_no_level_and_no_other_dimension(
    context: str, rating: int | None
) -> None:
    base = calc(CONTEXTS[context])
    rated = calc({**CONTEXTS[context], "readiness": {"rating": rating}})
    assert rated["recommended_level"] == base["recommended_level"]
    assert rated["floors_reached"] == base["floors_reached"]
    assert rated["flags"] == base["flags"]
    assert ratings(rated)[:3] + ratings(rated)[4:] == ratings(base)[:3] + ratings(base)[4:]
    assert ratings(rated)[3] <= ratings(base)[3]  # not rating it is never more reassuring


READINESS_RATING = "Must be a whole number from 0 to 4 (a clinician's ASAM risk rating), or null."
READINESS_REFUSALS: list[tuple[str, object, dict[str, str]]] = [
    ("above 4", {"rating": 5}, {"readiness.rating": READINESS_RATING}),
    ("below 0", {"rating": -1}, {"readiness.rating": READINESS_RATING}),
    ("text", {"rating": "x"}, {"readiness.rating": READINESS_RATING}),
    ("a number as text", {"rating": "2"}, {"readiness.rating": READINESS_RATING}),
    ("true", {"rating": True}, {"readiness.rating": READINESS_RATING}),
    ("false", {"rating": False}, {"readiness.rating": READINESS_RATING}),
    ("a fraction", {"rating": 2.5}, {"readiness.rating": READINESS_RATING}),
    ("a list", {"rating": [2]}, {"readiness.rating": READINESS_RATING}),
    ("not an object", 2, {"readiness": "Must be an object, or left out if not assessed."}),
    ("unknown key", {"stage": "action"}, {"readiness.stage": "Not a field of this section."}),
]


@pytest.mark.parametrize(
    ("readiness", "fields"),
    [case[1:] for case in READINESS_REFUSALS],
    ids=[case[0] for case in READINESS_REFUSALS],
)
def test_it_refuses_a_bad_readiness_rating_naming_the_field(
    readiness: object, fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        calc(payload(readiness=readiness))
    assert caught.value.fields == fields


@pytest.mark.parametrize("rating", [5, -1, "x", True], ids=["5", "-1", "x", "true"])
def test_a_bad_readiness_rating_exits_2_from_the_command_line(rating: object) -> None:
    status, output, stderr = run_calc("placement", payload(readiness={"rating": rating}))
    assert (status, stderr) == (2, "")
    assert set(output) == {"error", "fields"}
    assert output["fields"] == {"readiness.rating": READINESS_RATING}


@pytest.mark.parametrize("rating", [0, 3])
def test_a_readiness_rating_is_used_from_the_command_line(rating: int) -> None:
    status, output, stderr = run_calc("placement", payload(readiness={"rating": rating}))
    assert (status, stderr) == (0, "")
    assert output["dimensions"][3]["rating"] == rating
    assert output["dimensions"][3]["reasons"][0].startswith(f"Rated {rating} (")


# --- The rationale --------------------------------------------------------------------------------


def test_the_rationale_gives_the_decisive_reason() -> None:
    result = calc(payload(environment={"stable_housing": False}))
    assert result["rationale"][1] == (
        "Dimension 6 (Recovery/living environment) is rated 3 (significant): Recovery environment "
        "rated significant or higher: a 24-hour supportive (social) setting."
    )


def test_the_rationale_quotes_a_minimum_level_rule() -> None:
    result = calc(payload(psychiatric={"suicidal_ideation": "active_with_plan"}))
    assert (
        "Active suicidal ideation with a plan: urgent safety assessment now, with hospital-level "
        "care. At least 4-WM."
    ) in result["rationale"]


@pytest.mark.parametrize(
    ("requested", "data", "mentioned"),
    [
        ("outpatient", payload(environment={"stable_housing": False}), True),
        ("outpatient", payload(current_cows=13), False),
        ("inpatient", payload(), True),
        ("inpatient", payload(current_cows=25), False),
    ],
)
def test_the_rationale_notes_a_request_for_another_setting(
    requested: str, data: dict[str, Any], mentioned: bool
) -> None:
    lines = calc({**data, "requested_setting": requested})["rationale"]
    assert (
        any(line.startswith(f"The person asked for {requested} care") for line in lines)
        is mentioned
    )


# --- The tables themselves ------------------------------------------------------------------------


def test_the_rule_tables_check_out() -> None:
    placement.check_tables()
    for rule in placement.RULES:
        assert rule.sources and rule.spec_sections and rule.reason
        assert all(knowledge.source(key) for key in rule.sources)
        assert rule.confidence in {"C", "S", "U"}


def test_the_rules_cite_the_sources_the_spec_names() -> None:
    sources = {rule.id: set(rule.sources) for rule in placement.RULES}
    assert sources["rapid-detox-requested"] == {"asam-2020", "mmwr-2013"}
    assert sources["d2-pregnancy"] == {"acog-711"}
    assert "asam-alcohol-2020" in sources["d1-complicated-withdrawal"]
    assert "asam-criteria-3" in sources["d2-unstable-medical-condition"]


def test_the_levels_are_the_five_third_edition_levels_in_order() -> None:
    assert [(level.code, level.ambulatory) for level in placement.levels()] == [
        ("1-WM", True),
        ("2-WM", True),
        ("3.2-WM", False),
        ("3.7-WM", False),
        ("4-WM", False),
    ]


def test_every_band_of_both_scales_is_rated() -> None:
    assert {band: int(r) for band, r in placement.band_ratings("cows").items()} == {
        "minimal": 0,
        "mild": 1,
        "moderate": 2,
        "moderately_severe": 3,
        "severe": 3,
    }
    assert {band: int(r) for band, r in placement.band_ratings("ciwa_ar").items()} == {
        "mild": 1,
        "moderate": 2,
        "severe": 3,
    }


def test_the_qtc_limits_are_krantz() -> None:
    assert placement.qtc_limits() == placement.QtcLimits(warning=450, strong=500)


@pytest.mark.parametrize(
    ("qtc", "flagged"), [(449, False), (450, True), (451, True), (500, True), (501, True)]
)
def test_placement_and_the_dose_check_share_the_450_ms_boundary(qtc: int, flagged: bool) -> None:
    # They disagreed at 450 ms before issue 10: placement read "above 450" from its own table.
    flags = calc(payload(medical={"qtc_ms": qtc}))["flags"]
    assert ("qtc_prolonged" in str(flags) or "qtc_markedly_prolonged" in str(flags)) is flagged
    request = dosing.DoseRequest(
        drug="methadone",
        dose_mg=Decimal(60),
        at=datetime(2025, 3, 1, 12, tzinfo=UTC),
        given=(),
        vitals=None,
        context=dosing.DoseContext(first_day=False, benzodiazepine_use=False, qtc_ms=qtc),
    )
    found = {f.code for f in dosing.check_dose(request).findings}
    assert bool(found & {"qtc_prolonged", "qtc_markedly_prolonged"}) is flagged


# --- Refusals -------------------------------------------------------------------------------------

NAMES = (
    "Must be one of heroin, fentanyl, methadone, buprenorphine, prescription_opioid, alcohol, "
    "benzodiazepine, stimulant, cannabis, other."
)
BOOL = "Must be true or false, or null if not assessed."
COWS = "Must be a whole number from 0 to 48 (a COWS total; null if not scored), or null."
CIWA = "Must be a whole number from 0 to 67 (a CIWA-Ar total; null if not scored), or null."
HOURS = "Must be a number of hours, 0 or more, or null if not known."
NOT_FIELD = "Not a field of this calculator."

# fmt: off
REFUSALS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("no substances", {}, {"substances": "List at least one substance."}),
    ("empty substances", payload(substances=[]), {"substances": "List at least one substance."}),
    ("substances not a list", payload(substances={"name": "heroin"}),
     {"substances": "List at least one substance."}),
    ("substance not an object", payload(substances=["heroin"]),
     {"substances[0]": "Must be an object with the substance's name."}),
    ("unknown substance", payload(substances=[{"name": "kratom"}]), {"substances[0].name": NAMES}),
    ("missing name", payload(substances=[{"daily_use": True}]), {"substances[0].name": NAMES}),
    ("unknown route", payload(substances=[{"name": "heroin", "route": "im"}]),
     {"substances[0].route": "Must be one of iv, smoked, intranasal, oral, other, or null if not "
      "known."}),
    ("daily use as text", payload(substances=[{"name": "heroin", "daily_use": "yes"}]),
     {"substances[0].daily_use": BOOL}),
    ("negative hours", payload(substances=[{"name": "heroin", "hours_since_last_use": -1}]),
     {"substances[0].hours_since_last_use": HOURS}),
    ("hours as bool", payload(substances=[{"name": "heroin", "hours_since_last_use": True}]),
     {"substances[0].hours_since_last_use": HOURS}),
    ("hours as text", payload(substances=[{"name": "heroin", "hours_since_last_use": "12"}]),
     {"substances[0].hours_since_last_use": HOURS}),
    ("unknown substance key", payload(substances=[{"name": "heroin", "amount": "1 g"}]),
     {"substances[0].amount": "Not a field of a substance."}),
    ("second substance bad", payload(substances=[heroin(), {"name": "alcohol", "daily_use": 1}]),
     {"substances[1].daily_use": BOOL}),
    ("COWS above 48", payload(current_cows=49), {"current_cows": COWS}),
    ("COWS below 0", payload(current_cows=-1), {"current_cows": COWS}),
    ("COWS a fraction", payload(current_cows=12.5), {"current_cows": COWS}),
    ("COWS a bool", payload(current_cows=True), {"current_cows": COWS}),
    ("COWS as text", payload(current_cows="12"), {"current_cows": COWS}),
    ("CIWA-Ar above 67", payload(current_ciwa_ar=68), {"current_ciwa_ar": CIWA}),
    ("section not an object", payload(history="none"),
     {"history": "Must be an object, or left out if not assessed."}),
    ("unknown section item", payload(history={"seizures": True}),
     {"history.seizures": "Not a field of this section."}),
    ("history item as a number", payload(history={"withdrawal_seizures": 1}),
     {"history.withdrawal_seizures": BOOL}),
    ("QTc zero", payload(medical={"qtc_ms": 0}),
     {"medical.qtc_ms": "Must be a whole number from 1 (milliseconds), or null."}),
    ("QTc a fraction", payload(medical={"qtc_ms": 450.5}),
     {"medical.qtc_ms": "Must be a whole number from 1 (milliseconds), or null."}),
    ("unknown ideation", payload(psychiatric={"suicidal_ideation": "maybe"}),
     {"psychiatric.suicidal_ideation": "Must be one of none, passive, active_no_plan, "
      "active_with_plan, or null if not known."}),
    ("pregnant as text", payload(medical={"pregnant": "no"}), {"medical.pregnant": BOOL}),
    ("unknown setting", payload(requested_setting="home"),
     {"requested_setting": "Must be one of outpatient, inpatient, anesthesia_assisted_rapid, or "
      "null if not known."}),
    ("unknown top-level key", payload(notes="x"), {"notes": NOT_FIELD}),
    ("several problems at once", payload(current_cows=99, environment={"stable_housing": "yes"}),
     {"current_cows": COWS, "environment.stable_housing": BOOL}),
]
# fmt: on


@pytest.mark.parametrize(
    ("data", "fields"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS]
)
def test_it_refuses_bad_input_naming_each_field(
    data: dict[str, Any], fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        calc(data)
    assert caught.value.fields == fields


def test_it_refuses_hours_that_are_not_finite_in_process() -> None:
    data = payload(substances=[{"name": "heroin", "hours_since_last_use": float("inf")}])
    with pytest.raises(InvalidInput) as caught:
        calc(data)
    assert caught.value.fields == {"substances[0].hours_since_last_use": HOURS}


def test_null_answers_and_left_out_sections_are_accepted() -> None:
    result = calc({"substances": [{"name": "cannabis"}], "history": None, "medical": {}})
    assert result["recommended_level"] == "4-WM"
    assert "medical.pregnant" in result["not_assessed"]


# --- The command line -----------------------------------------------------------------------------


def test_it_runs_from_the_command_line() -> None:
    status, output, stderr = run_calc(
        "placement",
        payload(substances=[substance("alcohol")], history={"withdrawal_seizures": True}),
    )
    assert (status, stderr) == (0, "")
    assert output["recommended_level"] == "3.7-WM"
    assert {"alcohol_or_sedative_withdrawal_risk", "seizure_history"} <= set(output["flags"])
    assert set(output) >= {"recommended_level", "dimensions", "flags", "rationale", "sources"}
    assert set(output["dimensions"][0]) >= {"dimension", "name", "rating", "reasons"}


def test_it_exits_2_with_fields_from_the_command_line() -> None:
    status, output, stderr = run_calc(
        "placement", payload(current_cows=49, substances=[{"name": "kratom"}])
    )
    assert (status, stderr) == (2, "")
    assert set(output) == {"error", "fields"}
    assert output["fields"] == {"current_cows": COWS, "substances[0].name": NAMES}


def test_the_floors_are_read_from_the_knowledge_with_their_source_and_confidence() -> None:
    # SPEC.md gives no rating-to-level mapping: each floor is a default marked U.
    assert [
        (floor.dimension, floor.at_least, floor.level, floor.sources, floor.confidence)
        for floor in placement.LEVEL_FLOORS
    ] == [
        (1, 2, "2-WM", ("asam-criteria-3",), "U"),
        (1, 3, "3.7-WM", ("asam-criteria-3",), "U"),
        (1, 4, "4-WM", ("asam-criteria-3",), "U"),
        (2, 2, "2-WM", ("asam-criteria-3",), "U"),
        (2, 3, "3.7-WM", ("asam-criteria-3",), "U"),
        (2, 4, "4-WM", ("asam-criteria-3",), "U"),
        (3, 2, "2-WM", ("asam-criteria-3",), "U"),
        (3, 3, "3.7-WM", ("asam-criteria-3",), "U"),
        (3, 4, "4-WM", ("asam-criteria-3",), "U"),
        (5, 3, "3.2-WM", ("asam-criteria-3",), "U"),
        (6, 2, "2-WM", ("asam-criteria-3",), "U"),
        (6, 3, "3.2-WM", ("asam-criteria-3",), "U"),
    ]
    assert placement.level_floors(knowledge.load("placement")) == placement.LEVEL_FLOORS


FLOOR = {
    "id": "floor-x",
    "dimension": 1,
    "at_least": "moderate",
    "level": "2-WM",
    "reason": "Because.",
    "source": "asam-criteria-3",
    "spec_sections": "12.1",
    "confidence": "U",
}


@pytest.mark.parametrize(
    "change",
    [
        {"at_least": "extreme"},
        {"confidence": "X"},
        {"dimension": "one"},
        {"source": None},
    ],
)
def test_a_malformed_floor_is_refused(change: dict[str, Any]) -> None:
    entry = {key: value for key, value in {**FLOOR, **change}.items() if value is not None}
    with pytest.raises(KnowledgeError):
        placement.level_floors({"floors": [entry]})


def test_no_floors_is_refused() -> None:
    with pytest.raises(KnowledgeError):
        placement.level_floors({})


# --- PAWSS feeds placement (SPEC A6.1; bccsu-aud-2023, nice-cg100) ----------------------------


def fired_how(result: dict[str, Any]) -> dict[str, bool]:
    return {r["id"]: r["assumed_worst_case"] for r in result["rules_fired"]}


@pytest.mark.parametrize(("yes", "level", "flagged"), [(3, "1-WM", False), (4, "3.7-WM", True)])
def test_it_asks_for_the_medically_managed_level_from_the_threshold(
    yes: int, level: str, flagged: bool
) -> None:
    result = calc(payload(pawss=pawss(yes)))
    assert result["recommended_level"] == level
    assert (AWHR in result["flags"]) is flagged
    assert ("d1-pawss-high-risk" in fired_how(result)) is flagged


def test_the_reason_names_the_total_and_the_suggested_plan() -> None:
    result = calc(payload(pawss=pawss(5)))
    reasons = result["dimensions"][0]["reasons"]
    assert any(
        r.startswith("PAWSS 5: a high risk of complicated alcohol withdrawal") for r in reasons
    )
    assert any("benzodiazepine-based plan" in r for r in reasons)
    rule = next(r for r in result["rules_fired"] if r["id"] == "d1-pawss-high-risk")
    assert (rule["sources"], rule["confidence"]) == (["bccsu-aud-2023", "nice-cg100"], "U")


def test_unknown_items_that_could_reach_the_threshold_count_until_asked() -> None:
    result = calc(payload(pawss=pawss(3, 1)))
    assert result["recommended_level"] == "3.7-WM"
    assert fired_how(result)["d1-pawss-high-risk"] is True
    assert AWHR not in result["flags"]  # flags only from what is known
    assert "pawss.items.prior_blackouts" in result["not_assessed"]


def test_unknown_items_that_cannot_reach_the_threshold_do_not_count() -> None:
    result = calc(payload(pawss=pawss(1, 2)))
    assert "d1-pawss-high-risk" not in fired_how(result)
    assert result["recommended_level"] == "1-WM"


def test_seizure_or_dt_history_counts_only_for_someone_who_drank_recently() -> None:
    recent = calc(payload(pawss=pawss(0), history={"withdrawal_seizures": True}))
    assert recent["recommended_level"] == "3.7-WM" and AWHR in recent["flags"]
    not_scored = {"threshold_met": False}
    none = calc(payload(pawss=not_scored, history={"withdrawal_seizures": True}))
    assert "d1-alcohol-complication-history" not in fired_how(none)
    assert none["recommended_level"] == "2-WM"


def test_no_pawss_leaves_placement_as_it_was() -> None:
    assert calc(payload(pawss=None)) == calc(payload())


def test_a_bad_pawss_is_refused_naming_the_item() -> None:
    bad = pawss(0)
    bad["items"]["prior_treatment"] = "no"
    with pytest.raises(InvalidInput) as refused:
        calc(payload(pawss=bad))
    assert list(refused.value.fields) == ["pawss.items.prior_treatment"]
