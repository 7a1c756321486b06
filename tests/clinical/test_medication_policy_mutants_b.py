"""The medication policy loader's small helpers and the policy's own methods.

Each helper of ``clinical.medication_policy`` that reads one kind of entry (a table, a number, a
text, a confidence, a list of further sources, a range, a whole number, a parameter, a warning, a
list of codes, an interaction list, the per-class induction tables) is fed each malformed input
directly and must refuse it with its exact message, ``medications.toml [where]: problem``; a
well-formed input must come back whole. The methods of the policy's dataclasses are tested at their
edges. The shipped file is never edited: edited dicts go to the plain helpers.
"""

from __future__ import annotations

import copy
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, medication_policy
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.clinical.medication_policy import (
    LIMIT_UNITS,
    PROGRAM_POLICY,
    Advice,
    Alternative,
    BenzodiazepineRule,
    DrugLimits,
    DrugRules,
    ImpairmentCap,
    InteractionList,
    InteractionMember,
    LowDoseDay,
    MedicationPolicy,
    Parameter,
    default_policy,
)

WHERE = "drugs.x.y"


def refusal(problem: str, where: str = WHERE) -> str:
    return f"medications.toml [{where}]: {problem}"


# --- _fail, _table --------------------------------------------------------------------------------


def test_a_refusal_names_the_file_and_the_entry() -> None:
    error = medication_policy._fail("drugs.lofexidine", "something is wrong")
    assert isinstance(error, KnowledgeError)
    assert str(error) == "medications.toml [drugs.lofexidine]: something is wrong"


def test_a_table_comes_back_as_it_is() -> None:
    table = {"a": 1}
    assert medication_policy._table(table, WHERE) is table


@pytest.mark.parametrize("raw", ["x", ["a"], None, 1], ids=["text", "list", "none", "number"])
def test_anything_but_a_table_is_refused_where_a_table_is_expected(raw: object) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._table(raw, WHERE)
    assert str(raised.value) == refusal("expected a table")


# --- Numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [(0, Decimal(0)), (8, Decimal(8)), (0.72, Decimal("0.72"))]
)
def test_a_number_is_read_exactly(raw: object, expected: Decimal) -> None:
    assert medication_policy._number(raw, WHERE) == expected
    assert medication_policy._optional_number(raw, WHERE) == expected


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("x", "'x'"), ("8", "'8'"), (True, "True"), (None, "None"), ([1], "[1]")],
    ids=["text", "numeral", "bool", "none", "list"],
)
def test_anything_but_a_number_is_refused_showing_what_was_found(raw: object, shown: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._number(raw, WHERE)
    assert str(raised.value) == refusal(f"expected a number, got {shown}")


def test_an_optional_number_may_be_absent() -> None:
    assert medication_policy._optional_number(None, WHERE) is None


def test_an_optional_number_that_is_present_must_be_a_number() -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._optional_number("x", WHERE)
    assert str(raised.value) == refusal("expected a number, got 'x'")


# --- Text -----------------------------------------------------------------------------------------


def test_text_comes_back_as_written_and_may_be_absent() -> None:
    assert medication_policy._text("a note", WHERE) == "a note"
    assert medication_policy._text(None, WHERE) is None
    assert medication_policy._required_text("a note", WHERE) == "a note"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("", "''"), ("   ", "'   '"), (1, "1"), (["a"], "['a']")],
    ids=["empty", "blank", "number", "list"],
)
def test_empty_blank_or_non_text_is_refused_as_text(raw: object, shown: str) -> None:
    for read in (medication_policy._text, medication_policy._required_text):
        with pytest.raises(KnowledgeError) as raised:
            read(raw, WHERE)
        assert str(raised.value) == refusal(f"expected text, got {shown}")


def test_required_text_must_be_present() -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._required_text(None, WHERE)
    assert str(raised.value) == refusal("text is required")


# --- Confidence -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["C", "S", "U"])
def test_a_confidence_is_one_of_c_s_u(raw: str) -> None:
    assert medication_policy._confidence(raw, WHERE) == raw


def test_a_confidence_may_be_absent() -> None:
    assert medication_policy._confidence(None, WHERE) is None


@pytest.mark.parametrize("raw", ["Q", "c", "", 1], ids=["unknown", "lower-case", "empty", "number"])
def test_any_other_confidence_is_refused(raw: object) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._confidence(raw, WHERE)
    assert str(raised.value) == refusal("confidence must be one of C, S, U")


# --- Further sources (`also`) ---------------------------------------------------------------------


def test_further_sources_come_back_in_order() -> None:
    assert medication_policy._also(["fda-2016", "nida-ed-2018"], WHERE) == (
        "fda-2016",
        "nida-ed-2018",
    )
    assert medication_policy._also([], WHERE) == ()


@pytest.mark.parametrize(
    "raw",
    ["fda-2016", ["fda-2016", 1], None, {"fda-2016": 1}],
    ids=["text", "number", "none", "table"],
)
def test_further_sources_must_be_a_list_of_keys(raw: object) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._also(raw, WHERE)
    assert str(raised.value) == refusal("`also` must be a list of source keys")


