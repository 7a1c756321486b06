"""Hand-built episodes for the quality report tests (rows written directly, dated as told)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from detoxdesk.aftercare.measured import fill_measured
from detoxdesk.aftercare.models import Appointment, BundleItem, Discharge, FollowUp
from detoxdesk.monitoring import sequence
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Episode, Facility, Patient
from factories import Unit, make_episode, make_patient


def stay(
    unit: Unit,
    admitted: datetime,
    discharged: datetime | None = None,
    *,
    facility: Facility | None = None,
    patient: Patient | None = None,
    kind: str = "completed",
    moud: tuple[str, dict[str, str]] | None = None,
    naloxone: tuple[str, dict[str, str]] | None = None,
    handoff_after: timedelta | None = None,
    signed: bool = True,
) -> Episode:
    facility = facility or unit.ward
    episode = make_episode(
        facility,
        patient or make_patient(facility.program),
        admitted_at=admitted,
        discharged_at=discharged,
        status="discharged" if discharged else "active",
    )
    if discharged is None:
        return episode
    discharge = Discharge.objects.create(
        episode=episode,
        patient=episode.patient,
        kind=kind,
        status=Discharge.Status.SIGNED if signed else Discharge.Status.PREPARING,
        started_by=unit.nurse,
        started_at=discharged - timedelta(hours=2),
        signed_by=unit.nurse if signed else None,
        signed_at=discharged if signed else None,
    )
    for code, item in (("moud", moud), ("naloxone", naloxone)):
        if item is not None:
            status, details = item
            BundleItem.objects.create(
                discharge=discharge,
                code=code,
                status=status,
                details=details,
                reason="" if status == "done" else "Patient's choice",
            )
    if handoff_after is not None:
        Appointment.objects.create(
            discharge=discharge,
            patient=episode.patient,
            when=discharged + handoff_after,
            provider_name="Dr. Lee",
            is_warm_handoff=True,
        )
    if signed:  # as signing keeps them
        discharge.save(update_fields=fill_measured(discharge))
    return episode


def follow_up(
    unit: Unit, episode: Episode, day_offset: int, due_on: date, reached: bool | None = None
) -> FollowUp:
    recorded = reached is not None
    return FollowUp.objects.create(
        discharge=episode.discharge,
        patient=episode.patient,
        facility=episode.facility,
        day_offset=day_offset,
        due_on=due_on,
        recorded_at=datetime.combine(due_on, datetime.min.time()).astimezone()
        if recorded
        else None,
        recorded_by=unit.nurse if recorded else None,
        reached=reached,
    )


def assessment(unit: Unit, episode: Episode, at: datetime) -> Assessment:
    """One assessment, linked to the one before it as recording links it."""
    row = Assessment.objects.create(
        episode=episode,
        scale="cows",
        items={},
        total=0,
        performed_at=at,
        recorded_at=at,
        recorded_by=unit.nurse,
        policy_version=1,
    )
    sequence.link(row)
    return row
