"""Reads: the accounting of disclosures (42 CFR 2.25) and the director's emergency worklist."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from detoxdesk.clinical import records
from detoxdesk.disclosures.models import Consent, Disclosure
from detoxdesk.patients.models import Patient

ACCOUNTED = (Disclosure.LegalBasis.CONSENT, Disclosure.LegalBasis.MEDICAL_EMERGENCY)


def default_since(now: datetime | None = None) -> date:
    """The first day of the default accounting period: the years of section 2.25 back."""
    today = timezone.localdate(now or timezone.now())
    years = records.law().accounting_years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def accounting(
    patient: Patient, since: date | datetime | None = None, *, now: datetime | None = None
) -> QuerySet[Disclosure]:
    """The disclosures to account for: made with consent or in a medical emergency, newest first.

    ``since`` (a day or an instant) shortens the period; the default, and the earliest allowed, is
    the three years of section 2.25 (``records.toml``). Copies given to the patient are not
    disclosures to account for (45 CFR 164.528(a)(1)(i)); they are listed with :func:`own_copies`.
    """
    earliest = default_since(now)
    start = _as_day(since) if since is not None else earliest
    start = max(start, earliest)
    return (
        Disclosure.objects.filter(
            patient=patient, legal_basis__in=ACCOUNTED, disclosed_at__gte=_start_of(start)
        )
        .select_related("consent", "disclosed_by")
        .order_by("-disclosed_at", "-pk")
    )


def own_copies(patient: Patient) -> QuerySet[Disclosure]:
    return (
        Disclosure.objects.filter(patient=patient, legal_basis=Disclosure.LegalBasis.PATIENT_ACCESS)
        .select_related("disclosed_by")
        .order_by("-disclosed_at", "-pk")
    )


def consents_of(patient: Patient) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(patient=patient)
        .select_related("revocation", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )


def emergencies_to_review(facility_ids: set[int]) -> QuerySet[Disclosure]:
    """Emergency disclosures of patients known at these facilities the director has not reviewed."""
    return (
        Disclosure.objects.filter(
            legal_basis=Disclosure.LegalBasis.MEDICAL_EMERGENCY,
            director_reviewed_at__isnull=True,
            facility_id__in=facility_ids,
        )
        .select_related("patient", "disclosed_by")
        .order_by("disclosed_at", "pk")
    )


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the program's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _as_day(value: date | datetime) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value
