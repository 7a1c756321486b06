"""Demo data for the disclosure door: one consent, for the first demo patient (HW-1001).

It lets the program disclose that patient's records (all but counseling notes) to "Harbor Primary
Care" for treatment, and nothing else. The nurse prepared it and the patient signed it in the
portal; it expires at the end of treatment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from detoxdesk.accounts.models import User
from detoxdesk.disclosures import actions
from detoxdesk.disclosures.information import Information, Purpose
from detoxdesk.disclosures.models import Consent

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext

RECIPIENT = "Harbor Primary Care"


def load(demo: DemoContext) -> None:
    episode = demo.episodes[0]
    patient = episode.patient
    prepared_at = demo.now - timedelta(hours=2, minutes=30)
    consent = actions.do_record_consent(
        user=demo.users["nurse"],
        patient=patient,
        facility=episode.facility,
        kind=Consent.Kind.SPECIFIC,
        disclosing_party=demo.program.name,
        information=[Information.ALL_RECORDS],
        recipient_names=[RECIPIENT],
        purposes=[Purpose.TREATMENT],
        expiry_event=Consent.ExpiryEvent.END_OF_TREATMENT,
        signature_method=Consent.Signature.PORTAL,
        now=prepared_at,
    )
    patient_user = User.objects.get(portal_account__patient=patient)
    actions.do_sign_in_portal(
        consent,
        user=patient_user,
        typed_name=patient.full_name,
        now=prepared_at + timedelta(minutes=10),
    )
