"""The staff page that releases an episode as a FHIR bundle: only through the disclosure door."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures.models import Disclosure
from factories_disclosures import make_consent
from factories_exports import add_history, admitted_patient

pytestmark = pytest.mark.django_db

HARBOR = "Harbor Primary Care"


@pytest.fixture
def episode(unit):
    episode = admitted_patient(unit)
    add_history(unit, episode)
    return episode


def url(episode) -> str:
    return reverse("exports:fhir", args=[episode.uuid])


def test_it_shows_the_form_and_audits_the_view(unit, episode, as_user, client) -> None:
    as_user(unit.nurse)
    response = client.get(url(episode))
    assert response.status_code == 200
    assert b"Release and download" in response.content
    assert AuditEvent.objects.filter(event="fhir_release.viewed", patient=episode.patient).exists()


def test_it_downloads_the_bundle_when_a_consent_covers_it(unit, episode, as_user, client) -> None:
    make_consent(unit.nurse, episode.patient, unit.ward, information=["fhir_bundle"])
    as_user(unit.nurse)
    response = client.post(url(episode), {"recipient": HARBOR, "purpose": "treatment"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert "attachment" in response["Content-Disposition"]
    Bundle.model_validate(json.loads(response.content))
    disclosure = Disclosure.objects.get()
    assert (disclosure.disclosed_by, disclosure.information) == (unit.nurse, "fhir_bundle")


def test_it_shows_the_refusal_naming_what_is_missing(unit, episode, as_user, client) -> None:
    make_consent(unit.nurse, episode.patient, unit.ward, information=["chart"])
    as_user(unit.nurse)
    response = client.post(url(episode), {"recipient": HARBOR, "purpose": "treatment"})
    assert response.status_code == 400
    assert b"Not released" in response.content
    assert b"FHIR" in response.content
    assert response["Content-Type"].startswith("text/html")
    assert not Disclosure.objects.exists()


def test_it_refuses_a_blank_recipient_with_a_field_error(unit, episode, as_user, client) -> None:
    as_user(unit.nurse)
    response = client.post(url(episode), {"recipient": " ", "purpose": "treatment"})
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 404), ("outsider", 404), ("coordinator", 404)]
)
def test_it_keeps_out_those_who_may_not_release(
    unit, episode, as_user, client, persona, status
) -> None:
    make_consent(unit.nurse, episode.patient, unit.ward, information=["fhir_bundle"])
    as_user(getattr(unit, persona))
    assert client.get(url(episode)).status_code == status
    assert (
        client.post(url(episode), {"recipient": HARBOR, "purpose": "treatment"}).status_code
        == status
    )
    assert not Disclosure.objects.exists()


def test_the_chart_links_to_it_for_those_who_may_release(unit, episode, as_user, client) -> None:
    as_user(unit.nurse)
    chart = client.get(reverse("patients:chart", args=[episode.patient.uuid]))
    assert url(episode).encode() in chart.content