def test_a_further_source_must_be_registered() -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._also(["fda-2016", "made-up-2024"], WHERE)
    assert str(raised.value) == "Unknown source key 'made-up-2024'."


# --- Competing values (`conflict`) ----------------------------------------------------------------


def test_competing_values_carry_their_value_text_and_source() -> None:
    raw = [{"value": 16, "source": "fda-2016"}, {"text": "two a day", "source": "asam-2020"}]
    assert medication_policy._alternatives(raw, WHERE) == (
        Alternative(value=Decimal(16), text=None, source="fda-2016"),
        Alternative(value=None, text="two a day", source="asam-2020"),
    )
    assert medication_policy._alternatives([], WHERE) == ()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("x", "`conflict` must be a list of tables"),
        ({"value": 1}, "`conflict` must be a list of tables"),
        (["x"], "expected a table"),
        ([{"value": "x", "source": "s"}], "expected a number, got 'x'"),
        ([{"text": 1, "source": "s"}], "expected text, got 1"),
        ([{"value": 1}], "text is required"),
        ([{"value": 1, "source": 1}], "expected text, got 1"),
    ],
    ids=[
        "text",
        "table",
        "entry-not-a-table",
        "value-text",
        "text-a-number",
        "no-source",
        "source-a-number",
    ],
)
def test_malformed_competing_values_are_refused(raw: object, problem: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._alternatives(raw, WHERE)
    assert str(raised.value) == refusal(problem)


# --- The rules a parameter must keep (_check_parameter) -------------------------------------------


def parameter(**changes: Any) -> Parameter:
    base: dict[str, Any] = {
        "name": WHERE,
        "unit": "mg",
        "value": Decimal(4),
        "source": "nida-ed-2018",
        "confidence": "C",
        "note": None,
    }
    return Parameter(**{**base, **changes})


@pytest.mark.parametrize(
    "accepted",
    [
        parameter(),
        parameter(confidence="S"),
        parameter(note="why"),
        parameter(value=None, source=None, confidence=None, note="why"),
        parameter(value=None, confidence="U", note="why"),
        parameter(value=None, source=None, confidence="U", note="why"),
    ],
    ids=[
        "set-confirmed",
        "set-secondary",
        "set-with-note",
        "unset-with-only-a-note",
        "unset-unconfirmed",
        "unset-unconfirmed-without-source",
    ],
)
def test_a_parameter_keeping_the_rules_is_accepted_as_it_is(accepted: Parameter) -> None:
    assert medication_policy._check_parameter(accepted) is accepted


@pytest.mark.parametrize(
    ("refused", "problem"),
    [
        (parameter(confidence="U"), "an unconfirmed [U] value must ship unset"),
        (parameter(confidence="U", source=None), "an unconfirmed [U] value must ship unset"),
        (parameter(source=None), "a value needs a source and a confidence"),
        (parameter(confidence=None), "a value needs a source and a confidence"),
        (parameter(source=None, confidence=None), "a value needs a source and a confidence"),
        (parameter(value=None), "an unset parameter needs a note saying why"),
        (
            parameter(value=None, source=None, confidence=None),
            "an unset parameter needs a note saying why",
        ),
    ],
    ids=[
        "set-unconfirmed",
        "set-unconfirmed-without-source",
        "set-without-source",
        "set-without-confidence",
        "set-without-either",
        "unset-without-note",
        "unset-bare",
    ],
)
def test_a_parameter_breaking_a_rule_is_refused_naming_it(refused: Parameter, problem: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._check_parameter(refused)
    assert str(raised.value) == refusal(problem)


# --- A parameter entry (_parameter) ---------------------------------------------------------------

FULL_ENTRY = {
    "value": 0.72,
    "unit": "mg",
    "source": "lofexidine-label",
    "also": ["fda-2016", "nida-ed-2018"],
    "confidence": "S",
    "note": "4 tablets of 0.18 mg.",
    "advice": "Hold for low blood pressure.",
    "conflict": [{"value": 0.54, "source": "asam-2020"}],
}


def read_parameter(entry: object, key: str = "max_dose_mg", unit: str = "mg") -> Parameter:
    return medication_policy._parameter({key: copy.deepcopy(entry)}, key, unit, "drugs.x")


def test_a_parameter_entry_carries_every_key() -> None:
    assert read_parameter(FULL_ENTRY) == Parameter(
        name="drugs.x.max_dose_mg",
        unit="mg",
        value=Decimal("0.72"),
        source="lofexidine-label",
        confidence="S",
        note="4 tablets of 0.18 mg.",
        advice="Hold for low blood pressure.",
        also=("fda-2016", "nida-ed-2018"),
        alternatives=(Alternative(Decimal("0.54"), None, "asam-2020"),),
        declared=True,
    )


def test_an_unset_parameter_entry_is_declared_with_its_note() -> None:
    assert read_parameter({"unit": "COWS", "note": "why"}, "min_rise", "COWS") == Parameter(
        name="drugs.x.min_rise", unit="COWS", note="why", declared=True
    )


def test_a_parameter_absent_from_its_table_is_unset_and_undeclared() -> None:
    found = medication_policy._parameter({"other": FULL_ENTRY}, "max_dose_mg", "mg", "drugs.x")
    assert found == Parameter(name="drugs.x.max_dose_mg", unit="mg")
    assert found.declared is False


def entry_with(**changes: object) -> dict[str, Any]:
    edited: dict[str, Any] = {**copy.deepcopy(FULL_ENTRY), **changes}
    return {key: value for key, value in edited.items() if value is not None}


PARAMETER_REFUSALS = [
    ("not-a-table", "x", "expected a table"),
    ("unknown-keys", entry_with(zeta=1, alpha=2), "unknown keys ['alpha', 'zeta']"),
    ("wrong-unit", entry_with(unit="g"), "the unit must be 'mg'"),
    ("no-unit", entry_with(unit=None), "the unit must be 'mg'"),
    ("value-text", entry_with(value="x"), "expected a number, got 'x'"),
    ("source-a-number", entry_with(source=1), "expected text, got 1"),
    ("unknown-confidence", entry_with(confidence="Q"), "confidence must be one of C, S, U"),
    ("note-a-number", entry_with(note=1), "expected text, got 1"),
    ("advice-a-number", entry_with(advice=1), "expected text, got 1"),
    ("also-text", entry_with(also="fda-2016"), "`also` must be a list of source keys"),
    ("conflict-text", entry_with(conflict="x"), "`conflict` must be a list of tables"),
    ("unconfirmed-value", entry_with(confidence="U"), "an unconfirmed [U] value must ship unset"),
    ("value-without-source", entry_with(source=None), "a value needs a source and a confidence"),
    (
        "unset-without-note",
        entry_with(value=None, note=None),
        "an unset parameter needs a note saying why",
    ),
]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [(raw, problem) for _, raw, problem in PARAMETER_REFUSALS],
    ids=[name for name, _, _ in PARAMETER_REFUSALS],
)
def test_a_malformed_parameter_entry_is_refused_naming_the_parameter(
    raw: object, problem: str
) -> None:
    with pytest.raises(KnowledgeError) as raised:
        read_parameter(raw)
    assert str(raised.value) == refusal(problem, "drugs.x.max_dose_mg")


def test_a_parameter_needs_no_further_sources_nor_competing_values() -> None:
    found = read_parameter(entry_with(also=None, conflict=None))
    assert (found.also, found.alternatives, found.value) == ((), (), Decimal("0.72"))


# --- Ranges and whole numbers ---------------------------------------------------------------------


def test_a_range_is_read_as_its_two_ends() -> None:
    assert medication_policy._range([10, 30], WHERE) == (Decimal(10), Decimal(30))
    assert medication_policy._range([0.5, 2], WHERE) == (Decimal("0.5"), Decimal(2))


def test_a_range_may_be_one_value_or_absent() -> None:
    assert medication_policy._range([12, 12], WHERE) == (Decimal(12), Decimal(12))
    assert medication_policy._range(None, WHERE) is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("x", "a range is a list [low, high]"),
        ("ab", "a range is a list [low, high]"),
        ((1, 2), "a range is a list [low, high]"),
        (5, "a range is a list [low, high]"),
        ([1], "a range is a list [low, high]"),
        ([1, 2, 3], "a range is a list [low, high]"),
        ([], "a range is a list [low, high]"),
        (["x", 2], "expected a number, got 'x'"),
        ([1, "y"], "expected a number, got 'y'"),
        ([31, 30], "a range's low end must not be above its high end"),
    ],
    ids=[
        "text",
        "two-letters",
        "tuple",
        "number",
        "one-end",
        "three-ends",
        "empty",
        "low-text",
        "high-text",
        "low-above-high",
    ],
)
def test_a_malformed_range_is_refused(raw: object, problem: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._range(raw, WHERE)
    assert str(raised.value) == refusal(problem)


@pytest.mark.parametrize("raw", [0, 3, -1])
def test_a_whole_number_is_read_as_it_is(raw: int) -> None:
    assert medication_policy._integer(raw, WHERE) == raw
    assert medication_policy._required_integer(raw, WHERE) == raw


def test_a_whole_number_may_be_absent_unless_required() -> None:
    assert medication_policy._integer(None, WHERE) is None
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._required_integer(None, WHERE)
    assert str(raised.value) == refusal("a whole number is required")


@pytest.mark.parametrize(
    "raw",
    [True, False, 1.5, 2.0, "3", Decimal(3)],
    ids=["true", "false", "fraction", "float", "text", "decimal"],
)
def test_anything_but_a_whole_number_is_refused(raw: object) -> None:
    for read in (medication_policy._integer, medication_policy._required_integer):
        with pytest.raises(KnowledgeError) as raised:
            read(raw, WHERE)
        assert str(raised.value) == refusal("expected a whole number")


# --- Warnings (_advice, _required_advice) ---------------------------------------------------------

ADVICE = {
    "code": "naloxone_offer",
    "message": "Offer naloxone.",
    "source": "fda-naloxone-2020",
    "confidence": "C",
}
ADVICE_READ = Advice("naloxone_offer", "Offer naloxone.", "fda-naloxone-2020", "C")


def advice_with(**changes: object) -> dict[str, Any]:
    edited: dict[str, Any] = {**ADVICE, **changes}
    return {key: value for key, value in edited.items() if value is not None}


def test_a_warning_carries_its_code_message_source_and_confidence() -> None:
    assert medication_policy._advice(dict(ADVICE), WHERE) == ADVICE_READ
    assert medication_policy._required_advice(dict(ADVICE), WHERE) == ADVICE_READ


def test_a_warning_may_be_absent_where_it_is_optional() -> None:
    assert medication_policy._advice(None, WHERE) is None


def test_a_required_warning_may_name_further_sources() -> None:
    raw = advice_with(also=["asam-2020", "nida-ed-2018"])
    assert medication_policy._required_advice(raw, WHERE) == ADVICE_READ


ADVICE_REFUSALS = [
    ("not-a-table", "x", "expected a table"),
    ("no-code", advice_with(code=None), "text is required"),
    ("code-a-number", advice_with(code=1), "expected text, got 1"),
    ("no-message", advice_with(message=None), "text is required"),
    ("blank-message", advice_with(message=" "), "expected text, got ' '"),
    ("no-source", advice_with(source=None), "text is required"),
    ("source-a-number", advice_with(source=1), "expected text, got 1"),
    ("no-confidence", advice_with(confidence=None), "text is required"),
    ("unknown-confidence", advice_with(confidence="Q"), "confidence must be one of C, S, U"),
]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [(raw, problem) for _, raw, problem in ADVICE_REFUSALS],
    ids=[name for name, _, _ in ADVICE_REFUSALS],
)
def test_a_malformed_warning_is_refused(raw: object, problem: str) -> None:
    for read in (medication_policy._advice, medication_policy._required_advice):
        with pytest.raises(KnowledgeError) as raised:
            read(copy.deepcopy(raw), WHERE)
        assert str(raised.value) == refusal(problem)


