"""The drug-test catalogue of labs.toml (SPEC.md A10): panels, LOINC codes and detection windows."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, labs
from detoxdesk.clinical.errors import KnowledgeError


def _data() -> dict[str, Any]:
    return copy.deepcopy(dict(knowledge.load("labs")))


def test_it_lists_the_urine_panel_of_spec_a10_with_fentanyl_as_its_own_assay() -> None:
    panel = labs.catalogue().panels["urine_drug_screen"]
    assert [a.code for a in panel.analytes] == [
        "fentanyl",
        "opiates",
        "buprenorphine",
        "methadone",
        "oxycodone",
        "benzodiazepines",
        "amphetamines",
        "cocaine",
    ]
    assert panel.specimens == ("urine",)


@pytest.mark.parametrize(
    ("panel", "specimens", "analytes"),
    [
        ("alcohol", ("breath", "blood"), ("alcohol",)),
        ("pregnancy", ("urine", "blood"), ("hcg",)),
        ("ecg", ("ecg",), ("qtc",)),
    ],
)
def test_it_defines_the_other_results(
    panel: str, specimens: tuple[str, ...], analytes: tuple[str, ...]
) -> None:
    found = labs.catalogue().panels[panel]
    assert found.specimens == specimens
    assert tuple(a.code for a in found.analytes) == analytes


@pytest.mark.parametrize(
    ("analyte", "code", "confidence"),
    [
        ("fentanyl", "59673-4", "S"),
        ("opiates", "19295-5", "S"),
        ("methadone", "19550-3", "S"),
        ("buprenorphine", "", "U"),
        ("benzodiazepines", "", "U"),
    ],
)
def test_it_carries_only_the_loinc_codes_spec_gives(
    analyte: str, code: str, confidence: str
) -> None:
    found = labs.catalogue().analytes[analyte]
    assert found.loinc is not None
    assert (found.loinc_code, found.loinc.confidence) == (code, confidence)


@pytest.mark.parametrize(
    "analyte", ["oxycodone", "amphetamines", "cocaine", "alcohol", "hcg", "qtc"]
)
def test_it_ships_no_code_where_spec_gives_none(analyte: str) -> None:
    assert labs.catalogue().analytes[analyte].loinc_code == ""


# (analyte, [(substance, use, text, source)]) exactly as SPEC.md A10's table.
WINDOWS = [
    (
        "fentanyl",
        [
            ("", "short-term use", "up to 3 days", "asam-dt-2017"),
            ("", "chronic use", "up to 4 weeks", "huhn-2020"),
        ],
    ),
    (
        "opiates",
        [
            ("Morphine / codeine", "", "2–5 days", "asam-dt-2017"),
            ("Morphine / codeine", "", "1–2 days", "aap-udt"),
            ("Heroin (6-MAM)", "", "less than 1 day", "asam-dt-2017"),
            ("Hydromorphone", "", "up to 3 days", "asam-dt-2017"),
            ("Hydromorphone", "", "1–2 days", "aap-udt"),
        ],
    ),
    ("buprenorphine", [("", "", "up to 7 days", "asam-dt-2017")]),
    (
        "methadone",
        [
            ("Methadone", "", "up to 3 days", "asam-dt-2017"),
            ("EDDP (metabolite)", "", "up to 6 days", "asam-dt-2017"),
            ("", "", "1 day – 1 week", "aap-udt"),
        ],
    ),
    ("oxycodone", [("", "", "1–3 days", "aap-udt")]),
    (
        "benzodiazepines",
        [
            ("Short-acting", "", "1–2 days", "asam-dt-2017"),
            ("Intermediate-acting", "", "1–5 days", "asam-dt-2017"),
            ("Long-acting", "", "up to 30 days", "asam-dt-2017"),
            ("Clonazepam", "", "1–12.5 days", "aap-udt"),
            ("Diazepam", "", "5–8 days", "aap-udt"),
        ],
    ),
    ("amphetamines", []),
    ("cocaine", []),
]


@pytest.mark.parametrize(("analyte", "rows"), WINDOWS)
def test_it_shows_the_windows_of_spec_a10_as_ranges(
    analyte: str, rows: list[tuple[str, ...]]
) -> None:
    windows = labs.catalogue().analytes[analyte].windows
    assert windows is not None
    assert [(w.substance, w.use, w.text, w.source) for w in windows] == rows
    assert all(w.confidence == "S" for w in windows)


@pytest.mark.parametrize("analyte", ["alcohol", "hcg", "qtc"])
def test_it_gives_no_window_to_what_is_not_a_drug(analyte: str) -> None:
    assert labs.catalogue().analytes[analyte].windows is None


def test_it_marks_the_opioid_assays_and_what_feeds_the_facts() -> None:
    catalogue = labs.catalogue()
    assert catalogue.opioid_analytes == {
        "fentanyl",
        "opiates",
        "buprenorphine",
        "methadone",
        "oxycodone",
    }
    feeds = {code: a.feeds for code, a in catalogue.analytes.items() if a.feeds}
    assert feeds == {"fentanyl": "fentanyl_exposure", "hcg": "pregnant", "qtc": "qtc_ms"}


@pytest.mark.parametrize(
    ("window", "text"),
    [
        ({"low": 2, "high": 5, "unit": "d"}, "2–5 days"),
        ({"high": 1, "unit": "d"}, "up to 1 day"),
        ({"less_than": 12, "unit": "h"}, "less than 12 hours"),
        ({"low": 1, "low_unit": "d", "high": 2, "unit": "wk"}, "1 day – 2 weeks"),
    ],
)
def test_it_words_a_window(window: dict[str, Any], text: str) -> None:
    data = _data()
    data["analytes"]["cocaine"]["windows"] = [{**window, "source": "aap-udt", "confidence": "S"}]
    found = labs.build_catalogue(data).analytes["cocaine"].windows
    assert found is not None and found[0].text == text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["analytes"]["buprenorphine"].update(
                loinc={"code": "82371-6", "source": "loinc-public-code", "confidence": "U"}
            ),
            "unconfirmed code ships empty",
        ),
        (lambda d: d["analytes"]["opiates"]["loinc"].update(code="19295"), "not a LOINC code"),
        (
            lambda d: d["analytes"]["oxycodone"].update(
                windows=[{"high": 3, "unit": "d", "source": "aap-udt", "confidence": "S", "low": 3}]
            ),
            "a range, not a number",
        ),
        (
            lambda d: d["analytes"]["oxycodone"].update(
                windows=[{"high": 3, "unit": "d", "confidence": "S"}]
            ),
            "a source is required",
        ),
        (
            lambda d: d["analytes"]["oxycodone"].update(
                windows=[{"high": 3, "unit": "mo", "source": "aap-udt", "confidence": "S"}]
            ),
            "unit must be",
        ),
        (
            lambda d: d["analytes"]["oxycodone"].update(
                windows=[{"high": 0, "unit": "d", "source": "aap-udt", "confidence": "S"}]
            ),
            "above zero",
        ),
        (
            lambda d: d["analytes"]["oxycodone"].update(
                windows=[
                    {"less_than": 1, "high": 2, "unit": "d", "source": "aap-udt", "confidence": "S"}
                ]
            ),
            "stands alone",
        ),
        (lambda d: d["analytes"]["qtc"].update(kind="count"), "kind must be"),
        (lambda d: d["analytes"]["qtc"].pop("unit"), "only a measure, has a unit"),
        (lambda d: d["analytes"]["hcg"].update(feeds="opioid_class"), "feeds must be"),
        (lambda d: d["panels"]["ecg"].update(specimens=["saliva"]), "specimens must be"),
        (lambda d: d["panels"]["ecg"].update(analytes=["qt"]), "unknown or no analytes"),
        (lambda d: d["panels"].pop("ecg"), "analytes in no panel: qtc"),
        (lambda d: d["analytes"]["qtc"].pop("label"), "missing or malformed"),
    ],
)
def test_it_refuses_a_malformed_catalogue(change: Any, message: str) -> None:
    data = _data()
    change(data)
    with pytest.raises(KnowledgeError, match=message):
        labs.build_catalogue(data)


def test_it_keeps_decimal_bounds() -> None:
    windows = labs.catalogue().analytes["benzodiazepines"].windows
    assert windows is not None and windows[3].high == Decimal("12.5")
