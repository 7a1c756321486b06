"""COWS, SOWS and CIWA-Ar: item tables, validation, totals and bands.

The expected tables are written out here from SPEC.md sections 1-3, independently of scales.toml, so
a typo in the data fails a test instead of agreeing with itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detoxdesk.clinical import scales
from detoxdesk.clinical.errors import InvalidInput

# Item keys in form order with their allowed values (SPEC.md 1.1, 2, 3).
ALLOWED: dict[str, dict[str, tuple[int, ...]]] = {
    "cows": {
        "resting_pulse_rate": (0, 1, 2, 4),
        "sweating": (0, 1, 2, 3, 4),
        "restlessness": (0, 1, 3, 5),
        "pupil_size": (0, 1, 2, 5),
        "bone_joint_aches": (0, 1, 2, 4),
        "runny_nose_tearing": (0, 1, 2, 4),
        "gi_upset": (0, 1, 2, 3, 5),
        "tremor": (0, 1, 2, 4),
        "yawning": (0, 1, 2, 4),
        "anxiety_irritability": (0, 1, 2, 4),
        "gooseflesh_skin": (0, 3, 5),
    },
    "sows": {
        key: (0, 1, 2, 3, 4)
        for key in (
            "anxious",
            "yawning",
            "perspiring",
            "eyes_tearing",
            "nose_running",
            "goose_flesh",
            "shaking",
            "hot_flashes",
            "cold_flashes",
            "bones_muscles_ache",
            "restless",
            "nauseous",
            "feel_like_vomiting",
            "muscles_twitch",
            "stomach_cramps",
            "urge_to_use",
        )
    },
    "ciwa_ar": {
        **{
            key: (0, 1, 2, 3, 4, 5, 6, 7)
            for key in (
                "nausea_vomiting",
                "tremor",
                "paroxysmal_sweats",
                "anxiety",
                "agitation",
                "tactile_disturbances",
                "auditory_disturbances",
                "visual_disturbances",
                "headache",
            )
        },
        "orientation": (0, 1, 2, 3, 4),
    },
}

MAX_TOTAL = {"cows": 48, "sows": 64, "ciwa_ar": 67}

# Every band edge, written out (COWS: wesson-ling-2003; CIWA-Ar: asam-alcohol-2020; SOWS unbanded).
BAND_EDGES = [
    ("cows", 0, "minimal"),
    ("cows", 4, "minimal"),
    ("cows", 5, "mild"),
    ("cows", 12, "mild"),
    ("cows", 13, "moderate"),
    ("cows", 24, "moderate"),
    ("cows", 25, "moderately_severe"),
    ("cows", 36, "moderately_severe"),
    ("cows", 37, "severe"),
    ("cows", 48, "severe"),
    ("ciwa_ar", 0, "mild"),
    ("ciwa_ar", 9, "mild"),
    ("ciwa_ar", 10, "moderate"),
    ("ciwa_ar", 18, "moderate"),
    ("ciwa_ar", 19, "severe"),
    ("ciwa_ar", 67, "severe"),
    ("sows", 0, None),
    ("sows", 10, None),
    ("sows", 64, None),
]

ACCEPTED = [
    (code, key, value)
    for code, items in ALLOWED.items()
    for key, values in items.items()
    for value in values
]

# For each item, every value from -1 to max + 1 that is not allowed: the gaps of COWS's
# non-contiguous sets (e.g. resting pulse 3, restlessness 2 and 4, gooseflesh 1, 2 and 4) and
# both ends.
REJECTED = [
    (code, key, value)
    for code, items in ALLOWED.items()
    for key, values in items.items()
    for value in range(-1, max(values) + 2)
    if value not in values
]


def zeros(code: str) -> dict[str, object]:
    return dict.fromkeys(ALLOWED[code], 0)


def answers_totalling(code: str, total: int) -> dict[str, object]:
    """A complete answer set using only allowed values whose sum is exactly ``total``."""
    items = list(ALLOWED[code].items())

    def search(index: int, remaining: int) -> list[int] | None:
        if index == len(items):
            return [] if remaining == 0 else None
        if remaining > sum(max(values) for _, values in items[index:]):
            return None
        for value in sorted(items[index][1], reverse=True):
            if value <= remaining and (rest := search(index + 1, remaining - value)) is not None:
                return [value, *rest]
        return None

    chosen = search(0, total)
    assert chosen is not None, f"no answer set of {code} totals {total}"
    answers = dict(zip([key for key, _ in items], chosen, strict=True))
    assert sum(answers.values()) == total
    return dict(answers)


def score(code: str, answers: Mapping[str, object], **kwargs: object) -> scales.ScaleResult:
    return scales.score(scales.get_scale(code), answers, **kwargs)  # type: ignore[arg-type]


def field_errors(code: str, answers: Mapping[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        score(code, answers)
    return caught.value.fields


# --- The data matches SPEC.md ---------------------------------------------------------------------


@pytest.mark.parametrize("code", scales.SCALE_CODES)
def test_it_lists_the_items_in_form_order_with_their_allowed_values(code: str) -> None:
    scale = scales.get_scale(code)
    assert [item.key for item in scale.items] == list(ALLOWED[code])
    for item in scale.items:
        assert tuple(sorted(item.allowed)) == ALLOWED[code][item.key]
        assert all(option.anchor.strip() for option in item.options)
        assert item.label.strip() and item.prompt.strip()


@pytest.mark.parametrize(("code", "maximum"), MAX_TOTAL.items())
def test_it_knows_the_maximum_total(code: str, maximum: int) -> None:
    assert scales.get_scale(code).max_total == maximum


@pytest.mark.parametrize(
    ("code", "administered_by", "source"),
    [
        ("cows", "clinician", "wesson-ling-2003"),
        ("sows", "self", "handelsman-1987"),
        ("ciwa_ar", "clinician", "sullivan-1989"),
    ],
)
def test_it_records_who_administers_and_the_source(
    code: str, administered_by: str, source: str
) -> None:
    scale = scales.get_scale(code)
    assert (scale.administered_by, scale.source) == (administered_by, source)
    assert scale.confidence in {"C", "S", "U"}


def test_it_labels_the_last_sows_item_in_current_words() -> None:
    assert scales.get_scale("sows").item("urge_to_use").label == "I feel like using now"


def test_it_gives_sows_no_default_bands() -> None:
    assert scales.get_scale("sows").bands == ()


@pytest.mark.parametrize("code", ["cows", "ciwa_ar"])
def test_it_covers_every_total_with_exactly_one_default_band(code: str) -> None:
    scale = scales.get_scale(code)
    for total in range(scale.max_total + 1):
        assert sum(band.contains(total) for band in scale.bands) == 1, total
    assert scale.bands[0].low == 0
    assert scale.bands[-1].high is None
    assert not any(band.contains(-1) for band in scale.bands)


def test_it_refuses_an_unknown_scale() -> None:
    with pytest.raises(InvalidInput, match="Unknown scale"):
        scales.get_scale("ciwa-ar")


def test_it_refuses_an_unknown_item_lookup() -> None:
    with pytest.raises(InvalidInput) as caught:
        scales.get_scale("cows").item("pulse")
    assert caught.value.fields == {"pulse": "Not an item of COWS."}


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "key", "value"), ACCEPTED)
def test_it_accepts_every_allowed_value(code: str, key: str, value: int) -> None:
    result = score(code, {**zeros(code), key: value})
    assert result.total == value
    assert result.items[key] == value


@pytest.mark.parametrize(("code", "key", "value"), REJECTED)
def test_it_rejects_values_outside_the_allowed_set(code: str, key: str, value: int) -> None:
    listed = ", ".join(str(v) for v in ALLOWED[code][key])
    assert field_errors(code, {**zeros(code), key: value}) == {key: f"Must be one of {listed}."}


def test_it_names_the_allowed_values_of_a_non_contiguous_item() -> None:
    errors = field_errors("cows", {**zeros("cows"), "resting_pulse_rate": 3})
    assert errors == {"resting_pulse_rate": "Must be one of 0, 1, 2, 4."}


@pytest.mark.parametrize(
    ("code", "key"), [(code, key) for code, items in ALLOWED.items() for key in items]
)
def test_it_requires_every_item(code: str, key: str) -> None:
    answers = zeros(code)
    del answers[key]
    assert field_errors(code, answers) == {key: "This item is required."}


def test_it_treats_none_as_unanswered() -> None:
    assert field_errors("sows", {**zeros("sows"), "anxious": None}) == {
        "anxious": "This item is required."
    }


@pytest.mark.parametrize(
    ("code", "name"), [("cows", "COWS"), ("sows", "SOWS"), ("ciwa_ar", "CIWA-Ar")]
)
def test_it_rejects_an_unknown_key(code: str, name: str) -> None:
    errors = field_errors(code, {**zeros(code), "heart_rate": 0})
    assert errors == {"heart_rate": f"Not an item of {name}."}


@pytest.mark.parametrize("value", [True, False, 1.0, 0.0, "1", "0", [1], {"value": 1}])
def test_it_rejects_values_that_are_not_whole_numbers(value: object) -> None:
    errors = field_errors("cows", {**zeros("cows"), "sweating": value})
    assert errors == {"sweating": "Must be a whole number."}


def test_it_collects_every_field_error_at_once() -> None:
    answers = {**zeros("cows"), "resting_pulse_rate": 3, "sweating": "2", "extra": 1}
    del answers["yawning"]
    with pytest.raises(InvalidInput) as caught:
        score("cows", answers)
    assert caught.value.fields == {
        "extra": "Not an item of COWS.",
        "resting_pulse_rate": "Must be one of 0, 1, 2, 4.",
        "sweating": "Must be a whole number.",
        "yawning": "This item is required.",
    }
    assert "COWS" in caught.value.message


def test_it_refuses_an_empty_answer_set() -> None:
    assert set(field_errors("ciwa_ar", {})) == set(ALLOWED["ciwa_ar"])


# --- Totals and bands -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", scales.SCALE_CODES)
def test_it_scores_all_zero_as_zero(code: str) -> None:
    assert score(code, zeros(code)).total == 0


@pytest.mark.parametrize(("code", "maximum"), MAX_TOTAL.items())
def test_it_scores_all_maximum_answers_as_the_maximum(code: str, maximum: int) -> None:
    answers = {key: max(values) for key, values in ALLOWED[code].items()}
    assert score(code, answers).total == maximum


@pytest.mark.parametrize(("code", "total", "band"), BAND_EDGES)
def test_it_bands_every_edge(code: str, total: int, band: str | None) -> None:
    result = score(code, answers_totalling(code, total))
    assert (result.total, result.band) == (total, band)
    assert (result.band_label is None) == (band is None)


@pytest.mark.parametrize(
    ("total", "label", "band_source"),
    [(0, "Minimal", "wesson-ling-2003"), (30, "Moderately severe", "wesson-ling-2003")],
)
def test_it_reports_the_band_label_and_source(total: int, label: str, band_source: str) -> None:
    result = score("cows", answers_totalling("cows", total))
    assert (result.band_label, result.band_source, result.source) == (
        label,
        band_source,
        "wesson-ling-2003",
    )


def test_it_reports_the_ciwa_band_source() -> None:
    result = score("ciwa_ar", answers_totalling("ciwa_ar", 19))
    assert (result.source, result.band_source) == ("sullivan-1989", "asam-alcohol-2020")


PROGRAM_BANDS = (
    scales.Band("low", "Low", 0, 10, "program-policy"),
    scales.Band("high", "High", 11, None, "program-policy"),
)


@pytest.mark.parametrize(("total", "band"), [(0, "low"), (10, "low"), (11, "high"), (64, "high")])
def test_it_applies_a_programs_sows_bands(total: int, band: str) -> None:
    result = score("sows", answers_totalling("sows", total), bands=PROGRAM_BANDS)
    assert (result.band, result.band_source) == (band, "program-policy")


def test_it_applies_no_band_when_given_an_empty_sequence() -> None:
    result = score("cows", answers_totalling("cows", 40), bands=())
    assert (result.total, result.band, result.band_label, result.band_source) == (
        40,
        None,
        None,
        None,
    )


def test_it_leaves_a_total_outside_every_band_unbanded() -> None:
    assert scales.band_for(11, PROGRAM_BANDS[:1]) is None
    assert scales.band_for(5, ()) is None


def test_it_returns_a_hashable_read_only_result() -> None:
    first = score("cows", zeros("cows"))
    second = score("cows", zeros("cows"))
    assert first == second and hash(first) == hash(second)
    with pytest.raises(TypeError):
        first.items["sweating"] = 4  # type: ignore[index]


def test_it_keeps_the_items_in_form_order() -> None:
    answers = dict(reversed(list(zeros("ciwa_ar").items())))
    assert list(score("ciwa_ar", answers).items) == list(ALLOWED["ciwa_ar"])


# --- Running total --------------------------------------------------------------------------------


def test_it_sums_only_valid_answers_for_the_running_total() -> None:
    scale = scales.get_scale("cows")
    answers = {"resting_pulse_rate": 4, "sweating": 3, "restlessness": 2, "tremor": "4", "x": 9}
    assert scales.partial_total(scale, answers) == 7
    assert scales.partial_total(scale, {}) == 0


# --- COWS resting pulse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heart_rate", "item"),
    [(20, 0), (80, 0), (81, 1), (100, 1), (101, 2), (120, 2), (121, 4), (250, 4)],
)
def test_it_maps_heart_rate_to_the_cows_pulse_item(heart_rate: int, item: int) -> None:
    assert scales.cows_pulse_item(heart_rate) == item


@pytest.mark.parametrize(("heart_rate", "item"), [(0, 0), (19, 0), (251, 4), (400, 4)])
def test_it_maps_a_real_but_unusual_heart_rate(heart_rate: int, item: int) -> None:
    # A rate outside the typo-check range is confirmed on the form, never refused (SPEC A5.2).
    assert scales.cows_pulse_item(heart_rate) == item


def test_it_refuses_a_negative_heart_rate() -> None:
    with pytest.raises(InvalidInput) as caught:
        scales.cows_pulse_item(-5)
    assert caught.value.fields == {"heart_rate": "Must not be negative."}


def test_it_maps_every_plausible_heart_rate_to_an_allowed_pulse_value() -> None:
    for heart_rate in range(20, 251):
        assert scales.cows_pulse_item(heart_rate) in ALLOWED["cows"]["resting_pulse_rate"]


# --- Invariants -----------------------------------------------------------------------------------


@st.composite
def complete_answers(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    code = draw(st.sampled_from(scales.SCALE_CODES))
    scale = scales.get_scale(code)
    answers = {item.key: draw(st.sampled_from(sorted(item.allowed))) for item in scale.items}
    return code, answers


@given(complete_answers())
def test_it_totals_and_bands_any_complete_answer_set(case: tuple[str, dict[str, int]]) -> None:
    code, answers = case
    scale = scales.get_scale(code)
    result = scales.score(scale, answers)
    assert result.total == sum(answers.values())
    assert 0 <= result.total <= scale.max_total
    assert dict(result.items) == answers
    assert scales.partial_total(scale, answers) == result.total
    containing = [band for band in scale.bands if band.contains(result.total)]
    if scale.bands:
        assert len(containing) == 1
        assert result.band == containing[0].name
    else:
        assert result.band is None