def test_a_required_warning_must_be_there() -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._required_advice(None, WHERE)
    assert str(raised.value) == refusal("expected a table")


@pytest.mark.parametrize(
    ("also", "message"),
    [
        ("asam-2020", refusal("`also` must be a list of source keys")),
        ([1], refusal("`also` must be a list of source keys")),
        (["made-up-2024"], "Unknown source key 'made-up-2024'."),
    ],
    ids=["text", "number", "unregistered"],
)
def test_a_required_warning_refuses_bad_further_sources(also: object, message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._required_advice(advice_with(also=also), WHERE)
    assert str(raised.value) == message


# --- One parameter per opioid class (_per_class) --------------------------------------------------


def gate(value: int) -> dict[str, Any]:
    return {
        "value": value,
        "unit": "COWS",
        "source": "acep-bupe-tool",
        "confidence": "C",
        "note": "n",
    }


def per_class(table: dict[str, Any]) -> dict[str, Parameter]:
    return medication_policy._per_class(copy.deepcopy(table), "COWS", "induction.cows_gate")


def test_each_opioid_class_reads_its_own_entry() -> None:
    table = {
        "short_acting": gate(8),
        "extended_release": gate(13),
        "methadone": gate(14),
        "fentanyl": gate(9),
    }
    found = per_class(table)
    assert list(found) == ["short_acting", "extended_release", "methadone", "fentanyl"]
    assert {key: (item.name, item.unit, item.value) for key, item in found.items()} == {
        "short_acting": ("induction.cows_gate.short_acting", "COWS", Decimal(8)),
        "extended_release": ("induction.cows_gate.extended_release", "COWS", Decimal(13)),
        "methadone": ("induction.cows_gate.methadone", "COWS", Decimal(14)),
        "fentanyl": ("induction.cows_gate.fentanyl", "COWS", Decimal(9)),
    }


def test_a_class_that_is_the_same_as_another_takes_its_value_under_its_own_name() -> None:
    table = {
        "short_acting": gate(8),
        "extended_release": gate(13),
        "methadone": {"same_as": "extended_release"},
        "fentanyl": {"same_as": "short_acting"},
    }
    found = per_class(table)
    assert found["fentanyl"] == replace(
        found["short_acting"],
        name="induction.cows_gate.fentanyl",
        note="SPEC gives no value for fentanyl: the short_acting value applies.",
    )
    assert found["methadone"] == replace(
        found["extended_release"],
        name="induction.cows_gate.methadone",
        note="SPEC gives no value for methadone: the extended_release value applies.",
    )
    assert found["short_acting"].note == "n"


def test_a_class_absent_from_the_table_is_unset_and_undeclared() -> None:
    found = per_class({"short_acting": gate(8), "fentanyl": {"same_as": "short_acting"}})
    assert found["methadone"] == Parameter(name="induction.cows_gate.methadone", unit="COWS")
    assert found["fentanyl"].value == Decimal(8)


@pytest.mark.parametrize(
    "table",
    [
        {"short_acting": gate(8), "fentanyl": {"same_as": "heroin"}},
        {
            "short_acting": gate(8),
            "methadone": {"same_as": "fentanyl"},
            "fentanyl": {"same_as": "short_acting"},
        },
    ],
    ids=["unknown-class", "another-same-as"],
)
def test_same_as_must_name_a_class_with_its_own_value(table: dict[str, Any]) -> None:
    target = table.get("methadone", table["fentanyl"])["same_as"]
    key = "methadone" if "methadone" in table else "fentanyl"
    with pytest.raises(KnowledgeError) as raised:
        per_class(table)
    assert str(raised.value) == refusal(
        f"same_as names no class with a value: {target!r}", f"induction.cows_gate.{key}"
    )


def test_a_class_entry_that_is_not_a_table_is_refused_naming_the_tables() -> None:
    with pytest.raises(KnowledgeError) as raised:
        per_class({"short_acting": "x"})
    assert str(raised.value) == refusal("expected a table", "induction.cows_gate")


def test_a_class_entry_in_the_wrong_unit_is_refused_naming_the_class() -> None:
    wrong = {**gate(8), "unit": "h"}
    with pytest.raises(KnowledgeError) as raised:
        per_class({"short_acting": wrong})
    assert str(raised.value) == refusal(
        "the unit must be 'COWS'", "induction.cows_gate.short_acting"
    )


# --- Lists of codes, the benzodiazepine rule, interaction lists -----------------------------------


def test_a_list_of_codes_comes_back_in_order() -> None:
    assert medication_policy._codes(["methadone", "morphine"], WHERE) == ("methadone", "morphine")
    assert medication_policy._codes([], WHERE) == ()


@pytest.mark.parametrize(
    "raw",
    ["methadone", ["methadone", ""], ["methadone", 1], None],
    ids=["text", "empty-code", "number", "none"],
)
def test_a_malformed_list_of_codes_is_refused(raw: object) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._codes(raw, WHERE)
    assert str(raised.value) == refusal("expected a list of codes")


BENZODIAZEPINE = {
    "drugs": ["buprenorphine", "methadone"],
    "benzodiazepines": ["lorazepam", "diazepam"],
    "source": "fda-2017",
    "also": ["fda-2016"],
    "confidence": "C",
    "advice": "Do not withhold.",
}


def benzodiazepine_with(**changes: object) -> dict[str, Any]:
    edited: dict[str, Any] = {**copy.deepcopy(BENZODIAZEPINE), **changes}
    return {key: value for key, value in edited.items() if value is not None}


def test_the_benzodiazepine_rule_carries_its_drugs_codes_source_and_advice() -> None:
    assert medication_policy._benzodiazepine(benzodiazepine_with()) == BenzodiazepineRule(
        drugs=frozenset({"buprenorphine", "methadone"}),
        source="fda-2017",
        advice="Do not withhold.",
        benzodiazepines=frozenset({"lorazepam", "diazepam"}),
    )


def test_the_benzodiazepine_rule_needs_no_codes_nor_further_sources() -> None:
    rule = medication_policy._benzodiazepine(benzodiazepine_with(benzodiazepines=None, also=None))
    assert (rule.benzodiazepines, rule.drugs) == (
        frozenset(),
        frozenset({"buprenorphine", "methadone"}),
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("x", refusal("expected a table", "benzodiazepine_with_opioid")),
        (
            benzodiazepine_with(also="fda-2016"),
            refusal("`also` must be a list of source keys", "benzodiazepine_with_opioid"),
        ),
        (
            benzodiazepine_with(benzodiazepines="lorazepam"),
            refusal("expected a list of codes", "benzodiazepines"),
        ),
    ],
    ids=["not-a-table", "also-text", "codes-text"],
)
def test_a_malformed_benzodiazepine_rule_is_refused(raw: object, message: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._benzodiazepine(raw)
    assert str(raised.value) == message


@pytest.mark.parametrize("key", ["drugs", "source", "advice"])
def test_the_benzodiazepine_rule_needs_its_drugs_source_and_advice(key: str) -> None:
    with pytest.raises(KeyError) as raised:
        medication_policy._benzodiazepine(benzodiazepine_with(**{key: None}))
    assert raised.value.args == (key,)


MEMBER = {"drug": "ondansetron", "source": "fda-ondansetron-2011", "confidence": "C"}
MEMBER_READ = InteractionMember("ondansetron", "ondansetron", "fda-ondansetron-2011", "C")
INTERACTIONS = {"drugs": ["methadone"], "advice": "Take an ECG.", "members": [MEMBER]}


def interactions_with(**changes: object) -> dict[str, Any]:
    edited: dict[str, Any] = {**copy.deepcopy(INTERACTIONS), **changes}
    return {key: value for key, value in edited.items() if value is not None}


def test_an_interaction_list_carries_its_drugs_members_and_advice() -> None:
    assert medication_policy._interactions(interactions_with(), "qt") == InteractionList(
        drugs=frozenset({"methadone"}), members=(MEMBER_READ,), advice="Take an ECG."
    )


def test_an_interaction_list_given_its_drugs_ignores_the_table_s() -> None:
    opioids = frozenset({"methadone", "morphine"})
    found = medication_policy._interactions(interactions_with(drugs=None), "cns", opioids)
    assert found == InteractionList(drugs=opioids, members=(MEMBER_READ,), advice="Take an ECG.")
    found = medication_policy._interactions(interactions_with(), "cns", opioids)
    assert found.drugs == opioids


def test_an_interaction_list_may_be_empty() -> None:
    assert medication_policy._interactions(interactions_with(members=[]), "qt").members == ()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("x", "expected a table"),
        (interactions_with(members=None), "members must be a list of tables"),
        (interactions_with(members=MEMBER), "members must be a list of tables"),
        (interactions_with(members=["x"]), "expected a table"),
        (
            interactions_with(members=[{**MEMBER, "confidence": "Q"}]),
            "confidence must be one of C, S, U",
        ),
        (interactions_with(drugs="methadone"), "expected a list of codes"),
        (interactions_with(advice=None), "text is required"),
        (interactions_with(advice=1), "expected text, got 1"),
    ],
    ids=[
        "not-a-table",
        "no-members",
        "members-a-table",
        "member-not-a-table",
        "member-confidence",
        "drugs-text",
        "no-advice",
        "advice-a-number",
    ],
)
def test_a_malformed_interaction_list_is_refused_naming_it(raw: object, problem: str) -> None:
    with pytest.raises(KnowledgeError) as raised:
        medication_policy._interactions(raw, "qt")
    assert str(raised.value) == refusal(problem, "qt")


