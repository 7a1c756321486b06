"""The dose check with the whole medication picture (issue 10; SPEC.md A1 to A4, A13, 5.3).

Each rule is a table at its boundaries: the value, one below and one above. Expected numbers are
written out from SPEC.md, so a wrong number in medications.toml fails here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import dosing
from detoxdesk.clinical.dosing import (
    ActiveMedication,
    DoseCheck,
    DoseContext,
    DoseRequest,
    GivenDose,
    MedicationPolicy,
    VitalsReading,
    check_dose,
    default_policy,
)

T0 = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
CONFIGURED = replace(
    default_policy(), vitals_max_age_min=default_policy().vitals_max_age_min.with_value(60)
)


def active(*items: tuple[str, float | None]) -> tuple[ActiveMedication, ...]:
    return tuple(
        ActiveMedication(drug, None if mg is None else Decimal(str(mg))) for drug, mg in items
    )


def check(
    drug: str,
    dose: str | float,
    *,
    given: tuple[tuple[str | float, float], ...] = (),
    vitals: VitalsReading | None = None,
    policy: MedicationPolicy | None = None,
    **context: Any,
) -> DoseCheck:
    """Check ``dose`` mg of ``drug`` at T0; ``given`` is (dose_mg, hours before T0)."""
    context.setdefault("first_day", False)
    context.setdefault("benzodiazepine_use", False)
    context.setdefault("qtc_ms", 420)
    request = DoseRequest(
        drug=drug,
        dose_mg=Decimal(str(dose)),
        at=T0,
        given=tuple(
            GivenDose(Decimal(str(mg)), T0 - timedelta(hours=hours)) for mg, hours in given
        ),
        vitals=vitals,
        context=DoseContext(**context),
    )
    return check_dose(request, policy or CONFIGURED)


def codes(result: DoseCheck) -> list[str]:
    return [finding.code for finding in result.findings]


def severity(result: DoseCheck, code: str) -> str | None:
    return next((f.severity for f in result.findings if f.code == code), None)


# --- Full and partial agonist (SPEC 5.3, 6.4) -----------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "others", "protocol", "stopped"),
    [
        ("buprenorphine", [("methadone", 60)], None, True),
        ("buprenorphine", [("methadone", None)], "standard_start", True),
        ("buprenorphine", [("oxycodone", 40)], None, True),
        ("buprenorphine_naloxone", [("fentanyl", None)], None, True),
        ("methadone", [("buprenorphine", 8)], None, True),
        ("methadone", [("buprenorphine_naloxone", 8)], None, True),
        ("buprenorphine", [("methadone", 60)], "low_dose_initiation", False),
        ("methadone", [("buprenorphine", 1)], "low_dose_initiation", False),
        ("buprenorphine", [("buprenorphine", 8)], None, False),
        ("buprenorphine", [("lofexidine", 2.16)], None, False),
        ("clonidine", [("methadone", 60)], None, False),
    ],
)
def test_it_stops_a_partial_agonist_with_a_full_agonist_outside_low_dose_initiation(
    drug: str, others: list[tuple[str, float | None]], protocol: str | None, stopped: bool
) -> None:
    result = check(drug, "2", active_medications=active(*others), protocol=protocol)
    assert severity(result, "opioid_agonist_conflict") == ("stop" if stopped else None)
    if stopped:
        finding = next(f for f in result.findings if f.code == "opioid_agonist_conflict")
        assert "precipitated withdrawal" in finding.message
        assert finding.source == "methadone-label-interactions"


def test_it_names_the_full_agonist_by_its_label() -> None:
    medication = ActiveMedication("methadone", Decimal(60), "taper", "Methadone taper")
    result = check("buprenorphine", "2", active_medications=(medication,))
    assert result.findings[0].message.startswith("Buprenorphine while Methadone taper is active")


def test_it_reads_the_full_agonists_from_the_knowledge() -> None:
    policy = CONFIGURED
    tramadol = replace(policy.opioids, full=policy.opioids.full | {"tramadol"})
    extended = replace(policy, opioids=tramadol)
    others = (ActiveMedication("tramadol", None),)
    assert codes(check("buprenorphine", "2", active_medications=others)) == []
    assert codes(check("buprenorphine", "2", active_medications=others, policy=extended)) == [
        "opioid_agonist_conflict"
    ]


# --- QT combinations with methadone (SPEC A3) -----------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "dose", "others", "warned"),
    [
        ("methadone", "60", [("lofexidine", 2.16)], True),
        ("methadone", "60", [("ondansetron", None)], True),
        ("methadone", "60", [("hydroxyzine", 50)], True),
        ("methadone", "60", [("loperamide", 16)], False),  # at its label dose
        ("methadone", "60", [("loperamide", 15.9)], False),
        ("methadone", "60", [("loperamide", 16.1)], True),  # above it
        ("methadone", "60", [("loperamide", None)], False),  # dose not known
        ("methadone", "60", [("clonidine", 0.3)], False),
        ("buprenorphine", "8", [("ondansetron", 8)], False),
        ("lofexidine", "0.54", [("methadone", 60)], True),
        ("ondansetron", "4", [("methadone", None)], True),
        ("hydroxyzine", "25", [("methadone", 60)], True),
        ("ondansetron", "4", [("buprenorphine", 8)], False),
    ],
)
def test_it_warns_about_methadone_with_a_qt_prolonging_drug(
    drug: str, dose: str, others: list[tuple[str, float | None]], warned: bool
) -> None:
    result = check(drug, dose, active_medications=active(*others))
    assert severity(result, "qt_interaction") == ("warning" if warned else None)
    if warned:
        finding = next(f for f in result.findings if f.code == "qt_interaction")
        assert "ECG" in finding.message


@pytest.mark.parametrize(
    ("given_mg", "dose", "warned"), [("12", "4", False), ("12", "3.9", False), ("12", "4.1", True)]
)
def test_it_counts_loperamide_checked_with_methadone_above_its_label_dose(
    given_mg: str, dose: str, warned: bool
) -> None:
    others = active(("methadone", 60))
    result = check("loperamide", dose, given=((given_mg, 6),), active_medications=others)
    assert severity(result, "qt_interaction") == ("warning" if warned else None)


def test_it_never_stops_methadone_for_a_qt_combination() -> None:
    others = active(("lofexidine", 2.16), ("ondansetron", 16), ("hydroxyzine", 100))
    result = check("methadone", "60", active_medications=others)
    assert result.decision == "warning"
    assert "Lofexidine, Ondansetron and Hydroxyzine" in result.findings[-2].message


def test_a_program_can_extend_the_qt_list() -> None:
    policy = replace(
        CONFIGURED,
        qt_with_methadone=CONFIGURED.qt_with_methadone.extended({"quetiapine": "an antipsychotic"}),
    )
    others = (ActiveMedication("quetiapine", None),)
    result = check("methadone", "60", active_medications=others, policy=policy)
    assert codes(result) == ["qt_interaction"]
    assert result.findings[0].source == "program-policy"


# --- CNS depressants with any opioid (SPEC A4) ----------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "dose", "other", "warned"),
    [
        ("buprenorphine", "8", "gabapentin", True),
        ("buprenorphine", "8", "pregabalin", True),
        ("methadone", "60", "alcohol", True),
        ("methadone", "60", "diphenhydramine", True),
        ("buprenorphine_naloxone", "8", "trazodone", True),
        ("methadone", "60", "phenobarbital", True),
        ("buprenorphine", "8", "ondansetron", False),
        ("clonidine", "0.1", "gabapentin", False),
        ("diphenhydramine", "25", "methadone", True),
        ("trazodone", "50", "oxycodone", True),
        ("trazodone", "50", "clonidine", False),
    ],
)
def test_it_warns_about_an_opioid_with_a_cns_depressant_never_a_stop(
    drug: str, dose: str, other: str, warned: bool
) -> None:
    result = check(drug, dose, active_medications=active((other, None)))
    assert severity(result, "cns_depressant_interaction") == ("warning" if warned else None)
    assert result.decision != "stop"


def test_it_names_the_group_of_the_cns_depressant() -> None:
    result = check("buprenorphine", "8", active_medications=active(("gabapentin", 900)))
    assert "(a gabapentinoid)" in result.findings[0].message
    assert result.findings[0].source == "fda-gabapentinoid-2019"


@pytest.mark.parametrize(
    ("drug", "others", "flag", "warned"),
    [
        ("methadone", [("lorazepam", 2)], False, True),
        ("buprenorphine", [], True, True),
        ("buprenorphine", [], False, False),
        ("diazepam", [("methadone", 60)], False, True),
        ("diazepam", [("clonidine", 0.3)], False, False),
    ],
)
def test_it_keeps_benzodiazepines_a_warning_from_the_picture_too(
    drug: str, others: list[tuple[str, float | None]], flag: bool, warned: bool
) -> None:
    result = check(drug, "2", active_medications=active(*others), benzodiazepine_use=flag)
    assert severity(result, "benzodiazepine_co_use") == ("warning" if warned else None)
    assert result.decision != "stop"


# --- The first-buprenorphine-dose gate, whatever the order set (SPEC 5.1, 5.3) --------------------

READY: dict[str, Any] = {"opioid_class": "short_acting", "hours_since_last_use": Decimal(24)}


@pytest.mark.parametrize(
    ("dose", "cows", "protocol", "found"),
    [
        ("4", None, None, "no_withdrawal_score"),
        ("4", None, "standard_start", "no_withdrawal_score"),
        ("0.5", None, "low_dose_initiation", None),  # the schedule's day-1 dose
        ("0.4", None, "low_dose_initiation", None),
        ("0.6", None, "low_dose_initiation", "no_withdrawal_score"),  # raised above it
        ("4", 7, None, "cows_gate_not_met"),
        ("4", 8, None, None),
        ("4", 9, None, None),
        ("4", 7, "low_dose_initiation", "cows_gate_not_met"),
    ],
)
def test_it_gates_every_first_buprenorphine_dose(
    dose: str, cows: int | None, protocol: str | None, found: str | None
) -> None:
    result = check(
        "buprenorphine", dose, first_day=True, cows_total=cows, protocol=protocol, **READY
    )
    stops = [f.code for f in result.findings if f.severity == "stop"]
    assert stops == ([] if found is None else [found])


def test_it_gates_only_the_first_dose() -> None:
    result = check("buprenorphine", "4", given=(("4", 2),), first_day=True, **READY)
    assert "no_withdrawal_score" not in codes(result)


def test_it_gates_buprenorphine_naloxone_too() -> None:
    assert "no_withdrawal_score" in codes(check("buprenorphine_naloxone", "4", first_day=True))


@pytest.mark.parametrize(
    ("opioid_class", "cows", "stopped"),
    [("methadone", 12, True), ("methadone", 13, False), ("extended_release", 14, False)],
)
def test_it_uses_the_gate_of_the_opioid_last_used(
    opioid_class: str, cows: int, stopped: bool
) -> None:
    result = check(
        "buprenorphine",
        "4",
        first_day=True,
        cows_total=cows,
        opioid_class=opioid_class,
        hours_since_last_use=Decimal(96),
    )
    assert (severity(result, "cows_gate_not_met") == "stop") is stopped


@pytest.mark.parametrize(
    ("opioid_class", "exposure", "hours", "code"),
    [
        # The first-dose gate (induction) keeps its fentanyl warning when the time is unknown.
        ("fentanyl", None, None, "fentanyl_within_48h"),
        ("short_acting", True, None, "fentanyl_timing_unknown"),
        ("short_acting", True, Decimal(48), "fentanyl_within_48h"),
        ("short_acting", True, Decimal(49), None),
        ("short_acting", None, None, None),
    ],
)
def test_it_never_reads_an_unknown_fentanyl_time_as_long_ago(
    opioid_class: str, exposure: bool | None, hours: Decimal | None, code: str | None
) -> None:
    result = check(
        "buprenorphine",
        "4",
        first_day=True,
        cows_total=14,
        opioid_class=opioid_class,
        fentanyl_exposure=exposure,
        hours_since_last_use=hours,
    )
    fentanyl = [c for c in codes(result) if c.startswith("fentanyl")]
    assert fentanyl == ([] if code is None else [code])
    if hours is None:
        assert "time_since_last_use_unknown" in codes(result)


# --- Ceilings after day 1 (SPEC A1) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "found"),
    [
        ("8", []),  # 24 mg in 24 hours
        ("7.9", []),
        ("8.1", [("daily_total_high", "warning")]),
        ("16", [("daily_total_high", "warning")]),  # 32 mg
        ("16.1", [("daily_total_exceeded", "stop")]),
    ],
)
def test_it_warns_above_24_and_stops_above_32_mg_of_buprenorphine_after_day_one(
    dose: str, found: list[tuple[str, str]]
) -> None:
    result = check("buprenorphine", dose, given=(("16", 8),))
    assert [(f.code, f.severity) for f in result.findings] == found


def test_it_cites_the_maintenance_ceilings() -> None:
    high = check("buprenorphine", "8.1", given=(("16", 8),)).findings[0]
    over = check("buprenorphine", "16.1", given=(("16", 8),)).findings[0]
    assert (high.source, over.source) == ("fda-btod-2024", "herring-2021")
    assert "plausibility" in over.message


@pytest.mark.parametrize(
    ("drug", "dose", "first_day", "implausible"),
    [
        ("buprenorphine", "32", False, False),
        ("buprenorphine", "32.1", False, True),
        ("buprenorphine", "800", False, True),
        ("buprenorphine", "32.1", True, True),
        ("methadone", "50", True, False),
        ("methadone", "50.1", True, True),
        ("methadone", "200", False, False),  # no daily stop after day 1 (SPEC A2)
        ("lofexidine", "2.88", False, False),
        ("lofexidine", "2.89", False, True),
        ("loperamide", "16.1", False, True),
        ("ibuprofen", "5000", False, False),  # its maximum ships unset
    ],
)
def test_it_stops_one_dose_above_the_daily_stop_as_a_probable_unit_error(
    drug: str, dose: str, first_day: bool, implausible: bool
) -> None:
    result = check(drug, dose, first_day=first_day)
    assert (severity(result, "dose_implausible") == "stop") is implausible
    if implausible:
        finding = next(f for f in result.findings if f.code == "dose_implausible")
        assert "unit" in finding.message


# --- Methadone titration (SPEC A2: asam-2015) -----------------------------------------------------


@pytest.mark.parametrize(
    ("history", "dose", "found"),
    [
        ((("60", 24), ("60", 48)), "70", []),  # a 10 mg step
        ((("60", 24), ("60", 48)), "69", []),
        ((("60", 24), ("60", 48)), "71", ["dose_increase_above_step"]),
        ((("60", 24), ("60", 48)), "60", []),
        ((("60", 24), ("60", 48)), "40", []),
        # The last increase 7 days ago: allowed; 6 days ago: too soon.
        ((("60", 24), ("60", 7 * 24), ("50", 8 * 24)), "65", []),
        ((("60", 24), ("60", 8 * 24), ("50", 9 * 24)), "65", []),
        (
            (("60", 24), ("60", 6 * 24), ("50", 7 * 24)),
            "65",
            ["dose_increase_too_soon"],
        ),
        (
            (("60", 24), ("50", 2 * 24)),
            "80",
            ["dose_increase_above_step", "dose_increase_too_soon"],
        ),
        ((), "200", []),  # nothing to compare with
    ],
)
def test_it_warns_when_methadone_rises_faster_than_the_titration_row(
    history: tuple[tuple[str, float], ...], dose: str, found: list[str]
) -> None:
    result = check("methadone", dose, given=history)
    titration = [c for c in codes(result) if c.startswith("dose_increase")]
    assert titration == found
    assert result.decision != "stop"


def test_it_compares_days_not_rolling_windows() -> None:
    # Yesterday's 60 mg 23 hours ago and today's 60 mg: the same daily dose, not an increase.
    result = check("methadone", "60", given=(("60", 23), ("60", 47)))
    assert [c for c in codes(result) if c.startswith("dose_increase")] == []


def test_it_applies_no_titration_rule_on_day_one() -> None:
    result = check("methadone", "10", given=(("30", 3),), first_day=True)
    assert [c for c in codes(result) if c.startswith("dose_increase")] == []


def test_it_asks_for_eight_days_of_history() -> None:
    assert dosing.history_window(default_policy()) == timedelta(days=8)
    rules = default_policy().rules("methadone")
    cleared = replace(
        rules.limits, increase_min_days=rules.limits.increase_min_days.with_value(None)
    )
    assert dosing.history_window(default_policy().with_rules(replace(rules, limits=cleared))) == (
        dosing.DAY
    )


def test_the_24_hour_total_still_counts_only_the_last_24_hours() -> None:
    result = check("buprenorphine", "8", given=(("16", 25), ("16", 30)))
    assert (result.total_24h_mg, result.earlier_doses_24h) == (Decimal(8), 0)


# --- QTc and ECG prompts (SPEC A2) ----------------------------------------------------------------


def test_it_warns_when_methadone_has_no_qtc_never_a_block() -> None:
    result = check("methadone", "30", first_day=True, qtc_ms=None)
    assert [(f.code, f.severity, f.source) for f in result.findings] == [
        ("qtc_unknown", "warning", "bccsu-oud-app3")
    ]
    assert check("buprenorphine", "8", qtc_ms=None).findings == ()


@pytest.mark.parametrize(("days", "due"), [(364, False), (365, False), (366, True)])
def test_it_prompts_for_an_ecg_when_the_qtc_is_older_than_a_year(days: int, due: bool) -> None:
    measured = T0 - timedelta(days=days)
    result = check("methadone", "60", qtc_measured_at=measured)
    assert ("ecg_due" in codes(result)) is due


@pytest.mark.parametrize(
    ("yesterday", "dose", "measured_hours_ago", "prompted"),
    [
        ("95", "100", None, False),
        ("95", "101", None, True),
        ("95", "101", 1, False),  # an ECG taken today
        ("101", "105", None, False),  # already above: prompted when it went above
    ],
)
def test_it_prompts_for_an_ecg_when_methadone_goes_above_100_mg_a_day(
    yesterday: str, dose: str, measured_hours_ago: float | None, prompted: bool
) -> None:
    measured = None if measured_hours_ago is None else T0 - timedelta(hours=measured_hours_ago)
    result = check("methadone", dose, given=((yesterday, 24),), qtc_measured_at=measured)
    assert (severity(result, "ecg_prompt_dose") == "warning") is prompted


# --- Pregnancy (ACOG 711) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "pregnant", "warned"),
    [
        ("buprenorphine", True, True),
        ("buprenorphine_naloxone", True, True),
        ("methadone", True, True),
        ("buprenorphine", None, False),
        ("buprenorphine", False, False),
    ],
)
def test_it_asks_a_physician_to_review_moud_in_pregnancy_never_a_block(
    drug: str, pregnant: bool | None, warned: bool
) -> None:
    result = check(drug, "2", pregnant=pregnant)
    assert severity(result, "pregnancy_physician_review") == ("warning" if warned else None)
    assert result.decision != "stop"


# --- Vitals age and holds not configured ---------------------------------------------------------


@pytest.mark.parametrize(("minutes", "words"), [(5, "5 minutes"), (180, "3 hours")])
def test_it_states_the_age_of_the_vitals_while_no_window_is_set(minutes: int, words: str) -> None:
    vitals = VitalsReading(120, 80, 70, T0 - timedelta(minutes=minutes))
    result = check("clonidine", "0.1", vitals=vitals, policy=default_policy())
    assert codes(result) == ["vitals_age_unchecked"]
    assert f"taken {words} before this dose" in result.findings[0].message


def test_it_states_no_vitals_age_for_a_drug_without_a_set_hold() -> None:
    vitals = VitalsReading(120, 80, 70, T0 - timedelta(days=3))
    result = check("lofexidine", "0.54", vitals=vitals, policy=default_policy())
    assert result.findings == ()
    assert [u.name for u in result.unset if u.name.startswith("hold_")] == [
        "hold_systolic_below",
        "hold_diastolic_below",
        "hold_heart_rate_below",
    ]


def test_it_accepts_a_real_systolic_of_45_for_the_hold() -> None:
    vitals = VitalsReading(45, 30, 70, T0 - timedelta(minutes=5))
    result = check("clonidine", "0.1", vitals=vitals)
    assert codes(result) == ["hold_blood_pressure"]


# --- Allergies by ingredient ----------------------------------------------------------------------


def test_it_matches_an_allergy_by_ingredient_of_the_product() -> None:
    result = check("buprenorphine_naloxone", "8", allergies=("naloxone",))
    assert [(f.code, f.severity) for f in result.findings] == [("allergy_recorded", "stop")]
    assert "Naloxone" in result.findings[0].message
    assert check("buprenorphine", "8", allergies=("naloxone",)).findings == ()


# --- Naloxone (SPEC A13) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "prompted"),
    [
        ("buprenorphine", True),
        ("buprenorphine_naloxone", True),
        ("methadone", True),
        ("oxycodone", True),
        ("lofexidine", False),
        ("clonidine", False),
    ],
)
def test_it_prompts_naloxone_for_moud_and_opioid_orders(drug: str, prompted: bool) -> None:
    finding = dosing.naloxone_prompt(drug)
    assert (finding is not None) is prompted
    if finding is not None:
        assert (finding.code, finding.severity, finding.source) == (
            "naloxone_offer",
            "warning",
            "fda-naloxone-2020",
        )


def test_it_names_sedating_medicines_in_the_naloxone_prompt() -> None:
    context = DoseContext(
        first_day=False, benzodiazepine_use=False, active_medications=active(("gabapentin", None))
    )
    finding = dosing.naloxone_prompt("methadone", context)
    assert finding is not None and "Sedating medicines" in finding.message
