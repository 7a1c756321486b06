"""The disclosure door: every refusal names what is missing; what is allowed is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.disclosures import actions, package
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.disclosures.models import Consent, Disclosure, Revocation
from factories_disclosures import days_ago, make_consent

pytestmark = pytest.mark.django_db

HARBOR = "Harbor Primary Care"


def disclose(unit, **overrides):
    values = {
        "user": unit.nurse,
        "patient": unit.patient,
        "recipient": HARBOR,
        "purpose": "treatment",
        "information": "discharge_summary",
        "description": "Discharge summary",
        "episode": unit.episode,
    }
    values.update(overrides)
    return actions.do_disclose(**values)


def test_it_discloses_what_the_consent_covers_and_records_it(unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    disclosure = disclose(unit, recipient="  harbor   primary care ")
    assert disclosure.consent == consent
    assert disclosure.legal_basis == Disclosure.LegalBasis.CONSENT
    assert disclosure.recipient == "harbor primary care"
    assert disclosure.disclosed_by == unit.nurse
    assert disclosure.notice == package.notice_text()
    assert "42 CFR part 2" in disclosure.notice
    assert disclosure.consent_copy["consent"]["consent_id"] == str(consent.uuid)
    assert disclosure.consent_copy["consent"]["recipients"] == HARBOR
    event = AuditEvent.objects.get(event="disclosure.made")
    assert event.patient_id == unit.patient.pk
    assert event.object_id == str(disclosure.uuid)


def _revoke(unit, consent):
    actions.do_revoke_consent(consent, user=unit.nurse, form="letter", received_on=days_ago(0))


REFUSALS = [
    # (what the consent has, what the disclosure asks, words the reason must contain)
    ("no consent", None, {}, ["No consent"]),
    ("expired", {"_expires_in_days": 1}, {"_days": 2}, ["expired on"]),
    ("revoked", {}, {"_revoke": True}, ["was revoked"]),
    ("wrong recipient", {}, {"recipient": "Bay Clinic"}, ["does not name Bay Clinic"]),
    ("wrong purpose", {}, {"purpose": "payment"}, ["does not cover the purpose payment"]),
    ("information not covered", {}, {"information": "chart_x"}, ["not a kind of information"]),
    (
        "category not covered",
        {"information": ["discharge_summary"]},
        {"information": "chart"},
        ["does not cover the chart"],
    ),
    (
        "counseling notes under all records",
        {"information": ["all_records"]},
        {"information": "counseling_notes"},
        ["only under a consent that names them specifically"],
    ),
    (
        "unsigned",
        {"signature_method": "portal", "scan": None, "signed_on": None, "signer_name": ""},
        {},
        ["not signed yet"],
    ),
    ("no recipient", {}, {"recipient": " "}, ["No recipient"]),
    ("bad purpose", {}, {"purpose": "research"}, ["is not a purpose"]),
    ("patient copy for another purpose", None, {"recipient": "patient"}, ["patient_request"]),
]


@pytest.mark.parametrize(
    ("consent_fields", "ask", "words"),
    [row[1:] for row in REFUSALS],
    ids=[row[0] for row in REFUSALS],
)
def test_it_refuses_naming_what_is_missing(unit, clock, consent_fields, ask, words) -> None:
    ask, consent_fields = dict(ask), consent_fields and dict(consent_fields)
    consent = None
    if consent_fields and (expires := consent_fields.pop("_expires_in_days", None)):
        consent_fields["expires_on"] = days_ago(-expires)
    if consent_fields is not None:
        consent = make_consent(unit.nurse, unit.patient, unit.ward, **consent_fields)
    if ask.pop("_revoke", False):
        _revoke(unit, consent)
    if days := ask.pop("_days", 0):
        clock.shift(timedelta(days=days))
    with pytest.raises(DisclosureRefused) as refused:
        disclose(unit, **ask)
    text = " ".join(refused.value.reasons)
    for word in words:
        assert word in text
    assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(event="disclosure.refused").count() == 1
    assert not AuditEvent.objects.filter(event="disclosure.made").exists()


def test_it_names_every_reason_when_several_are_missing(unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    with pytest.raises(DisclosureRefused) as refused:
        disclose(unit, recipient="Bay Clinic", purpose="payment", information="taper_calendar")
    reasons = refused.value.reasons
    assert len(reasons) == 3
    assert any("Bay Clinic" in r for r in reasons)
    assert any("payment" in r for r in reasons)
    assert any("taper calendar" in r for r in reasons)


def test_it_expires_at_the_end_of_treatment(unit) -> None:
    make_consent(
        unit.nurse, unit.patient, unit.ward, expires_on=None, expiry_event="end_of_treatment"
    )
    disclose(unit)
    unit.episode.status = "discharged"
    unit.episode.discharged_at = timezone.now() + timedelta(minutes=1)
    unit.episode.save()
    with pytest.raises(DisclosureRefused) as refused:
        disclose(unit, now=timezone.now() + timedelta(minutes=2))
    assert "expired at the end of treatment" in refused.value.reasons[0]


def test_it_keeps_past_disclosures_when_revoked(unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    before = disclose(unit)
    _revoke(unit, consent)
    with pytest.raises(DisclosureRefused):
        disclose(unit)
    before.refresh_from_db()
    assert before.consent == consent
    assert Revocation.objects.get(consent=consent).recorded_by == unit.nurse
    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED


def test_it_uses_another_consent_when_one_is_revoked(unit) -> None:
    old = make_consent(unit.nurse, unit.patient, unit.ward)
    _revoke(unit, old)
    newer = make_consent(unit.nurse, unit.patient, unit.ward)
    assert disclose(unit).consent == newer


def test_it_covers_counseling_notes_only_when_named(unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward, information=["counseling_notes"])
    assert disclose(unit, information="counseling_notes").consent is not None


def test_all_records_covers_every_general_category(unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward, information=["all_records"])
    for code in ("chart", "discharge_summary", "taper_calendar", "fhir_bundle", "ehi_export"):
        assert disclose(unit, information=code).information == code


def test_the_tpo_consent_covers_any_recipient_for_tpo_purposes(unit) -> None:
    make_consent(
        unit.nurse,
        unit.patient,
        unit.ward,
        kind="tpo",
        recipient_names=[],
        purposes=[],
        expires_on=None,
        expiry_event="none",
        information=["all_records"],
    )
    assert disclose(unit, recipient="Any Health Plan", purpose="payment").consent.is_tpo
    with pytest.raises(DisclosureRefused):
        disclose(unit, information="counseling_notes")


def test_a_copy_for_the_patient_needs_no_consent_and_is_recorded(unit) -> None:
    disclosure = disclose(unit, recipient="Patient", purpose="patient_request")
    assert disclosure.legal_basis == Disclosure.LegalBasis.PATIENT_ACCESS
    assert disclosure.consent is None
    assert disclosure.recipient == "patient"


def test_it_refuses_people_without_the_capability(unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    for person in (unit.outsider, unit.auditor, unit.admin):
        with pytest.raises(PermissionDenied):
            disclose(unit, user=person)
    assert not Disclosure.objects.exists()


def test_an_operator_at_the_command_line_may_disclose(unit) -> None:
    make_consent(unit.nurse, unit.patient, unit.ward)
    assert disclose(unit, user=None).disclosed_by is None
