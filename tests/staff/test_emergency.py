from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.staff.models import EmergencyGrant
from factories import make_episode, make_facility, make_patient, make_program
from factories_staff import REASON, grant

pytestmark = pytest.mark.django_db

URL = reverse("staff:emergency")


@pytest.fixture
def elsewhere(unit):
    """A patient admitted to Clinic B, where the ward's nurse has no role."""
    return make_episode(unit.other)


def ask(client, episode, reason=REASON, **overrides):
    data = {
        "record_number": episode.patient.record_number,
        "date_of_birth": episode.patient.date_of_birth.isoformat(),
        "reason": reason,
        **overrides,
    }
    return client.post(URL, data)


def chart(episode):
    return reverse("patients:chart", args=[episode.patient.uuid])


def test_a_nurse_opens_a_chart_outside_her_facility_with_a_reason(unit, as_user, elsewhere):
    client = as_user(unit.nurse)
    assert client.get(chart(elsewhere)).status_code == 404
    assert client.get(URL).status_code == 200
    response = ask(client, elsewhere)
    assert response.status_code == 302
    assert response.url == chart(elsewhere)
    page = client.get(chart(elsewhere))
    assert page.status_code == 200
    assert page.context["episode"] == elsewhere
    assert b"Emergency access." in page.content and REASON.encode() in page.content
    event = AuditEvent.objects.get(event="chart.emergency_access")
    assert (event.actor, event.patient) == (unit.nurse, elsewhere.patient)
    assert event.changes["reason"] == REASON


def test_the_grant_is_read_only(unit, as_user, elsewhere):
    grant(unit.nurse, elsewhere.patient)
    client = as_user(unit.nurse)
    url = reverse("patients:episode_interval", args=[elsewhere.uuid])
    assert client.get(url).status_code == 403
    assert client.post(url, {"assessment_interval_minutes": "60"}).status_code == 403


def test_the_grant_ends_after_its_window(unit, as_user, elsewhere):
    grant(unit.nurse, elsewhere.patient)
    client = as_user(unit.nurse)
    assert client.get(chart(elsewhere)).status_code == 200
    later = timezone.now() + timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        client.force_login(unit.nurse)  # the idle sign-out is shorter than the window
        assert client.get(chart(elsewhere)).status_code == 404


def test_the_window_is_a_setting(unit, as_user, elsewhere, settings):
    settings.EMERGENCY_ACCESS_MINUTES = 5
    record = grant(unit.nurse, elsewhere.patient)
    assert record.expires_at - record.granted_at == timedelta(minutes=5)


@pytest.mark.parametrize("reason", ["", "   ", "need it"])
def test_a_reason_is_required_and_long_enough(unit, as_user, elsewhere, reason):
    response = ask(as_user(unit.nurse), elsewhere, reason=reason)
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert not EmergencyGrant.objects.exists()
    assert not AuditEvent.objects.filter(event="chart.emergency_access").exists()


def test_both_identifiers_must_match(unit, as_user, elsewhere):
    response = ask(as_user(unit.nurse), elsewhere, date_of_birth="1971-07-07")
    assert response.status_code == 400
    assert "No patient" in " ".join(response.context["form"].errors["record_number"])
    assert not EmergencyGrant.objects.exists()


def test_a_patient_of_another_program_cannot_be_opened(unit, as_user):
    foreign = make_episode(make_facility(make_program(name="Elsewhere")))
    response = ask(as_user(unit.nurse), foreign)
    assert response.status_code == 400
    assert not EmergencyGrant.objects.exists()


def test_a_patient_already_in_ones_facilities_needs_no_grant(unit, as_user):
    response = ask(as_user(unit.nurse), unit.episode)
    assert response.status_code == 302
    assert not EmergencyGrant.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "counselor", "director", "auditor", "admin"])
def test_only_bedside_clinicians_break_the_glass(unit, as_user, elsewhere, persona):
    assert as_user(getattr(unit, persona)).get(URL).status_code == 403
    with pytest.raises(PermissionDenied):
        grant(getattr(unit, persona), elsewhere.patient)


def test_the_action_refuses_a_short_reason(unit, elsewhere):
    with pytest.raises(ValidationError):
        grant(unit.prescriber, elsewhere.patient, reason="x" * 5)


def test_the_banner_shows_only_on_the_chart_opened_by_the_grant(unit, as_user, elsewhere):
    grant(unit.nurse, elsewhere.patient)
    client = as_user(unit.nurse)
    own = client.get(reverse("patients:chart", args=[unit.patient.uuid]))
    assert b"Emergency access." not in own.content
    assert b"Emergency access." in client.get(chart(elsewhere)).content


def test_the_director_reviews_emergency_openings(unit, as_user):
    # Ward A's patient opened by Clinic B's nurse: Ward A's director sees it.
    grant(unit.outsider, unit.patient)
    response = as_user(unit.director).get(reverse("staff:emergency_review"))
    assert response.status_code == 200
    [row] = response.context["page"].object_list
    assert (row.user, row.patient, row.reason) == (unit.outsider, unit.patient, REASON)
    assert AuditEvent.objects.filter(event="emergency.reviewed", actor=unit.director).exists()
    review = reverse("staff:emergency_review")
    for query, count in [("outsider", 1), (unit.patient.family_name, 1), ("nobody", 0)]:
        found = as_user(unit.director).get(review, {"q": query})
        assert len(found.context["page"].object_list) == count


def test_a_director_sees_only_openings_of_their_facilities_patients(unit, as_user):
    from detoxdesk.accounts.models import Role
    from factories import make_user

    clinic_director = make_user(Role.DIRECTOR, unit.other, username="clinic-director")
    grant(unit.outsider, unit.patient)
    response = as_user(clinic_director).get(reverse("staff:emergency_review"))
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "admin", "coordinator"])
def test_the_review_page_is_for_directors_and_auditors(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(reverse("staff:emergency_review")).status_code == 403


def test_the_banner_names_only_the_patient_on_the_page(unit, as_user, elsewhere):
    # A patient registered at the ward with no episode makes the access helper look at grants.
    registered = make_patient(unit.program, registered_at=unit.ward)
    grant(unit.nurse, elsewhere.patient)
    client = as_user(unit.nurse)
    page = client.get(reverse("patients:chart", args=[registered.uuid]))
    assert page.status_code == 200
    assert b"Emergency access." not in page.content
