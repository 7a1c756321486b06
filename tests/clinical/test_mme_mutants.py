"""The MME calculator's refusals, each with its exact message and field, and the CDC 2016
methadone tier's note with its confidence (``clinical.mme``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import mme
from detoxdesk.clinical.errors import InvalidInput
from detoxdesk.clinical.mme import Medication

CANNOT = "The MME cannot be calculated: check the marked fields."
ABOVE_ZERO = "Must be a number greater than zero."
EMPTY = "List at least one medication."
MODES = "Must be one of cdc2022, cdc2016."
KNOWN_DRUGS = (
    "Unknown drug. Known drugs: buprenorphine, codeine, fentanyl_transdermal, hydrocodone, "
    "hydromorphone, methadone, morphine, oxycodone, oxymorphone, tapentadol, tramadol."
)


def refusal(call: Any, *args: Any, **kwargs: Any) -> tuple[str, dict[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        call(*args, **kwargs)
    return str(raised.value), raised.value.fields


def test_the_calculator_reports_an_unknown_key_a_bad_mode_and_no_medication_at_once() -> None:
    payload = {"medications": [], "methadone_factors": "cdc2019", "extra": 1}
    assert refusal(mme.calculator, payload) == (
        CANNOT,
        {
            "extra": "Not an input of the MME calculator.",
            "methadone_factors": MODES,
            "medications": EMPTY,
        },
    )


def test_the_calculator_marks_each_bad_medication_by_its_place_in_the_list() -> None:
    medications = [
        3,
        {"drug": "oxycodone", "dose": 0, "unit": "mg", "doses_per_day": 0, "route": "po"},
        {"drug": "aspirin"},
        {"drug": "buprenorphine", "unit": "g", "dose": 1},
    ]
    assert refusal(mme.calculator, {"medications": medications}) == (
        CANNOT,
        {
            "medications[0]": "Must be an object with drug, dose, unit and doses_per_day.",
            "medications[1].route": "Not a field of a medication.",
            "medications[1].dose": ABOVE_ZERO,
            "medications[1].doses_per_day": ABOVE_ZERO,
            "medications[2].drug": KNOWN_DRUGS,
            "medications[3].unit": "The unit for buprenorphine must be mg or mcg/h.",
        },
    )


@pytest.mark.parametrize("value", [[], None, {"drug": "morphine"}])
def test_parsing_refuses_a_missing_or_empty_list(value: Any) -> None:
    assert refusal(mme.parse_medications, value) == (EMPTY, {"medications": EMPTY})


def test_parsing_names_what_needs_correcting() -> None:
    entry = {"drug": "morphine", "dose": 10, "unit": "mg", "doses_per_day": -1}
    assert refusal(mme.parse_medications, [entry]) == (
        "Some medications need correcting.",
        {"medications[0].doses_per_day": ABOVE_ZERO},
    )


# calculate() takes Medication values built by a caller, so it checks them again itself.
CHECKED = [
    pytest.param(
        [],
        "x",
        {"methadone_factors": MODES, "medications": EMPTY},
        id="no medication and an unknown mode",
    ),
    pytest.param(
        [Medication("aspirin", Decimal(5), "mg", Decimal(1))],
        None,
        {"medications[0].drug": KNOWN_DRUGS},
        id="an unknown drug",
    ),
    pytest.param(
        [Medication("oxycodone", Decimal(0), "g", Decimal(0))],
        None,
        {
            "medications[0].unit": "The unit for oxycodone must be mg.",
            "medications[0].dose": ABOVE_ZERO,
            "medications[0].doses_per_day": ABOVE_ZERO,
        },
        id="a wrong unit, a dose of zero and zero doses a day",
    ),
    pytest.param(
        [Medication("oxycodone", Decimal(5), "mg", None)],
        None,
        {"medications[0].doses_per_day": ABOVE_ZERO},
        id="no doses a day for a drug taken in mg",
    ),
    pytest.param(
        [Medication("buprenorphine", Decimal(5), "g", Decimal(1))],
        None,
        {"medications[0].unit": "The unit for buprenorphine must be mg or mcg/h."},
        id="a drug with two allowed units",
    ),
]


@pytest.mark.parametrize(("medications", "mode", "fields"), CHECKED)
def test_calculate_checks_medications_built_in_code(
    medications: list[Medication], mode: str | None, fields: dict[str, str]
) -> None:
    assert refusal(mme.calculate, medications, methadone_factors=mode) == (CANNOT, fields)


def test_a_patch_needs_no_doses_a_day() -> None:
    result = mme.calculate([Medication("fentanyl_transdermal", Decimal(25), "mcg/h", None)])
    assert result.items[0].medication.doses_per_day is None
    assert result.total == result.items[0].mme_per_day


def test_the_2016_tier_above_80_mg_adds_its_unconfirmed_note() -> None:
    result = mme.calculate(
        [Medication("methadone", Decimal(50), "mg", Decimal(2))], methadone_factors="cdc2016"
    )
    tier = mme.methadone_tiers()[-1]
    assert result.items[0].tier == tier
    assert result.cautions[-1] == mme.Note(
        "Above 80 mg/day the CDC 2016 factor is unconfirmed: some copies of the table end at "
        "61-80 mg/day = 12 and give no factor above 80.",
        tier.source,
        "U",
    )
