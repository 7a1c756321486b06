"""Morphine milligram equivalents: CDC 2022 factors, CDC 2016 methadone tiers, thresholds.

Expected values are written out from SPEC.md section 10 and worked by hand, independently of
mme.toml, so a typo in the data fails a test instead of agreeing with itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calc_runner import run_calc
from detoxdesk.clinical import calc, mme
from detoxdesk.clinical.errors import InvalidInput

NO_CONVERSION = (
    "MME estimates overdose risk; it must not be used to convert one opioid to another. "
    "Conversion factors are estimates and cross-tolerance is incomplete, so a new opioid is "
    "started substantially lower."
)

# drug, unit, CDC 2022 factor, confidence (SPEC 10.1).
FACTORS = [
    ("codeine", "mg", Decimal("0.15"), "C"),
    ("fentanyl_transdermal", "mcg/h", Decimal("2.4"), "C"),
    ("hydrocodone", "mg", Decimal("1"), "C"),
    ("hydromorphone", "mg", Decimal("5"), "C"),
    ("methadone", "mg", Decimal("4.7"), "C"),
    ("morphine", "mg", Decimal("1"), "C"),
    ("oxycodone", "mg", Decimal("1.5"), "C"),
    ("oxymorphone", "mg", Decimal("3"), "C"),
    ("tapentadol", "mg", Decimal("0.4"), "C"),
    ("tramadol", "mg", Decimal("0.2"), "C"),
]

# drug, dose, unit, doses per day, expected MME/day worked by hand.
EVERY_DRUG = [
    ("codeine", 30, "mg", 4, 18.0),
    ("fentanyl_transdermal", 25, "mcg/h", None, 60.0),
    ("fentanyl_transdermal", 12.5, "mcg/h", None, 30.0),
    ("hydrocodone", 10, "mg", 4, 40.0),
    ("hydromorphone", 2, "mg", 4, 40.0),
    ("methadone", 10, "mg", 2, 94.0),
    ("morphine", 30, "mg", 2, 60.0),
    ("oxycodone", 10, "mg", 3, 45.0),
    ("oxymorphone", 5, "mg", 2, 30.0),
    ("tapentadol", 50, "mg", 4, 80.0),
    ("tramadol", 50, "mg", 4, 40.0),
    ("oxycodone", 7.5, "mg", 1.5, 16.88),  # 16.875 rounds half up for display
]

# Total methadone mg/day, CDC 2016 factor, MME/day in cdc2016 mode, MME/day in cdc2022 mode (x 4.7).
METHADONE_EDGES = [
    (0.5, 4, 2.0, 2.35),
    (20, 4, 80.0, 94.0),
    (20.5, 8, 164.0, 96.35),
    (40, 8, 320.0, 188.0),
    (40.5, 10, 405.0, 190.35),
    (60, 10, 600.0, 282.0),
    (60.5, 12, 726.0, 284.35),
    (80, 12, 960.0, 376.0),
    (80.5, 12, 966.0, 378.35),
    (120, 12, 1440.0, 564.0),
]

# Morphine mg/day (factor 1), at or above 50, at or above 90.
THRESHOLD_EDGES = [
    (49.99, False, False),
    (50, True, False),
    (50.01, True, False),
    (89.99, True, False),
    (90, True, True),
    (90.01, True, True),
]


def med(drug: str, dose: float, unit: str = "mg", per_day: float | None = 1) -> dict[str, Any]:
    entry: dict[str, Any] = {"drug": drug, "dose": dose, "unit": unit}
    if per_day is not None:
        entry["doses_per_day"] = per_day
    return entry


def fields_for(payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        mme.calculator(payload)
    return caught.value.fields


# --- Knowledge ------------------------------------------------------------------------------------


def test_it_holds_the_cdc_2022_factors() -> None:
    table = mme.factors()
    assert [(f.drug, f.unit, f.factor, f.confidence) for f in table.values()] == FACTORS
    assert {f.source for f in table.values()} == {"cdc-2022"}


def test_it_excludes_buprenorphine_with_a_reason() -> None:
    excluded = mme.exclusions()
    assert list(excluded) == ["buprenorphine"]
    assert excluded["buprenorphine"].units == ("mg", "mcg/h")
    assert "partial agonist" in excluded["buprenorphine"].reason


def test_it_holds_the_cdc_2016_methadone_tiers() -> None:
    tiers = [(t.above, t.up_to, t.factor, t.source, t.confidence) for t in mme.methadone_tiers()]
    assert tiers == [
        (0, 20, 4, "cdc-2016", "S"),
        (20, 40, 8, "cdc-2016", "S"),
        (40, 60, 10, "cdc-2016", "S"),
        (60, 80, 12, "cdc-2016", "S"),
        (80, None, 12, "cdc-2016", "U"),
    ]


def test_it_defaults_to_the_2022_methadone_factor() -> None:
    assert mme.default_methadone_mode() == "cdc2022"


def test_it_holds_the_thresholds() -> None:
    assert [(t.code, t.value, t.unit, t.source) for t in mme.thresholds()] == [
        ("mme_at_or_above_50", 50, "MME/day", "cdc-2022"),
        ("mme_at_or_above_90", 90, "MME/day", "cdc-2016"),
    ]


# --- Every drug -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("drug", "dose", "unit", "per_day", "expected"), EVERY_DRUG)
def test_it_converts_every_drug(
    drug: str, dose: float, unit: str, per_day: float | None, expected: float
) -> None:
    output = mme.calculator({"medications": [med(drug, dose, unit, per_day)]})
    assert output["total_mme_per_day"] == expected
    assert [(item["drug"], item["mme_per_day"]) for item in output["items"]] == [(drug, expected)]
    assert output["excluded"] == []


@pytest.mark.parametrize(("drug", "unit", "factor", "confidence"), FACTORS)
def test_it_reports_each_factor(drug: str, unit: str, factor: Decimal, confidence: str) -> None:
    output = mme.calculator({"medications": [med(drug, 1, unit)]})
    assert output["items"][0]["factor"] == float(factor)
    assert output["items"][0]["source"] == "cdc-2022"


def test_it_ignores_doses_per_day_for_the_patch() -> None:
    output = mme.calculator({"medications": [med("fentanyl_transdermal", 50, "mcg/h", 3)]})
    assert output["total_mme_per_day"] == 120.0


def test_it_sums_several_drugs() -> None:
    medications = [med("oxycodone", 10, per_day=4), med("fentanyl_transdermal", 25, "mcg/h", None)]
    output = mme.calculator({"medications": medications})
    assert output["total_mme_per_day"] == 120.0
    assert (output["at_or_above_50"], output["at_or_above_90"]) == (True, True)


@pytest.mark.parametrize("unit", ["mg", "mcg/h"])
def test_it_shows_buprenorphine_as_excluded(unit: str) -> None:
    per_day = 1 if unit == "mg" else None
    payload = {"medications": [med("buprenorphine", 16, unit, per_day), med("morphine", 20)]}
    output = mme.calculator(payload)
    assert output["total_mme_per_day"] == 20.0
    assert [item["drug"] for item in output["items"]] == ["morphine"]
    assert [entry["drug"] for entry in output["excluded"]] == ["buprenorphine"]
    assert "not counted" in output["excluded"][0]["reason"]


def test_it_gives_zero_for_buprenorphine_alone() -> None:
    output = mme.calculator({"medications": [med("buprenorphine", 8, per_day=2)]})
    assert (output["total_mme_per_day"], output["items"], output["at_or_above_50"]) == (
        0.0,
        [],
        False,
    )


# --- Methadone modes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("mg", "factor", "tiered", "single"), METHADONE_EDGES)
def test_it_applies_the_2016_tier_at_each_edge(
    mg: float, factor: int, tiered: float, single: float
) -> None:
    output = mme.calculator({"medications": [med("methadone", mg)], "methadone_factors": "cdc2016"})
    assert (output["items"][0]["factor"], output["total_mme_per_day"]) == (factor, tiered)
    assert output["methadone_factors"] == "cdc2016"


@pytest.mark.parametrize(("mg", "factor", "tiered", "single"), METHADONE_EDGES)
def test_it_applies_the_2022_single_factor_at_the_same_doses(
    mg: float, factor: int, tiered: float, single: float
) -> None:
    for payload in (
        {"medications": [med("methadone", mg)]},
        {
            "medications": [med("methadone", mg)],
            "methadone_factors": "cdc2022",
        },
    ):
        output = mme.calculator(payload)
        assert (output["items"][0]["factor"], output["total_mme_per_day"]) == (4.7, single)
        assert output["methadone_factors"] == "cdc2022"


def test_it_chooses_the_tier_from_the_total_methadone_dose() -> None:
    medications = [med("methadone", 15), med("methadone", 5, per_day=2)]  # 25 mg/day: factor 8
    output = mme.calculator({"medications": medications, "methadone_factors": "cdc2016"})
    assert [(i["factor"], i["mme_per_day"]) for i in output["items"]] == [(8, 120.0), (8, 80.0)]
    assert output["items"][0]["tier"] == "above 20 up to 40 mg/day"


@pytest.mark.parametrize(("mg", "flagged"), [(80, False), (80.5, True)])
def test_it_says_when_the_2016_factor_is_unconfirmed(mg: float, flagged: bool) -> None:
    output = mme.calculator({"medications": [med("methadone", mg)], "methadone_factors": "cdc2016"})
    unconfirmed = [w for w in output["warnings"] if "unconfirmed" in w]
    assert len(unconfirmed) == (1 if flagged else 0)
    assert output["items"][0]["confidence"] == ("U" if flagged else "S")


def test_it_leaves_other_drugs_alone_in_2016_mode() -> None:
    payload = {"medications": [med("oxycodone", 20)], "methadone_factors": "cdc2016"}
    assert mme.calculator(payload)["total_mme_per_day"] == 30.0


# --- Thresholds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("mg", "at_50", "at_90"), THRESHOLD_EDGES)
def test_it_flags_the_thresholds_at_their_edges(mg: float, at_50: bool, at_90: bool) -> None:
    output = mme.calculator({"medications": [med("morphine", mg)]})
    assert (output["at_or_above_50"], output["at_or_above_90"]) == (at_50, at_90)
    assert [t["reached"] for t in output["thresholds"]] == [at_50, at_90]


def test_it_compares_the_exact_total_not_the_rounded_one() -> None:
    output = mme.calculator({"medications": [med("oxycodone", 33.33)]})  # 49.995 MME/day
    assert output["total_mme_per_day"] == 50.0
    assert output["at_or_above_50"] is False


def test_it_sums_exactly_before_comparing() -> None:
    # 0.1 + 0.2 would be 0.30000000000000004 in floats; 49.7 + 0.1 + 0.2 is exactly 50.
    medications = [med("morphine", 49.7), med("morphine", 0.1), med("morphine", 0.2)]
    output = mme.calculator({"medications": medications})
    assert (output["total_mme_per_day"], output["at_or_above_50"]) == (50.0, True)


# --- Warnings and sources -------------------------------------------------------------------------


def test_it_always_warns_against_converting_with_mme() -> None:
    output = mme.calculator({"medications": [med("morphine", 10)]})
    assert output["warnings"] == [NO_CONVERSION]
    assert output["sources"] == ["cdc-2016", "cdc-2022"]


def test_it_adds_the_methadone_cautions() -> None:
    warnings = mme.calculator({"medications": [med("methadone", 10)]})["warnings"]
    assert warnings[0] == NO_CONVERSION
    assert any("half-life" in w for w in warnings)
    assert any("opioid use disorder" in w for w in warnings)


def test_it_adds_the_patch_caution() -> None:
    medications = [med("fentanyl_transdermal", 25, "mcg/h", None)]
    warnings = mme.calculator({"medications": medications})["warnings"]
    assert len(warnings) == 2 and "Transdermal fentanyl" in warnings[1]


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "fields"),
    [
        (med("heroin", 10), {"medications[0].drug"}),
        (med("fentanyl_transdermal", 25, "mg"), {"medications[0].unit"}),
        (med("oxycodone", 10, "mcg/h", None), {"medications[0].unit"}),
        (med("oxycodone", 10, "g"), {"medications[0].unit"}),
        (med("oxycodone", 0), {"medications[0].dose"}),
        (med("oxycodone", -5), {"medications[0].dose"}),
        (med("oxycodone", 10, per_day=0), {"medications[0].doses_per_day"}),
        (med("oxycodone", 10, per_day=None), {"medications[0].doses_per_day"}),
        (med("fentanyl_transdermal", 25, "mcg/h", 0), {"medications[0].doses_per_day"}),
        (
            {"drug": "oxycodone", "dose": True, "unit": "mg", "doses_per_day": 1},
            {"medications[0].dose"},
        ),
        (
            {"drug": "oxycodone", "dose": "10", "unit": "mg", "doses_per_day": 1},
            {"medications[0].dose"},
        ),
        (
            {"drug": "oxycodone", "dose": float("nan"), "unit": "mg", "doses_per_day": 1},
            {"medications[0].dose"},
        ),
        (
            {"drug": "oxycodone", "dose": float("inf"), "unit": "mg", "doses_per_day": 1},
            {"medications[0].dose"},
        ),
        ({**med("oxycodone", 10), "route": "oral"}, {"medications[0].route"}),
        ("oxycodone", {"medications[0]"}),
    ],
)
def test_it_refuses_a_bad_medication(entry: object, fields: set[str]) -> None:
    assert set(fields_for({"medications": [entry]})) == fields


def test_it_names_the_position_of_the_bad_medication() -> None:
    problems = fields_for({"medications": [med("morphine", 10), med("morphine", 0)]})
    assert problems == {"medications[1].dose": "Must be a number greater than zero."}


def test_it_names_the_units_a_drug_takes() -> None:
    problems = fields_for({"medications": [med("fentanyl_transdermal", 25, "mg")]})
    assert problems == {"medications[0].unit": "The unit for fentanyl_transdermal must be mcg/h."}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"medications"}),
        ({"medications": []}, {"medications"}),
        ({"medications": {"drug": "morphine"}}, {"medications"}),
        (
            {"medications": [med("morphine", 1)], "methadone_factors": "cdc2010"},
            {"methadone_factors"},
        ),
        ({"medications": [med("morphine", 1)], "patient": "x"}, {"patient"}),
        (
            {"medications": [med("morphine", 0)], "methadone_factors": 2022},
            {"methadone_factors", "medications[0].dose"},
        ),
    ],
)
def test_it_refuses_bad_input(payload: dict[str, Any], fields: set[str]) -> None:
    assert set(fields_for(payload)) == fields


def test_it_refuses_a_bad_medication_built_in_python() -> None:
    bad = mme.Medication("oxycodone", Decimal(10), "mcg/h", None)
    with pytest.raises(InvalidInput) as caught:
        mme.calculate([bad])
    assert set(caught.value.fields) == {"medications[0].unit"}


def test_it_calculates_in_python_without_rounding() -> None:
    result = mme.calculate([mme.Medication("oxycodone", Decimal("33.33"), "mg", Decimal(1))])
    assert result.total == Decimal("49.995")
    assert not result.reached("mme_at_or_above_50")
    assert result.items[0].tier is None


# --- Properties -----------------------------------------------------------------------------------

drugs = st.sampled_from([drug for drug, *_ in FACTORS])
amounts = st.decimals(min_value="0.01", max_value="500", places=2)


@given(st.lists(st.tuples(drugs, amounts, amounts), min_size=1, max_size=5), st.booleans())
def test_the_total_is_the_exact_sum_and_the_flags_follow_it(
    entries: list[tuple[str, Decimal, Decimal]], tiered: bool
) -> None:
    units = {drug: unit for drug, unit, *_ in FACTORS}
    medications = [
        mme.Medication(drug, dose, units[drug], None if units[drug] == "mcg/h" else per_day)
        for drug, dose, per_day in entries
    ]
    result = mme.calculate(medications, methadone_factors="cdc2016" if tiered else "cdc2022")
    assert result.total == sum((item.mme_per_day for item in result.items), Decimal(0))
    assert result.reached("mme_at_or_above_50") == (result.total >= 50)
    assert result.reached("mme_at_or_above_90") == (result.total >= 90)
    assert len({item.factor for item in result.items if item.medication.drug == "methadone"}) <= 1


# --- Command line ---------------------------------------------------------------------------------


def test_it_is_registered_as_a_calculator() -> None:
    assert calc.get("mme") is mme.calculator


def test_it_runs_from_the_command_line() -> None:
    payload = {
        "medications": [
            med("methadone", 10, per_day=2),
            med("fentanyl_transdermal", 25, "mcg/h", None),
            med("buprenorphine", 8),
        ],
        "methadone_factors": "cdc2016",
    }
    status, output, stderr = run_calc("mme", payload)
    assert (status, stderr) == (0, "")
    assert output["total_mme_per_day"] == 140.0  # 20 mg x 4 + 25 mcg/h x 2.4
    assert [(i["drug"], i["mme_per_day"], i["factor"]) for i in output["items"]] == [
        ("methadone", 80.0, 4),
        ("fentanyl_transdermal", 60.0, 2.4),
    ]
    assert output["excluded"][0]["drug"] == "buprenorphine"
    assert (output["at_or_above_50"], output["at_or_above_90"]) == (True, True)
    assert output["warnings"][0] == NO_CONVERSION
    assert set(output["sources"]) == {"cdc-2016", "cdc-2022"}


def test_it_exits_2_naming_the_bad_field() -> None:
    status, output, stderr = run_calc(
        "mme", {"medications": [med("fentanyl_transdermal", 25, "mg")]}
    )
    assert (status, stderr) == (2, "")
    assert set(output) == {"error", "fields"}
    assert output["fields"] == {
        "medications[0].unit": "The unit for fentanyl_transdermal must be mcg/h."
    }
