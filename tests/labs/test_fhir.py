"""Results in the FHIR bundle: one laboratory Observation per finding, LOINC only where SPEC
confirms a code, and a bundle the R4B models accept."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from detoxdesk.exports import fhir
from detoxdesk.patients.models import Episode
from factories_exports import admitted_patient, terms
from factories_labs import record_result, record_screen

pytestmark = pytest.mark.django_db


def _observations(bundle: dict) -> dict[str, dict]:
    found = {}
    for entry in bundle["entry"]:
        item = entry["resource"]
        if (
            item["resourceType"] == "Observation"
            and item["category"][0]["coding"][0]["code"] == "laboratory"
        ):
            found[item["code"]["text"]] = item
    return found


def test_each_finding_is_a_laboratory_observation(unit) -> None:
    episode = admitted_patient(unit)
    screen = record_screen(episode, unit.nurse, fentanyl="positive")
    record_result(
        episode, unit.prescriber, "ecg", {"qtc": 470}, specimen="ecg", method="laboratory"
    )
    loaded = Episode.objects.select_related("patient__program", "facility", "bed").get(
        pk=episode.pk
    )
    bundle = fhir.episode_bundle(loaded, terms(unit))
    Bundle.model_validate_json(json.dumps(bundle))
    found = _observations(bundle)
    assert len(found) == 9
    fentanyl = found["Fentanyl"]
    assert [c["code"] for c in fentanyl["code"]["coding"]] == ["59673-4", "fentanyl"]
    assert fentanyl["valueCodeableConcept"] == {"text": "Positive"}
    assert fentanyl["effectiveDateTime"].startswith(
        screen.specimen_at.astimezone().date().isoformat()[:4]
    )
    assert [c["code"] for c in found["Buprenorphine"]["code"]["coding"]] == ["buprenorphine"]
    assert found["QTc"]["valueQuantity"]["value"] == 470
    assert found["QTc"]["method"] == {"text": "Laboratory"}
