"""Refused access to a patient record is audited as ``access.denied``; PHI pages audit viewing."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent


def denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event="access.denied").order_by("id"))


def test_it_audits_an_outsider_refused_a_chart(unit, as_user):
    url = reverse("patients:chart", args=[unit.patient.uuid])
    assert as_user(unit.outsider).get(url).status_code == 404
    (event,) = denials()
    assert (event.actor, event.patient) == (unit.outsider, unit.patient)
    assert event.changes == {
        "path": url,
        "method": "GET",
        "status": 404,
        "view": "patients:chart",
    }
    assert event.ip_address == "127.0.0.1"


def test_it_audits_a_403_on_a_patient_url(unit, as_user):
    url = reverse("monitoring:record_vitals", args=[unit.episode.uuid])
    assert as_user(unit.counselor).post(url, {}).status_code == 403
    (event,) = denials()
    assert (event.actor, event.patient) == (unit.counselor, unit.patient)
    assert (event.changes["status"], event.changes["method"]) == (403, "POST")


def test_it_audits_a_guessed_address_without_a_patient(unit, as_user):
    url = reverse("medications:mar", args=[uuid.uuid4()])
    assert as_user(unit.nurse).get(url).status_code == 404
    (event,) = denials()
    assert event.patient is None
    assert event.changes["path"] == url


def test_the_patients_director_sees_the_refusal(unit, as_user):
    as_user(unit.outsider).get(reverse("patients:chart", args=[unit.patient.uuid]))
    page = as_user(unit.director).get(reverse("audit:log"), {"event": "access.denied"})
    assert [e.actor for e in page.context["page"]] == [unit.outsider]


@pytest.mark.parametrize(
    ("persona", "url_name", "args"),
    [
        ("nurse", "patients:chart", "patient"),  # allowed: 200
        ("nurse", "directory:detail", "random"),  # 404, but not a patient URL
        ("auditor", "patients:census", None),  # 403 or 200, not a patient URL
    ],
)
def test_it_leaves_other_answers_alone(unit, as_user, persona, url_name, args):
    values = {"patient": [unit.patient.uuid], "random": [uuid.uuid4()], None: []}[args]
    as_user(getattr(unit, persona)).get(reverse(url_name, args=values))
    assert denials() == []


def test_it_does_not_audit_a_visitor_who_is_not_signed_in(unit, client):
    response = client.get(reverse("patients:chart", args=[unit.patient.uuid]))
    assert response.status_code == 302
    assert denials() == []


@pytest.mark.parametrize(
    ("persona", "url_name", "event"),
    [
        ("prescriber", "medications:facts", "medication_facts.viewed"),
        ("nurse", "monitoring:record_vitals", "vitals_form.viewed"),
    ],
)
def test_pages_that_show_patient_data_audit_their_view(unit, as_user, persona, url_name, event):
    response = as_user(getattr(unit, persona)).get(reverse(url_name, args=[unit.episode.uuid]))
    assert response.status_code == 200
    viewed = AuditEvent.objects.get(event=event)
    assert (viewed.actor, viewed.patient, viewed.facility) == (
        getattr(unit, persona),
        unit.patient,
        unit.ward,
    )
