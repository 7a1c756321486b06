"""The medication policy loader carries every entry of medications.toml into the policy, and
refuses each malformed drug, impairment band, usual regimen, interaction member, opioid list and
induction table with its exact message.

Each refusal edits one entry of a copy of the parsed file and builds the policy from it. The
message names the entry (``medications.toml [where]: problem``) so staff fixing the file know
where to look. The expected values of the carried entries are read from the file itself, so the
tests pin the loading, never a clinical number of their own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, medication_policy
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.clinical.medication_policy import (
    Advice,
    ImpairmentCap,
    InteractionMember,
    MedicationPolicy,
    Parameter,
    default_policy,
)

Change = Callable[[dict[str, Any]], None]


def shipped() -> dict[str, Any]:
    """A fresh, mutable copy of the parsed medications.toml."""
    return copy.deepcopy(dict(knowledge.load("medications")))


def built_from(monkeypatch: pytest.MonkeyPatch, change: Change) -> MedicationPolicy:
    """The policy built from medications.toml after ``change`` edits a copy of the parsed data."""
    data = shipped()
    change(data)
    load = knowledge.load
    monkeypatch.setattr(
        knowledge, "load", lambda name: data if name == "medications" else load(name)
    )
    medication_policy.default_policy.cache_clear()
    return default_policy()


def at(data: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    target: Any = data
    for part in path:
        target = target[part]
    return target


def setting(*path: str | int, value: object) -> Change:
    """A change that sets the entry at ``path`` to ``value``."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path
        at(data, tuple(parents))[last] = copy.deepcopy(value)

    return change


