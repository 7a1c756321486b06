"""vitals.toml read in full and refused when malformed, and the checks a program's own table
turns on (a lower bound above zero, numeric hard limits from the file), each in
its exact words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from detoxdesk.clinical import vitals
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

Change = Callable[[dict[str, Any]], object]


@pytest.fixture
def edit(edit_knowledge: Callable[[str, Change], None]) -> Callable[[Change], None]:
    """Make the loaders read vitals.toml with a change applied (the file is not touched)."""
    return lambda change: edit_knowledge("vitals", change)


def field(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(entry for entry in data["fields"] if entry["key"] == key)


def band(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(entry for entry in data["news2"]["critical"] if entry["key"] == key)


def test_it_reads_every_attribute_of_every_field() -> None:
    found = [
        (f.key, f.label, f.unit, f.low, f.high, f.decimal, f.min_possible, f.max_possible)
        + (f.hard_low, f.hard_high, f.max_storable)
        for f in vitals.fields()
    ]
    assert found == [
        ("heart_rate", "Heart rate", "/min", 20, 250, False, 0, None, None, None, 32767),
        ("systolic", "Systolic blood pressure", "mmHg", 50, 260, False, 0, None, None, None, 32767),
        ("diastolic", "Diastolic blood pressure", "mmHg", 20, 160, False, 0, None)
        + (None, None, 32767),
        ("respiratory_rate", "Respiratory rate", "/min", 4, 60, False, 0, None, None, None, 32767),
        ("temperature_c", "Temperature", "°C", 30.0, 43.0, True, 0, None, None, None, 999.9),
        ("spo2", "Oxygen saturation (SpO2)", "%", 50, 100, False, 0, 100, None, None, 32767),
    ]
    # Whole numbers stay whole (a message shows 32767, not 32767.0); fractions stay fractions.
    temperature = vitals.fields()[4]
    assert type(vitals.fields()[0].max_storable) is int
    assert type(temperature.max_storable) is float


def test_it_words_a_number_as_its_field_does() -> None:
    heart_rate, temperature = vitals.fields()[0], vitals.fields()[4]
    assert (heart_rate.show(40), heart_rate.show(40.0), temperature.show(35)) == (
        "40",
        "40",
        "35.0",
    )
    assert (heart_rate.range_text(), temperature.range_text()) == (
        "20 to 250 /min",
        "30.0 to 43.0 °C",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: field(d, "spo2").pop("label"), "vitals.toml: a field lacks 'label'"),
        (lambda d: field(d, "spo2").pop("key"), "vitals.toml: a field lacks 'key'"),
        (lambda d: field(d, "spo2").pop("decimal"), "vitals.toml: a field lacks 'decimal'"),
        (lambda d: field(d, "spo2").pop("high"), "vitals.toml: a field lacks 'high'"),
        (lambda d: field(d, "spo2").pop("unit"), "vitals.toml: a field lacks 'unit'"),
        (lambda d: field(d, "spo2").pop("low"), "vitals.toml: a field lacks 'low'"),
        (lambda d: field(d, "spo2").update(low=100), "vitals.toml [spo2]: low must be below high"),
        (lambda d: field(d, "spo2").update(low=101), "vitals.toml [spo2]: low must be below high"),
        (
            lambda d: field(d, "spo2").update(max_possible="100"),
            "vitals.toml [spo2]: max_possible must be a number",
        ),
        (
            lambda d: field(d, "spo2").update(min_possible=True),
            "vitals.toml [spo2]: min_possible must be a number",
        ),
        (
            lambda d: field(d, "spo2").update(hard_low=False),
            "vitals.toml [spo2]: hard_low must be a number",
        ),
        (
            lambda d: field(d, "spo2").update(hard_high="95"),
            "vitals.toml [spo2]: hard_high must be a number",
        ),
        (
            lambda d: field(d, "spo2").update(max_storable="big"),
            "vitals.toml [spo2]: max_storable must be a number",
        ),
    ],
)
def test_it_refuses_a_malformed_field(
    edit: Callable[[Change], None], change: Change, message: str
) -> None:
    edit(change)
    with pytest.raises(KnowledgeError) as raised:
        vitals.fields()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: band(d, "spo2").update(key="pulse"),
            "vitals.toml [[news2.critical]]: unknown field 'pulse'",
        ),
        (
            lambda d: band(d, "spo2").pop("at_most"),
            "vitals.toml [[news2.critical]] spo2: needs at_most or at_least",
        ),
        (
            lambda d: band(d, "spo2").update(at_most="91"),
            "vitals.toml [[news2.critical]] spo2: at_most must be a number",
        ),
        (
            lambda d: band(d, "systolic").update(at_least=True),
            "vitals.toml [[news2.critical]] systolic: at_least must be a number",
        ),
        (lambda d: d["news2"].pop("source"), "vitals.toml [news2]: missing or malformed 'source'"),
        (
            lambda d: d["news2"].pop("critical"),
            "vitals.toml [news2]: missing or malformed 'critical'",
        ),
        (lambda d: d.pop("news2"), "vitals.toml [news2]: missing or malformed 'news2'"),
        (
            lambda d: d["news2"].update(critical=8),
            "vitals.toml [news2]: missing or malformed 'int' object is not iterable",
        ),
    ],
)
def test_it_refuses_a_malformed_news2_band(
    edit: Callable[[Change], None], change: Change, message: str
) -> None:
    edit(change)
    with pytest.raises(KnowledgeError) as raised:
        vitals.critical_bands()
    assert str(raised.value) == message


def test_a_band_with_only_an_upper_end_flags_only_high_values(
    edit: Callable[[Change], None],
) -> None:
    edit(lambda d: band(d, "heart_rate").pop("at_most"))
    found = next(b for b in vitals.critical_bands() if b.key == "heart_rate")
    assert (found.at_most, found.at_least, found.source) == (None, 131, "rcp-news2-2017")
    assert vitals.critical_flags({"heart_rate": 30}) == ()
    (flag,) = vitals.critical_flags({"heart_rate": 131})
    assert flag == vitals.CriticalFlag(
        "heart_rate",
        131.0,
        "Heart rate 131 /min is critical: NEWS2 scores 3 at 131 /min or more, which calls for "
        "urgent review.",
        "rcp-news2-2017",
    )


@pytest.mark.parametrize(
    ("key", "bound", "value", "message"),
    [
        ("heart_rate", 30, 29, "Must be at least 30 /min."),
        ("temperature_c", 20, 19.9, "Must be at least 20.0 °C."),
    ],
)
def test_a_lower_bound_above_zero_is_worded_as_such(
    edit: Callable[[Change], None], key: str, bound: float, value: float, message: str
) -> None:
    edit(lambda d: field(d, key).update(min_possible=bound, low=bound + 1))
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({key: value})
    assert raised.value.fields == {key: message}
    assert vitals.validate_vitals({key: bound})[key] == bound


def test_hard_limits_set_in_the_knowledge_file_refuse_entries(
    edit: Callable[[Change], None],
) -> None:
    def limits(data: dict[str, Any]) -> None:
        field(data, "heart_rate").update(hard_low=10, hard_high=300)
        field(data, "spo2").update(hard_low=30)
        field(data, "temperature_c").update(hard_high=45.0)

    edit(limits)
    assert vitals.default_hard_limits() == (
        vitals.VitalRange("heart_rate", 10, 300, "detoxdesk-entry-limits"),
        vitals.VitalRange("temperature_c", None, 45.0, "detoxdesk-entry-limits"),
        vitals.VitalRange("spo2", 30, None, "detoxdesk-entry-limits"),
    )
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({"heart_rate": 301, "spo2": 29, "temperature_c": 45.1})
    assert raised.value.fields == {
        "heart_rate": "Must be between 10 and 300 /min (this program's limit).",
        "spo2": "Must be at least 30 % (this program's limit).",
        "temperature_c": "Must be at most 45.0 °C (this program's limit). "
        "Was it measured in °F? Enter °C.",
    }
    # An explicit empty list of limits overrides the file's.
    assert vitals.validate_vitals({"heart_rate": 301}, hard_limits=[])["heart_rate"] == 301


def test_a_limit_with_neither_end_checks_nothing() -> None:
    limits = [vitals.VitalRange("heart_rate", None, None, "program")]
    assert vitals.validate_vitals({"heart_rate": 5000}, hard_limits=limits)["heart_rate"] == 5000


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        # Only a high temperature is asked about Fahrenheit; a low one or another sign is not.
        (
            {"temperature_c": 29.9},
            {"temperature_c": "Must be at least 30.0 °C (this program's limit)."},
        ),
        ({"heart_rate": 201}, {"heart_rate": "Must be at most 200 /min (this program's limit)."}),
    ],
)
def test_the_fahrenheit_hint_follows_only_a_high_temperature(
    values: dict[str, object], errors: dict[str, str]
) -> None:
    limits = [
        vitals.VitalRange("temperature_c", 30.0, None, "program"),
        vitals.VitalRange("heart_rate", None, 200, "program"),
    ]
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals(values, hard_limits=limits)
    assert raised.value.fields == errors


def test_a_low_temperature_typo_is_not_asked_about_fahrenheit() -> None:
    warnings = vitals.plausibility_warnings({"temperature_c": 29.0})
    assert warnings == {
        "temperature_c": "Temperature 29.0 °C is outside 30.0 to 43.0 °C, the usual range of "
        "entries: check it was typed correctly and confirm it."
    }


def test_a_refused_diastolic_keeps_its_own_message() -> None:
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({"systolic": 120, "diastolic": 40000})
    assert raised.value.fields == {
        "diastolic": "Must be at most 32767 mmHg, the largest value the record holds: check the "
        "entry."
    }
    assert str(raised.value) == "Some vital signs need correcting."


def test_a_refused_systolic_is_not_compared_with_the_diastolic() -> None:
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({"systolic": -1, "diastolic": 80})
    assert raised.value.fields == {"systolic": "Must not be negative."}


def test_a_whole_decimal_is_not_a_whole_number_field_value() -> None:
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({"heart_rate": 88.0})
    assert raised.value.fields == {"heart_rate": "Must be a whole number."}


def test_an_unknown_key_and_a_bad_value_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({"pulse": 80, "spo2": "high"})
    assert raised.value.fields == {
        "pulse": "Not a vital sign this form records.",
        "spo2": "Must be a number.",
    }


def test_an_unknown_key_alone_is_not_asked_for_a_vital_sign() -> None:
    with pytest.raises(InvalidInput) as raised:
        vitals.validate_vitals({"pulse": 80})
    assert raised.value.fields == {"pulse": "Not a vital sign this form records."}


def test_the_module_gives_no_other_lazy_attribute() -> None:
    with pytest.raises(AttributeError) as raised:
        vitals.NOT_A_FIELD  # noqa: B018
    assert str(raised.value) == "module 'detoxdesk.clinical.vitals' has no attribute 'NOT_A_FIELD'"


def test_critical_flags_keep_the_field_order_and_float_values() -> None:
    flags = vitals.critical_flags({"temperature_c": 34, "spo2": 80, "respiratory_rate": 30})
    assert [(f.field, f.value, type(f.value)) for f in flags] == [
        ("respiratory_rate", 30.0, float),
        ("temperature_c", 34.0, float),
        ("spo2", 80.0, float),
    ]
    assert flags[1].message == (
        "Temperature 34.0 °C is critical: NEWS2 scores 3 at 35.0 °C or less, which calls for "
        "urgent review."
    )


def test_a_high_temperature_typo_asks_about_fahrenheit_after_the_whole_message() -> None:
    warnings = vitals.plausibility_warnings({"temperature_c": 98.6})
    assert warnings == {
        "temperature_c": "Temperature 98.6 °C is outside 30.0 to 43.0 °C, the usual range of "
        "entries: check it was typed correctly and confirm it. Was it measured in °F? Enter °C."
    }
