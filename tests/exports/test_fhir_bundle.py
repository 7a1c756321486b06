"""The FHIR bundle of one episode: valid R4 (checked with the fhir.resources R4B models),
labelled for 42 CFR Part 2 on every resource, and read in a fixed number of queries."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from detoxdesk.exports import fhir
from detoxdesk.patients.models import Episode
from factories_exports import add_history, admitted_patient, episode_bundle, terms
from factories_labs import record_screen

pytestmark = pytest.mark.django_db

PART2 = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "42CFRPart2"}
RESTRICTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}


def _has(labels: list[dict], wanted: dict) -> bool:
    return any(all(label.get(k) == v for k, v in wanted.items()) for label in labels)


def test_it_builds_a_bundle_the_r4b_models_accept(unit) -> None:
    bundle = episode_bundle(unit)
    Bundle.model_validate_json(json.dumps(bundle))


def test_it_holds_every_kind_of_resource(unit) -> None:
    kinds = Counter(e["resource"]["resourceType"] for e in episode_bundle(unit)["entry"])
    assert set(kinds) == {
        "Patient",
        "EpisodeOfCare",
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "Observation",
        "MedicationRequest",
        "MedicationAdministration",
        "CarePlan",
        "Consent",
        "Provenance",
    }
    assert kinds["CarePlan"] == 2  # the treatment plan and the taper


def test_it_labels_every_resource_and_the_bundle_for_part_2(unit) -> None:
    bundle = episode_bundle(unit)
    assert _has(bundle["meta"]["security"], RESTRICTED)
    assert _has(bundle["meta"]["security"], PART2)
    for entry in bundle["entry"]:
        labels = entry["resource"]["meta"]["security"]
        assert _has(labels, PART2), entry["resource"]["resourceType"]
        assert _has(labels, RESTRICTED), entry["resource"]["resourceType"]


def _of(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_it_codes_the_diagnosis_in_icd_10_cm(unit) -> None:
    [condition] = _of(episode_bundle(unit), "Condition")
    assert condition["code"]["coding"] == [
        {
            "system": "http://hl7.org/fhir/sid/icd-10-cm",
            "code": "F11.23",
            "display": "Opioid dependence with withdrawal",
        }
    ]


def test_it_gives_the_scales_their_total_and_items_under_our_own_code_system(unit) -> None:
    scores = [
        o
        for o in _of(episode_bundle(unit), "Observation")
        if o["category"][0]["coding"][0]["code"] == "survey"
    ]
    assert {o["code"]["coding"][0]["code"] for o in scores} == {"cows", "sows", "ciwa_ar"}
    cows = next(o for o in scores if o["code"]["coding"][0]["code"] == "cows")
    assert cows["valueInteger"] == 8
    assert len(cows["component"]) == 11
    assert sum(c["valueInteger"] for c in cows["component"]) == 8
    systems = {c["system"] for o in scores for c in o["code"]["coding"]}
    assert systems == {"https://detoxdesk.org/fhir/CodeSystem/withdrawal-scales"}


def test_it_codes_vital_signs_in_loinc(unit) -> None:
    vitals = [
        o
        for o in _of(episode_bundle(unit), "Observation")
        if o["category"][0]["coding"][0]["code"] == "vital-signs"
    ]
    codes = {c["code"] for o in vitals for c in o["code"]["coding"]}
    assert codes == {"8867-4", "9279-1", "8310-5", "59408-5", "2708-6", "85354-9"}
    pressure = next(o for o in vitals if o["code"]["coding"][0]["code"] == "85354-9")
    assert {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in pressure["component"]
    } == {
        "8480-6": 128,
        "8462-4": 82,
    }
    temperature = next(o for o in vitals if o["code"]["coding"][0]["code"] == "8310-5")
    assert temperature["valueQuantity"] == {
        "value": 37.1,
        "unit": "C",
        "system": "http://unitsofmeasure.org",
        "code": "Cel",
    }


def test_it_links_each_administration_to_its_order(unit) -> None:
    bundle = episode_bundle(unit)
    requests = {f"urn:uuid:{r['id']}" for r in _of(bundle, "MedicationRequest")}
    given = _of(bundle, "MedicationAdministration")
    assert given and all(g["request"]["reference"] in requests for g in given)
    assert given[0]["status"] == "not-done"


def test_every_reference_resolves_inside_theepisode_bundle(unit) -> None:
    bundle = episode_bundle(unit)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                found.append(node["reference"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle["entry"])
    assert found and set(found) <= urls


def test_it_closes_with_the_consent_and_a_provenance_naming_the_recipient(unit) -> None:
    bundle = episode_bundle(unit)
    [consent] = _of(bundle, "Consent")
    [provenance] = _of(bundle, "Provenance")
    assert consent["provision"]["actor"][0]["reference"]["display"] == "Harbor Primary Care"
    assert "42 CFR part 2" in consent["text"]["div"]
    assert provenance["entity"][0]["what"]["reference"] == f"urn:uuid:{consent['id']}"
    assert len(provenance["target"]) == len(bundle["entry"]) - 1


def test_it_leaves_the_consent_out_when_none_was_relied_on(unit) -> None:
    bundle = episode_bundle(unit, consent=False)
    Bundle.model_validate_json(json.dumps(bundle))
    assert not _of(bundle, "Consent")


@pytest.mark.parametrize("readings", [1, 4])
def test_it_reads_the_same_number_of_queries_at_any_size(
    unit, readings, django_assert_num_queries
) -> None:
    episode = admitted_patient(unit)
    add_history(unit, episode, readings)
    for n in range(readings):
        record_screen(episode, unit.nurse, at=timezone.now() - timedelta(minutes=n + 1))
    loaded = Episode.objects.select_related("patient__program", "facility", "bed").get(
        pk=episode.pk
    )
    with django_assert_num_queries(9):  # 9: with the results and their findings
        fhir.episode_bundle(loaded, terms(unit))
