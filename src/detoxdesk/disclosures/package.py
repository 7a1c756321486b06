"""What travels with a disclosure: the section 2.32 notice and a copy of the consent."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from detoxdesk.clinical import records
from detoxdesk.disclosures.models import Consent, Disclosure


def notice_text() -> str:
    """The section 2.32(a)(1) notice (42 CFR Part 2, 2024 wording; source ``cfr-2-2024``)."""
    return records.law().notice


def consent_elements(consent: Consent) -> dict[str, Any]:
    """Every section 2.31(a) element of ``consent``, as plain values (printable, serialisable)."""
    law = records.law()
    purposes = [law.purpose_wording.get(code, code) for code in consent.purposes]
    if consent.is_tpo:
        purposes = [law.tpo_purpose]
    return {
        "consent_id": str(consent.uuid),
        "kind": consent.get_kind_display(),
        "patient": consent.patient.full_name,
        "patient_date_of_birth": consent.patient.date_of_birth.isoformat(),
        "disclosing_party": consent.disclosing_party,
        "information": consent.information_labels(),
        "information_detail": consent.information_detail,
        "recipients": consent.recipients_text(),
        "redisclosure": law.redisclosure if consent.recipient_is_covered_entity else "",
        "purposes": purposes,
        "right_to_revoke": consent.revocation_statement,
        "expiry": consent.expiry_text(),
        "signature": consent.get_signature_method_display(),
        "signed_by": consent.signer_name,
        "signer_authority": consent.signer_authority,
        "signed_on": consent.signed_on.isoformat() if consent.signed_on else "",
        "status": consent.get_status_display(),
    }


def consent_copy(disclosure: Disclosure) -> dict[str, Any]:
    """The copy of the consent a disclosure relied on (section 2.32), or what stands in for it.

    An emergency disclosure carries the section 2.51 record instead; the patient's own copy carries
    neither, only what it is.
    """
    basis = disclosure.legal_basis
    copy: dict[str, Any] = {
        "disclosure_id": str(disclosure.uuid),
        "legal_basis": basis,
        "disclosed_at": timezone.localtime(disclosure.disclosed_at).isoformat(),
    }
    if disclosure.consent is not None:
        copy["consent"] = consent_elements(disclosure.consent)
    elif basis == Disclosure.LegalBasis.MEDICAL_EMERGENCY:
        copy["medical_emergency"] = {
            "medical_personnel": disclosure.emergency_personnel,
            "facility": disclosure.emergency_facility,
            "nature_of_emergency": disclosure.emergency_nature,
        }
    return copy