def test_an_interaction_list_without_drugs_of_its_own_needs_them() -> None:
    with pytest.raises(KeyError) as raised:
        medication_policy._interactions(interactions_with(drugs=None), "qt")
    assert raised.value.args == ("drugs",)


# --- Parameter ------------------------------------------------------------------------------------

SHIPPED = Parameter(
    name="drugs.lofexidine.max_dose_mg",
    unit="mg",
    value=Decimal("0.72"),
    source="lofexidine-label",
    confidence="C",
    note="4 tablets of 0.18 mg.",
    advice="advice",
    also=("fda-2016",),
    alternatives=(Alternative(Decimal("0.54"), None, "asam-2020"),),
    declared=False,
)


def test_a_program_value_replaces_the_value_and_names_the_program() -> None:
    assert PROGRAM_POLICY == "program-policy"
    assert SHIPPED.with_value("0.54") == replace(
        SHIPPED,
        value=Decimal("0.54"),
        source="program-policy",
        confidence=None,
        also=(),
        declared=True,
    )


def test_a_program_value_may_name_who_set_it_and_may_be_zero() -> None:
    changed = SHIPPED.with_value(0, source="clinic-7")
    assert (changed.value, changed.source, changed.declared) == (Decimal(0), "clinic-7", True)
    assert changed.is_set and changed.cited == "clinic-7"
    assert SHIPPED.with_value(1.5).value == Decimal("1.5")


