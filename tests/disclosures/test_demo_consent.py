"""The demo: HW-1001 may have records disclosed to Harbor Primary Care for treatment, only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from detoxdesk.accounts.models import User
from detoxdesk.disclosures import actions
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.disclosures.models import Consent
from detoxdesk.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_hw_1001_has_one_consent_to_harbor_for_treatment(capsys) -> None:
    call_command("load_demo")
    patient = Patient.objects.get(record_number="HW-1001")
    consent = Consent.objects.get()
    assert consent.patient == patient and consent.status == Consent.Status.ACTIVE
    nurse = User.objects.get(username="nurse")

    def disclose(recipient="Harbor Primary Care", purpose="treatment", information="chart"):
        return actions.do_disclose(
            user=nurse,
            patient=patient,
            recipient=recipient,
            purpose=purpose,
            information=information,
            description="demo",
        )

    for information in ("chart", "discharge_summary", "fhir_bundle", "ehi_export"):
        assert disclose(information=information).consent == consent
    for refused in (
        {"recipient": "Bay Clinic"},
        {"purpose": "payment"},
        {"purpose": "operations"},
        {"information": "counseling_notes"},
    ):
        with pytest.raises(DisclosureRefused):
            disclose(**refused)
    out = io.StringIO()
    call_command("accounting_of_disclosures", "--patient", "HW-1001", "--format", "csv", stdout=out)
    assert len(out.getvalue().splitlines()) == 5
