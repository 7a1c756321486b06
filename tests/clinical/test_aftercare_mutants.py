"""Naltrexone start and the discharge bundle (``clinical.aftercare``): the exact refusals, the
checks on each interval read from naltrexone.toml, and the default of an item's OUD rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from detoxdesk.clinical import aftercare
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

CANNOT = "The naltrexone start cannot be worked out: check the fields."
CLASSES = "Must be one of short_acting, extended_release, methadone, buprenorphine, fentanyl."
BASIS = (
    "basis must be one of most_conservative_spec_default, program_policy, spec_default; "
    "confidence one of C, S, U"
)
# An interval entry as naltrexone.toml writes it (short_acting), without its see_also.
ENTRY = {
    "days": 7,
    "unit": "d",
    "basis": "spec_default",
    "source": "vivitrol-label",
    "confidence": "S",
}


def test_the_calculator_reports_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        aftercare.calculate({"opioid_class": "heroin", "x": 1})
    assert (str(raised.value), raised.value.fields) == (
        CANNOT,
        {
            "x": "Not a field of this calculator.",
            "opioid_class": CLASSES,
            "last_opioid_use": "This field is required.",
        },
    )


def test_the_start_needs_an_offset_and_a_known_class() -> None:
    naive = datetime(2026, 1, 1, 8)  # noqa: DTZ001 - the refusal under test
    with pytest.raises(InvalidInput) as raised:
        aftercare.naltrexone_start(naive, "heroin")
    assert (str(raised.value), raised.value.fields) == (
        CANNOT,
        {"last_opioid_use": "Must include a UTC offset.", "opioid_class": CLASSES},
    )


def test_an_interval_without_see_also_rests_on_its_own_source_only() -> None:
    interval = aftercare._build_interval("short_acting", ENTRY)
    assert interval == aftercare.OpioidFreeInterval(
        "short_acting", 7, "spec_default", ("vivitrol-label",), "S", None
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unit": "h"}, "unit must be d"),
        ({"days": 0}, "days must be a whole number above 0"),
        ({"days": 0, "unit": "h"}, "days must be a whole number above 0"),
        ({"basis": "guess"}, BASIS),
        ({"confidence": "X"}, BASIS),
        ({"basis": "program_policy"}, "a value SPEC lacks needs a note"),
    ],
)
def test_an_interval_entry_is_checked_when_it_is_read(change: dict[str, Any], message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        aftercare._build_interval("short_acting", {**ENTRY, **change})
    assert str(raised.value) == f"naltrexone.toml [intervals.short_acting]: {message}"


def test_a_program_interval_of_one_day_is_usable() -> None:
    one_day = aftercare.OpioidFreeInterval(
        "short_acting", 1, "program_policy", ("program",), "C", "Program policy."
    )
    assert aftercare.interval_problems(one_day) is None
    start = aftercare.naltrexone_start(
        datetime(2026, 1, 1, 8, tzinfo=UTC), "short_acting", policy={"short_acting": one_day}
    )
    assert start.earliest_start == datetime(2026, 1, 2, 8, tzinfo=UTC)


def test_an_item_marked_not_applicable_is_judged_without_oud_by_default() -> None:
    moud = aftercare.BundleItemRule(
        code="moud",
        label="MOUD",
        allow_not_applicable=True,
        source=None,
        basis="",
        allow_not_applicable_with_oud=False,
    )
    state = aftercare.ItemState(aftercare.ITEM_NOT_APPLICABLE, "No opioid use disorder.")
    assert aftercare.item_problem(moud, state) is None
    assert aftercare.item_problem(moud, state, opioid_use_disorder=True) == (
        "Opioid use disorder is recorded: offer it, and record it as accepted (done) "
        "or declined (with the reason), never as not applicable."
    )
