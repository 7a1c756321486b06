"""Code status on the episode: recorded through one action, version-checked, audited, shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients.models import Episode


def _url(unit) -> str:
    return reverse("patients:code_status", args=[unit.episode.uuid])


def test_it_starts_not_recorded_and_the_chart_says_so(unit, as_user):
    page = as_user(unit.nurse).get(reverse("patients:chart", args=[unit.patient.uuid]))
    assert "Not recorded" in page.content.decode()
    assert _url(unit) in page.content.decode()


def test_a_prescriber_records_it_with_the_version_read(unit, as_user):
    client = as_user(unit.prescriber)
    form = client.get(_url(unit))
    assert form.status_code == 200
    response = client.post(
        _url(unit), {"version": "1", "code_status": "dnr_dni", "code_status_note": "Per patient"}
    )
    assert response.status_code == 302
    unit.episode.refresh_from_db()
    assert unit.episode.code_status == Episode.CodeStatus.DNR_DNI
    assert unit.episode.code_status_version == 2
    assert unit.episode.code_status_recorded_by == unit.prescriber
    event = AuditEvent.objects.get(event="episode.code_status_set")
    assert event.patient == unit.patient and event.facility == unit.ward
    assert event.changes["code_status"] == ["not_recorded", "dnr_dni"]
    chart = client.get(reverse("patients:chart", args=[unit.patient.uuid])).content.decode()
    assert "Do not resuscitate, do not intubate (DNR/DNI) — Per patient" in chart


def test_a_stale_form_is_refused_and_says_who_changed_it(unit, as_user):
    client = as_user(unit.nurse)
    client.post(_url(unit), {"version": "1", "code_status": "full_code"})
    response = client.post(_url(unit), {"version": "1", "code_status": "dnr"})
    assert response.status_code == 400
    assert "Someone else changed this record" in response.content.decode()
    unit.episode.refresh_from_db()
    assert unit.episode.code_status == Episode.CodeStatus.FULL_CODE


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"version": "1", "code_status": "limited", "code_status_note": " "}, "code_status_note"),
        ({"version": "1", "code_status": "maybe"}, "code_status"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(unit, as_user, data, field):
    response = as_user(unit.nurse).post(_url(unit), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    unit.episode.refresh_from_db()
    assert unit.episode.code_status_version == 1
    assert not AuditEvent.objects.filter(event="episode.code_status_set").exists()


@pytest.mark.parametrize(("persona", "status"), [("counselor", 403), ("outsider", 404)])
def test_others_may_not_record_it(unit, as_user, persona, status):
    response = as_user(getattr(unit, persona)).post(
        _url(unit), {"version": "1", "code_status": "dnr"}
    )
    assert response.status_code == status