def test_clearing_a_value_leaves_it_unset_without_a_source_but_declared() -> None:
    cleared = SHIPPED.with_value(None, source="clinic-7")
    assert cleared == replace(
        SHIPPED, value=None, source=None, confidence=None, also=(), declared=True
    )
    assert not cleared.is_set
    assert cleared.cited == "program-policy"


def test_a_bool_is_not_a_program_value() -> None:
    with pytest.raises(InvalidInput):
        SHIPPED.with_value(True)


# --- ImpairmentCap.contains -----------------------------------------------------------------------


def cap(low: int | None, below: int | None) -> ImpairmentCap:
    return ImpairmentCap(
        "band",
        None if low is None else Decimal(low),
        None if below is None else Decimal(below),
        Decimal(1),
        Decimal(2),
        "s",
        "C",
    )


@pytest.mark.parametrize(
    ("low", "below", "measure", "inside"),
    [
        (10, 20, 9, False),
        (10, 20, 10, True),
        (10, 20, 11, True),
        (10, 20, 19, True),
        (10, 20, 20, False),
        (10, 20, 21, False),
        (10, 20, 25, False),
        (10, 20, 5, False),
        (None, 20, -1000, True),
        (None, 20, 19, True),
        (None, 20, 20, False),
        (10, None, 9, False),
        (10, None, 10, True),
        (10, None, 100000, True),
        (None, None, 0, True),
    ],
)
def test_a_band_runs_from_its_low_end_up_to_but_not_including_below(
    low: int | None, below: int | None, measure: int, inside: bool
) -> None:
    assert cap(low, below).contains(Decimal(measure)) is inside


