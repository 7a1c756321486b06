"""Access helpers for consents and disclosures: return the object or refuse.

As elsewhere, outsiders (no role where the patient is known) get 404 and people who see the chart
but lack the capability asked get 403.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.disclosures.models import Consent, Disclosure
from detoxdesk.patients.access import may, patient_facility_ids
from detoxdesk.patients.models import Patient


def get_patient(user: User, patient_uuid: UUID | str, capability: str) -> Patient:
    """The patient, if ``user`` holds ``capability`` where the patient is known.

    Unlike the chart, an emergency grant gives no access here: releasing records is never part of
    "break the glass".
    """
    seen = permissions.facility_ids_with(user, permissions.CHART_VIEW) | (
        permissions.facility_ids_with(user, permissions.DISCLOSURE_VIEW)
    )
    patient = (
        Patient.objects.filter(uuid=patient_uuid).select_related("program", "registered_at").first()
    )
    if patient is None or not (seen & patient_facility_ids(patient)):
        raise Http404("No such patient.")
    if not may(user, capability, patient):
        raise PermissionDenied("Your role cannot do this for this patient.")
    return patient


def get_consent(user: User, consent_uuid: UUID | str, capability: str) -> Consent:
    consent = (
        Consent.objects.filter(uuid=consent_uuid)
        .select_related("patient__program", "facility", "recorded_by")
        .first()
    )
    if consent is None:
        raise Http404("No such consent.")
    get_patient(user, consent.patient.uuid, capability)
    return consent


def get_disclosure(user: User, disclosure_uuid: UUID | str, capability: str) -> Disclosure:
    disclosure = (
        Disclosure.objects.filter(uuid=disclosure_uuid)
        .select_related("patient__program", "episode__facility", "consent", "disclosed_by")
        .first()
    )
    if disclosure is None:
        raise Http404("No such disclosure.")
    get_patient(user, disclosure.patient.uuid, capability)
    return disclosure
