"""The medication safety engine: caps, intervals, holds, first-day limits, QTc and benzodiazepines.

Expected values are written out from SPEC.md's defaults table and sections 6 and 7, so a wrong
number in medications.toml fails here.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import calc, dosing, knowledge
from detoxdesk.clinical.dosing import (
    DoseCheck,
    DoseContext,
    DoseRequest,
    GivenDose,
    MedicationPolicy,
    VitalsReading,
    check_dose,
    default_policy,
)
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# A program that set the vitals window, so that a test of another rule reads only its own (the
# unset window's own warning is tested below with the shipped policy).
CONFIGURED = replace(
    default_policy(),
    vitals_max_age_min=default_policy().vitals_max_age_min.with_value(60),
)
NORMAL_QTC = 420  # a QTc on file, so that methadone's "no QTc" warning stays out of other tests


def ago(minutes: float) -> datetime:
    return T0 - timedelta(minutes=minutes)


def vitals_at(
    systolic: int | None, diastolic: int | None, heart_rate: int | None = 70, minutes_ago: float = 5
) -> VitalsReading:
    return VitalsReading(systolic, diastolic, heart_rate, ago(minutes_ago))


def check(
    drug: str,
    dose: str | float,
    *,
    given: tuple[tuple[str | float, float], ...] = (),
    vitals: VitalsReading | None = None,
    policy: MedicationPolicy | None = None,
    **context: Any,
) -> DoseCheck:
    """Check ``dose`` mg of ``drug`` at T0; ``given`` is (dose_mg, minutes before T0)."""
    context.setdefault("first_day", False)
    context.setdefault("benzodiazepine_use", False)
    context.setdefault("qtc_ms", NORMAL_QTC)
    context.setdefault("opioid_class", "short_acting")
    context.setdefault("hours_since_last_use", Decimal(24))
    request = DoseRequest(
        drug=drug,
        dose_mg=Decimal(str(dose)),
        at=T0,
        given=tuple(GivenDose(Decimal(str(mg)), ago(minutes)) for mg, minutes in given),
        vitals=vitals,
        context=DoseContext(**context),
    )
    return check_dose(request, CONFIGURED if policy is None else policy)


def codes(result: DoseCheck) -> list[tuple[str, str]]:
    return [(finding.code, finding.severity) for finding in result.findings]


EVERY_6H = ((0.72, 360), (0.72, 720), (0.72, 1080))  # three earlier lofexidine doses today

# --- Lofexidine: lofexidine-label -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "decision"), [("0.54", "ok"), ("0.72", "ok"), ("0.73", "stop"), ("1.44", "stop")]
)
def test_it_caps_a_single_lofexidine_dose_at_0_72_mg(dose: str, decision: str) -> None:
    result = check("lofexidine", dose)
    assert result.decision == decision
    assert codes(result) == ([] if decision == "ok" else [("max_dose_exceeded", "stop")])
    assert result.max_dose is not None and result.max_dose.value == Decimal("0.72")


@pytest.mark.parametrize(
    ("given_doses", "dose", "total", "decision"),
    [
        (EVERY_6H, "0.72", "2.88", "ok"),
        ((*EVERY_6H, (0.72, 100)), "0.18", "3.06", "stop"),
        (((0.72, 1080), (0.72, 720), (0.72, 360), (0.54, 60)), "0.18", "2.88", "ok"),
        (((0.72, 1080), (0.72, 720), (0.72, 360), (0.54, 60)), "0.19", "2.89", "stop"),
        # A dose exactly 24 hours earlier no longer counts; one a minute later does.
        (((0.72, 1440), *EVERY_6H), "0.72", "2.88", "ok"),
        (((0.72, 1439), *EVERY_6H), "0.72", "3.6", "stop"),
        # A dose recorded after the one being checked is ignored.
        (((0.72, -30), *EVERY_6H), "0.72", "2.88", "ok"),
    ],
)
def test_it_caps_lofexidine_at_2_88_mg_in_24_hours(
    given_doses: tuple[tuple[float, float], ...], dose: str, total: str, decision: str
) -> None:
    result = check("lofexidine", dose, given=given_doses)
    assert (result.decision, result.total_24h_mg) == (decision, Decimal(total))
    expected = [] if decision == "ok" else [("max_daily_exceeded", "stop")]
    assert codes(result) == expected


# child_pugh, egfr, largest allowed single dose, smallest refused, daily cap (lofexidine-label)
IMPAIRMENT_EDGES = [
    (None, None, "0.72", "0.73", "2.88"),
    (5, None, "0.54", "0.55", "2.16"),
    (6, None, "0.54", "0.55", "2.16"),
    (7, None, "0.36", "0.37", "1.44"),
    (9, None, "0.36", "0.37", "1.44"),
    (10, None, "0.18", "0.19", "0.72"),
    (15, None, "0.18", "0.19", "0.72"),
    (None, 120, "0.72", "0.73", "2.88"),
    (None, 90, "0.72", "0.73", "2.88"),
    (None, 89.9, "0.36", "0.37", "1.44"),
    (None, 30, "0.36", "0.37", "1.44"),
    (None, 29.9, "0.18", "0.19", "0.72"),
    (None, 0, "0.18", "0.19", "0.72"),
    (5, 60, "0.36", "0.37", "1.44"),  # both apply: the lower cap wins
    (10, 60, "0.18", "0.19", "0.72"),
]


@pytest.mark.parametrize(("child_pugh", "egfr", "allowed", "refused", "daily"), IMPAIRMENT_EDGES)
def test_it_lowers_lofexidine_caps_for_hepatic_and_renal_impairment(
    child_pugh: int | None, egfr: float | None, allowed: str, refused: str, daily: str
) -> None:
    context = {"child_pugh_score": child_pugh, "egfr": None if egfr is None else Decimal(str(egfr))}
    ok = check("lofexidine", allowed, **context)
    stop = check("lofexidine", refused, **context)
    assert (ok.decision, stop.decision) == ("ok", "stop")
    assert ok.max_daily is not None and ok.max_daily.value == Decimal(daily)
    assert ok.max_dose is not None and ok.max_dose.source == "lofexidine-label"


def test_it_says_why_a_lofexidine_cap_was_lowered() -> None:
    result = check("lofexidine", "0.54", given=EVERY_6H[:2], child_pugh_score=8)
    assert codes(result) == [("max_dose_exceeded", "stop"), ("max_daily_exceeded", "stop")]
    message = result.findings[1].message
    assert "1.98 mg of lofexidine in 24 hours" in message and "1.44 mg" in message
    assert "Child-Pugh 7 to 9" in message


def test_it_reports_the_unset_lofexidine_holds() -> None:
    unset = check("lofexidine", "0.54").unset
    assert [item.name for item in unset] == [
        "lofexidine.hold_systolic_below",
        "lofexidine.hold_diastolic_below",
        "lofexidine.hold_heart_rate_below",
        # Also by the hold's own key, so that the dose form can say "hold not configured".
        "hold_systolic_below",
        "hold_diastolic_below",
        "hold_heart_rate_below",
    ]
    assert unset[3].message.startswith("Hold not configured: no systolic blood-pressure hold")


# --- Buprenorphine: nida-ed-2018, cmaj-2018, herring-2021 -----------------------------------------

BUPRENORPHINE_DAY_ONE = [
    (((4, 180), (4, 60)), "4", "12", "ok", []),
    (((4, 180), (4, 60)), "4.5", "12.5", "warning", [("first_day_total_high", "warning")]),
    (((8, 300), (8, 180), (8, 60)), "8", "32", "warning", [("first_day_total_high", "warning")]),
    (
        ((8, 300), (8, 180), (8, 60)),
        "8.5",
        "32.5",
        "stop",
        [("first_day_total_exceeded", "stop")],
    ),
]


@pytest.mark.parametrize(
    ("given_doses", "dose", "total", "decision", "found"), BUPRENORPHINE_DAY_ONE
)
def test_it_warns_above_12_mg_and_stops_above_32_mg_on_day_one(
    given_doses: tuple[tuple[float, float], ...],
    dose: str,
    total: str,
    decision: str,
    found: list[tuple[str, str]],
) -> None:
    result = check("buprenorphine", dose, given=given_doses, first_day=True)
    assert (result.decision, result.total_24h_mg, codes(result)) == (
        decision,
        Decimal(total),
        found,
    )


def test_it_applies_no_day_one_limit_after_day_one() -> None:
    # After day 1 the day-one rules give way to the maintenance ceiling (SPEC A1): 32.5 mg in 24
    # hours is now its stop, no longer "ok" (issue 10).
    result = check("buprenorphine", "8.5", given=((8, 300), (8, 180), (8, 60)), first_day=False)
    assert codes(result) == [("daily_total_exceeded", "stop")]
    assert result.findings[0].source == "herring-2021"


def test_it_cites_the_day_one_sources() -> None:
    high = check("buprenorphine", "4.5", given=((4, 180), (4, 60)), first_day=True)
    over = check("buprenorphine", "8.5", given=((8, 300), (8, 180), (8, 60)), first_day=True)
    assert (high.findings[0].source, over.findings[0].source) == ("cmaj-2018", "nida-ed-2018")
    assert "specialist" in over.findings[0].message


@pytest.mark.parametrize(
    ("minutes_ago", "decision"), [(60, "ok"), (90, "ok"), (59.5, "stop"), (59, "stop"), (0, "stop")]
)
def test_it_stops_a_buprenorphine_re_dose_sooner_than_60_minutes(
    minutes_ago: float, decision: str
) -> None:
    result = check("buprenorphine", "4", given=((4, minutes_ago),), first_day=True)
    assert result.decision == decision
    if decision == "stop":
        assert codes(result) == [("min_interval_not_met", "stop")]
        assert result.findings[0].source == "nida-ed-2018"


@pytest.mark.parametrize(
    ("dose", "cows", "decision"),
    [
        ("2", 8, "ok"),
        ("4", 8, "ok"),
        ("4.5", 8, "warning"),
        ("8", 8, "warning"),
        ("8", 12, "warning"),
        ("8", 13, "ok"),
        ("8", 30, "ok"),
        ("8.5", 30, "warning"),
    ],
)
def test_it_warns_about_a_first_buprenorphine_dose_above_4_mg_unless_cows_allows_8(
    dose: str, cows: int, decision: str
) -> None:
    # Every COWS here meets the short-acting gate (8): a first dose without one is now a stop of
    # its own (no_withdrawal_score, tested in test_dosing_picture.py), so the rows that had none
    # now carry the gate's value.
    result = check("buprenorphine", dose, first_day=True, cows_total=cows)
    assert result.decision == decision
    assert codes(result) == ([] if decision == "ok" else [("first_dose_above_usual", "warning")])


def test_it_only_checks_the_first_dose_size_on_the_first_dose() -> None:
    result = check("buprenorphine", "8", given=((4, 120),), first_day=True)
    assert result.decision == "ok"


# --- Methadone: asam-2020, cfr-8-12-2024, krantz-2009 ---------------------------------------------


@pytest.mark.parametrize(
    ("given_doses", "dose", "decision", "found"),
    [
        ((), "30", "ok", []),
        ((), "30.5", "warning", [("first_dose_above_usual", "warning")]),
        (((30, 180),), "20", "ok", []),
        (((30, 180),), "20.5", "stop", [("first_day_total_exceeded", "stop")]),
        (((30, 240), (10, 120)), "10", "ok", []),
        (((30, 240), (10, 120)), "11", "stop", [("first_day_total_exceeded", "stop")]),
        (
            (),
            "55",
            "stop",
            [
                ("first_dose_above_usual", "warning"),
                ("first_day_total_exceeded", "stop"),
                # One dose above the day's stop: a probable unit error (SPEC A1, issue 10).
                ("dose_implausible", "stop"),
            ],
        ),
    ],
)
def test_it_limits_methadone_on_the_first_day(
    given_doses: tuple[tuple[float, float], ...],
    dose: str,
    decision: str,
    found: list[tuple[str, str]],
) -> None:
    result = check("methadone", dose, given=given_doses, first_day=True)
    assert (result.decision, codes(result)) == (decision, found)


def test_it_asks_for_a_documented_reason_above_50_mg_on_the_first_day() -> None:
    finding = check("methadone", "20.5", given=((30, 180),), first_day=True).findings[0]
    assert finding.source == "cfr-8-12-2024"
    assert "50.5 mg" in finding.message and "document" in finding.message


def test_it_sets_no_methadone_cap_after_the_first_day() -> None:
    assert check("methadone", "40", given=((60, 1400),)).decision == "ok"


@pytest.mark.parametrize(
    ("qtc", "found"),
    [
        (None, [("qtc_unknown", "warning")]),  # no QTc on file: a warning (SPEC A2, issue 10)
        (440, []),
        (449, []),
        (450, [("qtc_prolonged", "warning")]),
        (480, [("qtc_prolonged", "warning")]),
        (500, [("qtc_prolonged", "warning")]),
        (501, [("qtc_markedly_prolonged", "warning")]),
        (560, [("qtc_markedly_prolonged", "warning")]),
    ],
)
def test_it_warns_on_methadone_qtc_from_450_and_strongly_above_500(
    qtc: int | None, found: list[tuple[str, str]]
) -> None:
    result = check("methadone", "60", qtc_ms=qtc)
    assert codes(result) == found
    if qtc == 501:
        assert result.findings[0].message.startswith("Strong warning: QTc 501 ms is above 500 ms")
    sources = {"krantz-2009", "bccsu-oud-app3"} if qtc is None else {"krantz-2009"}
    assert all(finding.source in sources for finding in result.findings)


def test_it_applies_the_qtc_rule_only_to_methadone() -> None:
    assert check("buprenorphine", "8", qtc_ms=560).findings == ()


# --- Clonidine: va-pbm-handout, uptodate-ed -------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "decision"),
    [(90, 60, "ok"), (120, 80, "ok"), (89, 60, "stop"), (90, 59, "stop"), (85, 55, "stop")],
)
def test_it_holds_clonidine_below_90_over_60(systolic: int, diastolic: int, decision: str) -> None:
    result = check("clonidine", "0.1", vitals=vitals_at(systolic, diastolic))
    assert result.decision == decision
    assert codes(result) == ([] if decision == "ok" else [("hold_blood_pressure", "stop")])
    if decision == "stop":
        assert result.findings[0].source == "va-pbm-handout"
        assert result.findings[0].message.startswith("Hold clonidine:")


def test_it_names_each_low_pressure() -> None:
    message = check("clonidine", "0.1", vitals=vitals_at(85, 55)).findings[0].message
    assert (
        message == "Hold clonidine: systolic 85 mmHg is below 90 and diastolic 55 mmHg is below 60."
    )


def test_it_sets_no_clonidine_heart_rate_hold_and_says_so() -> None:
    result = check("clonidine", "0.1", vitals=vitals_at(120, 80, heart_rate=35))
    assert result.decision == "ok"
    assert [item.name for item in result.unset] == [
        "clonidine.hold_heart_rate_below",
        "hold_heart_rate_below",
    ]
    unset = [item.name for item in check("clonidine", "0.1", policy=default_policy()).unset]
    assert unset[-1] == "policy.vitals_max_age_min"


@pytest.mark.parametrize(
    ("vitals", "missing"),
    [(None, "No systolic, diastolic recorded"), (vitals_at(None, None, 70), "No systolic")],
)
def test_it_warns_when_the_blood_pressure_needed_for_a_hold_is_missing(
    vitals: VitalsReading | None, missing: str
) -> None:
    result = check("clonidine", "0.1", vitals=vitals)
    assert (result.decision, codes(result)) == ("warning", [("vitals_missing", "warning")])
    assert result.findings[0].message.startswith(missing)


CLONIDINE_DAILY = [
    (None, "0.2", "ok"),
    (None, "0.3", "stop"),
    (Decimal("89.9"), "0.3", "stop"),
    (Decimal(90), "0.3", "ok"),
    (Decimal(90), "0.6", "ok"),
    (Decimal(120), "0.7", "stop"),
]


@pytest.mark.parametrize(("weight", "dose", "decision"), CLONIDINE_DAILY)
def test_it_caps_clonidine_at_0_8_mg_a_day_or_1_2_mg_from_90_kg(
    weight: Decimal | None, dose: str, decision: str
) -> None:
    earlier = ((0.2, 1080), (0.2, 720), (0.2, 360))
    vitals = vitals_at(120, 80)
    result = check("clonidine", dose, given=earlier, vitals=vitals, weight_kg=weight)
    assert result.decision == decision
    assert codes(result) == ([] if decision == "ok" else [("max_daily_exceeded", "stop")])
    assert result.max_daily is not None and result.max_daily.source == "uptodate-ed"


def test_it_reports_the_clonidine_cap_that_applied() -> None:
    heavy = check("clonidine", "0.1", vitals=vitals_at(120, 80), weight_kg=Decimal(95)).max_daily
    light = check("clonidine", "0.1", vitals=vitals_at(120, 80)).max_daily
    assert heavy is not None and light is not None
    assert (heavy.value, light.value) == (Decimal("1.2"), Decimal("0.8"))
    assert heavy.reason == "raised for a weight of 90 kg or more"


# --- Vitals freshness: program policy (SPEC gives no window) --------------------------------------


def with_vitals_window(minutes: int) -> MedicationPolicy:
    policy = default_policy()
    return replace(policy, vitals_max_age_min=policy.vitals_max_age_min.with_value(minutes))


@pytest.mark.parametrize(("age", "stale"), [(0, False), (60, False), (61, True), (600, True)])
def test_it_warns_about_vitals_older_than_the_programs_window(age: int, stale: bool) -> None:
    policy = with_vitals_window(60)
    result = check("clonidine", "0.1", vitals=vitals_at(120, 80, minutes_ago=age), policy=policy)
    assert codes(result) == ([("vitals_stale", "warning")] if stale else [])
    if stale:
        assert result.findings[0].source == "program-policy"


def test_it_never_calls_vitals_stale_without_a_window() -> None:
    # Without a window the vitals' age is stated and needs an acknowledgement: no longer "ok" on
    # vitals of any age (issue 10 §3).
    vitals = vitals_at(120, 80, minutes_ago=10_000)
    result = check("clonidine", "0.1", vitals=vitals, policy=default_policy())
    assert codes(result) == [("vitals_age_unchecked", "warning")]
    assert "6 days before this dose" in result.findings[0].message
    assert "policy.vitals_max_age_min" in [item.name for item in result.unset]


def test_it_checks_still_holds_with_stale_vitals() -> None:
    policy = with_vitals_window(30)
    result = check("clonidine", "0.1", vitals=vitals_at(80, 50, minutes_ago=90), policy=policy)
    assert codes(result) == [("hold_blood_pressure", "stop"), ("vitals_stale", "warning")]


# --- Program and order overrides ------------------------------------------------------------------


def with_clonidine_heart_rate_hold(bpm: int) -> MedicationPolicy:
    policy = CONFIGURED
    rules = policy.rules("clonidine")
    hold = rules.limits.hold_heart_rate_below.with_value(bpm)
    return policy.with_rules(
        replace(rules, limits=replace(rules.limits, hold_heart_rate_below=hold))
    )


@pytest.mark.parametrize(("heart_rate", "decision"), [(50, "ok"), (49, "stop")])
def test_it_applies_a_heart_rate_hold_the_prescriber_set(heart_rate: int, decision: str) -> None:
    policy = with_clonidine_heart_rate_hold(50)
    result = check("clonidine", "0.1", vitals=vitals_at(120, 80, heart_rate), policy=policy)
    assert result.decision == decision
    if decision == "stop":
        assert codes(result) == [("hold_heart_rate", "stop")]
        assert result.findings[0].source == "program-policy"
    assert "clonidine.hold_heart_rate_below" not in [item.name for item in result.unset]


def test_it_leaves_the_shipped_policy_untouched_by_an_override() -> None:
    with_clonidine_heart_rate_hold(50)
    assert not default_policy().rules("clonidine").limits.hold_heart_rate_below.is_set


def test_it_reports_a_cleared_parameter_as_unset() -> None:
    policy = default_policy()
    rules = policy.rules("loperamide")
    cleared = rules.limits.max_daily_mg.with_value(None)
    policy = policy.with_rules(replace(rules, limits=replace(rules.limits, max_daily_mg=cleared)))
    result = check("loperamide", "40", policy=policy)
    assert result.decision == "ok"
    assert [item.name for item in result.unset] == ["loperamide.max_daily_mg"]


def test_it_refuses_to_replace_the_rules_of_an_unknown_drug() -> None:
    rules = replace(default_policy().rules("clonidine"), drug="guanfacine")
    with pytest.raises(InvalidInput):
        default_policy().with_rules(rules)


# --- Loperamide and the comfort medications -------------------------------------------------------

STOOLS = ((4, 600), (2, 480), (2, 360), (2, 240), (2, 120), (2, 60))  # 14 mg so far


@pytest.mark.parametrize(
    ("dose", "decision", "found"),
    [
        ("2", "ok", []),
        ("2.5", "stop", [("max_daily_exceeded", "stop"), ("cardiac_risk", "warning")]),
        ("4", "stop", [("max_daily_exceeded", "stop"), ("cardiac_risk", "warning")]),
    ],
)
def test_it_caps_loperamide_at_16_mg_a_day_with_its_cardiac_warning(
    dose: str, decision: str, found: list[tuple[str, str]]
) -> None:
    result = check("loperamide", dose, given=STOOLS)
    assert (result.decision, codes(result)) == (decision, found)
    assert all(finding.source == "fda-loperamide-2016" for finding in result.findings)
    if found:
        assert "torsades" in result.findings[1].message


def test_it_keeps_the_non_prescription_loperamide_maximum_as_an_alternative() -> None:
    parameter = default_policy().rules("loperamide").limits.max_daily_mg
    assert parameter.value == Decimal(16)
    assert [(a.value, a.source) for a in parameter.alternatives] == [
        (Decimal(8), "fda-loperamide-2016")
    ]


# drug, earlier dose in the last 24 h, largest allowed dose now, source (SPEC.md 7.3)
COMFORT_CAPS = [
    ("ondansetron", "8", "8", "va-pbm-handout"),
    ("dicyclomine", "120", "40", "uptodate-adjunct"),
    ("methocarbamol", "1500", "500", "hillhouse-2010"),
    ("diphenhydramine", "250", "50", "hillhouse-2010"),
]


@pytest.mark.parametrize(("drug", "earlier", "allowed", "source"), COMFORT_CAPS)
def test_it_caps_comfort_medications_where_spec_gives_one_maximum(
    drug: str, earlier: str, allowed: str, source: str
) -> None:
    ok = check(drug, allowed, given=((earlier, 300),))
    over = check(drug, str(Decimal(allowed) + Decimal("0.5")), given=((earlier, 300),))
    assert (ok.decision, over.decision) == ("ok", "stop")
    assert over.findings[0].source == source


@pytest.mark.parametrize(
    ("drug", "alternatives"),
    [
        ("ibuprofen", [Decimal(2400), Decimal(3200)]),
        ("acetaminophen", [Decimal(4000), Decimal(3900)]),
        ("hydroxyzine", [Decimal(400), Decimal(200)]),
        ("trazodone", []),
    ],
)
def test_it_leaves_a_conflicting_or_missing_maximum_unset_and_says_so(
    drug: str, alternatives: list[Decimal]
) -> None:
    result = check(drug, "5000")
    assert (result.decision, result.max_daily) == ("ok", None)
    assert [item.name for item in result.unset] == [f"{drug}.max_daily_mg"]
    parameter = default_policy().rules(drug).limits.max_daily_mg
    assert [alternative.value for alternative in parameter.alternatives] == alternatives


def test_it_lists_the_supported_drugs() -> None:
    assert default_policy().drug_names() == (
        "buprenorphine",
        "methadone",
        "lofexidine",
        "clonidine",
        "loperamide",
        "ondansetron",
        "dicyclomine",
        "methocarbamol",
        "ibuprofen",
        "acetaminophen",
        "hydroxyzine",
        "diphenhydramine",
        "trazodone",
        "chlordiazepoxide",
        "lorazepam",
        "diazepam",
    )


@pytest.mark.parametrize("drug", ["chlordiazepoxide", "lorazepam", "diazepam"])
def test_it_ships_every_benzodiazepine_number_unset(drug: str) -> None:
    result = check(drug, "5")
    assert result.decision == "ok"
    assert [item.name for item in result.unset] == [f"{drug}.max_daily_mg"]


@pytest.mark.parametrize(
    ("drug", "indications"),
    [
        ("loperamide", ("diarrhoea",)),
        ("ondansetron", ("nausea",)),
        ("ibuprofen", ("aches",)),
        ("dicyclomine", ("cramps",)),
        ("hydroxyzine", ("anxiety",)),
        ("diphenhydramine", ("anxiety", "insomnia")),
        ("trazodone", ("insomnia",)),
    ],
)
def test_it_gives_each_comfort_medication_its_indication(
    drug: str, indications: tuple[str, ...]
) -> None:
    assert default_policy().rules(drug).indications == indications


@pytest.mark.parametrize(
    ("drug", "dose", "every_hours", "source"),
    [
        ("clonidine", ("0.1", "0.2"), ("6", "8"), "va-pbm-handout"),
        ("lofexidine", ("0.54", "0.54"), ("5", "6"), "lofexidine-label"),
        ("dicyclomine", ("10", "20"), ("6", "8"), "uptodate-adjunct"),
        ("ondansetron", ("4", "8"), None, "va-pbm-handout"),
    ],
)
def test_it_offers_the_usual_regimen_for_order_sets(
    drug: str, dose: tuple[str, str], every_hours: tuple[str, str] | None, source: str
) -> None:
    usual = default_policy().rules(drug).usual
    assert usual is not None
    assert usual.dose_mg == tuple(Decimal(value) for value in dose)
    assert usual.every_hours == (None if every_hours is None else tuple(map(Decimal, every_hours)))
    assert usual.source == source


def test_it_starts_loperamide_with_4_mg_then_2_mg_per_loose_stool() -> None:
    usual = default_policy().rules("loperamide").usual
    assert usual is not None
    assert (usual.first_dose_mg, usual.dose_mg, usual.when) == (
        Decimal(4),
        (Decimal(2), Decimal(2)),
        "after each loose stool",
    )


# --- Benzodiazepines: fda-2017, fda-2016 ----------------------------------------------------------


@pytest.mark.parametrize("drug", ["buprenorphine", "methadone"])
def test_it_warns_about_benzodiazepines_with_moud(drug: str) -> None:
    result = check(drug, "4", benzodiazepine_use=True)
    assert (result.decision, codes(result)) == ("warning", [("benzodiazepine_co_use", "warning")])
    assert result.findings[0].source == "fda-2017"
    assert "should not be withheld" in result.findings[0].message


@pytest.mark.parametrize("drug", ["clonidine", "lofexidine", "loperamide"])
def test_it_adds_no_benzodiazepine_finding_for_other_drugs(drug: str) -> None:
    assert "benzodiazepine_co_use" not in [
        c for c, _ in codes(check(drug, "0.1", benzodiazepine_use=True))
    ]


def test_it_keeps_a_stop_for_other_reasons_alongside_the_benzodiazepine_warning() -> None:
    result = check("buprenorphine", "4", given=((4, 30),), first_day=True, benzodiazepine_use=True)
    assert codes(result) == [("min_interval_not_met", "stop"), ("benzodiazepine_co_use", "warning")]


# --- Invariants (Hypothesis) ----------------------------------------------------------------------

DOSES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(80), places=2)
EARLIER = st.lists(
    st.tuples(DOSES, st.floats(min_value=0, max_value=2000, allow_nan=False)), max_size=6
)


@st.composite
def moud_cases(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "drug": draw(st.sampled_from(["buprenorphine", "methadone"])),
        "dose": draw(DOSES),
        "given": tuple(draw(EARLIER)),
        "first_day": draw(st.booleans()),
        "qtc_ms": draw(st.none() | st.integers(min_value=200, max_value=800)),
        "cows_total": draw(st.none() | st.integers(min_value=0, max_value=48)),
    }


@given(moud_cases())
def test_it_never_lets_benzodiazepines_turn_moud_into_a_stop(case: dict[str, Any]) -> None:
    without = check(**case, benzodiazepine_use=False)
    with_benzo = check(**case, benzodiazepine_use=True)
    benzo = [f for f in with_benzo.findings if f.code == "benzodiazepine_co_use"]
    assert [f.severity for f in benzo] == ["warning"]
    assert [f for f in with_benzo.findings if f.code != "benzodiazepine_co_use"] == list(
        without.findings
    )
    expected = {"ok": "warning", "warning": "warning", "stop": "stop"}[without.decision]
    assert with_benzo.decision == expected


# Literal caps (SPEC.md 7.1 to 7.3) as the oracle: drug -> (per dose, per day).
PLAIN_CAPS = {
    "loperamide": (None, Decimal(16)),
    "ondansetron": (None, Decimal(16)),
    "dicyclomine": (None, Decimal(160)),
    "methocarbamol": (None, Decimal(2000)),
    "diphenhydramine": (None, Decimal(300)),
}
HEPATIC = [(5, 6, "0.54", "2.16"), (7, 9, "0.36", "1.44"), (10, 15, "0.18", "0.72")]
RENAL = [(Decimal(30), Decimal(90), "0.36", "1.44"), (Decimal(0), Decimal(30), "0.18", "0.72")]


def oracle_caps(drug: str, case: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    if drug in PLAIN_CAPS:
        return PLAIN_CAPS[drug]
    if drug == "clonidine":
        weight = case.get("weight_kg")
        return None, Decimal("1.2") if weight is not None and weight >= 90 else Decimal("0.8")
    if drug == "buprenorphine":
        return None, Decimal(32) if case["first_day"] else None
    if drug == "methadone":
        return None, Decimal(50) if case["first_day"] else None
    caps = [(Decimal("0.72"), Decimal("2.88"))]
    score, egfr = case.get("child_pugh_score"), case.get("egfr")
    caps += [(Decimal(d), Decimal(t)) for lo, hi, d, t in HEPATIC if score and lo <= score <= hi]
    caps += [
        (Decimal(d), Decimal(t)) for lo, hi, d, t in RENAL if egfr is not None and lo <= egfr < hi
    ]
    return min(cap[0] for cap in caps), min(cap[1] for cap in caps)


@st.composite
def capped_cases(draw: st.DrawFn) -> dict[str, Any]:
    drug = draw(
        st.sampled_from([*PLAIN_CAPS, "clonidine", "lofexidine", "buprenorphine", "methadone"])
    )
    scale = {"lofexidine": "0.01", "clonidine": "0.01"}.get(drug, "0.5")
    step = Decimal(scale)
    dose = st.integers(min_value=1, max_value=200).map(lambda n: n * step)
    return {
        "drug": drug,
        "dose": draw(dose),
        "given": tuple(draw(st.lists(st.tuples(dose, st.integers(0, 2000)), max_size=6))),
        "first_day": draw(st.booleans()),
        "child_pugh_score": draw(st.none() | st.integers(min_value=5, max_value=15)),
        "egfr": draw(st.none() | st.decimals(min_value=0, max_value=200, places=1)),
        "weight_kg": draw(st.none() | st.decimals(min_value=40, max_value=150, places=1)),
        "benzodiazepine_use": draw(st.booleans()),
    }


@given(capped_cases())
@settings(max_examples=300)
def test_it_never_passes_a_dose_that_breaks_a_cap(case: dict[str, Any]) -> None:
    result = check(**case)
    per_dose, per_day = oracle_caps(case["drug"], case)
    recent = [Decimal(mg) for mg, minutes in case["given"] if minutes < 1440]
    total = sum(recent, Decimal(case["dose"]))
    assert result.total_24h_mg == total
    broken = (per_dose is not None and case["dose"] > per_dose) or (
        per_day is not None and total > per_day
    )
    assert (result.decision == "stop") if broken else True
    if result.decision != "stop":
        assert per_dose is None or case["dose"] <= per_dose
        assert per_day is None or total <= per_day


@st.composite
def any_cases(draw: st.DrawFn) -> dict[str, Any]:
    case = draw(capped_cases())
    case["drug"] = draw(st.sampled_from(default_policy().drug_names()))
    case["qtc_ms"] = draw(st.none() | st.integers(min_value=200, max_value=800))
    case["cows_total"] = draw(st.none() | st.integers(min_value=0, max_value=48))
    case["vitals"] = draw(
        st.none()
        | st.builds(
            vitals_at,
            st.integers(min_value=70, max_value=160),
            st.integers(min_value=40, max_value=65),
            st.integers(min_value=40, max_value=120),
        )
    )
    return case


FIRST_DOSE_ONLY = {"no_withdrawal_score", "cows_gate_not_met", "opioid_class_not_recorded"}


@given(any_cases(), DOSES, st.integers(min_value=0, max_value=3000))
@settings(max_examples=300)
def test_it_never_turns_a_stop_into_ok_when_an_earlier_dose_is_added(
    case: dict[str, Any], extra_dose: Decimal, extra_minutes: int
) -> None:
    before = check(**case)
    after = check(**{**case, "given": ((extra_dose, extra_minutes), *case["given"])})
    # The first-dose gate applies only while there is no earlier dose, by definition.
    if any(f.severity == "stop" and f.code not in FIRST_DOSE_ONLY for f in before.findings):
        assert after.decision == "stop"
    assert after.total_24h_mg >= before.total_24h_mg


# --- Knowledge file rules -------------------------------------------------------------------------


def loaded_with(monkeypatch: pytest.MonkeyPatch, change: Any) -> MedicationPolicy:
    """Build the policy from medications.toml after ``change`` edits a copy of the parsed data."""
    data = json.loads(json.dumps(knowledge.load("medications")))
    change(data)
    monkeypatch.setattr(knowledge, "load", lambda name: data)
    return dosing.default_policy.__wrapped__()  # type: ignore[attr-defined,no-any-return]


def test_it_loads_the_shipped_policy() -> None:
    policy = default_policy()
    assert policy.rules("buprenorphine").limits.min_interval_min.value == Decimal(60)
    assert policy.benzodiazepine.drugs == {"buprenorphine", "methadone"}
    assert knowledge.source(policy.induction.precipitated_source).confidence == "C"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["drugs"]["clonidine"]["hold_heart_rate_below"].update(value=50), "[U]"),
        (lambda d: d["drugs"]["lofexidine"]["max_dose_mg"].update(unit="mcg"), "unit"),
        (lambda d: d["drugs"]["lofexidine"]["max_dose_mg"].pop("source"), "source"),
        (lambda d: d["policy"]["vitals_max_age_min"].pop("note"), "note"),
        (
            lambda d: d["drugs"]["clonidine"]["max_daily_mg"].update(also=["made-up-2024"]),
            "made-up",
        ),
        (lambda d: d["drugs"]["clonidine"].update(max_daly_mg={}), "unknown keys"),
    ],
)
def test_it_refuses_a_knowledge_file_that_breaks_its_rules(
    monkeypatch: pytest.MonkeyPatch, change: Any, complaint: str
) -> None:
    with pytest.raises(KnowledgeError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        loaded_with(monkeypatch, change)


# --- Input validation -----------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "drug": "clonidine",
    "dose_mg": 0.1,
    "at": "2025-03-01T12:00:00+00:00",
    "given": [{"dose_mg": 0.2, "at": "2025-03-01T06:00:00+00:00"}],
    "vitals": {"systolic": 118, "diastolic": 76, "heart_rate": 72, "at": "2025-03-01T11:50:00Z"},
    "context": {
        "first_day": False,
        "benzodiazepine_use": False,
        "qtc_ms": None,
        "child_pugh_score": None,
        "egfr": None,
        "weight_kg": 70,
    },
}


def fields_for(payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        dosing.dose_check_calculator(payload)
    return caught.value.fields


def test_it_checks_a_valid_payload() -> None:
    output = dosing.dose_check_calculator(VALID)
    # The shipped policy sets no vitals window: the vitals' age is stated as a warning (issue 10).
    assert (output["decision"], output["total_24h_mg"], output["earlier_doses_24h"]) == (
        "warning",
        0.3,
        1,
    )
    assert [finding["code"] for finding in output["findings"]] == ["vitals_age_unchecked"]
    assert output["max_daily_mg"] == {"value": 0.8, "source": "uptodate-ed", "reason": None}
    assert output["minutes_since_last_dose"] == 360


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"drug": "guanfacine"}, {"drug": "Unknown drug 'guanfacine'. Known: buprenorphine, "}),
        ({"dose_mg": 0}, {"dose_mg": "Must be greater than 0."}),
        ({"dose_mg": -1}, {"dose_mg": "Must be greater than 0."}),
        ({"dose_mg": True}, {"dose_mg": "Must be a number."}),
        ({"dose_mg": "0.1"}, {"dose_mg": "Must be a number."}),
        (
            {"at": "2025-03-01T12:00:00"},
            {"at": "Must be an ISO-8601 date and time with a timezone"},
        ),
        ({"at": "yesterday"}, {"at": "Must be an ISO-8601"}),
        ({"given": None}, {"given": "Must be a list"}),
        (
            {"given": [{"dose_mg": False, "at": "2025-03-01T06:00:00Z"}]},
            {"given[0].dose_mg": "Must be a number."},
        ),
        ({"given": [{"dose_mg": 1}]}, {"given[0].at": "This field is required."}),
        ({"given": [3]}, {"given[0]": "Must be a JSON object"}),
        (
            {"vitals": {"systolic": -5, "diastolic": 70, "at": "2025-03-01T11:00:00Z"}},
            {"vitals.systolic": "Must not be negative."},
        ),
        ({"vitals": {"at": "2025-03-01T11:00:00Z"}}, {"vitals": "Enter at least one vital sign."}),
        ({"vitals": {"systolic": 100, "diastolic": 70}}, {"vitals.at": "This field is required."}),
        (
            {"context": {"first_day": 1, "benzodiazepine_use": False}},
            {"context.first_day": "Must be true or false."},
        ),
        (
            {"context": {"first_day": False}},
            {"context.benzodiazepine_use": "This field is required."},
        ),
        (
            {"context": {**VALID["context"], "child_pugh_score": 4}},
            {"context.child_pugh_score": "Must be between 5 and 15."},
        ),
        (
            {"context": {**VALID["context"], "qtc_ms": 450.5}},
            {"context.qtc_ms": "Must be a whole number."},
        ),
        ({"context": {**VALID["context"], "egfr": -1}}, {"context.egfr": "Must be 0 or more."}),
        (
            {"context": {**VALID["context"], "weight_kg": 0}},
            {"context.weight_kg": "Must be greater than 0."},
        ),
        (
            {"context": {**VALID["context"], "pregant": True}},
            {"context.pregant": "Not a field of this input."},
        ),
        ({"context": None}, {"context": "Must be a JSON object with first_day"}),
        ({"extra": 1}, {"extra": "Not a field of this input."}),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    change: dict[str, Any], expected: dict[str, str]
) -> None:
    found = fields_for({**VALID, **change})
    assert set(found) == set(expected)
    for key, start in expected.items():
        assert found[key].startswith(start)


@pytest.mark.parametrize("key", ["drug", "dose_mg", "at", "given", "vitals", "context"])
def test_it_requires_every_top_level_field(key: str) -> None:
    payload = {k: v for k, v in VALID.items() if k != key}
    assert key in fields_for(payload)


def test_it_refuses_an_unknown_drug_in_process() -> None:
    request = DoseRequest("guanfacine", Decimal(1), T0, (), None, DoseContext(False, False))
    with pytest.raises(InvalidInput) as caught:
        check_dose(request)
    assert list(caught.value.fields) == ["drug"]


# --- The command line -----------------------------------------------------------------------------


def test_it_runs_dose_check_from_the_command_line() -> None:
    payload = {
        **VALID,
        "vitals": {**VALID["vitals"], "systolic": 88},
        "context": {**VALID["context"], "benzodiazepine_use": True},
    }
    status, output, stderr = run_calc("dose-check", payload)
    assert (status, stderr) == (0, "")
    assert output["decision"] == "stop"
    assert output["findings"] == [
        {
            "code": "hold_blood_pressure",
            "severity": "stop",
            "message": "Hold clonidine: systolic 88 mmHg is below 90.",
            "source": "va-pbm-handout",
        },
        {
            "code": "vitals_age_unchecked",
            "severity": "warning",
            "message": "The vitals were taken 10 minutes before this dose and no maximum age for"
            " vitals is configured: confirm they are recent enough to check the holds against.",
            "source": "program-policy",
        },
    ]
    assert [item["name"] for item in output["unset"]] == [
        "clonidine.hold_heart_rate_below",
        "hold_heart_rate_below",
        "policy.vitals_max_age_min",
    ]


def test_it_exits_2_naming_an_unknown_drug() -> None:
    status, output, stderr = run_calc("dose-check", {**VALID, "drug": "xanax"})
    assert (status, stderr, list(output["fields"])) == (2, "", ["drug"])
    assert set(output) == {"error", "fields"}


def test_it_exits_2_naming_a_bad_earlier_dose() -> None:
    status, output, _ = run_calc("dose-check", {**VALID, "given": [{"dose_mg": 0.1, "at": "noon"}]})
    assert (status, list(output["fields"])) == (2, ["given[0].at"])


def test_it_is_registered_as_a_calculator() -> None:
    assert calc.get("dose-check") is dosing.dose_check_calculator


# --- The chart: allergies and pregnancy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "allergies", "stopped"),
    [
        ("ondansetron", ("ondansetron",), True),
        ("clonidine", ("ibuprofen", "clonidine"), True),
        ("loperamide", ("ondansetron",), False),
        ("buprenorphine", ("naloxone",), False),
        ("buprenorphine_naloxone", ("naloxone",), True),
        ("buprenorphine_naloxone", ("buprenorphine",), True),
        ("buprenorphine", (), False),
        ("lofexidine", ("clonidine",), False),
    ],
)
def test_it_stops_a_drug_whose_ingredient_is_a_recorded_allergy(
    drug: str, allergies: tuple[str, ...], stopped: bool
) -> None:
    # Ingredient codes through clinical.products, no longer free text (issue 10 §3).
    result = check(drug, "0.1", allergies=allergies)
    assert (("allergy_recorded", "stop") in codes(result)) is stopped
    if stopped:
        assert result.findings[-1].source == dosing.ALLERGY_SOURCE


@pytest.mark.parametrize(
    ("drug", "code", "source"),
    [
        ("buprenorphine", "pregnancy_physician_review", "acog-711"),
        ("methadone", "pregnancy_physician_review", "acog-711"),
        ("lofexidine", "pregnancy_no_human_data", "lofexidine-label"),
        ("loperamide", None, None),
    ],
)
def test_it_notes_pregnancy_where_the_drug_needs_it_never_as_a_stop(
    drug: str, code: str | None, source: str | None
) -> None:
    result = check(drug, "0.1", pregnant=True)
    found = [(f.code, f.severity, f.source) for f in result.findings if "pregnan" in f.code]
    assert found == ([] if code is None else [(code, "warning", source)])
    assert check(drug, "0.1", pregnant=False).findings == ()


@pytest.mark.parametrize(
    ("minutes_ago", "words"), [(1, "was 1 minute ago;"), (2, "was 2 minutes ago;")]
)
def test_it_says_one_minute_not_one_minutes(minutes_ago: float, words: str) -> None:
    result = check("buprenorphine", "4", given=((4, minutes_ago),), first_day=True)
    assert words in result.findings[0].message
    assert "wait at least 60 minutes between doses" in result.findings[0].message
