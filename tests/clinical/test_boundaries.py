"""Every threshold in the knowledge files, tested at the value itself, one below and one above.

Each table lists the value SPEC.md gives (a literal, so a changed knowledge value fails here) and
the tests walk the knowledge files, so a threshold added there without a row here fails
``test_..._has_a_row`` for its family. One below/above is one unit of the value's own scale: one
point of a score, one hour, one mg/day, one mmHg, 0.1 °C.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import aftercare, alcohol, course, induction, knowledge, mme, scales, vitals
from detoxdesk.clinical.errors import InvalidInput

# --- Scale bands (wesson-ling-2003 for COWS, asam-alcohol-2020 for CIWA-Ar; SPEC 1.1, 1.3) ---

# (scale, band, low, high) as SPEC gives them; high None is open-ended.
BANDS = [
    ("cows", "minimal", 0, 4),
    ("cows", "mild", 5, 12),
    ("cows", "moderate", 13, 24),
    ("cows", "moderately_severe", 25, 36),
    ("cows", "severe", 37, None),
    ("ciwa_ar", "mild", 0, 9),
    ("ciwa_ar", "moderate", 10, 18),
    ("ciwa_ar", "severe", 19, None),
]


def test_every_scale_band_has_a_row() -> None:
    found = [
        (code, band.name, band.low, band.high)
        for code in ("cows", "sows", "ciwa_ar")
        for band in scales.get_scale(code).bands
    ]
    assert found == BANDS


def band_at(code: str, total: int) -> str | None:
    band = scales.band_for(total, scales.get_scale(code).bands)
    return None if band is None else band.name


def next_band(code: str, name: str, step: int) -> str | None:
    names = [band for scale, band, _, _ in BANDS if scale == code]
    at = names.index(name) + step
    return names[at] if 0 <= at < len(names) else None


@pytest.mark.parametrize(("code", "name", "low", "high"), BANDS)
def test_a_band_starts_and_ends_where_spec_says(
    code: str, name: str, low: int, high: int | None
) -> None:
    top = scales.get_scale(code).max_total
    assert band_at(code, low) == name
    assert band_at(code, low + 1) == name
    assert band_at(code, low - 1) == next_band(code, name, -1)
    end = top if high is None else high
    assert band_at(code, end) == name
    assert band_at(code, end - 1) == name
    # An open-ended band has no upper edge: the scale's own maximum bounds the total.
    assert band_at(code, end + 1) == (name if high is None else next_band(code, name, 1))


# --- Buprenorphine standard start: COWS gate and advised wait (SPEC 2.1) ---

# class: (COWS gate, hours to wait). acep-bupe-tool, nida-ed-2018, asam-2015.
INDUCTION = {
    "short_acting": (8, 12),
    "extended_release": (13, 24),
    "methadone": (13, 72),
    "fentanyl": (8, 12),
}


def readiness(opioid_class: str, cows: int, hours: float | None) -> dict[str, Any]:
    return induction.readiness_calculator(
        {
            "cows_total": cows,
            "opioid_class": opioid_class,
            "hours_since_last_use": hours,
            "benzodiazepine_use": False,
            "pregnant": False,
        }
    )


def test_every_opioid_class_has_an_induction_row() -> None:
    assert set(INDUCTION) == set(induction.OPIOID_CLASSES)


@pytest.mark.parametrize("opioid_class", sorted(INDUCTION))
def test_the_cows_gate_is_reached_at_the_gate_itself(opioid_class: str) -> None:
    gate, wait = INDUCTION[opioid_class]
    below, at, above = (
        readiness(opioid_class, cows, wait + 1) for cows in (gate - 1, gate, gate + 1)
    )
    assert (below["ready"], at["ready"], above["ready"]) == (False, True, True)
    assert at["cows_threshold"] == below["cows_threshold"] == gate
    assert f"COWS {gate} reaches the gate of {gate}" in at["reasons"][0]
    assert f"COWS {gate - 1} is below the gate of {gate}" in below["reasons"][0]
    assert f"(it needs {gate} or more)" in below["reasons"][0]
    assert len(below["reasons"]) == 3 and len(at["reasons"]) == 1


@pytest.mark.parametrize("opioid_class", sorted(INDUCTION))
def test_the_advised_wait_is_met_at_the_wait_itself(opioid_class: str) -> None:
    gate, wait = INDUCTION[opioid_class]

    def warned(hours: float) -> bool:
        return "time_since_last_use" in readiness(opioid_class, gate, hours)["warnings"]

    assert (warned(wait - 1), warned(wait), warned(wait + 1)) == (True, False, False)


# --- MME: the thresholds and the CDC 2016 methadone tiers (SPEC 10) ---

MME_THRESHOLDS = {"mme_at_or_above_50": 50, "mme_at_or_above_90": 90}
# (above, up to, factor): totals above ``above`` up to ``up_to`` mg/day inclusive.
METHADONE_TIERS = [(0, 20, 4), (20, 40, 8), (40, 60, 10), (60, 80, 12), (80, None, 12)]


def morphine_mme(mg_per_day: float) -> dict[str, Any]:
    return mme.calculator(
        {
            "medications": [
                {"drug": "morphine", "dose": mg_per_day, "unit": "mg", "doses_per_day": 1}
            ]
        }
    )


def test_every_mme_threshold_and_tier_has_a_row() -> None:
    assert {t.code: int(t.value) for t in mme.thresholds()} == MME_THRESHOLDS
    tiers = [
        (int(t.above), None if t.up_to is None else int(t.up_to), int(t.factor))
        for t in mme.methadone_tiers()
    ]
    assert tiers == METHADONE_TIERS


@pytest.mark.parametrize(("code", "value"), sorted(MME_THRESHOLDS.items()))
def test_an_mme_threshold_is_reached_at_the_value_itself(code: str, value: int) -> None:
    def reached(total: float) -> bool:
        flags = {flag["code"]: flag for flag in morphine_mme(total)["thresholds"]}
        assert flags[code]["value"] == value
        return bool(flags[code]["reached"])

    assert (reached(value - 1), reached(value), reached(value + 1)) == (False, True, True)
    key = f"at_or_above_{value}"
    assert (morphine_mme(value - 1)[key], morphine_mme(value)[key]) == (False, True)


def methadone(mg_per_day: float) -> dict[str, Any]:
    output = mme.calculator(
        {
            "medications": [
                {"drug": "methadone", "dose": mg_per_day, "unit": "mg", "doses_per_day": 1}
            ],
            "methadone_factors": "cdc2016",
        }
    )
    item: dict[str, Any] = output["items"][0]
    return item


EDGES = [
    (up_to, factor, after)
    for (_, up_to, factor), (_, _, after) in zip(METHADONE_TIERS, METHADONE_TIERS[1:], strict=False)
]


@pytest.mark.parametrize(("up_to", "factor", "next_factor"), EDGES)
def test_a_methadone_tier_ends_at_its_upper_edge(up_to: int, factor: int, next_factor: int) -> None:
    below, at, above = (methadone(up_to + step) for step in (-1, 0, 1))
    assert (below["factor"], at["factor"], above["factor"]) == (factor, factor, next_factor)
    assert at["mme_per_day"] == up_to * factor
    assert above["mme_per_day"] == (up_to + 1) * next_factor
    assert at["tier"].endswith(f"up to {up_to} mg/day")


def test_the_lowest_methadone_tier_starts_above_zero() -> None:
    assert methadone(1)["factor"] == 4
    assert methadone(0.5)["mme_per_day"] == 2.0
    with pytest.raises(InvalidInput) as caught:
        methadone(0)
    assert caught.value.fields == {"medications[0].dose": "Must be a number greater than zero."}


@pytest.mark.parametrize("drug", ["morphine", "oxycodone", "methadone"])
def test_a_zero_or_negative_dose_is_refused(drug: str) -> None:
    for dose in (0, -1):
        with pytest.raises(InvalidInput) as caught:
            mme.calculator({"medications": [{"drug": drug, "dose": dose, "unit": "mg"}]})
        assert "medications[0].dose" in caught.value.fields


def test_a_zero_doses_per_day_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        mme.calculator(
            {"medications": [{"drug": "morphine", "dose": 10, "unit": "mg", "doses_per_day": 0}]}
        )
    assert set(caught.value.fields) == {"medications[0].doses_per_day"}


# --- Aftercare: warm hand-off window and naltrexone intervals (SPEC 13, 11) ---

WARM_HANDOFF_HOURS = 72
NALTREXONE_DAYS = {
    "short_acting": 7,
    "extended_release": 10,
    "methadone": 10,
    "buprenorphine": 10,
    "fentanyl": 10,
}
DISCHARGED = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def test_the_warm_handoff_window_is_72_hours() -> None:
    assert knowledge.load("aftercare")["warm_handoff"]["hours"] == WARM_HANDOFF_HOURS
    assert aftercare.warm_handoff_window().length == timedelta(hours=WARM_HANDOFF_HOURS)


@pytest.mark.parametrize(("hours", "in_time"), [(71, True), (72, True), (73, False)])
def test_the_warm_handoff_window_ends_at_72_hours(hours: int, in_time: bool) -> None:
    appointment = DISCHARGED + timedelta(hours=hours)
    assert aftercare.handoff_in_time(DISCHARGED, appointment) is in_time


def test_one_second_past_the_window_is_late() -> None:
    late = DISCHARGED + timedelta(hours=WARM_HANDOFF_HOURS, seconds=1)
    assert aftercare.handoff_in_time(DISCHARGED, late) is False


def test_every_naltrexone_interval_has_a_row() -> None:
    assert {code: i.days for code, i in aftercare.intervals().items()} == NALTREXONE_DAYS


@pytest.mark.parametrize(("opioid_class", "days"), sorted(NALTREXONE_DAYS.items()))
def test_naltrexone_starts_exactly_the_interval_after_last_use(
    opioid_class: str, days: int
) -> None:
    if opioid_class not in aftercare.OPIOID_CLASSES:
        pytest.skip("not a class of the naltrexone-start calculator")
    output = aftercare.calculate(
        {"last_opioid_use": "2024-05-01T08:00:00+00:00", "opioid_class": opioid_class}
    )
    assert output["opioid_free_days_required"] == days
    start = datetime(2024, 5, 1, 8, 0, tzinfo=UTC) + timedelta(days=days)
    assert output["earliest_start"] == start.isoformat()


# --- Withdrawal course: onset and acute phase (SPEC 3, tip-63) ---

# class: (onset low h, onset high h, acute low d, acute high d); fentanyl is variable (huhn-2020).
COURSES = {
    "short_acting": (8, 24, 4, 10),
    "extended_release": (12, 48, 10, 20),
    "methadone": (12, 48, 10, 20),
}


def test_every_course_has_a_row() -> None:
    found = {
        code: (c.onset_hours.low, c.onset_hours.high, c.acute_days.low, c.acute_days.high)
        for code, c in course.courses().items()
        if c.onset_hours is not None and c.acute_days is not None
    }
    assert found == COURSES
    assert course.phase_at(course.course_for("fentanyl"), timedelta(hours=10)) == course.VARIABLE


@pytest.mark.parametrize("opioid_class", sorted(COURSES))
def test_each_phase_edge_of_a_course(opioid_class: str) -> None:
    onset_low, onset_high, acute_low, acute_high = COURSES[opioid_class]
    found = course.course_for(opioid_class)
    hour = timedelta(hours=1)

    def phase(at: timedelta) -> str:
        return course.phase_at(found, at)

    low, high = timedelta(hours=onset_low), timedelta(hours=onset_high)
    assert [phase(low - hour), phase(low), phase(low + hour)] == [
        course.BEFORE_ONSET,
        course.ONSET,
        course.ONSET,
    ]
    assert [phase(high - hour), phase(high), phase(high + hour)] == [
        course.ONSET,
        course.ONSET,
        course.ACUTE,
    ]
    start, end = timedelta(days=acute_low), timedelta(days=acute_high)
    assert [phase(start - hour), phase(start), phase(start + hour)] == [
        course.ACUTE,
        course.ACUTE,
        course.ACUTE_ENDING,
    ]
    assert [phase(end - hour), phase(end), phase(end + hour)] == [
        course.ACUTE_ENDING,
        course.ACUTE_ENDING,
        course.AFTER_ACUTE,
    ]


# --- Vital signs: the NEWS2 bands that score 3 (SPEC A5.1, rcp-news2-2017) ---

# sign: (at or below, at or above); None: no such band.
CRITICAL = {
    "respiratory_rate": (8, 25),
    "spo2": (91, None),
    "systolic": (90, 220),
    "heart_rate": (40, 131),
    "temperature_c": (35.0, None),
}


def test_every_critical_band_has_a_row() -> None:
    assert {b.key: (b.at_most, b.at_least) for b in vitals.critical_bands()} == CRITICAL


def critical(key: str, value: float) -> bool:
    return [flag.field for flag in vitals.critical_flags({key: value})] == [key]


@pytest.mark.parametrize("key", sorted(CRITICAL))
def test_a_critical_band_includes_its_edge(key: str) -> None:
    at_most, at_least = CRITICAL[key]
    step = 0.1 if isinstance(at_most, float) else 1
    if at_most is not None:
        below, at, above = (round(at_most + s, 1) for s in (-step, 0, step))
        assert (critical(key, below), critical(key, at), critical(key, above)) == (
            True,
            True,
            False,
        )
        message = vitals.critical_flags({key: at})[0].message
        assert "or less" in message and "NEWS2 scores 3" in message
    if at_least is not None:
        below, at, above = (at_least - step, at_least, at_least + step)
        assert (critical(key, below), critical(key, at), critical(key, above)) == (
            False,
            True,
            True,
        )
        assert "or more" in vitals.critical_flags({key: at})[0].message


def test_critical_flags_follow_the_field_order() -> None:
    flags = vitals.critical_flags({"temperature_c": 34.0, "respiratory_rate": 30, "spo2": None})
    assert [flag.field for flag in flags] == ["respiratory_rate", "temperature_c"]
    assert all(flag.source == "rcp-news2-2017" for flag in flags)


def test_decimals_in_the_tiers_are_compared_exactly() -> None:
    tier = mme.methadone_tier(Decimal("20.0001"))
    assert tier.factor == 8
    assert mme.methadone_tier(Decimal("20")).factor == 4


@pytest.mark.parametrize(("above", "up_to", "factor"), METHADONE_TIERS)
def test_a_tier_holds_totals_above_its_lower_edge_only(
    above: int, up_to: int | None, factor: int
) -> None:
    (tier,) = [t for t in mme.methadone_tiers() if t.above == above]
    assert tier.contains(Decimal(above)) is False
    assert tier.contains(Decimal(above) + Decimal("0.01")) is True
    if up_to is not None:
        assert tier.contains(Decimal(up_to)) is True
        assert tier.contains(Decimal(up_to) + Decimal("0.01")) is False
    assert tier.label == (
        f"above {above} mg/day" if up_to is None else f"above {above} up to {up_to} mg/day"
    )


def test_no_tier_holds_zero_mg() -> None:
    with pytest.raises(InvalidInput) as caught:
        mme.methadone_tier(Decimal(0))
    assert caught.value.message == "A methadone dose must be above 0 mg/day."


# --- Vital signs: definitional limits, the record's limit and the typo check (SPEC A5.2) ---

# sign: (typo low, typo high, min possible, max possible, max storable, step)
VITAL_FIELDS = {
    "heart_rate": (20, 250, 0, None, 32767, 1),
    "systolic": (50, 260, 0, None, 32767, 1),
    "diastolic": (20, 160, 0, None, 32767, 1),
    "respiratory_rate": (4, 60, 0, None, 32767, 1),
    "temperature_c": (30.0, 43.0, 0, None, 999.9, 0.1),
    "spo2": (50, 100, 0, 100, 32767, 1),
}


def test_every_vital_field_has_a_row() -> None:
    found = {
        f.key: (f.low, f.high, f.min_possible, f.max_possible, f.max_storable)
        for f in vitals.fields()
    }
    assert found == {key: row[:5] for key, row in VITAL_FIELDS.items()}


def refused(key: str, value: float) -> bool:
    try:
        vitals.validate_vitals({key: value})
    except InvalidInput as exc:
        assert list(exc.fields) == [key]
        return True
    return False


@pytest.mark.parametrize("key", sorted(VITAL_FIELDS))
def test_an_entry_is_refused_only_beyond_what_the_record_can_be(key: str) -> None:
    _, _, min_possible, max_possible, max_storable, step = VITAL_FIELDS[key]
    assert (refused(key, min_possible - step), refused(key, min_possible)) == (True, False)
    top = max_possible if max_possible is not None else max_storable
    above = round(top + step, 1)
    assert (refused(key, top), refused(key, above)) == (False, True)
    if max_possible is None:
        with pytest.raises(InvalidInput) as caught:
            vitals.validate_vitals({key: above})
        assert caught.value.fields[key].endswith(
            "the largest value the record holds: check the entry."
        )


@pytest.mark.parametrize("key", sorted(VITAL_FIELDS))
def test_the_typo_check_asks_only_outside_its_range(key: str) -> None:
    low, high, _, _, _, step = VITAL_FIELDS[key]

    def asked(value: float) -> bool:
        return key in vitals.plausibility_warnings({key: round(value, 1)})

    assert [asked(low - step), asked(low), asked(low + step)] == [True, False, False]
    assert [asked(high - step), asked(high), asked(high + step)] == [False, False, True]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("above", "0", "mme.toml methadone.cdc2016_tiers[1]: above must be a number"),
        ("up_to", None, "mme.toml methadone.cdc2016_tiers[1]: up_to must be a number"),
        ("factor", True, "mme.toml methadone.cdc2016_tiers[1]: factor must be a number"),
        (
            "confidence",
            "X",
            "mme.toml methadone.cdc2016_tiers[1]: confidence must be one of C, S, U",
        ),
    ],
)
def test_a_malformed_methadone_tier_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, key: str, value: object, message: str
) -> None:
    import copy

    original = knowledge.read_toml

    def read_toml(name: str) -> dict[str, Any]:
        data = original(name)
        if name == "mme":
            data = copy.deepcopy(data)
            data["methadone"]["cdc2016_tiers"][1][key] = value
        return data

    monkeypatch.setattr(knowledge, "read_toml", read_toml)
    with pytest.raises(knowledge.KnowledgeError) as caught:
        mme.methadone_tiers()
    assert str(caught.value) == message


# --- PAWSS high risk (bccsu-aud-2023, maldonado-2014; SPEC A6.1) ---

PAWSS_HIGH_RISK_FROM = 4
PAWSS_DRANK_WITHIN_DAYS = 30


def pawss_items(yes: int, unknown: int = 0) -> dict[str, bool | None]:
    keys = alcohol.PAWSS_ITEMS
    return {
        key: True if i < yes else None if i < yes + unknown else False for i, key in enumerate(keys)
    }


def test_every_pawss_threshold_has_a_row() -> None:
    scale = alcohol.pawss()
    assert (scale.high_risk_from, scale.drank_within_days) == (
        PAWSS_HIGH_RISK_FROM,
        PAWSS_DRANK_WITHIN_DAYS,
    )


@pytest.mark.parametrize(("total", "high"), [(3, False), (4, True), (5, True)])
def test_pawss_is_high_risk_from_the_threshold_itself(total: int, high: bool) -> None:
    result = alcohol.calculator({"threshold_met": True, "items": pawss_items(total)})
    assert (result["total"], result["high_risk"], result["could_be_high_risk"]) == (
        total,
        high,
        high,
    )


@pytest.mark.parametrize(("unknown", "could"), [(0, False), (1, True), (2, True)])
def test_pawss_unknowns_could_reach_the_threshold_from_one_below(unknown: int, could: bool) -> None:
    result = alcohol.calculator(
        {"threshold_met": True, "items": pawss_items(PAWSS_HIGH_RISK_FROM - 1, unknown)}
    )
    assert (result["high_risk"], result["could_be_high_risk"]) == (False, could)


@pytest.mark.parametrize(("days", "met"), [(29, True), (30, True), (31, False)])
def test_the_pawss_window_includes_its_last_day(days: int, met: bool) -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert alcohol.threshold_met(True, now - timedelta(days=days), False, now) is met