def removing(*path: str | int) -> Change:
    """A change that deletes the entry at ``path``."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path
        del at(data, tuple(parents))[last]

    return change


def adding(*path: str | int, item: object) -> Change:
    """A change that appends ``item`` to the list at ``path``."""

    def change(data: dict[str, Any]) -> None:
        at(data, path).append(item)

    return change


def number(raw: object) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))


LOPERAMIDE = ("drugs", "loperamide")
LOFEXIDINE_USUAL = ("drugs", "lofexidine", "usual")
HEPATIC_BAND = ("drugs", "lofexidine", "hepatic_caps", 0)
QT_MEMBER = ("qt_with_methadone", "members", 0)
CNS_MEMBER = ("cns_depressants", "members", 0)
DAYS = ("induction", "low_dose_initiation", "days")

REFUSALS: list[tuple[str, Change, str]] = [
    # A drug's own table, keys, indications, label, regimen, bands and warnings.
    ("drug-not-a-table", setting(*LOPERAMIDE, value="x"), "[drugs.loperamide]: expected a table"),
    (
        "drug-unknown-key",
        setting(*LOPERAMIDE, "dose", value=1),
        "[drugs.loperamide]: unknown keys ['dose']",
    ),
    (
        "indications-text-not-a-list",
        setting(*LOPERAMIDE, "indications", value="diarrhoea"),
        "[drugs.loperamide]: indications must be a list of text",
    ),
    (
        "indications-list-of-numbers",
        setting(*LOPERAMIDE, "indications", value=[1]),
        "[drugs.loperamide]: indications must be a list of text",
    ),
    ("drug-without-label", removing(*LOPERAMIDE, "label"), "[drugs.loperamide]: text is required"),
    (
        "usual-not-a-table",
        setting(*LOPERAMIDE, "usual", value="x"),
        "[drugs.loperamide.usual]: expected a table",
    ),
    (
        "over-cap-warning-without-code",
        removing(*LOPERAMIDE, "over_cap_warning", "code"),
        "[drugs.loperamide]: text is required",
    ),
    (
        "pregnancy-caution-without-code",
        removing("drugs", "lofexidine", "pregnancy_caution", "code"),
        "[drugs.lofexidine]: text is required",
    ),
    (
        "qtc-unknown-warning-without-code",
        removing("drugs", "methadone", "qtc_unknown_warning", "code"),
        "[drugs.methadone]: text is required",
    ),
    (
        "hepatic-bands-not-a-list",
        setting("drugs", "lofexidine", "hepatic_caps", value="x"),
        "[drugs.lofexidine.hepatic_caps]: expected a list of tables",
    ),
    (
        "renal-bands-not-a-list",
        setting("drugs", "lofexidine", "renal_caps", value="x"),
        "[drugs.lofexidine.renal_caps]: expected a list of tables",
    ),
    # An impairment band (named by its drug alone).
    (
        "hepatic-band-not-a-table",
        setting(*HEPATIC_BAND, value="x"),
        "[lofexidine]: expected a table",
    ),
    (
        "renal-band-not-a-table",
        setting("drugs", "lofexidine", "renal_caps", 0, value="x"),
        "[lofexidine]: expected a table",
    ),
    ("band-without-label", removing(*HEPATIC_BAND, "label"), "[lofexidine]: text is required"),
    (
        "band-from-text",
        setting(*HEPATIC_BAND, "from", value="x"),
        "[lofexidine]: expected a number, got 'x'",
    ),
    (
        "band-below-text",
        setting(*HEPATIC_BAND, "below", value="x"),
        "[lofexidine]: expected a number, got 'x'",
    ),
    (
        "band-max-dose-text",
        setting(*HEPATIC_BAND, "max_dose_mg", value="x"),
        "[lofexidine]: expected a number, got 'x'",
    ),
    (
        "band-max-daily-text",
        setting(*HEPATIC_BAND, "max_daily_mg", value="x"),
        "[lofexidine]: expected a number, got 'x'",
    ),
    (
        "band-without-max-dose",
        removing(*HEPATIC_BAND, "max_dose_mg"),
        "[lofexidine]: missing 'max_dose_mg'",
    ),
    (
        "band-without-max-daily",
        removing(*HEPATIC_BAND, "max_daily_mg"),
        "[lofexidine]: missing 'max_daily_mg'",
    ),
    ("band-without-source", removing(*HEPATIC_BAND, "source"), "[lofexidine]: text is required"),
    (
        "band-without-confidence",
        removing(*HEPATIC_BAND, "confidence"),
        "[lofexidine]: text is required",
    ),
    (
        "band-unknown-confidence",
        setting(*HEPATIC_BAND, "confidence", value="Q"),
        "[lofexidine]: confidence must be one of C, S, U",
    ),
    # A usual regimen.
    (
        "usual-dose-not-a-range",
        setting(*LOFEXIDINE_USUAL, "dose_mg", value="x"),
        "[drugs.lofexidine.usual]: a range is a list [low, high]",
    ),
    (
        "usual-first-dose-text",
        setting(*LOFEXIDINE_USUAL, "first_dose_mg", value="x"),
        "[drugs.lofexidine.usual]: expected a number, got 'x'",
    ),
    (
        "usual-every-hours-not-a-range",
        setting(*LOFEXIDINE_USUAL, "every_hours", value="x"),
        "[drugs.lofexidine.usual]: a range is a list [low, high]",
    ),
    (
        "usual-times-per-day-text",
        setting(*LOFEXIDINE_USUAL, "times_per_day", value="x"),
        "[drugs.lofexidine.usual]: expected a whole number",
    ),
    (
        "usual-when-a-number",
        setting(*LOFEXIDINE_USUAL, "when", value=1),
        "[drugs.lofexidine.usual]: expected text, got 1",
    ),
    (
        "usual-max-days-text",
        setting(*LOFEXIDINE_USUAL, "max_days", value="x"),
        "[drugs.lofexidine.usual]: expected a whole number",
    ),
    (
        "usual-source-a-number",
        setting(*LOFEXIDINE_USUAL, "source", value=1),
        "[drugs.lofexidine.usual]: expected text, got 1",
    ),
    (
        "usual-unknown-confidence",
        setting(*LOFEXIDINE_USUAL, "confidence", value="Q"),
        "[drugs.lofexidine.usual]: confidence must be one of C, S, U",
    ),
    (
        "usual-note-a-number",
        setting(*LOFEXIDINE_USUAL, "note", value=1),
        "[drugs.lofexidine.usual]: expected text, got 1",
    ),
    (
        "usual-conflict-not-a-list",
        setting(*LOFEXIDINE_USUAL, "conflict", value="x"),
        "[drugs.lofexidine.usual]: `conflict` must be a list of tables",
    ),
    # An interaction member (named by its list).
    ("member-not-a-table", setting(*QT_MEMBER, value="x"), "[qt_with_methadone]: expected a table"),
    (
        "member-also-not-a-list",
        setting(*QT_MEMBER, "also", value="x"),
        "[qt_with_methadone]: `also` must be a list of source keys",
    ),
    ("member-without-drug", removing(*QT_MEMBER, "drug"), "[qt_with_methadone]: text is required"),
    (
        "member-group-a-number",
        setting(*CNS_MEMBER, "group", value=1),
        "[cns_depressants]: expected text, got 1",
    ),
    (
        "member-without-source",
        removing(*QT_MEMBER, "source"),
        "[qt_with_methadone]: text is required",
    ),
    (
        "member-without-confidence",
        removing(*QT_MEMBER, "confidence"),
        "[qt_with_methadone]: text is required",
    ),
    (
        "member-unknown-confidence",
        setting(*QT_MEMBER, "confidence", value="Q"),
        "[qt_with_methadone]: confidence must be one of C, S, U",
    ),
    # The opioid agonist lists.
    ("opioids-not-a-table", setting("opioids", value="x"), "[opioids]: expected a table"),
    (
        "opioids-also-not-a-list",
        setting("opioids", "also", value="x"),
        "[opioids]: `also` must be a list of source keys",
    ),
    (
        "partial-agonists-not-a-list",
        setting("opioids", "partial_agonists", value="x"),
        "[opioids.partial_agonists]: expected a list of codes",
    ),
    (
        "full-agonists-not-a-list",
        setting("opioids", "full_agonists", value="x"),
        "[opioids.full_agonists]: expected a list of codes",
    ),
    (
        "agonist-both-partial-and-full",
        adding("opioids", "full_agonists", item="buprenorphine"),
        "[opioids]: a code cannot be both a partial and a full agonist",
    ),
    ("opioids-without-source", removing("opioids", "source"), "[opioids]: text is required"),
    (
        "opioids-without-confidence",
        removing("opioids", "confidence"),
        "[opioids]: text is required",
    ),
    (
        "opioids-unknown-confidence",
        setting("opioids", "confidence", value="Q"),
        "[opioids]: confidence must be one of C, S, U",
    ),
    ("opioids-without-advice", removing("opioids", "advice"), "[opioids]: text is required"),
    # The induction tables.
    ("induction-not-a-table", setting("induction", value="x"), "[induction]: expected a table"),
    (
        "cows-gate-not-a-table",
        setting("induction", "cows_gate", value="x"),
        "[cows_gate]: expected a table",
    ),
    (
        "cows-gate-wrong-unit",
        setting("induction", "cows_gate", "short_acting", "unit", value="h"),
        "[induction.cows_gate.short_acting]: the unit must be 'COWS'",
    ),
    (
        "wait-hours-not-a-table",
        setting("induction", "wait_hours", value="x"),
        "[wait_hours]: expected a table",
    ),
    (
        "wait-hours-wrong-unit",
        setting("induction", "wait_hours", "methadone", "unit", value="d"),
        "[induction.wait_hours.methadone]: the unit must be 'h'",
    ),
    (
        "fentanyl-window-wrong-unit",
        setting("induction", "fentanyl_window_hours", "unit", value="d"),
        "[induction.fentanyl_window_hours]: the unit must be 'h'",
    ),
    (
        "low-dose-not-a-table",
        setting("induction", "low_dose_initiation", value="x"),
        "[induction.low_dose_initiation]: expected a table",
    ),
    (
        "precipitated-not-a-table",
        setting("induction", "precipitated_withdrawal", value="x"),
        "[induction.precipitated_withdrawal]: expected a table",
    ),
    (
        "precipitated-window-wrong-unit",
        setting("induction", "precipitated_withdrawal", "window_min", "unit", value="h"),
        "[induction.precipitated_withdrawal.window_min]: the unit must be 'min'",
    ),
    (
        "precipitated-rise-wrong-unit",
        setting("induction", "precipitated_withdrawal", "min_rise", "unit", value="min"),
        "[induction.precipitated_withdrawal.min_rise]: the unit must be 'COWS'",
    ),
    ("pregnancy-not-a-table", setting("pregnancy", value="x"), "[pregnancy]: expected a table"),
    # The low-dose initiation schedule.
    (
        "low-dose-days-not-a-list",
        setting(*DAYS, value="x"),
        "[induction.low_dose_initiation]: days must be a list",
    ),
    (
        "low-dose-day-not-a-table",
        setting(*DAYS, 0, value="x"),
        "[induction.low_dose_initiation]: expected a table",
    ),
    (
        "low-dose-day-without-number",
        removing(*DAYS, 0, "day"),
        "[induction.low_dose_initiation]: a whole number is required",
    ),
    (
        "low-dose-day-without-dose",
        removing(*DAYS, 0, "dose_mg"),
        "[induction.low_dose_initiation]: expected a number, got None",
    ),
    (
        "low-dose-day-without-times",
        removing(*DAYS, 0, "times_per_day"),
        "[induction.low_dose_initiation]: a whole number is required",
    ),
    (
        "low-dose-days-out-of-order",
        setting(*DAYS, 0, "day", value=2),
        "[induction.low_dose_initiation]: days must be numbered 1, 2, 3 ... in order",
    ),
]


@pytest.mark.parametrize(
    ("change", "problem"),
    [(change, problem) for _, change, problem in REFUSALS],
    ids=[name for name, _, _ in REFUSALS],
)
def test_it_refuses_a_malformed_entry_naming_it(
    monkeypatch: pytest.MonkeyPatch, change: Change, problem: str
) -> None:
    with pytest.raises(KnowledgeError) as refused:
        built_from(monkeypatch, change)
    assert str(refused.value) == f"medications.toml {problem}"


# --- What the shipped file says reaches the policy ------------------------------------------------


def advice(entry: dict[str, Any] | None) -> Advice | None:
    if entry is None:
        return None
    return Advice(entry["code"], entry["message"], entry["source"], entry["confidence"])


def band(entry: dict[str, Any]) -> ImpairmentCap:
    return ImpairmentCap(
        label=entry["label"],
        low=number(entry.get("from")),
        below=number(entry.get("below")),
        max_dose_mg=Decimal(str(entry["max_dose_mg"])),
        max_daily_mg=Decimal(str(entry["max_daily_mg"])),
        source=entry["source"],
        confidence=entry["confidence"],
    )


WARNINGS = ("over_cap_warning", "pregnancy_caution", "qtc_unknown_warning")


@pytest.mark.parametrize("warning", WARNINGS)
def test_each_drug_carries_its_warnings_as_written(warning: str) -> None:
    drugs = shipped()["drugs"]
    policy = default_policy()
    found = {drug: getattr(policy.rules(drug), warning) for drug in drugs}
    assert found == {drug: advice(table.get(warning)) for drug, table in drugs.items()}
    assert any(value is not None for value in found.values())  # the file has at least one


def test_the_warnings_are_the_ones_the_dose_check_names() -> None:
    policy = default_policy()
    assert policy.rules("loperamide").over_cap_warning == Advice(
        "cardiac_risk",
        shipped()["drugs"]["loperamide"]["over_cap_warning"]["message"],
        "fda-loperamide-2016",
        "C",
    )
    assert policy.rules("methadone").qtc_unknown_warning is not None
    assert policy.rules("methadone").qtc_unknown_warning.code == "qtc_unknown"
    assert policy.rules("methadone").pregnancy_caution is not None
    assert policy.rules("methadone").pregnancy_caution.code == "pregnancy_physician_review"
    assert policy.rules("loperamide").pregnancy_caution is None


@pytest.mark.parametrize("kind", ["hepatic_caps", "renal_caps"])
def test_each_drug_carries_its_impairment_bands_as_written(kind: str) -> None:
    drugs = shipped()["drugs"]
    policy = default_policy()
    found = {drug: getattr(policy.rules(drug), kind) for drug in drugs}
    assert found == {
        drug: tuple(band(entry) for entry in table.get(kind, [])) for drug, table in drugs.items()
    }
    assert any(found.values())


def test_an_open_ended_band_keeps_its_open_end() -> None:
    table = shipped()["drugs"]["lofexidine"]
    hepatic = default_policy().rules("lofexidine").hepatic_caps
    renal = default_policy().rules("lofexidine").renal_caps
    assert (hepatic[-1].low, hepatic[-1].below) == (number(table["hepatic_caps"][-1]["from"]), None)
    assert (renal[-1].low, renal[-1].below) == (None, number(table["renal_caps"][-1]["below"]))
    assert hepatic[-1].low is not None and renal[-1].below is not None


def test_each_usual_regimen_carries_its_confidence_and_note() -> None:
    drugs = shipped()["drugs"]
    policy = default_policy()
    found = {
        drug: (usual.confidence, usual.note)
        for drug in drugs
        if (usual := policy.rules(drug).usual) is not None
    }
    expected = {
        drug: (table["usual"].get("confidence"), table["usual"].get("note"))
        for drug, table in drugs.items()
        if "usual" in table
    }
    assert found == expected
    assert found["lofexidine"][0] == "C"
    assert found["loperamide"] == ("S", None)


def test_a_drug_without_indications_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_policy().rules("loperamide").indications == ("diarrhoea",)
    policy = built_from(monkeypatch, removing(*LOPERAMIDE, "indications"))
    assert policy.rules("loperamide").indications == ()


def interaction_members(entries: list[dict[str, Any]]) -> tuple[InteractionMember, ...]:
    return tuple(
        InteractionMember(
            drug=entry["drug"],
            group=entry.get("group", entry["drug"]),
            source=entry["source"],
            confidence=entry["confidence"],
            above_max_daily=entry.get("above_max_daily", False),
        )
        for entry in entries
    )


@pytest.mark.parametrize("name", ["qt_with_methadone", "cns_depressants"])
def test_each_interaction_member_is_carried_as_written(name: str) -> None:
    listed = getattr(default_policy(), name)
    assert listed.members == interaction_members(shipped()[name]["members"])


def test_a_member_without_a_group_reads_as_its_drug_and_one_with_a_group_as_the_group() -> None:
    policy = default_policy()
    assert policy.qt_with_methadone.member("ondansetron") == InteractionMember(
        "ondansetron", "ondansetron", "fda-ondansetron-2011", "C", above_max_daily=False
    )
    assert policy.cns_depressants.member("gabapentin") == InteractionMember(
        "gabapentin", "a gabapentinoid", "fda-gabapentinoid-2019", "C", above_max_daily=False
    )


def test_only_a_member_marked_above_max_daily_counts_only_above_it() -> None:
    qt = default_policy().qt_with_methadone
    assert {member.drug for member in qt.members if member.above_max_daily} == {"loperamide"}


def test_the_opioid_lists_carry_their_source_confidence_and_advice() -> None:
    table = shipped()["opioids"]
    opioids = default_policy().opioids
    assert opioids.partial == frozenset(table["partial_agonists"])
    assert opioids.full == frozenset(table["full_agonists"])
    assert (opioids.source, opioids.confidence, opioids.advice) == (
        table["source"],
        table["confidence"],
        table["advice"],
    )


def test_the_opioid_lists_need_no_further_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    table = shipped()["opioids"]
    opioids = built_from(monkeypatch, removing("opioids", "also")).opioids
    assert (opioids.partial, opioids.full, opioids.source) == (
        frozenset(table["partial_agonists"]),
        frozenset(table["full_agonists"]),
        table["source"],
    )


def test_each_induction_parameter_is_named_by_its_table() -> None:
    induction = default_policy().induction
    named = {
        "induction.cows_gate.short_acting": induction.cows_gate_short_acting,
        "induction.cows_gate.extended_release": induction.cows_gate_extended_release,
        "induction.cows_gate.methadone": induction.cows_gate_methadone,
        "induction.cows_gate.fentanyl": induction.cows_gate_fentanyl,
        "induction.wait_hours.short_acting": induction.wait_hours_short_acting,
        "induction.wait_hours.extended_release": induction.wait_hours_extended_release,
        "induction.wait_hours.methadone": induction.wait_hours_methadone,
        "induction.wait_hours.fentanyl": induction.wait_hours_fentanyl,
        "induction.fentanyl_window_hours": induction.fentanyl_window_hours,
        "induction.precipitated_withdrawal.window_min": induction.precipitated_window_min,
        "induction.precipitated_withdrawal.min_rise": induction.precipitated_min_rise,
    }
    assert {name: parameter.name for name, parameter in named.items()} == {
        name: name for name in named
    }
    assert all(parameter.declared for parameter in named.values())


def test_the_fentanyl_window_is_carried_as_written() -> None:
    entry = shipped()["induction"]["fentanyl_window_hours"]
    window = default_policy().induction.fentanyl_window_hours
    assert window == Parameter(
        name="induction.fentanyl_window_hours",
        unit="h",
        value=Decimal(str(entry["value"])),
        source=entry["source"],
        confidence=entry["confidence"],
        note=entry["note"],
        advice=entry["advice"],
        declared=True,
    )


def test_the_precipitated_withdrawal_screen_ships_unset_with_its_notes() -> None:
    table = shipped()["induction"]["precipitated_withdrawal"]
    induction = default_policy().induction
    assert induction.precipitated_window_min == Parameter(
        name="induction.precipitated_withdrawal.window_min",
        unit="min",
        note=table["window_min"]["note"],
        declared=True,
    )
    assert induction.precipitated_min_rise == Parameter(
        name="induction.precipitated_withdrawal.min_rise",
        unit="COWS",
        note=table["min_rise"]["note"],
        declared=True,
    )


def test_the_low_dose_initiation_carries_its_source_confidence_and_note() -> None:
    table = shipped()["induction"]["low_dose_initiation"]
    induction = default_policy().induction
    assert (
        induction.low_dose_source,
        induction.low_dose_confidence,
        induction.low_dose_note,
    ) == (table["source"], table["confidence"], table["note"])
    assert induction.low_dose_note == "Continue the full agonist until day 7, then stop it."
