"""The labs.toml loader in full: every field it builds, and the exact refusal of each malformed
entry.

``golden/knowledge/labs-catalogue.json`` holds the whole checked catalogue (every panel, analyte,
LOINC code, note and detection window with its source and confidence), reviewed by hand against
SPEC.md A10.
A field read under the wrong key, a default changed or a note given the wrong confidence fails here
with a diff. To change it on purpose: ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/clinical/test_labs_catalogue.py -p no:cacheprovider``, then read the diff line by line.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, labs
from detoxdesk.clinical.errors import KnowledgeError

GOLDEN = Path(__file__).with_name("golden") / "knowledge" / "labs-catalogue.json"
WINDOW = {"high": 3, "unit": "d", "source": "aap-udt", "confidence": "S"}


def _data() -> dict[str, Any]:
    return copy.deepcopy(dict(knowledge.load("labs")))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _dump(catalogue: labs.Catalogue) -> dict[str, Any]:
    return {
        "panels": {code: _plain(dataclasses.asdict(p)) for code, p in catalogue.panels.items()},
        "analytes": {code: _plain(dataclasses.asdict(a)) for code, a in catalogue.analytes.items()},
        "window_texts": {
            code: [w.text for w in a.windows or ()] for code, a in catalogue.analytes.items()
        },
    }


def test_the_whole_catalogue_is_as_reviewed() -> None:
    found = _dump(labs.catalogue())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    assert found == json.loads(GOLDEN.read_text())


def _built(change: Any) -> labs.Catalogue:
    data = _data()
    change(data)
    return labs.build_catalogue(data)


def _window(**fields: Any) -> Any:
    return lambda d: d["analytes"]["oxycodone"].update(windows=[{**WINDOW, **fields}])


def _refusal(change: Any) -> str:
    with pytest.raises(KnowledgeError) as raised:
        _built(change)
    return str(raised.value)


W = "labs.toml [analytes.oxycodone] window 1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_window(unit="mo"), f"{W}: unit must be one of h, d, wk"),
        (_window(unit=None), f"{W}: unit must be one of h, d, wk"),
        (_window(low=1, low_unit="mo"), f"{W}: unit must be one of h, d, wk"),
        (_window(less_than=1), f"{W}: less_than stands alone"),
        (
            lambda d: d["analytes"]["oxycodone"].update(
                windows=[{"less_than": 1, "low": 1, "unit": "d", "source": "aap-udt"}]
            ),
            f"{W}: less_than stands alone",
        ),
        (_window(high=0), f"{W} high: must be above zero"),
        (_window(high=-1), f"{W} high: must be above zero"),
        (_window(high=True), f"{W} high: expected a number"),
        (_window(high="3"), f"{W} high: expected a number"),
        (_window(low=0), f"{W} low: must be above zero"),
        (_window(low=3), f"{W}: low must be below high (a range, not a number)"),
        (_window(low=4), f"{W}: low must be below high (a range, not a number)"),
        (_window(confidence="X"), f"{W}: confidence must be one of C, S, U"),
        (_window(source=None), f"{W}: a source is required"),
        (
            lambda d: d["analytes"]["oxycodone"].update(windows=[WINDOW, {**WINDOW, "unit": "y"}]),
            "labs.toml [analytes.oxycodone] window 2: unit must be one of h, d, wk",
        ),
        (
            lambda d: d["analytes"]["opiates"]["loinc"].update(code="19295"),
            "labs.toml [analytes.opiates] loinc: '19295' is not a LOINC code",
        ),
        (
            lambda d: d["analytes"]["opiates"]["loinc"].update(confidence="U"),
            "labs.toml [analytes.opiates] loinc: an unconfirmed code ships empty",
        ),
        (
            lambda d: d["analytes"]["opiates"]["loinc"].update(confidence="Q"),
            "labs.toml [analytes.opiates] loinc: confidence must be one of C, S, U",
        ),
        (
            lambda d: d["analytes"]["opiates"].update(loinc="19295-5"),
            "labs.toml [analytes.opiates] loinc: expected a table",
        ),
        (
            lambda d: d["analytes"]["qtc"].update(kind="count"),
            "labs.toml [analytes.qtc]: kind must be presence or measure",
        ),
        (
            lambda d: d["analytes"]["hcg"].update(feeds="opioid_class"),
            "labs.toml [analytes.hcg]: feeds must be one of fentanyl_exposure, pregnant, qtc_ms",
        ),
        (
            lambda d: d["analytes"]["qtc"].pop("unit"),
            "labs.toml [analytes.qtc]: a measure, and only a measure, has a unit",
        ),
        (
            lambda d: d["analytes"]["hcg"].update(unit="mIU/mL"),
            "labs.toml [analytes.hcg]: a measure, and only a measure, has a unit",
        ),
        (
            lambda d: d["panels"]["ecg"].update(specimens=[]),
            "labs.toml [panels.ecg]: specimens must be of urine, breath, blood, ecg",
        ),
        (
            lambda d: d["panels"]["ecg"].update(specimens=["ecg", "saliva"]),
            "labs.toml [panels.ecg]: specimens must be of urine, breath, blood, ecg",
        ),
        (
            lambda d: d["panels"]["ecg"].update(analytes=["qt"]),
            "labs.toml [panels.ecg]: unknown or no analytes ['qt']",
        ),
        (
            lambda d: d["panels"]["ecg"].update(analytes=["qtc", "qt"]),
            "labs.toml [panels.ecg]: unknown or no analytes ['qt']",
        ),
        (
            lambda d: d["panels"]["ecg"].update(analytes=[]),
            "labs.toml [panels.ecg]: unknown or no analytes []",
        ),
        (
            lambda d: d["panels"]["ecg"].update(confidence="Q"),
            "labs.toml [panels.ecg]: confidence must be one of C, S, U",
        ),
        (
            lambda d: [d["panels"].pop("ecg"), d["panels"].pop("alcohol")],
            "labs.toml: analytes in no panel: alcohol, qtc",
        ),
        (
            lambda d: d["analytes"]["qtc"].pop("label"),
            "labs.toml: missing or malformed entry 'label'",
        ),
        (
            lambda d: d["panels"]["ecg"].pop("label"),
            "labs.toml: missing or malformed entry 'label'",
        ),
        (
            lambda d: d["analytes"]["fentanyl"].pop("note_source"),
            "labs.toml: missing or malformed entry 'note_source'",
        ),
        (
            lambda d: d["analytes"]["fentanyl"].pop("loinc_note_source"),
            "labs.toml: missing or malformed entry 'loinc_note_source'",
        ),
        (
            lambda d: d["analytes"]["cocaine"].update(windows=3),
            "labs.toml: missing or malformed entry 'int' object is not iterable",
        ),
    ],
)
def test_it_refuses_a_malformed_entry_in_these_words(change: Any, message: str) -> None:
    assert _refusal(change) == message


def test_a_loinc_table_without_a_code_or_display_records_none() -> None:
    loinc = {"source": "loinc-public-code", "confidence": "U"}
    found = _built(lambda d: d["analytes"]["cocaine"].update(loinc=loinc)).analytes["cocaine"]
    assert found.loinc == labs.Loinc("", "", "loinc-public-code", "U")
    assert found.loinc_code == ""


def test_a_window_keeps_its_note_use_and_substance() -> None:
    row = {**WINDOW, "low": 1, "substance": "Oxymorphone", "use": "daily use", "note": "rare"}
    found = _built(_window(**row)).analytes["oxycodone"].windows
    assert found == (
        labs.Window(
            substance="Oxymorphone",
            use="daily use",
            low=Decimal(1),
            low_unit="d",
            high=Decimal(3),
            unit="d",
            less_than=False,
            note="rare",
            source="aap-udt",
            confidence="S",
        ),
    )


def test_a_less_than_window_has_no_low_end() -> None:
    row = {"less_than": 12, "unit": "h", "source": "aap-udt", "confidence": "C"}
    found = _built(lambda d: d["analytes"]["oxycodone"].update(windows=[row]))
    (window,) = found.analytes["oxycodone"].windows or ()
    assert (window.low, window.low_unit, window.high, window.less_than) == (None, "h", 12, True)
    assert (window.note, window.substance, window.use, window.confidence) == ("", "", "", "C")


def test_a_low_end_in_another_unit_may_be_the_larger_number() -> None:
    found = _built(_window(low=12, low_unit="h", high=1, unit="wk")).analytes["oxycodone"]
    assert [w.text for w in found.windows or ()] == ["12 hours – 1 week"]


def test_only_true_marks_an_opioid_assay() -> None:
    found = _built(lambda d: d["analytes"]["cocaine"].update(opioid="yes")).analytes["cocaine"]
    assert found.opioid is False
    found = _built(lambda d: d["analytes"]["cocaine"].update(opioid=True)).analytes["cocaine"]
    assert found.opioid is True


def test_a_panel_without_a_source_has_no_confidence() -> None:
    panel = _built(lambda d: d["panels"]["ecg"].pop("source")).panels["ecg"]
    assert (panel.source, panel.confidence) == (None, None)


def test_a_panel_finds_its_analyte_by_code() -> None:
    panel = labs.catalogue().panels["urine_drug_screen"]
    assert panel.analyte("methadone") is labs.catalogue().analytes["methadone"]
    assert panel.analyte("hcg") is None


def test_a_window_bound_must_be_finite() -> None:
    assert _refusal(_window(high=float("inf"))) == f"{W} high: must be a finite number"
