"""The dose check's findings (``clinical.dosing``): the exact message, code and source of each rule,
at the boundaries of every threshold read from medications.toml (the value, one below, one above).

Expected numbers and sentences are written out from medications.toml (nida-ed-2018, cmaj-2018,
asam-2020, asam-2015, krantz-2009, fda-btod-2024, herring-2021, varshneya-2022 ...), so a wrong
value there fails here too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import dosing, populations, products
from detoxdesk.clinical.dosing import (
    ActiveMedication,
    DoseCheck,
    DoseContext,
    DoseRequest,
    GivenDose,
    MedicationPolicy,
    check_dose,
    default_policy,
)
from detoxdesk.clinical.findings import Finding

T0 = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
WINDOW_60 = replace(
    default_policy(), vitals_max_age_min=default_policy().vitals_max_age_min.with_value(60)
)
READY: dict[str, Any] = {"opioid_class": "short_acting", "hours_since_last_use": Decimal(24)}
BENZODIAZEPINES = (
    "Taking benzodiazepines with an opioid raises the risk of deep sedation and slowed breathing"
    " (FDA 2016), but buprenorphine and methadone should not be withheld for this (FDA 2017):"
    " educate the patient, monitor closely and document."
)
AGONISTS = (
    "Buprenorphine displaces a full opioid agonist from the receptors and can precipitate"
    " withdrawal. Outside a low-dose initiation (which continues the full agonist until its last"
    " day), stop the full agonist and wait for withdrawal, or change the plan to a low-dose"
    " initiation."
)
QT = (
    "Both prolong the QT interval: take an ECG (QTc) and correct low potassium or magnesium. This"
    " never blocks methadone."
)
CNS = (
    "Opioids with another central nervous system depressant raise the risk of deep sedation and"
    " slowed breathing. Do not withhold MOUD for this: observe after the dose, keep naloxone at"
    " hand and document a monitoring plan."
)
FENTANYL = (
    "Buprenorphine started soon after fentanyl carries a higher risk of precipitated withdrawal;"
    " low-dose initiation is the usual way to prevent it."
)
NALOXONE = (
    "Offer naloxone and overdose education (also for household members), and record whether it"
    " was offered, dispensed or declined."
)
SEDATING = " Sedating medicines are also recorded, which raises the overdose risk."
QTC_UNKNOWN = (
    "No QTc is on file: take an ECG. Methadone is not delayed for it unless the risk is"
    " prohibitively high (family history of long QT or sudden cardiac death)."
)


def active(*items: tuple[str, str | None]) -> tuple[ActiveMedication, ...]:
    return tuple(ActiveMedication(drug, None if mg is None else Decimal(mg)) for drug, mg in items)


def check(
    drug: str,
    dose: str,
    *,
    given: tuple[tuple[str, timedelta], ...] = (),
    at: datetime = T0,
    policy: MedicationPolicy | None = None,
    **context: Any,
) -> DoseCheck:
    """``dose`` mg of ``drug`` at ``at``; ``given`` is (dose_mg, how long before ``at``)."""
    context.setdefault("first_day", False)
    context.setdefault("benzodiazepine_use", False)
    context.setdefault("qtc_ms", 420)
    request = DoseRequest(
        drug,
        Decimal(dose),
        at,
        tuple(GivenDose(Decimal(mg), at - before) for mg, before in given),
        None,
        DoseContext(**context),
    )
    return check_dose(request, policy or WINDOW_60)


def found(result: DoseCheck, *codes: str) -> list[tuple[str, str, str, str]]:
    """The findings of ``result`` (only those with one of ``codes``, when given)."""
    return [
        (f.code, f.severity, f.message, f.source)
        for f in result.findings
        if not codes or f.code in codes
    ]


def set_limit(policy: MedicationPolicy, drug: str, **values: Any) -> MedicationPolicy:
    """``policy`` with the named limits of ``drug`` set (or cleared with None) by the program."""
    rules = policy.rules(drug)
    changed = {key: getattr(rules.limits, key).with_value(value) for key, value in values.items()}
    return policy.with_rules(replace(rules, limits=replace(rules.limits, **changed)))


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def days(value: float) -> timedelta:
    return timedelta(days=value)


# --- The first dose: nida-ed-2018, asam-2020 ------------------------------------------------------

BUPRENORPHINE_FIRST = (
    "A first dose of {} mg of buprenorphine is above the usual 4 mg (8 mg may be chosen when COWS"
    " is 13 or more)."
)


@pytest.mark.parametrize(
    ("dose", "cows", "warned"),
    [
        ("4", 12, False),
        ("4.1", 12, True),
        ("7.9", 12, True),
        ("8", 12, True),
        ("8", 13, False),
        ("8", 14, False),
        ("7.9", 13, False),
        ("8.1", 13, True),
    ],
)
def test_a_first_buprenorphine_dose_above_4_mg_warns_unless_cows_13_allows_8(
    dose: str, cows: int, warned: bool
) -> None:
    result = check("buprenorphine", dose, first_day=True, cows_total=cows, **READY)
    expected = [
        ("first_dose_above_usual", "warning", BUPRENORPHINE_FIRST.format(dose), "nida-ed-2018")
    ]
    assert found(result) == (expected if warned else [])


@pytest.mark.parametrize("cleared", ["first_dose_high_mg", "first_dose_high_from_cows"])
def test_without_both_high_first_dose_numbers_only_the_usual_dose_applies(cleared: str) -> None:
    policy = set_limit(WINDOW_60, "buprenorphine", **{cleared: None})
    result = check("buprenorphine", "8", first_day=True, cows_total=20, policy=policy, **READY)
    assert found(result) == [
        (
            "first_dose_above_usual",
            "warning",
            "A first dose of 8 mg of buprenorphine is above the usual 4 mg.",
            "nida-ed-2018",
        )
    ]


def test_a_first_methadone_dose_above_30_mg_warns_with_the_asam_advice() -> None:
    assert check("methadone", "30", first_day=True).findings == ()
    assert found(check("methadone", "30.5", first_day=True)) == [
        (
            "first_dose_above_usual",
            "warning",
            "A first dose of 30.5 mg of methadone is above the usual 30 mg. ASAM 2020: start with"
            " 10 to 30 mg and reassess in 2 to 4 hours; 2.5 to 10 mg if opioid tolerance is low or"
            " absent.",
            "asam-2020",
        )
    ]


def test_the_first_dose_rules_need_the_first_day_and_no_earlier_dose_at_all() -> None:
    # A dose 30 hours ago no longer counts in the 24-hour total, but it is still an earlier dose.
    earlier = check("buprenorphine", "8", given=(("2", hours(30)),), first_day=True, **READY)
    assert found(earlier) == []
    assert found(check("buprenorphine", "8", cows_total=2, **READY)) == []
    assert found(check("methadone", "40")) == []


# --- The first day: cmaj-2018, nida-ed-2018, cfr-8-12-2024 ----------------------------------------


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        ("4", []),
        (
            "4.1",
            [
                (
                    "first_day_total_high",
                    "warning",
                    "The first-day total of buprenorphine would be 12.1 mg, above 12 mg. CMAJ 2018"
                    " gives 12 mg as the usual first-day maximum; a higher total is a clinician's"
                    " decision.",
                    "cmaj-2018",
                )
            ],
        ),
        (
            "24",
            [
                (
                    "first_day_total_high",
                    "warning",
                    "The first-day total of buprenorphine would be 32 mg, above 12 mg. CMAJ 2018"
                    " gives 12 mg as the usual first-day maximum; a higher total is a clinician's"
                    " decision.",
                    "cmaj-2018",
                )
            ],
        ),
        (
            "24.1",
            [
                (
                    "first_day_total_exceeded",
                    "stop",
                    "The first-day total of buprenorphine would be 32.1 mg, above 32 mg. NIDA: a"
                    " first-day total of 24 to 32 mg only with addiction-specialist input.",
                    "nida-ed-2018",
                )
            ],
        ),
    ],
)
def test_the_first_day_total_of_buprenorphine_warns_above_12_and_stops_above_32_mg(
    dose: str, expected: list[tuple[str, str, str, str]]
) -> None:
    result = check("buprenorphine", dose, given=(("8", hours(3)),), first_day=True)
    assert found(result, "first_day_total_high", "first_day_total_exceeded") == expected


def test_the_first_day_total_of_methadone_stops_above_50_mg_asking_for_documentation() -> None:
    assert found(check("methadone", "20", given=(("30", hours(4)),), first_day=True)) == []
    assert found(check("methadone", "20.5", given=(("30", hours(4)),), first_day=True)) == [
        (
            "first_day_total_exceeded",
            "stop",
            "The first-day total of methadone would be 50.5 mg, above 50 mg. 42 CFR 8.12: a higher"
            " first-day total needs the practitioner to document in the record that it is"
            " clinically indicated.",
            "cfr-8-12-2024",
        )
    ]


def test_a_first_day_limit_without_advice_ends_at_the_numbers() -> None:
    rules = WINDOW_60.rules("methadone")
    bare = replace(rules.limits.first_day_stop_above_mg, advice=None)
    policy = WINDOW_60.with_rules(
        replace(rules, limits=replace(rules.limits, first_day_stop_above_mg=bare))
    )
    result = check("methadone", "21", given=(("30", hours(4)),), first_day=True, policy=policy)
    assert found(result, "first_day_total_exceeded") == [
        (
            "first_day_total_exceeded",
            "stop",
            "The first-day total of methadone would be 51 mg, above 50 mg.",
            "cfr-8-12-2024",
        )
    ]


# --- QTc: krantz-2009 -----------------------------------------------------------------------------

QTC_WARNING = (
    "QTc {} ms is at or above 450 ms on methadone. Discuss the risks and benefits of methadone and"
    " monitor the QTc more often."
)
QTC_STRONG = (
    "Strong warning: QTc {} ms is above 500 ms on methadone. Consider reducing or stopping"
    " methadone, correct contributing causes such as drugs that lower potassium, or switch"
    " treatment."
)


@pytest.mark.parametrize(
    ("qtc", "expected"),
    [
        (449, []),
        (450, [("qtc_prolonged", "warning", QTC_WARNING.format(450), "krantz-2009")]),
        (451, [("qtc_prolonged", "warning", QTC_WARNING.format(451), "krantz-2009")]),
        (500, [("qtc_prolonged", "warning", QTC_WARNING.format(500), "krantz-2009")]),
        (501, [("qtc_markedly_prolonged", "warning", QTC_STRONG.format(501), "krantz-2009")]),
    ],
)
def test_methadone_qtc_warns_from_450_and_strongly_above_500_ms(
    qtc: int, expected: list[tuple[str, str, str, str]]
) -> None:
    assert found(check("methadone", "60", qtc_ms=qtc)) == expected


def test_each_qtc_threshold_applies_on_its_own() -> None:
    no_strong = set_limit(WINDOW_60, "methadone", qtc_strong_above_ms=None)
    assert found(check("methadone", "60", qtc_ms=560, policy=no_strong)) == [
        ("qtc_prolonged", "warning", QTC_WARNING.format(560), "krantz-2009")
    ]
    no_warning = set_limit(WINDOW_60, "methadone", qtc_warning_from_ms=None)
    assert found(check("methadone", "60", qtc_ms=480, policy=no_warning)) == []
    assert found(check("methadone", "60", qtc_ms=501, policy=no_warning)) == [
        ("qtc_markedly_prolonged", "warning", QTC_STRONG.format(501), "krantz-2009")
    ]


def test_a_qtc_threshold_a_program_sets_to_0_is_named_as_0() -> None:
    policy = set_limit(WINDOW_60, "methadone", qtc_warning_from_ms=0)
    (message,) = [m for _, _, m, _ in found(check("methadone", "60", qtc_ms=420, policy=policy))]
    assert message.startswith("QTc 420 ms is at or above 0 ms on methadone.")


def test_a_qtc_threshold_without_advice_ends_at_the_drug() -> None:
    rules = WINDOW_60.rules("methadone")
    bare = replace(rules.limits.qtc_warning_from_ms, advice=None)
    policy = WINDOW_60.with_rules(
        replace(rules, limits=replace(rules.limits, qtc_warning_from_ms=bare))
    )
    assert found(check("methadone", "60", qtc_ms=460, policy=policy)) == [
        (
            "qtc_prolonged",
            "warning",
            "QTc 460 ms is at or above 450 ms on methadone.",
            "krantz-2009",
        )
    ]


# --- Benzodiazepines: fda-2017 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "flag", "others", "warned"),
    [
        ("methadone", True, (), True),
        ("buprenorphine_naloxone", True, (), True),
        ("methadone", False, (("lorazepam", "2"),), True),
        ("methadone", False, (("clonidine", "0.3"),), False),
        ("methadone", False, (), False),
        ("diazepam", True, (), False),  # the flag is the benzodiazepine itself
        ("diazepam", False, (("oxycodone", "20"),), True),
        ("lorazepam", False, (("buprenorphine_naloxone", "8"),), True),
        ("diazepam", False, (("gabapentin", "900"),), False),
        ("clonidine", True, (("lorazepam", "2"),), False),
        ("clonidine", False, (("methadone", "60"),), False),
    ],
)
def test_benzodiazepine_co_use_is_a_warning_either_way_round(
    drug: str, flag: bool, others: tuple[tuple[str, str], ...], warned: bool
) -> None:
    result = check(drug, "2", benzodiazepine_use=flag, active_medications=active(*others))
    expected = [("benzodiazepine_co_use", "warning", BENZODIAZEPINES, "fda-2017")]
    assert found(result, "benzodiazepine_co_use") == (expected if warned else [])


# --- Allergies, pregnancy, age --------------------------------------------------------------------


def test_an_allergy_names_every_matching_ingredient_and_the_drug() -> None:
    result = check("clonidine", "0.1", allergies=("codeine", "clonidine"))
    assert found(result, "allergy_recorded") == [
        (
            "allergy_recorded",
            "stop",
            "The chart records an allergy to Clonidine, which Clonidine contains. Check with the"
            " patient and the prescriber before giving it.",
            "chart-allergies",
        )
    ]
    both = check("buprenorphine_naloxone", "2", allergies=("naloxone", "buprenorphine"))
    (message,) = [m for code, _, m, _ in found(both) if code == "allergy_recorded"]
    # The product is named as given (its label in products.toml), not the drug whose rules apply.
    assert message == (
        "The chart records an allergy to Naloxone, Buprenorphine, which Buprenorphine/naloxone"
        " contains. Check with the patient and the prescriber before giving it."
    )


@pytest.mark.parametrize(
    ("drug", "code", "message", "source"),
    [
        (
            "methadone",
            "pregnancy_physician_review",
            "Pregnancy is recorded: opioid agonist treatment (buprenorphine or methadone) is"
            " recommended in pregnancy over withdrawal management. For physician review; this"
            " never blocks the dose.",
            "acog-711",
        ),
        (
            "lofexidine",
            "pregnancy_no_human_data",
            "Pregnancy is recorded: lofexidine has no controlled human pregnancy data and showed"
            " reproductive toxicity in animals. For physician review.",
            "lofexidine-label",
        ),
    ],
)
def test_pregnancy_gives_the_drugs_own_caution(
    drug: str, code: str, message: str, source: str
) -> None:
    result = check(drug, "0.18", pregnant=True)
    assert found(result) == [(code, "warning", message, source)]
    assert found(check(drug, "0.18", pregnant=None)) == []


@pytest.mark.parametrize(
    ("drug", "age", "warned"),
    [
        ("buprenorphine", 15, True),
        ("buprenorphine_naloxone", 15, True),
        ("buprenorphine", 16, False),
        ("buprenorphine", None, False),
        ("methadone", 15, False),
    ],
)
def test_buprenorphine_below_its_labelled_age_of_16_is_an_off_label_warning(
    drug: str, age: int | None, warned: bool
) -> None:
    result = check(drug, "2", age_years=age)
    expected = [
        (
            "buprenorphine_off_label_age",
            "warning",
            "The patient is under 16 years old: buprenorphine is labelled from 16, so this use is"
            " off-label. For prescriber review; it never blocks the dose.",
            "eu-bup-label",
        )
    ]
    assert found(result) == (expected if warned else [])
    assert populations.buprenorphine_age_findings(15)[0].code == "buprenorphine_off_label_age"


# --- How the other medicines are named ------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "names"),
    [
        ((ActiveMedication("methadone", None),), "Methadone"),
        ((ActiveMedication("buprenorphine_naloxone", None),), "Buprenorphine/naloxone"),
        ((ActiveMedication("oxycodone", None),), "Oxycodone"),
        ((ActiveMedication("alcohol", None),), "alcohol"),
        ((ActiveMedication("methadone", None, "taper", "Methadone taper"),), "Methadone taper"),
        (
            (ActiveMedication("gabapentin", None), ActiveMedication("alcohol", None)),
            "Gabapentin and alcohol",
        ),
        (
            (
                ActiveMedication("lofexidine", None),
                ActiveMedication("ondansetron", None),
                ActiveMedication("hydroxyzine", None),
            ),
            "Lofexidine, Ondansetron and Hydroxyzine",
        ),
        (
            (ActiveMedication("methadone", None), ActiveMedication("methadone", Decimal(60))),
            "Methadone",
        ),
    ],
)
def test_other_medicines_are_named_by_label_product_drug_or_ingredient(
    items: tuple[ActiveMedication, ...], names: str
) -> None:
    assert dosing._names(items, default_policy()) == names


# --- Full and partial agonists: methadone-label-interactions --------------------------------------


@pytest.mark.parametrize(
    ("drug", "other", "message"),
    [
        ("buprenorphine", "methadone", f"Buprenorphine while Methadone is active: {AGONISTS}"),
        (
            "buprenorphine_naloxone",
            "hydrocodone",
            f"Buprenorphine while hydrocodone is active: {AGONISTS}",
        ),
        ("methadone", "buprenorphine", f"Methadone while Buprenorphine is active: {AGONISTS}"),
        (
            "methadone",
            "buprenorphine_naloxone",
            f"Methadone while Buprenorphine/naloxone is active: {AGONISTS}",
        ),
    ],
)
def test_a_partial_and_a_full_agonist_together_stop_naming_precipitated_withdrawal(
    drug: str, other: str, message: str
) -> None:
    result = check(drug, "2", active_medications=active((other, "8")), protocol="standard_start")
    message = message.replace(": ", ": risk of precipitated withdrawal. ", 1)
    expected = [("opioid_agonist_conflict", "stop", message, "methadone-label-interactions")]
    assert found(result, "opioid_agonist_conflict") == expected


@pytest.mark.parametrize(
    ("drug", "other"),
    [
        ("methadone", "oxycodone"),
        ("buprenorphine", "buprenorphine_naloxone"),
        ("clonidine", "methadone"),
        ("buprenorphine", "naloxone"),
        ("clonidine", "buprenorphine"),
    ],
)
def test_two_full_or_two_partial_agonists_are_no_conflict(drug: str, other: str) -> None:
    result = check(drug, "2", active_medications=active((other, "8")))
    assert found(result, "opioid_agonist_conflict") == []


# --- QT with methadone: each member's source ------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "dose", "others", "message", "source"),
    [
        (
            "methadone",
            "60",
            (("ondansetron", None),),
            "Methadone with Ondansetron",
            "fda-ondansetron-2011",
        ),
        (
            "methadone",
            "60",
            (("lofexidine", "2"), ("clonidine", "0.3"), ("ondansetron", "8")),
            "Methadone with Lofexidine and Ondansetron",
            "lofexidine-label",
        ),
        (
            "methadone",
            "60",
            (("loperamide", "16.5"),),
            "Methadone with Loperamide",
            "fda-loperamide-2016",
        ),
        (
            "ondansetron",
            "4",
            (("methadone", "60"),),
            "Ondansetron with Methadone",
            "fda-ondansetron-2011",
        ),
        (
            "lofexidine",
            "0.18",
            (("methadone", None), ("ondansetron", "4")),
            "Lofexidine with Methadone",
            "lofexidine-label",
        ),
    ],
)
def test_methadone_with_a_qt_prolonging_drug_warns_citing_the_member(
    drug: str, dose: str, others: tuple[tuple[str, str | None], ...], message: str, source: str
) -> None:
    result = check(drug, dose, active_medications=active(*others))
    assert found(result, "qt_interaction") == [
        ("qt_interaction", "warning", f"{message}: {QT}", source)
    ]


@pytest.mark.parametrize(
    ("drug", "dose", "others"),
    [
        ("methadone", "60", (("loperamide", "16"),)),
        ("methadone", "60", (("loperamide", None),)),
        ("methadone", "60", (("clonidine", "0.3"),)),
        ("methadone", "60", ()),
        ("ondansetron", "4", ()),
        ("ondansetron", "4", (("lofexidine", "2"),)),
        ("buprenorphine_naloxone", "8", (("methadone", "60"),)),
    ],
)
def test_no_qt_warning_without_both_sides_of_a_pair(
    drug: str, dose: str, others: tuple[tuple[str, str | None], ...]
) -> None:
    assert found(check(drug, dose, active_medications=active(*others)), "qt_interaction") == []


@pytest.mark.parametrize(("given", "dose", "warned"), [("14", "2", False), ("14", "2.5", True)])
def test_loperamide_checked_with_methadone_counts_only_above_its_16_mg(
    given: str, dose: str, warned: bool
) -> None:
    result = check(
        "loperamide",
        dose,
        given=((given, hours(4)),),
        active_medications=active(("methadone", "60")),
    )
    expected = [
        ("qt_interaction", "warning", f"Loperamide with Methadone: {QT}", "fda-loperamide-2016")
    ]
    assert found(result, "qt_interaction") == (expected if warned else [])


def test_an_active_loperamide_is_compared_with_its_own_daily_maximum() -> None:
    assert not dosing._above_label_dose(
        "loperamide", Decimal(16), default_policy(), DoseContext(False, False)
    )
    assert dosing._above_label_dose(
        "loperamide", Decimal("16.1"), default_policy(), DoseContext(False, False)
    )
    assert not dosing._above_label_dose(
        "loperamide", None, default_policy(), DoseContext(False, False)
    )
    assert not dosing._above_label_dose(
        "quetiapine", Decimal(900), default_policy(), DoseContext(False, False)
    )
    assert not dosing._above_label_dose(
        "ibuprofen", Decimal(9000), default_policy(), DoseContext(False, False)
    )


# --- CNS depressants with any opioid (SPEC A4) ----------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "others", "words", "source"),
    [
        (
            "methadone",
            (("gabapentin", "900"),),
            "Methadone with Gabapentin (a gabapentinoid)",
            "fda-gabapentinoid-2019",
        ),
        (
            "methadone",
            (("alcohol", None), ("gabapentin", "900"), ("pregabalin", "75")),
            "Methadone with alcohol, Gabapentin and Pregabalin (alcohol, a gabapentinoid)",
            "who-2009",
        ),
        (
            "buprenorphine_naloxone",
            (("phenobarbital", None),),
            "Buprenorphine with Phenobarbital (another CNS depressant)",
            "fda-2016",
        ),
        (
            "diphenhydramine",
            (("methadone", "60"), ("oxycodone", None), ("gabapentin", None)),
            "Diphenhydramine with Methadone and Oxycodone (a sedating antihistamine)",
            "fda-gabapentinoid-2019",
        ),
        (
            "trazodone",
            (("buprenorphine_naloxone", "8"),),
            "Trazodone with Buprenorphine/naloxone (a sedating antidepressant)",
            "fda-gabapentinoid-2019",
        ),
    ],
)
def test_an_opioid_with_a_cns_depressant_warns_naming_the_group(
    drug: str, others: tuple[tuple[str, str | None], ...], words: str, source: str
) -> None:
    result = check(drug, "2", active_medications=active(*others))
    assert found(result, "cns_depressant_interaction") == [
        ("cns_depressant_interaction", "warning", f"{words}: {CNS}", source)
    ]


@pytest.mark.parametrize(
    ("drug", "others"),
    [
        ("methadone", (("ondansetron", None), ("clonidine", None))),
        ("diphenhydramine", (("gabapentin", None), ("clonidine", None))),
        ("diphenhydramine", ()),
        ("clonidine", (("gabapentin", None), ("methadone", None))),
        ("methadone", ()),
    ],
)
def test_no_cns_warning_without_an_opioid_and_a_depressant(
    drug: str, others: tuple[tuple[str, str | None], ...]
) -> None:
    result = check(drug, "2", active_medications=active(*others))
    assert found(result, "cns_depressant_interaction") == []


# --- The first-buprenorphine-dose gate (SPEC 5.1, 5.3) --------------------------------------------

NO_SCORE = (
    "no_withdrawal_score",
    "stop",
    "No withdrawal score (COWS) is recorded: objective signs of withdrawal are the gate for a first"
    " buprenorphine dose, whatever the order set. Score COWS first.",
    "acep-bupe-tool",
)


@pytest.mark.parametrize("drug", ["buprenorphine", "buprenorphine_naloxone"])
def test_a_first_buprenorphine_dose_without_cows_stops(drug: str) -> None:
    assert found(check(drug, "2", first_day=True, **READY)) == [NO_SCORE]


def test_the_gate_is_for_buprenorphine_only_and_its_first_dose_only() -> None:
    assert found(check("methadone", "20", first_day=True, **READY)) == []
    assert found(check("buprenorphine", "2", **READY)) == []
    assert found(check("buprenorphine", "2", given=(("2", hours(2)),), first_day=True)) == []


def test_a_first_dose_that_meets_the_gate_adds_nothing_not_even_the_benzodiazepine_advice() -> None:
    # The dose check's own rule reports benzodiazepines, once: the gate is asked without them.
    result = check("buprenorphine", "4", first_day=True, cows_total=8, **READY)
    assert found(result) == []
    with_benzo = check(
        "buprenorphine", "4", first_day=True, cows_total=8, benzodiazepine_use=True, **READY
    )
    assert [code for code, *_ in found(with_benzo)] == ["benzodiazepine_co_use"]


def test_the_gate_applies_the_programs_own_cows_gate() -> None:
    induction = WINDOW_60.induction
    raised = replace(
        WINDOW_60,
        induction=replace(
            induction, cows_gate_short_acting=induction.cows_gate_short_acting.with_value(10)
        ),
    )
    result = check("buprenorphine", "4", first_day=True, cows_total=9, policy=raised, **READY)
    assert [(code, severity) for code, severity, *_ in found(result)] == [
        ("cows_gate_not_met", "stop")
    ]
    assert found(check("buprenorphine", "4", first_day=True, cows_total=9, **READY)) == []


@pytest.mark.parametrize(("dose", "exempt"), [("0.4", True), ("0.5", True), ("0.6", False)])
def test_a_low_dose_initiation_is_exempt_up_to_its_day_1_dose_of_0_5_mg(
    dose: str, exempt: bool
) -> None:
    result = check("buprenorphine", dose, first_day=True, protocol="low_dose_initiation", **READY)
    assert found(result) == ([] if exempt else [NO_SCORE])


def test_the_low_dose_exemption_reads_the_schedules_first_day() -> None:
    schedule = WINDOW_60.induction.low_dose_days
    quarter = (replace(schedule[0], dose_mg=Decimal("0.25")), *schedule[1:])
    policy = replace(WINDOW_60, induction=replace(WINDOW_60.induction, low_dose_days=quarter))
    context = {"first_day": True, "protocol": "low_dose_initiation", **READY}
    assert found(check("buprenorphine", "0.25", policy=policy, **context)) == []
    assert found(check("buprenorphine", "0.5", policy=policy, **context)) == [NO_SCORE]


def test_a_low_dose_initiation_without_a_schedule_is_not_exempt() -> None:
    policy = replace(WINDOW_60, induction=replace(WINDOW_60.induction, low_dose_days=()))
    result = check(
        "buprenorphine",
        "0.5",
        first_day=True,
        protocol="low_dose_initiation",
        policy=policy,
        **READY,
    )
    assert found(result) == [NO_SCORE]


# --- Fentanyl: varshneya-2022 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opioid_class", "exposure", "hours_ago", "expected"),
    [
        (
            "short_acting",
            True,
            None,
            (
                "fentanyl_timing_unknown",
                f"Fentanyl was used and the time of last use is not known. {FENTANYL}",
            ),
        ),
        (
            "short_acting",
            True,
            Decimal(48),
            ("fentanyl_within_48h", f"Fentanyl was used 48 hours ago, within 48 hours. {FENTANYL}"),
        ),
        (
            "short_acting",
            True,
            Decimal(1),
            ("fentanyl_within_48h", f"Fentanyl was used 1 hour ago, within 48 hours. {FENTANYL}"),
        ),
        ("short_acting", True, Decimal(49), None),
        ("short_acting", False, Decimal(20), None),
        ("short_acting", None, None, None),
    ],
)
def test_recorded_fentanyl_exposure_warns_within_48_hours_or_when_unknown(
    opioid_class: str,
    exposure: bool | None,
    hours_ago: Decimal | None,
    expected: tuple[str, str] | None,
) -> None:
    result = check(
        "buprenorphine",
        "4",
        first_day=True,
        cows_total=14,
        opioid_class=opioid_class,
        fentanyl_exposure=exposure,
        hours_since_last_use=hours_ago,
    )
    fentanyl = [
        (code, message, source)
        for code, _, message, source in found(result)
        if code.startswith("fentanyl")
    ]
    assert fentanyl == ([] if expected is None else [(*expected, "varshneya-2022")])


def test_the_fentanyl_class_keeps_the_gates_own_fentanyl_warning_only_once() -> None:
    result = check(
        "buprenorphine",
        "4",
        first_day=True,
        cows_total=14,
        opioid_class="fentanyl",
        hours_since_last_use=Decimal(30),
    )
    assert [code for code, *_ in found(result) if code.startswith("fentanyl")] == [
        "fentanyl_within_48h"
    ]


def test_the_fentanyl_rule_follows_its_window_and_advice() -> None:
    induction = WINDOW_60.induction
    window = induction.fentanyl_window_hours
    cleared = replace(
        WINDOW_60, induction=replace(induction, fentanyl_window_hours=window.with_value(None))
    )
    bare = replace(
        WINDOW_60, induction=replace(induction, fentanyl_window_hours=replace(window, advice=None))
    )
    context: dict[str, Any] = {
        "first_day": True,
        "cows_total": 14,
        "opioid_class": "short_acting",
        "fentanyl_exposure": True,
        "hours_since_last_use": Decimal(20),
    }
    assert (
        found(check("buprenorphine", "4", policy=cleared, **context), "fentanyl_within_48h") == []
    )
    assert found(check("buprenorphine", "4", policy=bare, **context), "fentanyl_within_48h") == [
        (
            "fentanyl_within_48h",
            "warning",
            "Fentanyl was used 20 hours ago, within 48 hours.",
            "varshneya-2022",
        )
    ]
    context["hours_since_last_use"] = None
    assert found(
        check("buprenorphine", "4", policy=bare, **context), "fentanyl_timing_unknown"
    ) == [
        (
            "fentanyl_timing_unknown",
            "warning",
            "Fentanyl was used and the time of last use is not known.",
            "varshneya-2022",
        )
    ]


def test_the_fentanyl_rule_leaves_alone_findings_that_are_not_fentanyls() -> None:
    finding = Finding("time_since_last_use", "warning", "x", "asam-2015")
    context = DoseContext(False, False, opioid_class="fentanyl", hours_since_last_use=Decimal(2))
    assert [f.code for f in dosing._fentanyl_findings(context, [finding], WINDOW_60)] == [
        "fentanyl_within_48h"
    ]
    fentanyl = Finding("fentanyl_timing_unknown", "warning", "x", "varshneya-2022")
    assert dosing._fentanyl_findings(context, [fentanyl], WINDOW_60) == []


# --- Ceilings after day 1 and the unit-error stop: fda-btod-2024, herring-2021 --------------------


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        ("8", []),
        (
            "8.1",
            [
                (
                    "daily_total_high",
                    "warning",
                    "24.1 mg of buprenorphine in 24 hours, counting this dose, is above 24 mg. FDA"
                    " 2024: more than 24 mg a day may be appropriate for some patients (high"
                    " tolerance, fentanyl). Acknowledge with the reason.",
                    "fda-btod-2024",
                )
            ],
        ),
        (
            "16",
            [
                (
                    "daily_total_high",
                    "warning",
                    "32 mg of buprenorphine in 24 hours, counting this dose, is above 24 mg. FDA"
                    " 2024: more than 24 mg a day may be appropriate for some patients (high"
                    " tolerance, fentanyl). Acknowledge with the reason.",
                    "fda-btod-2024",
                )
            ],
        ),
        (
            "16.1",
            [
                (
                    "daily_total_exceeded",
                    "stop",
                    "32.1 mg of buprenorphine in 24 hours, counting this dose, is above 32 mg. This"
                    " is a plausibility check, not a clinical maximum: override with the reason if"
                    " the total is intended.",
                    "herring-2021",
                )
            ],
        ),
    ],
)
def test_after_day_one_buprenorphine_warns_above_24_and_stops_above_32_mg(
    dose: str, expected: list[tuple[str, str, str, str]]
) -> None:
    assert found(check("buprenorphine", dose, given=(("16", hours(8)),))) == expected


IMPLAUSIBLE = (
    "A single dose of {} mg of {} is above the daily stop of {} mg: probably a unit or entry error"
    " (mg and micrograms, films and mg). Check the order before giving it."
)


@pytest.mark.parametrize(
    ("drug", "dose", "first_day", "context", "stop", "source"),
    [
        ("buprenorphine", "32.1", False, {}, "32", "herring-2021"),
        ("buprenorphine", "32.1", True, {}, "32", "nida-ed-2018"),
        ("methadone", "50.1", True, {}, "50", "cfr-8-12-2024"),
        ("lofexidine", "1.45", False, {"child_pugh_score": 7}, "1.44", "lofexidine-label"),
        ("clonidine", "1.21", False, {"weight_kg": Decimal(100)}, "1.2", "uptodate-ed"),
    ],
)
def test_one_dose_above_the_days_stop_is_a_probable_unit_error(
    drug: str, dose: str, first_day: bool, context: dict[str, Any], stop: str, source: str
) -> None:
    result = check(drug, dose, given=(("0.01", hours(30)),), first_day=first_day, **context)
    assert found(result, "dose_implausible") == [
        ("dose_implausible", "stop", IMPLAUSIBLE.format(dose, drug, stop), source)
    ]
    at_stop = check(drug, stop, given=(("0.01", hours(30)),), first_day=first_day, **context)
    assert found(at_stop, "dose_implausible") == []


def test_the_days_stop_is_the_lowest_of_the_cap_and_the_days_own_stop() -> None:
    rules = WINDOW_60.rules("buprenorphine")
    later = DoseContext(False, False)
    first = DoseContext(True, False)
    request = DoseRequest("buprenorphine", Decimal(1), T0, (), None, later)
    assert dosing._daily_stop(request, rules, None) == dosing.Cap(Decimal(32), "herring-2021")
    low = dosing.Cap(Decimal(20), "program-policy")
    assert dosing._daily_stop(request, rules, low) == low
    on_day_one = replace(request, context=first)
    assert dosing._daily_stop(on_day_one, rules, None) == dosing.Cap(Decimal(32), "nida-ed-2018")
    methadone = WINDOW_60.rules("methadone")
    assert dosing._daily_stop(request, methadone, None) is None


def test_on_the_first_day_only_the_first_day_stop_counts_as_the_days_stop() -> None:
    policy = set_limit(WINDOW_60, "buprenorphine", daily_stop_above_mg=20)
    first = check("buprenorphine", "25", given=(("1", hours(30)),), first_day=True, policy=policy)
    assert found(first, "dose_implausible") == []
    later = check("buprenorphine", "25", given=(("1", hours(30)),), policy=policy)
    assert found(later, "dose_implausible") == [
        ("dose_implausible", "stop", IMPLAUSIBLE.format(25, "buprenorphine", 20), "program-policy")
    ]


# --- Methadone titration: asam-2015 ---------------------------------------------------------------

STEP = "The daily total of methadone rises by {} mg to {} mg, more than the usual step of 10 mg."
SOON = "The daily total of methadone was last increased {} ago, sooner than every 7 days."


@pytest.mark.parametrize(
    ("history", "dose", "expected"),
    [
        ((("60", days(1)),), "70", []),
        ((("60", days(1)),), "71", [("dose_increase_above_step", STEP.format(11, 71))]),
        (
            (("60", days(1)), ("50", days(2))),
            "65",
            [("dose_increase_too_soon", SOON.format("1 day"))],
        ),
        (
            (("60", days(1)), ("60", days(6)), ("50", days(7))),
            "65",
            [("dose_increase_too_soon", SOON.format("6 days"))],
        ),
        ((("60", days(1)), ("60", days(7)), ("50", days(8))), "65", []),
        # The last dosing day is compared, not a calendar day before it.
        (
            (("60", days(3)), ("50", days(4))),
            "72",
            [
                ("dose_increase_above_step", STEP.format(12, 72)),
                ("dose_increase_too_soon", SOON.format("3 days")),
            ],
        ),
        (
            (("60", days(1)), ("70", days(2)), ("60", days(3))),
            "65",
            [("dose_increase_too_soon", SOON.format("2 days"))],
        ),
        ((("60", days(1)),), "60", []),
        ((("60", days(1)), ("50", days(2))), "60", []),  # no rise today: nothing to warn about
    ],
)
def test_methadone_rising_faster_than_asam_2015_warns(
    history: tuple[tuple[str, timedelta], ...], dose: str, expected: list[tuple[str, str]]
) -> None:
    result = check("methadone", dose, given=history)
    titration = [
        (code, message)
        for code, _, message, source in found(result)
        if code.startswith("dose_increase")
    ]
    assert titration == expected
    assert all(
        source == "asam-2015"
        for code, _, _, source in found(result)
        if code.startswith("dose_increase")
    )


def test_titration_counts_a_dose_at_the_same_moment_and_ignores_a_later_one() -> None:
    same = check("methadone", "66", given=(("5", timedelta(0)), ("60", days(1))))
    assert found(same, "dose_increase_above_step") == [
        ("dose_increase_above_step", "warning", STEP.format(11, 71), "asam-2015")
    ]
    later = check("methadone", "60", given=(("40", -hours(1)), ("60", days(1))))
    assert found(later) == []


def test_titration_splits_days_at_midnight_where_the_dose_is_given() -> None:
    local = timezone(timedelta(hours=2))
    at = datetime(2025, 3, 5, 14, 0, tzinfo=local)
    given = (
        GivenDose(Decimal(30), datetime(2025, 3, 4, 23, 0, tzinfo=UTC)),  # 01:00 today, locally
        GivenDose(Decimal(60), datetime(2025, 3, 3, 23, 30, tzinfo=UTC)),  # 01:30 yesterday
    )
    request = DoseRequest("methadone", Decimal(41), at, given, None, DoseContext(False, False, 420))
    assert [f.message for f in check_dose(request, WINDOW_60).findings] == [STEP.format(11, 71)]


def test_each_titration_number_applies_on_its_own() -> None:
    history = (("60", days(1)), ("50", days(2)))
    no_step = set_limit(WINDOW_60, "methadone", increase_warning_above_mg=None)
    assert [
        code for code, *_ in found(check("methadone", "90", given=history, policy=no_step))
    ] == ["dose_increase_too_soon"]
    no_days = set_limit(WINDOW_60, "methadone", increase_min_days=None)
    assert [
        code for code, *_ in found(check("methadone", "90", given=history, policy=no_days))
    ] == ["dose_increase_above_step"]
    buprenorphine = check("buprenorphine", "8", given=(("2", days(1)),))
    assert found(buprenorphine) == []


def test_no_titration_warning_on_the_first_day() -> None:
    result = check("methadone", "20", given=(("30", hours(2)), ("10", days(1))), first_day=True)
    assert [code for code, *_ in found(result) if code.startswith("dose_increase")] == []


# --- ECG prompts: bccsu-oud-app3, krantz-2009 -----------------------------------------------------


def test_methadone_without_a_qtc_asks_for_an_ecg() -> None:
    result = check("methadone", "60", qtc_ms=None, qtc_measured_at=T0 - days(400))
    assert found(result) == [("qtc_unknown", "warning", QTC_UNKNOWN, "bccsu-oud-app3")]


@pytest.mark.parametrize(("age", "due"), [(364, False), (365, False), (366, True), (730, True)])
def test_a_qtc_older_than_365_days_asks_for_a_new_ecg(age: int, due: bool) -> None:
    result = check("methadone", "60", qtc_measured_at=T0 - days(age) - hours(1))
    expected = [
        (
            "ecg_due",
            "warning",
            f"The QTc on file was measured {age} days ago, more than 365 days: take a new ECG.",
            "krantz-2009",
        )
    ]
    assert found(result) == (expected if due else [])


def test_the_ecg_age_needs_its_limit_and_a_qtc() -> None:
    policy = set_limit(WINDOW_60, "methadone", ecg_max_age_days=None)
    assert found(check("methadone", "60", qtc_measured_at=T0 - days(900), policy=policy)) == []
    one_day = set_limit(WINDOW_60, "methadone", ecg_max_age_days=1)
    assert [
        m
        for _, _, m, _ in found(
            check("methadone", "60", qtc_measured_at=T0 - days(2), policy=one_day)
        )
    ] == ["The QTc on file was measured 2 days ago, more than 1 day: take a new ECG."]


ECG_DOSE = "The daily total of methadone goes above 100 mg ({} mg): take an ECG (QTc)."


@pytest.mark.parametrize(
    ("yesterday", "dose", "measured", "prompted"),
    [
        ("95", "100", None, False),
        ("95", "101", None, True),
        ("100", "101", None, True),
        ("101", "102", None, False),
        ("95", "101", T0 - hours(1), False),
        ("95", "101", T0 - hours(12) - timedelta(minutes=1), True),  # 23:59 yesterday
        ("95", "101", T0 - hours(12), False),  # midnight today
        # 00:30 today at UTC+2 is 22:30 yesterday at the dose's UTC.
        ("95", "101", datetime(2025, 3, 5, 0, 30, tzinfo=timezone(timedelta(hours=2))), True),
    ],
)
def test_methadone_rising_above_100_mg_a_day_asks_for_an_ecg_unless_one_was_taken_today(
    yesterday: str, dose: str, measured: datetime | None, prompted: bool
) -> None:
    result = check("methadone", dose, given=((yesterday, days(1)),), qtc_measured_at=measured)
    expected = [("ecg_prompt_dose", "warning", ECG_DOSE.format(dose), "krantz-2009")]
    assert found(result, "ecg_prompt_dose") == (expected if prompted else [])


def test_an_ecg_taken_today_counts_in_the_timezone_of_the_dose() -> None:
    plus5 = timezone(timedelta(hours=5))
    at = datetime(2025, 3, 5, 1, 0, tzinfo=plus5)  # 20:00 UTC the day before
    measured = datetime(2025, 3, 5, 0, 30, tzinfo=plus5)
    result = check("methadone", "101", at=at, given=(("95", days(1)),), qtc_measured_at=measured)
    assert found(result, "ecg_prompt_dose") == []


def test_a_first_methadone_day_above_100_mg_asks_for_an_ecg() -> None:
    result = check("methadone", "110", given=(("0.5", hours(30)),))
    assert found(result, "ecg_prompt_dose") == [
        ("ecg_prompt_dose", "warning", ECG_DOSE.format(110), "krantz-2009")
    ]
    assert found(check("buprenorphine", "30", given=(("0.5", hours(30)),)), "ecg_prompt_dose") == []


# --- The naloxone offer: fda-naloxone-2020 --------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "offered"),
    [
        ("buprenorphine", True),
        ("buprenorphine_naloxone", True),
        ("methadone", True),
        ("hydrocodone", True),
        ("naloxone", False),
        ("lofexidine", False),
    ],
)
def test_naloxone_is_offered_for_every_opioid_order(drug: str, offered: bool) -> None:
    expected = Finding("naloxone_offer", "warning", NALOXONE, "fda-naloxone-2020")
    assert dosing.naloxone_prompt(drug) == (expected if offered else None)
    assert dosing.naloxone_prompt(drug, None, default_policy()) == (expected if offered else None)


def test_naloxone_is_offered_for_a_product_of_an_opioid_a_program_adds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalogue = products.catalogue()
    combined = products.Product(
        "oxy_nx", "Oxycodone/naloxone", frozenset({"oxycodone", "naloxone"})
    )
    extended = products.Catalogue(catalogue.ingredients, {**catalogue.products, "oxy_nx": combined})
    monkeypatch.setattr(products, "catalogue", lambda: extended)
    prompt = dosing.naloxone_prompt("oxy_nx")
    assert prompt == Finding("naloxone_offer", "warning", NALOXONE, "fda-naloxone-2020")


@pytest.mark.parametrize(
    ("flag", "others", "sedating"),
    [
        (False, (), False),
        (True, (), True),
        (False, (("gabapentin", None),), True),
        (False, (("lorazepam", None),), True),
        (False, (("ondansetron", None), ("clonidine", None)), False),
    ],
)
def test_the_naloxone_offer_names_sedating_medicines(
    flag: bool, others: tuple[tuple[str, str | None], ...], sedating: bool
) -> None:
    context = DoseContext(False, flag, active_medications=active(*others))
    prompt = dosing.naloxone_prompt("methadone", context)
    assert prompt == Finding(
        "naloxone_offer", "warning", NALOXONE + (SEDATING if sedating else ""), "fda-naloxone-2020"
    )
