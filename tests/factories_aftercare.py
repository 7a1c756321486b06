"""Plain factory functions for discharges and follow-ups."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from detoxdesk.aftercare import actions
from detoxdesk.aftercare.models import Discharge
from detoxdesk.directory.models import Resource
from factories import Unit


def make_resource(**fields: object) -> Resource:
    fields.setdefault("name", "Harbor Recovery Clinic")
    fields.setdefault("kind", Resource.Kind.OPIOID_TREATMENT_PROGRAM)
    fields.setdefault("address_line", "12 Pier Road")
    fields.setdefault("city", "Portville")
    fields.setdefault("phone", "555-0100")
    return Resource.objects.create(**fields)


def start_discharge(unit: Unit, kind: str = "completed", now: datetime | None = None) -> Discharge:
    return actions.do_start_discharge(unit.episode, acting_user=unit.nurse, kind=kind, now=now)


def resolve_bundle(unit: Unit, discharge: Discharge, now: datetime | None = None) -> Discharge:
    """Every item done: buprenorphine, naloxone dispensed, a hand-off tomorrow, one referral."""
    now = now or timezone.now()
    user = unit.nurse
    done = {
        "moud": {"moud_option": "buprenorphine", "buprenorphine_prescription": "16 mg daily"},
        "naloxone": {"naloxone_how": "dispensed"},
        "overdose_education": {},
        "warm_handoff": {
            "provider_name": "Dr. Lee",
            "appointment_at": now + timedelta(days=1),
            "place": "Harbor Clinic",
            "phone": "555-0101",
        },
        "crisis_numbers": {},
    }
    actions.do_add_referral(discharge, acting_user=user, name="SMART Recovery", phone="555-0102")
    for code, details in {**done, "referrals": {}}.items():
        actions.do_record_item(
            discharge, code, acting_user=user, status="done", details=details, now=now
        )
    return discharge


def signed_discharge(unit: Unit, now: datetime | None = None) -> Discharge:
    discharge = resolve_bundle(unit, start_discharge(unit, now=now), now=now)
    return actions.do_sign_discharge(discharge, acting_user=unit.nurse, now=now)