# --- DrugRules.unset ------------------------------------------------------------------------------


def limits(**parameters: Parameter) -> DrugLimits:
    undeclared = {key: Parameter(name=key, unit=unit) for key, unit in LIMIT_UNITS.items()}
    return DrugLimits(**{**undeclared, **parameters})


def test_only_declared_limits_without_a_value_are_unset_in_field_order() -> None:
    late = Parameter("ecg_max_age_days", "d", note="why", declared=True)
    early = Parameter("max_dose_mg", "mg", note="why", declared=True)
    rules = DrugRules(
        drug="x",
        label="X",
        indications=(),
        limits=limits(
            ecg_max_age_days=late,
            max_dose_mg=early,
            max_daily_mg=Parameter("max_daily_mg", "mg", Decimal(3), "s", "C", declared=True),
            min_interval_min=Parameter("min_interval_min", "min", Decimal(60), "s", "C"),
        ),
        usual=None,
        hepatic_caps=(),
        renal_caps=(),
        over_cap_warning=None,
    )
    assert rules.unset() == (early, late)
    assert [item.name for item in fields(DrugLimits)][0] == "max_dose_mg"


def test_a_drug_with_every_limit_undeclared_has_none_unset() -> None:
    rules = DrugRules("x", "X", (), limits(), None, (), (), None)
    assert rules.unset() == ()


