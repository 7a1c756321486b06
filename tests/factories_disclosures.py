"""Factory functions for the consent and disclosure tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.disclosures import actions
from detoxdesk.disclosures.models import Consent
from detoxdesk.patients.models import Facility, Patient

PDF = b"%PDF-1.4\n% signed consent\n"


def scan(content: bytes = PDF, content_type: str = "application/pdf") -> actions.Scan:
    return actions.Scan(content=content, content_type=content_type, name="consent.pdf")


def make_consent(user: User, patient: Patient, facility: Facility, **fields: Any) -> Consent:
    """A signed paper consent to disclose the chart and discharge summary to one named clinic."""
    today = timezone.localdate()
    values: dict[str, Any] = {
        "kind": Consent.Kind.SPECIFIC,
        "disclosing_party": "Test Program",
        "information": ["chart", "discharge_summary"],
        "recipient_names": ["Harbor Primary Care"],
        "purposes": ["treatment"],
        "expires_on": today + timedelta(days=90),
        "signature_method": Consent.Signature.PAPER,
        "signer_name": patient.full_name,
        "signed_on": today,
        "scan": scan(),
    }
    values.update(fields)
    return actions.do_record_consent(user=user, patient=patient, facility=facility, **values)


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)
