"""The patient's own consents and accounting, in the portal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures import actions
from detoxdesk.disclosures.models import Consent
from factories import make_episode
from factories_disclosures import make_consent
from factories_portal import make_portal_user

pytestmark = pytest.mark.django_db


def _awaiting(unit):
    return make_consent(
        unit.nurse,
        unit.patient,
        unit.ward,
        signature_method="portal",
        scan=None,
        signed_on=None,
        signer_name="",
    )


def test_the_patient_reads_and_signs_a_consent(as_user, unit) -> None:
    consent = _awaiting(unit)
    client = as_user(make_portal_user(unit.patient))
    listing = client.get(reverse("disclosures:my_consents")).content.decode()
    assert "Harbor Primary Care" in listing and "please read and sign" in listing
    url = reverse("disclosures:my_consent", args=[consent.uuid])
    page = client.get(url).content.decode()
    assert "Right to revoke" in page and "988" in page
    response = client.post(url, {"typed_name": "Wrong Name", "agree": "on"})
    assert "Type your full name exactly" in response.content.decode()
    response = client.post(url, {"typed_name": unit.patient.full_name, "agree": "on"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    assert AuditEvent.objects.filter(event="consent.signed").count() == 1


def test_the_patient_revokes_with_confirmation(as_user, unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    client = as_user(make_portal_user(unit.patient))
    url = reverse("disclosures:my_revoke", args=[consent.uuid])
    client.post(url, {})
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    client.post(url, {"confirm": "on"})
    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED


def test_the_patient_sees_only_their_own(as_user, unit) -> None:
    other = make_episode(unit.ward).patient
    theirs = make_consent(unit.nurse, other, unit.ward)
    client = as_user(make_portal_user(unit.patient))
    assert client.get(reverse("disclosures:my_consent", args=[theirs.uuid])).status_code == 404
    assert client.get(reverse("disclosures:my_revoke", args=[theirs.uuid])).status_code == 404


def test_staff_cannot_open_the_portal_pages(as_user, unit) -> None:
    response = as_user(unit.nurse).get(reverse("disclosures:my_accounting"))
    assert response.status_code in (302, 403)


def test_the_patient_sees_their_accounting_for_a_period(as_user, unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    now = timezone.now()
    for days, what in ((100, "Chart sent in spring"), (5, "Discharge summary last week")):
        actions.do_disclose(
            user=unit.nurse,
            patient=unit.patient,
            recipient="Harbor Primary Care",
            purpose="treatment",
            information="chart",
            description=what,
            now=now - timedelta(days=days),
        )
    client = as_user(make_portal_user(unit.patient))
    url = reverse("disclosures:my_accounting")
    page = client.get(url).content.decode()
    assert "Chart sent in spring" in page and "Discharge summary last week" in page
    assert "the last three years" in page
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    page = client.get(url, {"since": since}).content.decode()
    assert "Chart sent in spring" not in page and "Discharge summary last week" in page
    too_early = (timezone.localdate() - timedelta(days=4 * 365)).isoformat()
    assert "at most" in client.get(url, {"since": too_early}).content.decode()
    assert AuditEvent.objects.filter(event="portal.viewed").exists()
