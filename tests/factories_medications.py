"""Plain factory functions for the medications tests."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.medications import actions
from detoxdesk.medications.models import MedicationSettings, Order, PatientFacts, PdmpCheck
from detoxdesk.monitoring import actions as monitoring
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Episode, Program
from factories import cows_answers

# COWS answers with known totals (values allowed by the scale).
COWS_TOTALS: dict[int, dict[str, int]] = {
    0: {},
    6: {"sweating": 2, "bone_joint_aches": 2, "yawning": 2},
    8: {"sweating": 2, "bone_joint_aches": 2, "yawning": 4},
    14: {"sweating": 2, "bone_joint_aches": 4, "yawning": 4, "anxiety_irritability": 4},
    20: {
        "sweating": 4,
        "bone_joint_aches": 4,
        "yawning": 4,
        "anxiety_irritability": 4,
        "tremor": 4,
    },
}


def record_cows(episode: Episode, user: User, total: int, at: datetime | None = None) -> Assessment:
    at = at or timezone.now()
    return monitoring.do_record_assessment(
        episode,
        "cows",
        cows_answers(**COWS_TOTALS[total]),
        acting_user=user,
        performed_at=at,
        now=max(at, timezone.now()),
    )


def record_vitals(episode: Episode, user: User, at: datetime | None = None, **values: int) -> None:
    at = at or timezone.now()
    monitoring.do_record_vitals(
        episode, values, acting_user=user, measured_at=at, now=max(at, timezone.now())
    )


def make_facts(episode: Episode, user: User, **values: Any) -> PatientFacts:
    values.setdefault("opioid_class", "short_acting")
    return actions.do_update_facts(episode, acting_user=user, **values)


def make_settings(program: Program, **values: Any) -> MedicationSettings:
    row, _ = MedicationSettings.objects.update_or_create(program=program, defaults=values)
    return row


def sign_bup_standard(episode: Episode, prescriber: User, **more: Any) -> Order:
    """A standard buprenorphine start as the order set fills it (4 mg, COWS trigger 8)."""
    fields: dict[str, Any] = {
        "drug": "buprenorphine",
        "dose_mg": Decimal(4),
        "route": "sublingual",
        "prn_indication": "opioid withdrawal (standard start)",
        "trigger_scale": "cows",
        "trigger_min_total": 8,
        "protocol": "bup_standard",
        "acknowledge_warnings": True,  # the naloxone offer at every MOUD signing
    }
    fields.update(more)
    return actions.do_sign_order(episode, acting_user=prescriber, **fields)


def sign_scheduled(
    episode: Episode, prescriber: User, drug: str, dose: str, *times: time, **more: Any
) -> Order:
    more.setdefault("acknowledge_warnings", True)  # the naloxone offer for MOUD and opioids
    return actions.do_sign_order(
        episode,
        acting_user=prescriber,
        drug=drug,
        dose_mg=Decimal(dose),
        route=more.pop("route", "oral"),
        times_of_day=list(times),
        **more,
    )


def sign_prn(
    episode: Episode, prescriber: User, drug: str, dose: str, indication: str, **more: Any
) -> Order:
    more.setdefault("acknowledge_warnings", True)  # the naloxone offer for MOUD and opioids
    return actions.do_sign_order(
        episode,
        acting_user=prescriber,
        drug=drug,
        dose_mg=Decimal(dose),
        route=more.pop("route", "oral"),
        prn_indication=indication,
        **more,
    )


def record_pdmp(episode: Episode, prescriber: User) -> PdmpCheck:
    """A PDMP check that found nothing of concern, checked now."""
    return actions.do_record_pdmp_check(
        episode,
        acting_user=prescriber,
        outcome="queried",
        checked_at=timezone.now(),
        states=["OR"],
        result_summary="No other prescriptions in 12 months.",
        action_taken="None needed.",
    )