def test_the_shipped_lofexidine_leaves_its_holds_unset() -> None:
    names = [item.name for item in default_policy().rules("lofexidine").unset()]
    assert names[:3] == [
        "lofexidine.hold_systolic_below",
        "lofexidine.hold_diastolic_below",
        "lofexidine.hold_heart_rate_below",
    ]


# --- InductionPolicy.cows_gate / wait_hours -------------------------------------------------------

CLASSES = ("short_acting", "extended_release", "methadone", "fentanyl")


@pytest.mark.parametrize("opioid_class", CLASSES)
def test_each_class_has_its_own_gate_and_wait(opioid_class: str) -> None:
    induction = default_policy().induction
    assert induction.cows_gate(opioid_class) is getattr(induction, f"cows_gate_{opioid_class}")
    assert induction.wait_hours(opioid_class) is getattr(induction, f"wait_hours_{opioid_class}")
    assert induction.cows_gate(opioid_class).name == f"induction.cows_gate.{opioid_class}"
    assert induction.wait_hours(opioid_class).name == f"induction.wait_hours.{opioid_class}"


def test_an_unknown_class_has_no_gate_nor_wait() -> None:
    induction = default_policy().induction
    with pytest.raises(KeyError):
        induction.cows_gate("heroin")
    with pytest.raises(KeyError):
        induction.wait_hours("heroin")


# --- OpioidAgonists.all, InteractionList ----------------------------------------------------------


def test_every_opioid_is_a_partial_or_a_full_agonist() -> None:
    opioids = replace(
        default_policy().opioids, partial=frozenset({"p"}), full=frozenset({"f", "g"})
    )
    assert opioids.all == frozenset({"p", "f", "g"})


FIRST = InteractionMember("lofexidine", "lofexidine", "lofexidine-label", "S")
SECOND = InteractionMember("ondansetron", "an antiemetic", "fda-ondansetron-2011", "C")
QT = InteractionList(frozenset({"methadone"}), (FIRST, SECOND), "Take an ECG.")


def test_a_member_is_found_by_its_code() -> None:
    assert QT.member("ondansetron") is SECOND
    assert QT.member("lofexidine") is FIRST
    assert QT.member("trazodone") is None
    assert QT.codes() == frozenset({"lofexidine", "ondansetron"})


def test_a_program_adds_members_after_the_shipped_ones_marked_unconfirmed() -> None:
    extended = QT.extended({"trazodone": "an antidepressant", "quetiapine": "an antipsychotic"})
    assert extended == InteractionList(
        frozenset({"methadone"}),
        (
            FIRST,
            SECOND,
            InteractionMember("trazodone", "an antidepressant", "program-policy", "U"),
            InteractionMember("quetiapine", "an antipsychotic", "program-policy", "U"),
        ),
        "Take an ECG.",
    )


def test_a_program_cannot_replace_a_shipped_member_and_may_name_itself() -> None:
    extended = QT.extended({"ondansetron": "other", "trazodone": "t"}, source="clinic-7")
    assert extended.members == (FIRST, SECOND, InteractionMember("trazodone", "t", "clinic-7", "U"))
    assert QT.extended({}) == QT


# --- MedicationPolicy -----------------------------------------------------------------------------


def test_the_drug_names_come_in_the_order_of_the_file() -> None:
    policy = default_policy()
    assert policy.drug_names() == tuple(knowledge.load("medications")["drugs"])
    assert policy.drug_names()[:2] == ("buprenorphine", "methadone")


