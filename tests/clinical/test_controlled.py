"""Controlled-substance record rules (``clinical.controlled``, 21 CFR 1304) without Django: how an
inventory counts an opened container, business days, the Form 106 dates, how long a record is kept
and when the next biennial inventory is due, and the checks on controlled.toml."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from detoxdesk.clinical import controlled
from detoxdesk.clinical.errors import KnowledgeError

# controlled.toml: exact schedules I and II; tablets and capsules counted exactly above 1,000.
COUNT_METHODS = [
    ("II", 10, "solution", "exact"),
    ("I", 1, "tablet", "exact"),
    ("III", 1000, "tablet", "estimated"),
    ("III", 1001, "tablet", "exact"),
    ("IV", 1001, "capsule", "exact"),
    ("IV", 999, "capsule", "estimated"),
    ("V", 5000, "solution", "estimated"),
    ("III", 10, "tablet", "estimated"),
]


@pytest.mark.parametrize(("schedule", "units", "form", "expected"), COUNT_METHODS)
def test_an_opened_container_is_counted_exactly_by_schedule_or_size(
    schedule: str, units: int, form: str, expected: str
) -> None:
    assert controlled.count_method(schedule, units, form) == expected


# 2026-12-04 is a Friday.
BUSINESS_DAYS = [
    (date(2026, 12, 4), 0, date(2026, 12, 4)),
    (date(2026, 12, 4), 1, date(2026, 12, 7)),
    (date(2026, 12, 5), 1, date(2026, 12, 7)),
    (date(2026, 12, 7), 1, date(2026, 12, 8)),
    (date(2026, 12, 3), 3, date(2026, 12, 8)),
    (date(2026, 12, 7), 5, date(2026, 12, 14)),
]


@pytest.mark.parametrize(("start", "days", "expected"), BUSINESS_DAYS)
def test_business_days_skip_saturday_and_sunday(start: date, days: int, expected: date) -> None:
    assert controlled.business_days_after(start, days) == expected


def test_form_106_notice_is_due_the_next_business_day_and_filing_in_45_days() -> None:
    steps = controlled.form_106_steps(date(2026, 12, 4))
    assert steps == controlled.Form106Steps(date(2026, 12, 4), date(2026, 12, 7), date(2027, 1, 18))


@pytest.mark.parametrize(
    ("recorded", "kept_until"),
    [
        (date(2026, 3, 15), date(2028, 3, 15)),
        (date(2024, 2, 29), date(2026, 2, 28)),
        (date(2024, 2, 28), date(2026, 2, 28)),
    ],
)
def test_a_record_is_kept_two_years_and_29_february_ends_on_the_28th(
    recorded: date, kept_until: date
) -> None:
    assert controlled.retained_until(recorded) == kept_until


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (date(2026, 5, 20), date(2028, 5, 20)),
        (date(2028, 2, 29), date(2030, 2, 28)),
    ],
)
def test_the_biennial_inventory_is_due_two_years_after_the_last(last: date, due: date) -> None:
    assert controlled.biennial_due(last) == due


def test_the_rules_read_from_controlled_toml() -> None:
    assert controlled.rules() == controlled.Rules(
        retention_years=2,
        biennial_years=2,
        exact_schedules=frozenset({"I", "II"}),
        exact_above_units=1000,
        counted_forms=frozenset({"tablet", "capsule"}),
        form_106_notice_business_days=1,
        form_106_filing_days=45,
        form_41_witnesses=2,
    )


def test_the_controlled_substances_and_their_schedules() -> None:
    schedules = {code: entry.schedule for code, entry in controlled.substances().items()}
    assert schedules == {
        "buprenorphine": "III",
        "buprenorphine_naloxone": "III",
        "methadone": "II",
        "chlordiazepoxide": "IV",
        "lorazepam": "IV",
        "diazepam": "IV",
        "phenobarbital": "IV",
    }


@pytest.mark.parametrize(
    "data",
    [{"retention": 2}, {}, ["retention"], None],
    ids=["not a table", "missing", "file not a table", "nothing"],
)
def test_a_section_must_be_a_table(data: Any) -> None:
    with pytest.raises(KnowledgeError) as raised:
        controlled._table(data, "retention")
    assert str(raised.value) == "controlled.toml: [retention] must be a table"


def test_a_section_that_is_a_table_is_returned() -> None:
    assert controlled._table({"retention": {"years": 2}}, "retention") == {"years": 2}


@pytest.mark.parametrize("value", [-1, True, False, "2", 2.0, None])
def test_a_count_must_be_a_whole_number(value: Any) -> None:
    with pytest.raises(KnowledgeError) as raised:
        controlled._int({"years": value}, "years", "retention")
    assert str(raised.value) == "controlled.toml [retention]: years must be a whole number"


@pytest.mark.parametrize("value", [0, 1, 45])
def test_a_whole_number_from_zero_up_is_accepted(value: int) -> None:
    assert controlled._int({"years": value}, "years", "retention") == value


@pytest.mark.parametrize("value", ["II", ["II", 2], None, ("II",)])
def test_a_list_of_text_must_be_a_list_of_strings(value: Any) -> None:
    with pytest.raises(KnowledgeError) as raised:
        controlled._strings({"exact_schedules": value}, "exact_schedules", "inventory")
    assert str(raised.value) == (
        "controlled.toml [inventory]: exact_schedules must be a list of text"
    )


def test_a_list_of_text_becomes_a_set() -> None:
    table = {"counted_forms": ["tablet", "capsule", "tablet"]}
    assert controlled._strings(table, "counted_forms", "inventory") == {"tablet", "capsule"}
    assert controlled._strings({"counted_forms": []}, "counted_forms", "inventory") == frozenset()
