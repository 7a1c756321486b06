"""A drug's hepatic and renal bands never overlap, so a Child-Pugh score or an eGFR falls in one
band at most and the cap it brings is the one its label names (lofexidine-label)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from detoxdesk.clinical import knowledge, medication_policy


def with_bands(monkeypatch: pytest.MonkeyPatch, kind: str, bands: list[dict[str, Any]]) -> None:
    original = knowledge.read_toml

    def read_toml(name: str) -> dict[str, Any]:
        data = original(name)
        if name == "medications":
            data = copy.deepcopy(data)
            data["drugs"]["lofexidine"][kind] = bands
        return data

    monkeypatch.setattr(knowledge, "read_toml", read_toml)


def band(label: str, low: int | None, below: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": label, "max_dose_mg": 0.36, "max_daily_mg": 1.44}
    entry |= {"source": "lofexidine-label", "confidence": "C"}
    if low is not None:
        entry["from"] = low
    if below is not None:
        entry["below"] = below
    return entry


def test_the_shipped_bands_meet_end_to_end() -> None:
    lofexidine = medication_policy.default_policy().rules("lofexidine")
    hepatic = [(cap.low, cap.below) for cap in lofexidine.hepatic_caps]
    renal = [(cap.low, cap.below) for cap in lofexidine.renal_caps]
    assert hepatic == [(5, 7), (7, 10), (10, None)]
    assert renal == [(30, 90), (None, 30)]


@pytest.mark.parametrize(
    ("kind", "bands", "message"),
    [
        (
            "hepatic_caps",
            [band("A", 5, 8), band("B", 7, 10)],
            "medications.toml [drugs.lofexidine.hepatic_caps]: 'A' overlaps 'B'",
        ),
        (
            "renal_caps",
            [band("middle", 30, 90), band("low", None, 31)],
            "medications.toml [drugs.lofexidine.renal_caps]: 'low' overlaps 'middle'",
        ),
        (
            "hepatic_caps",
            [band("open", 5, None), band("later", 10, None)],
            "medications.toml [drugs.lofexidine.hepatic_caps]: 'open' overlaps 'later'",
        ),
        (
            "renal_caps",
            [band("below", None, 30), band("also below", None, 20)],
            "medications.toml [drugs.lofexidine.renal_caps]: 'below' overlaps 'also below'",
        ),
        (
            "hepatic_caps",
            {"label": "not a list"},
            "medications.toml [drugs.lofexidine.hepatic_caps]: expected a list of tables",
        ),
    ],
)
def test_overlapping_bands_are_refused_naming_both(
    monkeypatch: pytest.MonkeyPatch, kind: str, bands: Any, message: str
) -> None:
    with_bands(monkeypatch, kind, bands)
    with pytest.raises(knowledge.KnowledgeError) as caught:
        medication_policy.default_policy()
    assert str(caught.value) == message


def test_bands_that_meet_or_leave_a_gap_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    with_bands(
        monkeypatch, "hepatic_caps", [band("B", 7, 10), band("A", 5, 7), band("C", 12, None)]
    )
    lofexidine = medication_policy.default_policy().rules("lofexidine")
    assert [cap.label for cap in lofexidine.hepatic_caps] == ["B", "A", "C"]