def test_the_interaction_codes_join_every_list() -> None:
    policy = default_policy()
    policy = replace(
        policy,
        opioids=replace(policy.opioids, partial=frozenset({"p"}), full=frozenset({"f"})),
        benzodiazepine=replace(policy.benzodiazepine, benzodiazepines=frozenset({"b"})),
        qt_with_methadone=replace(policy.qt_with_methadone, members=(FIRST,)),
        cns_depressants=replace(policy.cns_depressants, members=(SECOND,)),
    )
    assert policy.interaction_codes() == frozenset({"p", "f", "b", "lofexidine", "ondansetron"})


def test_each_drug_s_rules_are_found_by_its_name() -> None:
    policy = default_policy()
    for drug in policy.drug_names():
        assert policy.rules(drug).drug == drug


def test_an_unknown_drug_is_refused_naming_the_drug_field_and_the_known_drugs() -> None:
    policy = default_policy()
    message = f"Unknown drug 'heroin'. Known drugs: {', '.join(policy.drug_names())}."
    with pytest.raises(InvalidInput) as raised:
        policy.rules("heroin")
    assert (str(raised.value), raised.value.fields) == (message, {"drug": message})
    assert message.startswith("Unknown drug 'heroin'. Known drugs: buprenorphine, methadone, ")


def test_new_rules_replace_only_their_own_drug_in_place() -> None:
    policy = default_policy()
    changed = replace(policy.rules("methadone"), label="Methadone (program)")
    updated = policy.with_rules(changed)
    assert isinstance(updated, MedicationPolicy)
    assert updated.drug_names() == policy.drug_names()
    assert updated.rules("methadone") is changed
    assert all(
        updated.rules(drug) is policy.rules(drug)
        for drug in policy.drug_names()
        if drug != "methadone"
    )
    assert (updated.induction, updated.opioids) == (policy.induction, policy.opioids)
    assert policy.rules("methadone").label == "Methadone"


def test_rules_for_an_unknown_drug_cannot_be_added() -> None:
    policy = default_policy()
    stray = replace(policy.rules("methadone"), drug="heroin")
    with pytest.raises(InvalidInput) as raised:
        policy.with_rules(stray)
    assert raised.value.fields == {"drug": str(raised.value)}


# --- Bands starting at zero (_bands) --------------------------------------------------------------


def band_entry(label: str, low: object, below: object) -> dict[str, Any]:
    entry = {
        "label": label,
        "max_dose_mg": 0.36,
        "max_daily_mg": 1.44,
        "source": "lofexidine-label",
        "confidence": "C",
    }
    return {**entry, "from": low, "below": below} if below is not None else {**entry, "from": low}


def test_a_band_from_zero_sorts_below_a_band_from_a_fraction() -> None:
    raw = [band_entry("upper", 0.5, None), band_entry("lowest", 0, 0.5)]
    bands = medication_policy._bands(raw, "lofexidine", "renal_caps")
    assert [(band.label, band.low, band.below) for band in bands] == [
        ("upper", Decimal("0.5"), None),
        ("lowest", Decimal(0), Decimal("0.5")),
    ]


# --- The low-dose stop day and the induction texts (_low_dose_days, _induction) -----------------


def test_only_a_day_marked_true_stops_the_full_agonist() -> None:
    raw = [
        {"day": 1, "dose_mg": 0.5, "times_per_day": 1},
        {"day": 2, "dose_mg": 1, "times_per_day": 2, "stop_full_agonist": False},
        {"day": 3, "dose_mg": 2, "times_per_day": 2, "stop_full_agonist": "yes"},
        {"day": 4, "dose_mg": 12, "times_per_day": 1, "stop_full_agonist": True},
    ]
    days = medication_policy._low_dose_days(raw)
    assert days == (
        LowDoseDay(1, Decimal("0.5"), 1, False),
        LowDoseDay(2, Decimal(1), 2, False),
        LowDoseDay(3, Decimal(2), 2, False),
        LowDoseDay(4, Decimal(12), 1, True),
    )


def test_the_shipped_schedule_stops_the_full_agonist_on_its_last_day_only() -> None:
    days = default_policy().induction.low_dose_days
    assert [day.stop_full_agonist for day in days] == [False] * 6 + [True]


def test_the_precipitated_withdrawal_and_pregnancy_texts_are_carried_as_written() -> None:
    data = knowledge.load("medications")
    precipitated, pregnancy = data["induction"]["precipitated_withdrawal"], data["pregnancy"]
    induction = default_policy().induction
    assert (
        induction.precipitated_source,
        induction.precipitated_guidance,
        induction.pregnancy_source,
        induction.pregnancy_note,
    ) == (
        precipitated["source"],
        precipitated["guidance"],
        pregnancy["source"],
        pregnancy["note"],
    )
    assert (induction.precipitated_source, induction.pregnancy_source) == (
        "oakley-2021",
        "acog-711",
    )
    assert induction.pregnancy_note.startswith("Opioid agonist treatment")
    assert induction.precipitated_guidance.startswith("The published approach")
