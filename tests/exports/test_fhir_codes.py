"""Codes with a required FHIR R4 binding: the R4B models check structure, not these value sets,
so every status the mapping can produce is checked against the R4 value set here."""

from __future__ import annotations

import pytest

from detoxdesk.exports.fhir import clinical, people
from detoxdesk.intake.models import TreatmentPlan
from detoxdesk.medications.models import OrderLine
from detoxdesk.tapers.models import TaperPlan
from factories_exports import episode_bundle

# FHIR R4 (4.0.1) required value sets of the elements the bundle fills.
REQUIRED = {
    ("Observation", "status"): {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("Encounter", "status"): {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("EpisodeOfCare", "status"): {
        "planned",
        "waitlist",
        "active",
        "onhold",
        "finished",
        "cancelled",
        "entered-in-error",
    },
    ("MedicationRequest", "status"): {
        "active",
        "on-hold",
        "cancelled",
        "completed",
        "entered-in-error",
        "stopped",
        "draft",
        "unknown",
    },
    ("MedicationRequest", "intent"): {
        "proposal",
        "plan",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    },
    ("MedicationAdministration", "status"): {
        "in-progress",
        "not-done",
        "on-hold",
        "completed",
        "entered-in-error",
        "stopped",
        "unknown",
    },
    ("CarePlan", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Consent", "status"): {
        "draft",
        "proposed",
        "active",
        "rejected",
        "inactive",
        "entered-in-error",
    },
    ("AllergyIntolerance", "criticality"): {"low", "high", "unable-to-assess"},
}
ACTIVITY_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}

pytestmark = pytest.mark.django_db


def test_every_status_in_a_bundle_is_in_its_required_value_set(unit) -> None:
    for entry in episode_bundle(unit)["entry"]:
        resource = entry["resource"]
        for (kind, element), allowed in REQUIRED.items():
            if resource["resourceType"] == kind and element in resource:
                assert resource[element] in allowed, (kind, element, resource[element])
        for activity in (
            resource.get("activity", []) if resource["resourceType"] == "CarePlan" else []
        ):
            assert activity["detail"]["status"] in ACTIVITY_STATUS


def test_every_order_status_maps_into_the_value_set() -> None:
    assert set(clinical.REQUEST_STATUS) == set(OrderLine.Status)
    assert set(clinical.REQUEST_STATUS.values()) <= REQUIRED[("MedicationRequest", "status")]


def test_every_taper_status_maps_into_the_value_set() -> None:
    assert set(people.TAPER_STATUS) == set(TaperPlan.Status.values)
    assert set(people.TAPER_STATUS.values()) <= REQUIRED[("CarePlan", "status")]


def test_a_treatment_plan_has_only_the_two_states_mapped() -> None:
    assert set(TreatmentPlan.Status.values) == {"draft", "signed"}
