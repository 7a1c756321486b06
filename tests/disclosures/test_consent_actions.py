"""Recording a consent validates every 42 CFR 2.31(a) element; signing and revoking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.clinical import records
from detoxdesk.disclosures import actions, package
from detoxdesk.disclosures.models import Consent
from factories_disclosures import days_ago, make_consent, scan
from factories_portal import make_portal_user

pytestmark = pytest.mark.django_db

MISSING = [
    ("disclosing_party", {"disclosing_party": " "}),
    ("information", {"information": []}),
    ("information", {"information": ["everything"]}),
    ("recipient_names", {"recipient_names": [" "]}),
    ("purposes", {"purposes": []}),
    ("purposes", {"purposes": ["patient_request"]}),
    ("expires_on", {"expires_on": None}),
    ("expires_on", {"_expires_in_days": -1}),
    ("expiry_event", {"expires_on": None, "expiry_event": "none"}),
    ("signer_name", {"signer_name": ""}),
    ("signed_on", {"signed_on": None}),
    ("signed_on", {"_signed_in_days": 1}),
    ("scan", {"scan": None}),
    ("scan", {"scan": scan(b"GIF89a", "image/gif")}),
    ("scan", {"scan": scan(b"not a pdf", "application/pdf")}),
    ("scan", {"scan": scan(b"%PDF" + b"x" * actions.SCAN_MAX_BYTES)}),
    ("signature_method", {"signature_method": "fax"}),
    ("kind", {"kind": "blanket"}),
]


@pytest.mark.parametrize(
    ("field", "fields"), MISSING, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISSING)]
)
def test_it_refuses_a_consent_missing_an_element(unit, field, fields) -> None:
    fields = dict(fields)
    if (days := fields.pop("_expires_in_days", None)) is not None:
        fields["expires_on"] = days_ago(-days)
    if (days := fields.pop("_signed_in_days", None)) is not None:
        fields["signed_on"] = days_ago(-days)
    with pytest.raises(ValidationError) as refused:
        make_consent(unit.nurse, unit.patient, unit.ward, **fields)
    assert field in refused.value.message_dict
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(event="consent.recorded").exists()


def test_it_records_every_element(unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward, information_detail="Last 30 days")
    assert consent.status == Consent.Status.ACTIVE
    assert consent.revocation_statement == records.law().revocation
    assert bytes(consent.scan).startswith(b"%PDF")
    elements = package.consent_elements(consent)
    for key in (
        "patient",
        "disclosing_party",
        "information",
        "recipients",
        "purposes",
        "right_to_revoke",
        "expiry",
        "signed_by",
        "signed_on",
    ):
        assert elements[key], key
    assert AuditEvent.objects.get(event="consent.recorded").patient_id == unit.patient.pk


def test_the_tpo_consent_carries_the_required_wording(unit) -> None:
    consent = make_consent(
        unit.nurse,
        unit.patient,
        unit.ward,
        kind="tpo",
        recipient_names=[],
        purposes=[],
        expires_on=None,
        expiry_event="end_of_treatment",
        information=["all_records"],
        recipient_is_covered_entity=True,
    )
    elements = package.consent_elements(consent)
    assert elements["recipients"] == (
        "my treating providers, health plans, third-party payers, and people helping to operate "
        "this program"
    )
    assert elements["purposes"] == ["for treatment, payment, and health care operations"]
    assert "redisclosed" in elements["redisclosure"]
    assert consent.purposes == ["treatment", "payment", "operations"]


def test_people_without_the_capability_cannot_record_one(unit) -> None:
    for person in (unit.outsider, unit.auditor):
        with pytest.raises(PermissionDenied):
            make_consent(person, unit.patient, unit.ward)


def test_the_patient_signs_in_the_portal(unit) -> None:
    consent = make_consent(
        unit.nurse,
        unit.patient,
        unit.ward,
        signature_method="portal",
        scan=None,
        signed_on=None,
        signer_name="",
    )
    assert consent.status == Consent.Status.AWAITING_SIGNATURE
    patient_user = make_portal_user(unit.patient)
    with pytest.raises(ValidationError):
        actions.do_sign_in_portal(consent, user=patient_user, typed_name="Someone Else")
    with pytest.raises(PermissionDenied):
        actions.do_sign_in_portal(consent, user=unit.nurse, typed_name=unit.patient.full_name)
    signed = actions.do_sign_in_portal(
        consent, user=patient_user, typed_name=f" {unit.patient.full_name.upper()} "
    )
    assert signed.status == Consent.Status.ACTIVE
    assert signed.signed_in_portal_at is not None
    assert signed.signer_name == unit.patient.full_name
    with pytest.raises(ValidationError):
        actions.do_sign_in_portal(consent, user=patient_user, typed_name=unit.patient.full_name)


def test_a_revocation_is_in_writing_once(unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    with pytest.raises(ValidationError):
        actions.do_revoke_consent(
            consent, user=unit.nurse, form="letter", received_on=days_ago(0) + timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        actions.do_revoke_consent(consent, user=unit.nurse, form="phone", received_on=days_ago(0))
    with pytest.raises(PermissionDenied):
        actions.do_revoke_consent(consent, user=unit.nurse, form="portal", received_on=days_ago(0))
    actions.do_revoke_consent(consent, user=unit.nurse, form="letter", received_on=days_ago(0))
    with pytest.raises(ValidationError):
        actions.do_revoke_consent(consent, user=unit.nurse, form="letter", received_on=days_ago(0))
    assert AuditEvent.objects.filter(event="consent.revoked").count() == 1


def test_the_patient_revokes_in_the_portal(unit) -> None:
    consent = make_consent(unit.nurse, unit.patient, unit.ward)
    patient_user = make_portal_user(unit.patient)
    revocation = actions.do_revoke_consent(
        consent, user=patient_user, form="portal", received_on=days_ago(0)
    )
    assert revocation.recorded_by == patient_user
