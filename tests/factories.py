"""Plain factory functions and named personas for the tests."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from django.utils import timezone

from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

COWS_ALL_ZERO = {
    "resting_pulse_rate": 0,
    "sweating": 0,
    "restlessness": 0,
    "pupil_size": 0,
    "bone_joint_aches": 0,
    "runny_nose_tearing": 0,
    "gi_upset": 0,
    "tremor": 0,
    "yawning": 0,
    "anxiety_irritability": 0,
    "gooseflesh_skin": 0,
}


def cows_answers(**overrides: int) -> dict[str, int]:
    return {**COWS_ALL_ZERO, **overrides}


def make_program(**fields: object) -> Program:
    fields.setdefault("name", f"Program {next(_counter)}")
    fields.setdefault("assessment_interval_minutes", 240)
    return Program.objects.create(**fields)


def make_facility(
    program: Program | None = None, kind: str = "inpatient", **fields: object
) -> Facility:
    return Facility.objects.create(
        program=program or make_program(),
        name=fields.pop("name", f"Unit {next(_counter)}"),
        kind=kind,
    )


def make_user(role: str | None = None, *facilities: Facility, username: str | None = None) -> User:
    user = User(
        username=username or f"user{next(_counter)}", first_name="Test", last_name=role or "none"
    )
    user.set_password(PASSWORD)
    user.save()
    for facility in facilities:
        Membership.objects.create(user=user, facility=facility, role=role)
    return user


def make_patient(program: Program, **fields: object) -> Patient:
    n = next(_counter)
    fields.setdefault("record_number", f"MRN-{n}")
    fields.setdefault("given_name", "Sam")
    fields.setdefault("family_name", f"Patient{n}")
    fields.setdefault("date_of_birth", date(1990, 1, 1))
    return Patient.objects.create(program=program, **fields)


def make_episode(
    facility: Facility,
    patient: Patient | None = None,
    *,
    admitted_at: datetime | None = None,
    bed: Bed | None = None,
    **fields: object,
) -> Episode:
    return Episode.objects.create(
        patient=patient or make_patient(facility.program),
        facility=facility,
        bed=bed,
        admitted_at=admitted_at or timezone.now() - timedelta(hours=6),
        **fields,
    )


class Unit:
    """A small program with named people: the personas every endpoint test uses."""

    def __init__(self) -> None:
        self.program = make_program(name="Test Program")
        self.ward = make_facility(self.program, name="Ward A")
        self.other = make_facility(self.program, name="Clinic B", kind="outpatient")
        self.nurse = make_user(Role.NURSE, self.ward, username="nurse")
        self.prescriber = make_user(Role.PRESCRIBER, self.ward, username="prescriber")
        self.counselor = make_user(Role.COUNSELOR, self.ward, username="counselor")
        self.coordinator = make_user(Role.INTAKE_COORDINATOR, self.ward, username="coordinator")
        self.director = make_user(Role.DIRECTOR, self.ward, self.other, username="director")
        self.auditor = make_user(Role.AUDITOR, self.ward, username="auditor")
        self.admin = make_user(Role.ADMINISTRATOR, self.ward, username="admin")
        self.outsider = make_user(Role.NURSE, self.other, username="outsider")
        self.bed = Bed.objects.create(facility=self.ward, label="B01")
        self.episode = make_episode(self.ward, bed=self.bed)
        self.patient = self.episode.patient


def history_row(episode: Episode, at: datetime, recorded_by: User, **fields: object) -> Assessment:
    """An unsaved COWS of no score at ``at``: a row of a history built in bulk."""
    fields.setdefault("scale", "cows")
    return Assessment(
        episode=episode,
        items={},
        total=0,
        performed_at=at,
        recorded_at=at,
        recorded_by=recorded_by,
        policy_version=1,
        **fields,
    )
