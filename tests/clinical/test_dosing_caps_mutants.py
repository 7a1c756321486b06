"""The dose check's input, caps and output (``clinical.dosing``): the exact refusal of each bad
field, the exact cap, interval, hold and vitals messages, and the keys of ``dose_check_json``.

Expected numbers are written out from medications.toml (lofexidine-label, uptodate-ed,
va-pbm-handout, nida-ed-2018) and its [entry_limits], so a wrong number there fails here too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import dosing, products
from detoxdesk.clinical.dosing import (
    ActiveMedication,
    Cap,
    DoseCheck,
    DoseContext,
    DoseRequest,
    FieldReader,
    GivenDose,
    MedicationPolicy,
    UnsetParameter,
    VitalsReading,
    check_dose,
    default_policy,
)
from detoxdesk.clinical.errors import InvalidInput

T0 = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
AT = "2025-03-05T12:00:00+00:00"
CANNOT = "The dose cannot be checked: correct the marked fields."
ISO = "Must be an ISO-8601 date and time with a timezone, e.g. 2025-03-01T08:00:00+00:00."
INGREDIENTS = (
    "buprenorphine, naloxone, naltrexone, methadone, morphine, codeine, oxycodone, hydromorphone,"
    " fentanyl, lofexidine, clonidine, loperamide, ondansetron, dicyclomine, methocarbamol,"
    " ibuprofen, acetaminophen, hydroxyzine, diphenhydramine, trazodone, chlordiazepoxide,"
    " lorazepam, diazepam, phenobarbital, gabapentin, pregabalin, thiamine"
)
DRUGS = (
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
# The policy's drugs, products.toml's ingredients and products, and the interaction lists' codes.
SUBSTANCES = (
    "acetaminophen",
    "alcohol",
    "buprenorphine",
    "buprenorphine_naloxone",
    "chlordiazepoxide",
    "clonidine",
    "codeine",
    "diazepam",
    "dicyclomine",
    "diphenhydramine",
    "fentanyl",
    "gabapentin",
    "hydrocodone",
    "hydromorphone",
    "hydroxyzine",
    "ibuprofen",
    "lofexidine",
    "loperamide",
    "lorazepam",
    "methadone",
    "methocarbamol",
    "morphine",
    "naloxone",
    "naltrexone",
    "ondansetron",
    "oxycodone",
    "oxymorphone",
    "phenobarbital",
    "pregabalin",
    "thiamine",
    "trazodone",
)
WINDOW_60 = replace(
    default_policy(), vitals_max_age_min=default_policy().vitals_max_age_min.with_value(60)
)


def payload(drug: str = "clonidine", dose: Any = 0.1, **context: Any) -> dict[str, Any]:
    return {
        "drug": drug,
        "dose_mg": dose,
        "at": AT,
        "given": [],
        "vitals": None,
        "context": {"first_day": False, "benzodiazepine_use": False, **context},
    }


def refused(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        dosing.parse_dose_request(body)
    assert str(raised.value) == CANNOT
    return raised.value.fields


def refused_by(body: dict[str, Any], policy: MedicationPolicy) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        dosing.parse_dose_request(body, policy)
    return raised.value.fields


def check(
    drug: str,
    dose: str,
    *,
    given: tuple[tuple[str, timedelta], ...] = (),
    vitals: VitalsReading | None = None,
    policy: MedicationPolicy | None = None,
    **context: Any,
) -> DoseCheck:
    """``dose`` mg of ``drug`` at T0; ``given`` is (dose_mg, how long before T0)."""
    context.setdefault("first_day", False)
    context.setdefault("benzodiazepine_use", False)
    context.setdefault("qtc_ms", 420)
    request = DoseRequest(
        drug,
        Decimal(dose),
        T0,
        tuple(GivenDose(Decimal(mg), T0 - before) for mg, before in given),
        vitals,
        DoseContext(**context),
    )
    return check_dose(request, policy or WINDOW_60)


def messages(result: DoseCheck) -> list[tuple[str, str, str, str]]:
    return [(f.code, f.severity, f.message, f.source) for f in result.findings]


def vitals(systolic: int | None, diastolic: int | None, rate: int | None = 70) -> VitalsReading:
    return VitalsReading(systolic, diastolic, rate, T0 - timedelta(minutes=5))


def set_limit(policy: MedicationPolicy, drug: str, **values: Any) -> MedicationPolicy:
    """``policy`` with the named limits of ``drug`` set (or cleared with None) by the program."""
    rules = policy.rules(drug)
    changed = {key: getattr(rules.limits, key).with_value(value) for key, value in values.items()}
    return policy.with_rules(replace(rules, limits=replace(rules.limits, **changed)))


# --- FieldReader: one plain-English message per bad field ---------------------------------------


def test_a_reader_without_prefix_names_the_bare_key_and_keeps_the_first_message() -> None:
    reader = FieldReader({"a": 1})
    reader.only(("b",))
    reader.fail("a", "A second message.")
    assert reader.errors == {"a": "Not a field of this input."}
    reader.only(("a",))
    assert list(reader.errors) == ["a"]


def test_a_reader_shares_its_errors_with_a_child_under_the_prefix() -> None:
    errors: dict[str, str] = {}
    reader = FieldReader({"x": 1}, prefix="context.", errors=errors)
    reader.only(())
    assert errors == {"context.x": "Not a field of this input."}


@pytest.mark.parametrize(
    ("value", "read", "errors"),
    [
        (True, True, {}),
        (False, False, {}),
        (None, False, {"k": "This field is required."}),
        (1, False, {"k": "Must be true or false."}),
        ("true", False, {"k": "Must be true or false."}),
    ],
)
def test_a_required_boolean_is_true_or_false(
    value: object, read: bool, errors: dict[str, str]
) -> None:
    reader = FieldReader({"k": value})
    assert reader.boolean("k") is read
    assert reader.errors == errors


@pytest.mark.parametrize(
    ("body", "read", "errors"),
    [
        ({"k": True}, True, {}),
        ({"k": False}, False, {}),
        ({"k": None}, None, {}),
        ({}, None, {}),
        ({"k": 0}, None, {"k": "Must be true, false or null (not known)."}),
    ],
)
def test_an_optional_boolean_may_be_null(
    body: dict[str, object], read: bool | None, errors: dict[str, str]
) -> None:
    reader = FieldReader(body)
    assert reader.optional_boolean("k") is read
    assert reader.errors == errors


@pytest.mark.parametrize(
    ("body", "read", "errors"),
    [
        ({"k": "b"}, "b", {}),
        ({}, None, {}),
        ({"k": None}, None, {}),
        ({"k": "c"}, None, {"k": "Must be one of a, b, or null."}),
        ({"k": 1}, None, {"k": "Must be one of a, b, or null."}),
    ],
)
def test_an_optional_choice_is_one_of_the_choices_or_null(
    body: dict[str, object], read: str | None, errors: dict[str, str]
) -> None:
    reader = FieldReader(body)
    assert reader.optional_choice("k", ("a", "b")) == read
    assert reader.errors == errors


@pytest.mark.parametrize(
    ("value", "read", "errors"),
    [
        (5, 5, {}),
        (4, None, {"k": "Must be between 5 and 15."}),
        (15, 15, {}),
        (16, None, {"k": "Must be between 5 and 15."}),
        (True, None, {"k": "Must be a whole number."}),
        (7.0, None, {"k": "Must be a whole number."}),
        ("7", None, {"k": "Must be a whole number."}),
    ],
)
def test_an_optional_integer_is_whole_and_within_its_ends(
    value: object, read: int | None, errors: dict[str, str]
) -> None:
    reader = FieldReader({"k": value})
    assert reader.optional_integer("k", Decimal(5), Decimal(15)) == read
    assert reader.errors == errors


@pytest.mark.parametrize(
    ("body", "read", "errors"),
    [
        ({"k": 9}, 9, {}),
        ({}, 0, {"k": "This field is required."}),
        ({"k": 99}, 0, {"k": "Must be between 5 and 15."}),
    ],
)
def test_a_required_integer_reads_as_0_when_refused(
    body: dict[str, object], read: int, errors: dict[str, str]
) -> None:
    reader = FieldReader(body)
    assert reader.integer("k", Decimal(5), Decimal(15)) == read
    assert reader.errors == errors


@pytest.mark.parametrize(
    ("value", "positive", "read", "message"),
    [
        (0, False, Decimal(0), None),
        (0.5, False, Decimal("0.5"), None),
        (-0.5, False, None, "Must be 0 or more."),
        (0, True, None, "Must be greater than 0."),
        (-1, True, None, "Must be greater than 0."),
        (0.01, True, Decimal("0.01"), None),
        (True, False, None, "Must be a number."),
        ("1", False, None, "Must be a number."),
        (float("nan"), False, None, "Must be a finite number."),
        (float("inf"), True, None, "Must be a finite number."),
    ],
)
def test_an_optional_number_is_a_finite_number_of_the_right_sign(
    value: object, positive: bool, read: Decimal | None, message: str | None
) -> None:
    reader = FieldReader({"k": value})
    assert reader.optional_number("k", positive=positive) == read
    assert reader.errors == ({} if message is None else {"k": message})


@pytest.mark.parametrize(
    ("value", "read"),
    [(1, Decimal(1)), (0.9, None), (500, Decimal(500)), (500.1, None), (250, Decimal(250))],
)
def test_an_optional_number_is_within_its_limits_inclusive(
    value: float, read: Decimal | None
) -> None:
    reader = FieldReader({"k": value})
    assert reader.optional_number("k", positive=True, limits=(Decimal(1), Decimal(500))) == read
    assert reader.errors == ({} if read is not None else {"k": "Must be between 1 and 500."})


def test_a_required_number_reads_as_0_when_missing_or_refused() -> None:
    reader = FieldReader({"bad": "x"})
    assert (reader.number("k"), reader.number("bad", positive=True)) == (Decimal(0), Decimal(0))
    assert reader.errors == {"k": "This field is required.", "bad": "Must be a number."}
    assert FieldReader({"k": 2.5}).number("k", positive=True) == Decimal("2.5")
    zero = FieldReader({"k": 0})
    assert (zero.number("k"), zero.errors) == (Decimal(0), {})


@pytest.mark.parametrize(
    ("body", "read", "errors"),
    [
        ({"k": "a"}, "a", {}),
        ({}, "", {"k": "This field is required."}),
        ({"k": "z"}, "z", {"k": "Unknown drug 'z'. Known: a, b."}),
        ({"k": 3}, "", {"k": "Unknown drug 3. Known: a, b."}),
    ],
)
def test_a_required_choice_names_the_known_choices(
    body: dict[str, object], read: str, errors: dict[str, str]
) -> None:
    reader = FieldReader(body)
    assert reader.choice("k", ("a", "b"), "drug") == read
    assert reader.errors == errors


@pytest.mark.parametrize(
    ("body", "read", "errors"),
    [
        ({"k": AT}, T0, {}),
        ({"k": "2025-03-05T13:00:00+01:00"}, T0, {}),
        ({}, datetime.min.replace(tzinfo=UTC), {"k": "This field is required."}),
        ({"k": "2025-03-05T12:00:00"}, datetime.min.replace(tzinfo=UTC), {"k": ISO}),
        ({"k": 20250305}, datetime.min.replace(tzinfo=UTC), {"k": ISO}),
    ],
)
def test_a_moment_needs_a_timezone(
    body: dict[str, object], read: datetime, errors: dict[str, str]
) -> None:
    reader = FieldReader(body)
    assert reader.moment("k") == read
    assert reader.errors == errors


def test_an_optional_moment_is_none_when_absent_or_null() -> None:
    reader = FieldReader({"n": None, "k": AT, "bad": "noon"})
    assert (reader.optional_moment("absent"), reader.optional_moment("n")) == (None, None)
    assert reader.optional_moment("k") == T0
    assert reader.optional_moment("bad") == datetime.min.replace(tzinfo=UTC)
    assert reader.errors == {"bad": ISO}


def test_a_present_field_may_be_null_but_not_absent() -> None:
    reader = FieldReader({"n": None, "v": 3})
    assert (reader.present("n"), reader.present("v"), reader.present("x")) == (None, 3, None)
    assert reader.errors == {"x": "This field is required (it may be null)."}


def test_check_raises_with_every_field_only_when_there_are_errors() -> None:
    FieldReader({}).check("Never raised.")
    reader = FieldReader({})
    reader.fail("a", "A.")
    reader.fail("b", "B.")
    with pytest.raises(InvalidInput) as raised:
        reader.check("The form is wrong.")
    assert (str(raised.value), raised.value.fields) == (
        "The form is wrong.",
        {"a": "A.", "b": "B."},
    )


def test_a_child_object_must_be_an_object_with_text_keys() -> None:
    reader = FieldReader({}, prefix="context.")
    assert dosing._child(reader, "vitals", [1], "at and the signs taken") is None
    assert dosing._child(reader, "given[0]", {1: 2}, "dose_mg and at") is None
    child = dosing._child(reader, "given[1]", {"at": AT}, "dose_mg and at")
    assert child is not None and child.prefix == "context.given[1]."
    assert child.errors is reader.errors
    assert reader.errors == {
        "context.vitals": "Must be a JSON object with at and the signs taken.",
        "context.given[0]": "Must be a JSON object with dose_mg and at.",
    }


# --- parse_dose_request: the whole payload --------------------------------------------------------


def test_it_reads_a_full_payload_into_a_request() -> None:
    body = {
        "drug": "buprenorphine_naloxone",
        "dose_mg": 4,
        "at": AT,
        "given": [{"dose_mg": 2, "at": "2025-03-05T10:00:00+00:00"}],
        "vitals": {
            "systolic": 118,
            "diastolic": 76,
            "heart_rate": 64,
            "at": "2025-03-05T11:55:00+00:00",
        },
        "context": {
            "first_day": True,
            "benzodiazepine_use": True,
            "qtc_ms": 430,
            "child_pugh_score": 6,
            "egfr": 75.5,
            "weight_kg": 80,
            "cows_total": 48,
            "pregnant": False,
            "allergies": ["naloxone", "codeine"],
            "protocol": "standard_start",
            "active_medications": [
                {"drug": "gabapentin", "daily_dose_mg": 900, "source": "home", "label": "Gaba"}
            ],
            "opioid_class": "methadone",
            "hours_since_last_use": 30,
            "fentanyl_exposure": False,
            "qtc_measured_at": "2025-02-01T08:00:00+00:00",
            "age_years": 130,
        },
    }
    request = dosing.parse_dose_request(body)
    assert request == DoseRequest(
        "buprenorphine_naloxone",
        Decimal(4),
        T0,
        (GivenDose(Decimal(2), T0 - timedelta(hours=2)),),
        VitalsReading(118, 76, 64, T0 - timedelta(minutes=5)),
        DoseContext(
            first_day=True,
            benzodiazepine_use=True,
            qtc_ms=430,
            child_pugh_score=6,
            egfr=Decimal("75.5"),
            weight_kg=Decimal(80),
            cows_total=48,
            pregnant=False,
            allergies=("naloxone", "codeine"),
            protocol="standard_start",
            active_medications=(ActiveMedication("gabapentin", Decimal(900), "home", "Gaba"),),
            opioid_class="methadone",
            hours_since_last_use=Decimal(30),
            fentanyl_exposure=False,
            qtc_measured_at=datetime(2025, 2, 1, 8, 0, tzinfo=UTC),
            age_years=130,
        ),
    )
    assert isinstance(request.vitals.systolic, int)  # type: ignore[union-attr]


def test_it_reads_a_payload_that_gives_only_what_is_required() -> None:
    request = dosing.parse_dose_request(payload())
    assert request == DoseRequest(
        "clonidine", Decimal("0.1"), T0, (), None, DoseContext(False, False)
    )


def test_it_reads_the_signs_not_taken_as_none() -> None:
    body = payload()
    body["vitals"] = {"heart_rate": 50, "at": AT}
    assert dosing.parse_dose_request(body).vitals == VitalsReading(None, None, 50, T0)


def test_it_reads_the_drugs_and_substances_of_the_policy_passed_in() -> None:
    policy = default_policy()
    fewer = replace(policy, drugs=tuple(r for r in policy.drugs if r.drug != "diazepam"))
    assert "drug" in refused_by(payload("diazepam", 5), fewer)
    extended = replace(
        policy, qt_with_methadone=policy.qt_with_methadone.extended({"quetiapine": "x"})
    )
    body = payload("methadone", 60, active_medications=[{"drug": "quetiapine"}])
    assert dosing.parse_dose_request(body, extended).context.active_medications == (
        ActiveMedication("quetiapine", None),
    )
    assert list(refused_by(body, policy)) == ["context.active_medications[0].drug"]


def test_a_context_that_is_not_an_object_reads_as_nothing_recorded() -> None:
    reader = FieldReader({"context": ["first_day"]})
    assert dosing._read_context(reader, default_policy()) == DoseContext(False, False)
    assert reader.errors == {
        "context": "Must be a JSON object with first_day and benzodiazepine_use."
    }


@pytest.mark.parametrize("dose", [0, -0.5])
def test_the_dose_must_be_above_0(dose: float) -> None:
    assert refused(payload(dose=dose)) == {"dose_mg": "Must be greater than 0."}


def test_a_product_is_checkable_only_while_its_policy_drug_is() -> None:
    policy = default_policy()
    fewer = replace(policy, drugs=tuple(r for r in policy.drugs if r.drug != "buprenorphine"))
    assert dosing.checkable_drugs(fewer) == DRUGS[1:]


def test_it_refuses_every_bad_top_level_field_at_once() -> None:
    assert refused({"extra": 1}) == {
        "extra": "Not a field of this input.",
        "drug": "This field is required.",
        "dose_mg": "This field is required.",
        "at": "This field is required.",
        "given": "Must be a list of earlier doses, empty when there were none.",
        "vitals": "This field is required (it may be null).",
        "context": "Must be a JSON object with first_day and benzodiazepine_use.",
    }


def test_it_names_the_drugs_and_products_it_can_check() -> None:
    known = ", ".join((*DRUGS, "buprenorphine_naloxone"))
    assert refused(payload("guanfacine")) == {"drug": f"Unknown drug 'guanfacine'. Known: {known}."}
    assert dosing.checkable_drugs() == (*DRUGS, "buprenorphine_naloxone")
    assert dosing.checkable_drugs(default_policy()) == (*DRUGS, "buprenorphine_naloxone")


def test_it_refuses_a_bad_earlier_dose_by_its_index() -> None:
    body = payload()
    body["given"] = [
        {"dose_mg": 1, "at": AT},
        "noon",
        {"dose_mg": 0, "at": "noon", "unit": "mg"},
    ]
    assert refused(body) == {
        "given[1]": "Must be a JSON object with dose_mg and at.",
        "given[2].unit": "Not a field of this input.",
        "given[2].dose_mg": "Must be greater than 0.",
        "given[2].at": ISO,
    }


def test_it_refuses_bad_vitals_naming_each_sign() -> None:
    body = payload()
    body["vitals"] = {"systolic": -1, "pulse": 70, "at": "noon"}
    assert refused(body) == {
        "vitals.pulse": "Not a field of this input.",
        "vitals.at": ISO,
        "vitals.systolic": "Must not be negative.",
    }
    body["vitals"] = {"at": AT}
    assert refused(body) == {"vitals": "Enter at least one vital sign."}
    body["vitals"] = "118/76"
    assert refused(body) == {"vitals": "Must be a JSON object with at and the signs taken."}


@pytest.mark.parametrize(
    ("context", "errors"),
    [
        ({"qtc_ms": 199}, {"context.qtc_ms": "Must be between 200 and 800."}),
        ({"qtc_ms": 801}, {"context.qtc_ms": "Must be between 200 and 800."}),
        ({"age_years": -1}, {"context.age_years": "Must be between 0 and 130."}),
        ({"age_years": 131}, {"context.age_years": "Must be between 0 and 130."}),
        ({"cows_total": 49}, {"context.cows_total": "Must be between 0 and 48."}),
        ({"cows_total": -1}, {"context.cows_total": "Must be between 0 and 48."}),
        ({"weight_kg": 0.5}, {"context.weight_kg": "Must be between 1 and 500."}),
        ({"weight_kg": 501}, {"context.weight_kg": "Must be between 1 and 500."}),
        ({"weight_kg": 0}, {"context.weight_kg": "Must be greater than 0."}),
        ({"egfr": 200.5}, {"context.egfr": "Must be between 0 and 200."}),
        ({"hours_since_last_use": -1}, {"context.hours_since_last_use": "Must be 0 or more."}),
        (
            {"protocol": "micro"},
            {"context.protocol": "Must be one of standard_start, low_dose_initiation, or null."},
        ),
        (
            {"opioid_class": "heroin"},
            {
                "context.opioid_class": "Must be one of short_acting, extended_release, methadone,"
                " fentanyl, or null."
            },
        ),
        ({"pregnant": "no"}, {"context.pregnant": "Must be true, false or null (not known)."}),
        (
            {"fentanyl_exposure": 1},
            {"context.fentanyl_exposure": "Must be true, false or null (not known)."},
        ),
        ({"qtc_measured_at": "2025-02-01"}, {"context.qtc_measured_at": ISO}),
        (
            {"allergies": "naloxone"},
            {"context.allergies": "Must be a list of ingredient codes, empty when there are none."},
        ),
        (
            {"allergies": ["naloxone", "Naloxone", 3]},
            {
                "context.allergies[1]": f"Unknown substance 'Naloxone': use an ingredient code"
                f" ({INGREDIENTS}).",
                "context.allergies[2]": f"Unknown substance 3: use an ingredient code"
                f" ({INGREDIENTS}).",
            },
        ),
        (
            {"active_medications": {"drug": "methadone"}},
            {
                "context.active_medications": "Must be a list of medications, empty when there"
                " are none."
            },
        ),
        (
            {"active_medications": ["methadone"]},
            {"context.active_medications[0]": "Must be a JSON object with drug and daily_dose_mg."},
        ),
    ],
)
def test_it_refuses_a_bad_context_value_with_its_own_message(
    context: dict[str, Any], errors: dict[str, str]
) -> None:
    assert refused(payload(**context)) == errors


@pytest.mark.parametrize(
    ("context", "read"),
    [
        ({"qtc_ms": 200}, {"qtc_ms": 200}),
        ({"qtc_ms": 800}, {"qtc_ms": 800}),
        ({"age_years": 0}, {"age_years": 0}),
        ({"cows_total": 0}, {"cows_total": 0}),
        ({"cows_total": 48}, {"cows_total": 48}),
        ({"weight_kg": 1}, {"weight_kg": Decimal(1)}),
        ({"weight_kg": 500}, {"weight_kg": Decimal(500)}),
        ({"egfr": 0}, {"egfr": Decimal(0)}),
        ({"egfr": 200}, {"egfr": Decimal(200)}),
        ({"child_pugh_score": 5}, {"child_pugh_score": 5}),
        ({"child_pugh_score": 15}, {"child_pugh_score": 15}),
        ({"protocol": "low_dose_initiation"}, {"protocol": "low_dose_initiation"}),
        ({"opioid_class": "fentanyl"}, {"opioid_class": "fentanyl"}),
        ({"hours_since_last_use": 0}, {"hours_since_last_use": Decimal(0)}),
        ({"fentanyl_exposure": True}, {"fentanyl_exposure": True}),
        ({"pregnant": True}, {"pregnant": True}),
        ({"allergies": None, "active_medications": None}, {}),
    ],
)
def test_it_accepts_a_context_value_at_its_ends(
    context: dict[str, Any], read: dict[str, Any]
) -> None:
    parsed = dosing.parse_dose_request(payload(**context)).context
    assert parsed == DoseContext(first_day=False, benzodiazepine_use=False, **read)


def test_it_refuses_an_active_medication_it_does_not_know_naming_every_substance() -> None:
    medications = [
        {"drug": "heroin", "daily_dose_mg": 0, "source": 1, "label": ["x"]},
        {"daily_dose_mg": 2},
    ]
    known = ", ".join(SUBSTANCES)
    assert refused(payload(active_medications=medications)) == {
        "context.active_medications[0].drug": f"Unknown substance 'heroin'. Known: {known}.",
        "context.active_medications[0].source": "Must be text.",
        "context.active_medications[0].label": "Must be text.",
        "context.active_medications[0].daily_dose_mg": "Must be greater than 0.",
        "context.active_medications[1].drug": f"Unknown substance None. Known: {known}.",
    }
    assert dosing.known_substances() == SUBSTANCES
    assert dosing.known_substances(default_policy()) == SUBSTANCES


def test_every_active_medication_is_read_after_one_that_is_not_an_object() -> None:
    body = payload(active_medications=["methadone", {"drug": "heroin"}, {"drug": "alcohol"}])
    assert list(refused(body)) == [
        "context.active_medications[0]",
        "context.active_medications[1].drug",
    ]


def test_an_active_medication_with_text_that_is_not_text_reads_as_empty_text() -> None:
    reader = FieldReader({"active_medications": [{"drug": "alcohol", "source": 1, "label": 2}]})
    assert dosing._read_active(reader, default_policy()) == (
        ActiveMedication("alcohol", None, "", ""),
    )
    assert reader.errors == {
        "active_medications[0].source": "Must be text.",
        "active_medications[0].label": "Must be text.",
    }


def test_an_active_medication_without_source_label_or_dose_reads_as_not_known() -> None:
    context = dosing.parse_dose_request(
        payload(active_medications=[{"drug": "alcohol"}, {"drug": "oxycodone", "label": "Oxy"}])
    ).context
    assert context.active_medications == (
        ActiveMedication("alcohol", None, "", ""),
        ActiveMedication("oxycodone", None, "", "Oxy"),
    )


# --- Which rules check a code ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "drug"),
    [
        ("buprenorphine", "buprenorphine"),
        ("buprenorphine_naloxone", "buprenorphine"),
        ("naloxone", "naloxone"),  # a product of no policy drug: left for rules() to refuse
        ("guanfacine", "guanfacine"),
    ],
)
def test_a_product_is_checked_by_its_one_policy_drug(code: str, drug: str) -> None:
    assert dosing.drug_of(code) == drug
    assert dosing.drug_of(code, default_policy()) == drug


def test_a_product_of_two_policy_drugs_is_checked_by_neither(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalogue = products.catalogue()
    both = products.Product("mix", "Mix", frozenset({"buprenorphine", "methadone"}))
    mixed = products.Catalogue(catalogue.ingredients, {**catalogue.products, "mix": both})
    monkeypatch.setattr(products, "catalogue", lambda: mixed)
    assert dosing.drug_of("mix") == "mix"
    assert "mix" not in dosing.checkable_drugs()


def test_the_history_window_covers_the_longest_titration_interval_plus_a_day() -> None:
    assert dosing.history_window() == timedelta(days=8)  # methadone increase_min_days 7 (asam-2015)
    three = set_limit(default_policy(), "buprenorphine", increase_min_days=3)
    assert dosing.history_window(three) == timedelta(days=8)
    ten = set_limit(default_policy(), "buprenorphine", increase_min_days=10)
    assert dosing.history_window(ten) == timedelta(days=11)
    none = set_limit(default_policy(), "methadone", increase_min_days=None)
    assert dosing.history_window(none) == timedelta(hours=24)


# --- Facts: the earlier doses ---------------------------------------------------------------------


def test_it_counts_the_doses_of_the_24_hours_before_and_the_minutes_since_the_last() -> None:
    result = check(
        "lofexidine",
        "0.18",
        given=(
            ("0.18", timedelta(0)),
            ("0.18", timedelta(minutes=90)),
            ("0.18", timedelta(hours=24)),
            ("0.18", -timedelta(minutes=1)),
        ),
    )
    assert (result.total_24h_mg, result.earlier_doses_24h) == (Decimal("0.54"), 2)
    assert result.minutes_since_last_dose == Decimal(0)
    older = check("lofexidine", "0.18", given=(("0.18", timedelta(hours=30)),))
    assert (older.total_24h_mg, older.earlier_doses_24h) == (Decimal("0.18"), 0)
    assert older.minutes_since_last_dose == Decimal(1800)
    assert check("lofexidine", "0.18").minutes_since_last_dose is None


# --- Caps: lofexidine-label, uptodate-ed ----------------------------------------------------------


def test_it_names_the_single_dose_above_the_lofexidine_maximum() -> None:
    result = check("lofexidine", "0.73")
    assert messages(result) == [
        (
            "max_dose_exceeded",
            "stop",
            "A single dose of 0.73 mg of lofexidine is above the maximum of 0.72 mg.",
            "lofexidine-label",
        )
    ]
    assert (result.max_dose, result.max_daily) == (
        Cap(Decimal("0.72"), "lofexidine-label"),
        Cap(Decimal("2.88"), "lofexidine-label"),
    )


def test_it_names_the_daily_total_above_the_lowered_lofexidine_maximum() -> None:
    given = tuple(("0.36", timedelta(hours=hours)) for hours in (3, 6, 9, 12))
    result = check("lofexidine", "0.37", given=given, child_pugh_score=7, egfr=Decimal(95))
    reason = "lowered for hepatic impairment, Child-Pugh 7 to 9"
    assert messages(result) == [
        (
            "max_dose_exceeded",
            "stop",
            f"A single dose of 0.37 mg of lofexidine is above the maximum of 0.36 mg ({reason}).",
            "lofexidine-label",
        ),
        (
            "max_daily_exceeded",
            "stop",
            "1.81 mg of lofexidine in 24 hours, counting this dose, is above the maximum of"
            f" 1.44 mg ({reason}).",
            "lofexidine-label",
        ),
    ]
    assert result.max_dose == Cap(Decimal("0.36"), "lofexidine-label", reason)
    assert result.max_daily == Cap(Decimal("1.44"), "lofexidine-label", reason)


@pytest.mark.parametrize(
    ("child_pugh", "egfr", "dose", "daily", "reason"),
    [
        (6, None, "0.54", "2.16", "hepatic impairment, Child-Pugh 5 to 6"),
        (9, None, "0.36", "1.44", "hepatic impairment, Child-Pugh 7 to 9"),
        (10, None, "0.18", "0.72", "hepatic impairment, Child-Pugh above 9"),
        (None, Decimal("89.9"), "0.36", "1.44", "renal impairment, eGFR 30 to 89.9"),
        (
            None,
            Decimal("29.9"),
            "0.18",
            "0.72",
            "renal impairment, eGFR below 30, end-stage renal disease or dialysis",
        ),
        (
            6,
            Decimal(29),
            "0.18",
            "0.72",
            "renal impairment, eGFR below 30, end-stage renal disease or dialysis",
        ),
    ],
)
def test_it_says_which_band_lowered_each_lofexidine_cap(
    child_pugh: int | None, egfr: Decimal | None, dose: str, daily: str, reason: str
) -> None:
    context = DoseContext(False, False, child_pugh_score=child_pugh, egfr=egfr)
    rules = default_policy().rules("lofexidine")
    assert dosing.dose_cap(rules, context) == Cap(
        Decimal(dose), "lofexidine-label", f"lowered for {reason}"
    )
    assert dosing.daily_cap(rules, context) == Cap(
        Decimal(daily), "lofexidine-label", f"lowered for {reason}"
    )


def test_it_gives_no_cap_where_none_is_set() -> None:
    context = DoseContext(False, False, child_pugh_score=15, egfr=Decimal(10))
    rules = default_policy().rules("ibuprofen")
    assert (dosing.dose_cap(rules, context), dosing.daily_cap(rules, context)) == (None, None)


@pytest.mark.parametrize(
    ("weight", "cap"),
    [
        (None, Cap(Decimal("0.8"), "uptodate-ed")),
        (Decimal("89.9"), Cap(Decimal("0.8"), "uptodate-ed")),
        (Decimal(90), Cap(Decimal("1.2"), "uptodate-ed", "raised for a weight of 90 kg or more")),
        (Decimal(91), Cap(Decimal("1.2"), "uptodate-ed", "raised for a weight of 90 kg or more")),
    ],
)
def test_the_clonidine_daily_cap_is_raised_from_90_kg(weight: Decimal | None, cap: Cap) -> None:
    context = DoseContext(False, False, weight_kg=weight)
    assert dosing.daily_cap(default_policy().rules("clonidine"), context) == cap


def test_a_weight_rule_needs_both_its_numbers() -> None:
    context = DoseContext(False, False, weight_kg=Decimal(120))
    for cleared in ("heavy_max_daily_mg", "heavy_weight_from_kg"):
        policy = set_limit(default_policy(), "clonidine", **{cleared: None})
        assert dosing.daily_cap(policy.rules("clonidine"), context) == Cap(
            Decimal("0.8"), "uptodate-ed"
        )


def test_it_names_the_clonidine_daily_total_above_its_weight_cap() -> None:
    given = (("0.6", timedelta(hours=6)), ("0.5", timedelta(hours=12)))
    result = check("clonidine", "0.2", given=given, vitals=vitals(120, 80), weight_kg=Decimal(95))
    assert messages(result) == [
        (
            "max_daily_exceeded",
            "stop",
            "1.3 mg of clonidine in 24 hours, counting this dose, is above the maximum of 1.2 mg"
            " (raised for a weight of 90 kg or more).",
            "uptodate-ed",
        )
    ]


def test_loperamide_above_its_cap_adds_the_cardiac_warning() -> None:
    result = check("loperamide", "2", given=(("15", timedelta(hours=3)),))
    assert messages(result) == [
        (
            "max_daily_exceeded",
            "stop",
            "17 mg of loperamide in 24 hours, counting this dose, is above the maximum of 16 mg.",
            "fda-loperamide-2016",
        ),
        (
            "cardiac_risk",
            "warning",
            "High doses of loperamide can cause serious heart-rhythm problems (QT prolongation,"
            " torsades de pointes) and cardiac arrest, often in people treating their own opioid"
            " withdrawal.",
            "fda-loperamide-2016",
        ),
    ]
    assert check("loperamide", "1", given=(("15", timedelta(hours=3)),)).findings == ()


# --- Interval: nida-ed-2018 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (timedelta(minutes=59), "59 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=30, seconds=40), "31 minutes"),
    ],
)
def test_it_names_the_minutes_since_the_last_buprenorphine_dose(
    before: timedelta, words: str
) -> None:
    result = check("buprenorphine", "2", given=(("2", before),))
    assert messages(result) == [
        (
            "min_interval_not_met",
            "stop",
            f"The last dose of buprenorphine was {words} ago; wait at least 60 minutes between"
            " doses.",
            "nida-ed-2018",
        )
    ]


@pytest.mark.parametrize("before", [timedelta(minutes=60), timedelta(minutes=61)])
def test_a_buprenorphine_dose_60_minutes_after_the_last_is_allowed(before: timedelta) -> None:
    assert check("buprenorphine", "2", given=(("2", before),)).findings == ()


def test_an_interval_set_by_the_program_cites_the_program() -> None:
    policy = set_limit(WINDOW_60, "ondansetron", min_interval_min=240)
    result = check("ondansetron", "4", given=(("4", timedelta(hours=3)),), policy=policy)
    assert messages(result) == [
        (
            "min_interval_not_met",
            "stop",
            "The last dose of ondansetron was 180 minutes ago; wait at least 240 minutes between"
            " doses.",
            "program-policy",
        )
    ]


# --- Holds and vitals: va-pbm-handout, program policy ---------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "message"),
    [
        (89, 60, "Hold clonidine: systolic 89 mmHg is below 90."),
        (90, 59, "Hold clonidine: diastolic 59 mmHg is below 60."),
        (89, 59, "Hold clonidine: systolic 89 mmHg is below 90 and diastolic 59 mmHg is below 60."),
    ],
)
def test_it_names_each_blood_pressure_below_its_clonidine_hold(
    systolic: int, diastolic: int, message: str
) -> None:
    result = check("clonidine", "0.1", vitals=vitals(systolic, diastolic))
    assert messages(result) == [("hold_blood_pressure", "stop", message, "va-pbm-handout")]


@pytest.mark.parametrize(
    ("systolic", "diastolic", "source"),
    [(100, 59, "va-pbm-handout"), (99, 70, "program-policy"), (99, 59, "program-policy")],
)
def test_a_blood_pressure_hold_cites_the_first_sign_below_its_hold(
    systolic: int, diastolic: int, source: str
) -> None:
    policy = set_limit(WINDOW_60, "clonidine", hold_systolic_below=100)
    result = check("clonidine", "0.1", vitals=vitals(systolic, diastolic), policy=policy)
    assert [(f.code, f.source) for f in result.findings] == [("hold_blood_pressure", source)]


@pytest.mark.parametrize(("rate", "held"), [(49, True), (50, False), (51, False)])
def test_it_holds_for_a_heart_rate_below_the_prescribers_hold(rate: int, held: bool) -> None:
    policy = set_limit(WINDOW_60, "clonidine", hold_heart_rate_below=50)
    result = check("clonidine", "0.1", vitals=vitals(120, 80, rate), policy=policy)
    expected = ("hold_heart_rate", "stop", f"Hold clonidine: heart rate {rate}/min is below 50.")
    assert [m[:3] for m in messages(result)] == ([expected] if held else [])
    if held:
        assert result.findings[0].source == "program-policy"


def test_it_names_the_missing_signs_a_hold_needs() -> None:
    policy = set_limit(WINDOW_60, "clonidine", hold_heart_rate_below=50)
    result = check("clonidine", "0.1", vitals=vitals(None, 80, None), policy=policy)
    assert messages(result) == [
        (
            "vitals_missing",
            "warning",
            "No systolic, heart rate recorded: the hold parameters of clonidine cannot be checked.",
            "va-pbm-handout",
        )
    ]
    no_vitals = check("clonidine", "0.1", policy=policy)
    assert messages(no_vitals) == [
        (
            "vitals_missing",
            "warning",
            "No systolic, diastolic, heart rate recorded: the hold parameters of clonidine cannot"
            " be checked.",
            "va-pbm-handout",
        )
    ]


def test_the_missing_vitals_warning_cites_the_first_set_hold() -> None:
    policy = set_limit(WINDOW_60, "lofexidine", hold_diastolic_below=55)
    result = check("lofexidine", "0.18", policy=policy)
    assert messages(result) == [
        (
            "vitals_missing",
            "warning",
            "No diastolic recorded: the hold parameters of lofexidine cannot be checked.",
            "program-policy",
        )
    ]


@pytest.mark.parametrize(
    ("age", "stale"),
    [(timedelta(minutes=60), None), (timedelta(minutes=61), "61 minutes"), (timedelta(0), None)],
)
def test_it_names_the_age_of_vitals_older_than_the_window(
    age: timedelta, stale: str | None
) -> None:
    reading = VitalsReading(120, 80, 70, T0 - age)
    result = check("clonidine", "0.1", vitals=reading)
    expected = [
        (
            "vitals_stale",
            "warning",
            f"The vitals are {stale} old, older than 60 minutes: take them again before relying"
            " on them.",
            "program-policy",
        )
    ]
    assert messages(result) == ([] if stale is None else expected)


def test_vitals_one_minute_past_a_one_minute_window_say_so_in_the_singular() -> None:
    policy = replace(
        default_policy(), vitals_max_age_min=default_policy().vitals_max_age_min.with_value(1)
    )
    reading = VitalsReading(120, 80, 70, T0 - timedelta(seconds=61))
    result = check("clonidine", "0.1", vitals=reading, policy=policy)
    assert result.findings[0].message == (
        "The vitals are 1 minute old, older than 1 minute: take them again before relying on them."
    )


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=119), "119 minutes"),
        (timedelta(minutes=120), "2 hours"),
        (timedelta(minutes=179), "2 hours"),
        (timedelta(hours=47, minutes=59), "47 hours"),
        (timedelta(hours=48), "2 days"),
        (timedelta(hours=71), "2 days"),
        (timedelta(hours=72), "3 days"),
    ],
)
def test_it_states_the_age_of_vitals_while_no_window_is_configured(
    age: timedelta, words: str
) -> None:
    reading = VitalsReading(120, 80, 70, T0 - age)
    result = check("clonidine", "0.1", vitals=reading, policy=default_policy())
    assert messages(result) == [
        (
            "vitals_age_unchecked",
            "warning",
            f"The vitals were taken {words} before this dose and no maximum age for vitals is"
            " configured: confirm they are recent enough to check the holds against.",
            "program-policy",
        )
    ]


def test_the_age_words_round_to_the_minute_and_count_whole_hours_and_days() -> None:
    assert dosing._age_words(Decimal("119.4")) == "119 minutes"
    assert dosing._age_words(Decimal("119.6")) == "1 hour"
    assert dosing._age_words(Decimal(1440)) == "24 hours"
    assert dosing._age_words(Decimal(2880)) == "2 days"
    assert dosing._age_words(Decimal(1440 * 24)) == "24 days"


def test_a_drug_without_a_set_hold_reads_no_vitals() -> None:
    result = check("lofexidine", "0.18", vitals=VitalsReading(40, 20, 20, T0 - timedelta(days=3)))
    assert result.findings == ()


# --- Unset parameters -----------------------------------------------------------------------------


def test_it_lists_every_unset_hold_by_its_key_with_its_own_message() -> None:
    result = check("lofexidine", "0.18", policy=default_policy())
    note = default_policy().rules("lofexidine").limits
    assert result.unset == (
        UnsetParameter("lofexidine.hold_systolic_below", str(note.hold_systolic_below.note)),
        UnsetParameter("lofexidine.hold_diastolic_below", str(note.hold_diastolic_below.note)),
        UnsetParameter("lofexidine.hold_heart_rate_below", str(note.hold_heart_rate_below.note)),
        UnsetParameter(
            "hold_systolic_below",
            "Hold not configured: no systolic blood-pressure hold is set for Lofexidine.",
        ),
        UnsetParameter(
            "hold_diastolic_below",
            "Hold not configured: no diastolic blood-pressure hold is set for Lofexidine.",
        ),
        UnsetParameter(
            "hold_heart_rate_below",
            "Hold not configured: no heart-rate hold is set for Lofexidine.",
        ),
    )


def test_it_lists_the_vitals_window_only_for_a_drug_with_a_set_hold() -> None:
    window = default_policy().vitals_max_age_min
    clonidine = check("clonidine", "0.1", vitals=vitals(120, 80), policy=default_policy())
    assert clonidine.unset[-1] == UnsetParameter("policy.vitals_max_age_min", str(window.note))
    assert window.note is not None and window.note.startswith("SPEC gives no time")
    assert check("clonidine", "0.1", vitals=vitals(120, 80)).unset == (
        UnsetParameter(
            "clonidine.hold_heart_rate_below",
            str(default_policy().rules("clonidine").limits.hold_heart_rate_below.note),
        ),
        UnsetParameter(
            "hold_heart_rate_below", "Hold not configured: no heart-rate hold is set for Clonidine."
        ),
    )


def test_an_unset_parameter_without_a_note_says_it_is_not_set() -> None:
    policy = default_policy()
    rules = policy.rules("trazodone")
    bare = replace(rules.limits.max_daily_mg, note=None)
    policy = policy.with_rules(replace(rules, limits=replace(rules.limits, max_daily_mg=bare)))
    window = replace(policy.vitals_max_age_min, note=None)
    assert check("trazodone", "50", policy=policy).unset == (
        UnsetParameter("trazodone.max_daily_mg", "trazodone.max_daily_mg is not set."),
    )
    clonidine = check(
        "clonidine",
        "0.1",
        vitals=vitals(120, 80),
        policy=replace(policy, vitals_max_age_min=window),
    )
    assert clonidine.unset[-1] == UnsetParameter(
        "policy.vitals_max_age_min", "policy.vitals_max_age_min is not set."
    )


# --- The JSON output ------------------------------------------------------------------------------


def test_the_json_output_has_every_key_of_the_contract() -> None:
    body = {
        "drug": "lofexidine",
        "dose_mg": 0.36,
        "at": AT,
        "given": [
            {"dose_mg": 0.36, "at": "2025-03-05T10:59:54+00:00"},
            {"dose_mg": 0.72, "at": "2025-03-04T12:00:00+00:00"},
        ],
        "vitals": None,
        "context": {"first_day": False, "benzodiazepine_use": False, "child_pugh_score": 7},
    }
    output = dosing.dose_check_calculator(body)
    note = default_policy().rules("lofexidine").limits
    reason = "lowered for hepatic impairment, Child-Pugh 7 to 9"
    assert output == {
        "drug": "lofexidine",
        "dose_mg": 0.36,
        "decision": "ok",
        "findings": [],
        "total_24h_mg": 0.72,
        "earlier_doses_24h": 1,
        "minutes_since_last_dose": 60.1,
        "max_dose_mg": {"value": 0.36, "source": "lofexidine-label", "reason": reason},
        "max_daily_mg": {"value": 1.44, "source": "lofexidine-label", "reason": reason},
        "unset": [
            {"name": "lofexidine.hold_systolic_below", "message": note.hold_systolic_below.note},
            {"name": "lofexidine.hold_diastolic_below", "message": note.hold_diastolic_below.note},
            {
                "name": "lofexidine.hold_heart_rate_below",
                "message": note.hold_heart_rate_below.note,
            },
            {
                "name": "hold_systolic_below",
                "message": "Hold not configured: no systolic blood-pressure hold is set for"
                " Lofexidine.",
            },
            {
                "name": "hold_diastolic_below",
                "message": "Hold not configured: no diastolic blood-pressure hold is set for"
                " Lofexidine.",
            },
            {
                "name": "hold_heart_rate_below",
                "message": "Hold not configured: no heart-rate hold is set for Lofexidine.",
            },
        ],
    }


def test_the_json_output_gives_findings_and_null_caps_and_minutes() -> None:
    output = dosing.dose_check_json(check("ibuprofen", "400", allergies=("ibuprofen",)))
    assert output["findings"] == [
        {
            "code": "allergy_recorded",
            "severity": "stop",
            "message": "The chart records an allergy to Ibuprofen, which Ibuprofen contains."
            " Check with the patient and the prescriber before giving it.",
            "source": "chart-allergies",
        }
    ]
    assert (output["decision"], output["max_dose_mg"], output["max_daily_mg"]) == (
        "stop",
        None,
        None,
    )
    assert (output["minutes_since_last_dose"], output["dose_mg"], output["total_24h_mg"]) == (
        None,
        400,
        400,
    )


def test_the_minutes_since_the_last_dose_round_to_a_tenth() -> None:
    result = check(
        "clonidine", "0.1", given=(("0.1", timedelta(seconds=3609)),), vitals=vitals(120, 80)
    )
    assert result.minutes_since_last_dose == Decimal("60.15")
    assert dosing.dose_check_json(result)["minutes_since_last_dose"] == 60.2


def test_a_dose_given_in_another_timezone_counts_by_its_instant() -> None:
    other = timezone(timedelta(hours=5))
    request = DoseRequest(
        "lofexidine",
        Decimal("0.72"),
        T0,
        (GivenDose(Decimal("0.72"), datetime(2025, 3, 5, 16, 0, tzinfo=other)),),
        None,
        DoseContext(False, False),
    )
    result = check_dose(request)
    assert (result.total_24h_mg, result.minutes_since_last_dose) == (Decimal("1.44"), Decimal(60))


def test_a_product_is_refused_by_name_when_the_policy_passed_in_lacks_its_drug() -> None:
    policy = default_policy()
    fewer = replace(policy, drugs=tuple(r for r in policy.drugs if r.drug != "buprenorphine"))
    request = DoseRequest(
        "buprenorphine_naloxone", Decimal(2), T0, (), None, DoseContext(False, False)
    )
    with pytest.raises(InvalidInput) as raised:
        check_dose(request, fewer)
    assert list(raised.value.fields) == ["drug"]
    assert str(raised.value).startswith("Unknown drug 'buprenorphine_naloxone'. Known drugs: ")
