"""A FHIR R4 (4.0.1) JSON Bundle of one patient's episode, labelled for 42 CFR Part 2.

The bundle is plain JSON built from our models; the ``fhir.resources`` models validate it in the
tests only (DESIGN.md: FHIR models at the edge, never as our schema). Only the disclosure door
(:mod:`detoxdesk.exports.door`) hands a bundle to anyone.
"""

from __future__ import annotations

from typing import Any

from detoxdesk.exports.fhir import clinical, disclosure, people
from detoxdesk.exports.fhir.common import BUNDLE_SECURITY, instant
from detoxdesk.exports.fhir.disclosure import ConsentTerms, DisclosureTerms
from detoxdesk.exports.fhir.records import EpisodeRecord, load
from detoxdesk.patients.models import Episode

__all__ = ["ConsentTerms", "DisclosureTerms", "EpisodeRecord", "build_bundle", "load"]


def _record_resources(record: EpisodeRecord) -> list[dict[str, Any]]:
    episode = record.episode
    subject = people.patient(episode.patient)
    care = people.episode_of_care(episode, subject)
    stay = people.encounter(episode, subject, care)
    made: list[dict[str, Any] | None] = [subject, care, stay]
    for evaluation in record.evaluations:
        made.append(people.condition(evaluation, subject, stay))
        # A reverse one-to-one with no row raises a subclass of AttributeError.
        plan = getattr(evaluation, "plan", None)
        if plan is not None:
            made.append(people.treatment_plan(plan, subject, stay))
    made.extend(people.allergy(row, subject) for row in record.allergies)
    made.append(people.no_known_allergies(episode.patient, subject))
    made.extend(clinical.scale_observation(row, subject, stay) for row in record.assessments)
    for reading in record.vital_signs:
        made.extend(clinical.vital_observations(reading, subject, stay))
    for result in record.lab_results:
        made.extend(clinical.result_observations(result, subject, stay))
    made.extend(_medications(record, subject, stay))
    made.extend(people.taper_plan(row, subject, stay) for row in record.taper_plans)
    return [item for item in made if item is not None]


def _medications(
    record: EpisodeRecord, subject: dict[str, Any], stay: dict[str, Any]
) -> list[dict[str, Any]]:
    requests: dict[int, dict[str, Any]] = {}
    previous: dict[int, dict[str, Any]] = {}
    for order in record.orders:
        made = clinical.medication_request(order, subject, stay, previous.get(order.line_id))
        requests[order.pk] = previous[order.line_id] = made
    given = [
        clinical.medication_administration(row, subject, stay, requests[row.order_id])
        for row in record.administrations
    ]
    return [*requests.values(), *given]


def build_bundle(record: EpisodeRecord, terms: DisclosureTerms) -> dict[str, Any]:
    """The collection Bundle of ``record`` as disclosed under ``terms``: every resource and the
    bundle carry the Part 2 security labels; the consent relied on and a Provenance close it."""
    resources = _record_resources(record)
    subject = resources[0]
    if terms.consent is not None:
        resources.append(disclosure.consent(terms.consent, subject, terms.notice))
    consent_resource = resources[-1] if terms.consent is not None else None
    resources.append(disclosure.provenance(terms, list(resources), consent_resource))
    return {
        "resourceType": "Bundle",
        "id": str(terms.id),
        "meta": {"security": [dict(label) for label in BUNDLE_SECURITY]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{terms.id}"},
        "type": "collection",
        "timestamp": instant(terms.at),
        "entry": [{"fullUrl": f"urn:uuid:{item['id']}", "resource": item} for item in resources],
    }


def episode_bundle(episode: Episode, terms: DisclosureTerms) -> dict[str, Any]:
    """Load ``episode`` (with its patient, facility and program) and build its bundle."""
    return build_bundle(load(episode), terms)
