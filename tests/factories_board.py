"""Bulk seeding for the census and chart at size: thousands of rows in a handful of statements."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.monitoring.models import Assessment, VitalSigns
from detoxdesk.patients.models import Bed, Episode, Facility, Patient
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.models import Unit as StaffUnit

_counter = itertools.count(1)


def seed_assessments(
    episode: Episode,
    user: User,
    count: int,
    *,
    end: datetime | None = None,
    every: timedelta = timedelta(minutes=30),
    scale: str = "cows",
) -> list[Assessment]:
    """``count`` scores of ``scale``, the newest at ``end``, one every ``every`` before it."""
    end = end or timezone.now()
    rows = [
        Assessment(
            episode=episode,
            scale=scale,
            items={},
            total=n % 12,
            band="mild" if n % 12 >= 5 else "",
            band_label="Mild" if n % 12 >= 5 else "",
            performed_at=end - every * n,
            recorded_at=end - every * n,
            recorded_by=user,
            policy_version=1,
        )
        for n in range(count)
    ]
    return Assessment.objects.bulk_create(rows, batch_size=1000)


def seed_vitals(episode: Episode, user: User, count: int, *, end: datetime | None = None) -> None:
    end = end or timezone.now()
    VitalSigns.objects.bulk_create(
        [
            VitalSigns(
                episode=episode,
                measured_at=end - timedelta(hours=n),
                recorded_at=end - timedelta(hours=n),
                recorded_by=user,
                heart_rate=80 + n % 30,
                systolic=120,
                diastolic=80,
                respiratory_rate=16,
                spo2=97,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )


def seed_census(
    facility: Facility,
    user: User,
    count: int,
    *,
    unit: StaffUnit | None = None,
    admitted_at: datetime | None = None,
) -> list[Episode]:
    """``count`` active episodes in beds of ``facility`` (in ``unit``), each with a COWS, a
    CIWA-Ar and vital signs, one of them critical."""
    admitted_at = admitted_at or timezone.now() - timedelta(hours=30)
    n = next(_counter)
    patients = Patient.objects.bulk_create(
        [
            Patient(
                program=facility.program,
                record_number=f"SEED-{n}-{i}",
                given_name="Seed",
                family_name=f"Bulk{n:03d}{i:04d}",
                date_of_birth=date(1985, 1, 1),
            )
            for i in range(count)
        ]
    )
    beds = Bed.objects.bulk_create(
        [Bed(facility=facility, label=f"S{n}-{i:04d}") for i in range(count)]
    )
    if unit is not None:
        BedStatus.objects.bulk_create([BedStatus(bed=bed, unit=unit) for bed in beds])
    episodes = Episode.objects.bulk_create(
        [
            Episode(patient=p, facility=facility, bed=b, admitted_at=admitted_at)
            for p, b in zip(patients, beds, strict=True)
        ]
    )
    now = timezone.now()
    scores = []
    for i, episode in enumerate(episodes):
        for scale, total in (("cows", 6 + i % 5), ("ciwa_ar", 3)):
            scores.append(
                Assessment(
                    episode=episode,
                    scale=scale,
                    items={},
                    total=total,
                    band="mild" if total >= 5 else "",
                    band_label="Mild" if total >= 5 else "",
                    performed_at=now - timedelta(minutes=20 + i % 200),
                    recorded_at=now - timedelta(minutes=20 + i % 200),
                    recorded_by=user,
                    policy_version=1,
                )
            )
    Assessment.objects.bulk_create(scores, batch_size=1000)
    VitalSigns.objects.bulk_create(
        [
            VitalSigns(
                episode=episode,
                measured_at=now - timedelta(minutes=10),
                recorded_at=now - timedelta(minutes=10),
                recorded_by=user,
                heart_rate=140 if i == 0 else 88,
                systolic=118,
                diastolic=76,
                respiratory_rate=16,
                temperature_c=36.8,
                spo2=97,
            )
            for i, episode in enumerate(episodes)
        ],
        batch_size=1000,
    )
    return episodes
