"""Staff consent pages: access, recording with every element, printing, revoking, the scan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures.models import Consent
from factories_disclosures import PDF, make_consent

pytestmark = pytest.mark.django_db


def pages(unit, consent):
    return [
        reverse("disclosures:consents", args=[unit.patient.uuid]),
        reverse("disclosures:consent_new", args=[unit.patient.uuid]),
        reverse("disclosures:consent", args=[consent.uuid]),
        reverse("disclosures:consent_scan", args=[consent.uuid]),
        reverse("disclosures:revoke", args=[consent.uuid]),
        reverse("disclosures:release", args=[unit.patient.uuid]),
        reverse("disclosures:accounting", args=[unit.patient.uuid]),
        reverse("disclosures:emergency", args=[unit.patient.uuid]),
    ]


def test_it_sends_anonymous_visitors_to_sign_in(client, unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    for url in pages(unit, consent):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"], url


def test_it_hides_the_patient_from_outsiders(as_user, unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    client = as_user(unit.outsider)
    for url in pages(unit, consent):
        assert client.get(url).status_code == 404, url


def test_the_auditor_reads_but_records_nothing(as_user, unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    client = as_user(unit.auditor)
    urls = pages(unit, consent)
    for url in (urls[0], urls[2], urls[3], urls[6]):
        assert client.get(url).status_code == 200, url
    for url in (urls[1], urls[4], urls[5], urls[7]):
        assert client.get(url).status_code == 403, url


def _form(**overrides):
    data = {
        "kind": "specific",
        "disclosing_party": "Test Program",
        "information": ["discharge_summary"],
        "recipient_names": "Harbor Primary Care\n",
        "purposes": ["treatment"],
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "expiry_event": "",
        "signature_method": "paper",
        "signer_name": "Sam Patient",
        "signed_on": timezone.localdate().isoformat(),
        "scan": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }
    data.update(overrides)
    return data


def test_a_nurse_records_a_paper_consent(as_user, unit) -> None:
    client = as_user(unit.nurse)
    url = reverse("disclosures:consent_new", args=[unit.patient.uuid])
    assert "Test Program" in client.get(url).content.decode()
    response = client.post(url, _form())
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("disclosures:consent", args=[consent.uuid])
    assert consent.recipient_names == ["Harbor Primary Care"]
    assert consent.status == Consent.Status.ACTIVE
    page = client.get(response["Location"]).content.decode()
    for element in (
        unit.patient.full_name,
        "Test Program",
        "The discharge summary",
        "Harbor Primary Care",
        "for treatment",
        "revoke this consent in writing",
        "Sam Patient",
    ):
        assert element in page
    scan = client.get(reverse("disclosures:consent_scan", args=[consent.uuid]))
    assert scan.content == PDF and scan["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(event="consent.scan_viewed").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"recipient_names": ""}, "Name at least one recipient."),
        ({"purposes": []}, "Choose the purpose"),
        ({"information": []}, "This field is required."),
        ({"expires_on": ""}, "Give the date or the event"),
        (
            {"scan": SimpleUploadedFile("x.gif", b"GIF89a", content_type="image/gif")},
            "PDF, PNG or JPEG",
        ),
        (
            {"scan": SimpleUploadedFile("x.pdf", b"MZ", content_type="application/pdf")},
            "not the kind",
        ),
        ({"signer_name": ""}, "Give the name of the person who signed."),
        ({"expires_on": "not a date"}, "Enter a valid date."),
    ],
)
def test_it_shows_what_is_missing_and_saves_nothing(
    as_user, unit, overrides, field_message
) -> None:
    client = as_user(unit.nurse)
    url = reverse("disclosures:consent_new", args=[unit.patient.uuid])
    response = client.post(url, _form(**overrides))
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_consent_to_sign_in_the_portal_waits(as_user, unit) -> None:
    client = as_user(unit.counselor)
    url = reverse("disclosures:consent_new", args=[unit.patient.uuid])
    client.post(url, _form(signature_method="portal", scan="", signer_name="", signed_on=""))
    assert Consent.objects.get().status == Consent.Status.AWAITING_SIGNATURE


def test_revoking_asks_for_confirmation(as_user, unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    client = as_user(unit.nurse)
    url = reverse("disclosures:revoke", args=[consent.uuid])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"received_on": today})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    response = client.post(url, {"received_on": today, "confirm": "on", "note": "Letter"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED
    assert "Revoked: written revocation" in client.get(response["Location"]).content.decode()


# Session, user, memberships, patient, the patient's facilities (3 access checks), the audit
# append (savepoint, head, insert, update, release), the count, the consents, two disclosure
# lists and the session save.
CONSENTS_PAGE_QUERIES = 18


@pytest.mark.parametrize("consents", [1, 13])
def test_the_list_reads_the_same_queries_at_any_size(
    as_user, unit, django_assert_num_queries, consents
) -> None:
    client = as_user(unit.nurse)
    url = reverse("disclosures:consents", args=[unit.patient.uuid])
    for _ in range(consents):
        make_consent(unit.nurse, unit.patient, unit.ward)
    client.get(url)
    with django_assert_num_queries(CONSENTS_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="consent-row') == consents
