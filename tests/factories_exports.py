"""A patient with a full episode to export: every kind of record the FHIR bundle maps."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from detoxdesk.clinical import scales
from detoxdesk.exports import fhir
from detoxdesk.exports.fhir import ConsentTerms, DisclosureTerms
from detoxdesk.intake import actions as intake
from detoxdesk.medications import actions as medications
from detoxdesk.monitoring import actions as monitoring
from detoxdesk.patients import actions as patients
from detoxdesk.patients.models import Bed, Episode, Patient
from detoxdesk.tapers import actions as tapers
from factories import Unit, make_patient
from factories_intake import make_signed_evaluation
from factories_medications import record_cows, sign_prn, sign_scheduled


def admitted_patient(unit: Unit, **fields: Any) -> Episode:
    """A patient evaluated (diagnosis F11.23), planned and admitted to the unit's ward."""
    patient = make_patient(unit.program, **fields)
    evaluation = make_signed_evaluation(
        patient, unit.ward, unit.prescriber, diagnosis_code="F11.23"
    )
    plan = intake.do_draft_plan(evaluation, acting_user=unit.prescriber)
    intake.do_sign_plan(plan, acting_user=unit.prescriber)
    return intake.do_admit_from_evaluation(
        evaluation,
        unit.ward,
        acting_user=unit.nurse,
        admitted_at=timezone.now() - timedelta(days=1),
        bed=Bed.objects.create(facility=unit.ward, label=f"X{patient.pk}"),
    )


def add_history(unit: Unit, episode: Episode, readings: int = 1) -> None:
    """``readings`` rounds of scores, vitals and doses, an allergy and a taper on ``episode``."""
    patient: Patient = episode.patient
    patients.do_record_allergy(
        patient,
        acting_user=unit.nurse,
        values={"other_substance": "Penicillin", "reaction": "Hives", "severity": "moderate"},
    )
    sign_scheduled(episode, unit.prescriber, "clonidine", "0.1", time(8), time(20))
    prn = sign_prn(episode, unit.prescriber, "loperamide", "2", "diarrhoea")
    start = timezone.now() - timedelta(hours=readings + 1)
    for n in range(readings):
        at = start + timedelta(hours=n)
        record_cows(episode, unit.nurse, 8, at=at)
        for code in ("sows", "ciwa_ar"):
            answers = {item.key: min(item.allowed) for item in scales.get_scale(code).items}
            monitoring.do_record_assessment(
                episode,
                code,
                answers,
                acting_user=unit.nurse,
                performed_at=at,
                on_behalf_of_patient=code == "sows",
            )
        monitoring.do_record_vitals(
            episode,
            {
                "heart_rate": 88,
                "systolic": 128,
                "diastolic": 82,
                "respiratory_rate": 16,
                "temperature_c": Decimal("37.1"),
                "spo2": 97,
            },
            acting_user=unit.nurse,
            measured_at=at,
            now=timezone.now(),
        )
        medications.do_record_administration(
            prn, acting_user=unit.nurse, outcome="refused", occurred_at=at, reason="Not needed"
        )
    tapers.do_draft_plan(
        episode,
        acting_user=unit.prescriber,
        kind="methadone",
        start_date=timezone.localdate(),
        current_daily_dose=Decimal(30),
        increment=Decimal(5),
        days=6,
    )


def terms(unit: Unit, consent: bool = True) -> DisclosureTerms:
    """A disclosure to Harbor Primary Care for treatment under a consent signed last month."""
    signed = timezone.now() - timedelta(days=30)
    return DisclosureTerms(
        recipient="Harbor Primary Care",
        purpose="treatment",
        disclosed_by="Test prescriber",
        at=timezone.now(),
        notice="This record is protected by 42 CFR part 2.",
        consent=ConsentTerms(
            id=uuid.uuid4(),
            active=True,
            signed_at=signed,
            recipient="Harbor Primary Care",
            purposes=("treatment",),
            information="the withdrawal-management record",
        )
        if consent
        else None,
    )


def episode_bundle(unit: Unit, readings: int = 1, consent: bool = True) -> dict[str, Any]:
    """The bundle of a new patient's episode with ``readings`` rounds of history."""
    episode = admitted_patient(unit)
    add_history(unit, episode, readings)
    loaded = Episode.objects.select_related("patient__program", "facility", "bed").get(
        pk=episode.pk
    )
    return fhir.episode_bundle(loaded, terms(unit, consent=consent))
