"""Demo data: one program, two facilities, one account per role and a dozen patients.

The base the other apps' demo data builds on (:class:`DemoContext`); ``detoxdesk.demo.loader``
loads it and then theirs.

Everything is written through the same actions the pages use, with the recording clock set
to just after each event so the histories read as they would on a real unit. The numbers in
the patient histories are made-up demo readings, not clinical parameters.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.accounts.validators import DEMO_PASSWORD
from detoxdesk.clinical import scales
from detoxdesk.monitoring import actions as monitoring
from detoxdesk.patients import actions
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program

# (username, first name, last name, role, facilities: "in" inpatient, "out" outpatient)
ACCOUNTS = (
    ("coordinator", "Ines", "Alvarez", Role.INTAKE_COORDINATOR, ("in", "out")),
    ("nurse", "Nora", "Okafor", Role.NURSE, ("in",)),
    ("clinicnurse", "Cal", "Whitfield", Role.NURSE, ("out",)),
    ("prescriber", "Priya", "Raman", Role.PRESCRIBER, ("in", "out")),
    ("counselor", "Colm", "Byrne", Role.COUNSELOR, ("in", "out")),
    ("director", "Dana", "Mercer", Role.DIRECTOR, ("in", "out")),
    ("auditor", "Avery", "Lind", Role.AUDITOR, ("in", "out")),
    ("admin", "Ade", "Mensah", Role.ADMINISTRATOR, ("in", "out")),
)


@dataclass(frozen=True)
class DemoPatient:
    given: str
    family: str
    born: date
    sex: str
    facility: str
    hours_ago: int  # admitted this long before now
    peak_cows: int  # the worst COWS of the stay, reached on day 2
    alcohol: bool = False  # also scored with CIWA-Ar
    blood_pressure_shift: int = 0  # lowers this patient's demo blood pressure readings
    allergies: tuple[tuple[str, str, str], ...] = ()  # (ingredient code, other substance, reaction)
    no_known_allergies: bool = False
    code_status: str = "full_code"  # empty: not recorded yet


PATIENTS = (
    DemoPatient("Jordan", "Reyes", date(1991, 3, 14), "male", "in", 5, 14, no_known_allergies=True),
    DemoPatient(
        "Alicia",
        "Moreno",
        date(1987, 7, 2),
        "female",
        "in",
        20,
        22,
        allergies=(("", "Penicillin", "rash"),),
    ),
    DemoPatient(
        "Marcus", "Bell", date(1979, 11, 23), "male", "in", 30, 27, alcohol=True, code_status="dnr"
    ),
    DemoPatient("Tanya", "Kowalski", date(1995, 1, 9), "female", "in", 44, 18),
    DemoPatient("Devon", "Price", date(1983, 5, 30), "male", "in", 52, 12, code_status=""),
    DemoPatient("Samira", "Haddad", date(1990, 9, 17), "female", "in", 70, 20, alcohol=True),
    DemoPatient("Kevin", "O'Neill", date(1975, 2, 4), "male", "in", 96, 16),
    DemoPatient(
        "Rosa",
        "Delgado",
        date(1998, 12, 12),
        "female",
        "in",
        120,
        24,
        allergies=(("", "Sulfa drugs", ""), ("ondansetron", "", "hives")),
    ),
    DemoPatient("Luke", "Harrington", date(1986, 6, 21), "male", "in", 150, 15),
    DemoPatient(
        "Grace", "Nwosu", date(1993, 4, 3), "female", "in", 170, 11, blood_pressure_shift=34
    ),
    DemoPatient("Eli", "Brennan", date(1989, 8, 28), "male", "out", 26, 10),
    DemoPatient("Hana", "Sato", date(1996, 10, 15), "female", "out", 75, 9),
)


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoContext:
    """What the other apps' demo loaders build on: the program, its people and its stays."""

    program: Program
    facilities: dict[str, Facility]  # "in" inpatient, "out" outpatient
    beds: list[Bed]
    users: dict[str, User]  # by username, see ACCOUNTS
    episodes: list[Episode]  # one per PATIENTS entry, in order
    now: datetime
    rng: random.Random


def refuse_unless_allowed() -> None:
    """DemoRefused where demo accounts are not allowed, or if data exists."""
    if not settings.DEMO_ALLOWED:
        raise DemoRefused("Demo data cannot be loaded with production settings.")
    if Program.objects.exists():
        raise DemoRefused("The database already has a program; demo data is only for an empty one.")


def build(now: datetime, rng: random.Random) -> DemoContext:
    """The demo program, its facilities, beds, accounts and patients' stays (in the caller's
    transaction)."""
    program = Program.objects.create(
        name="Harbor Withdrawal Program",
        timezone=str(settings.TIME_ZONE),
        # Demo choices made as the program's director would; not product defaults.
        assessment_interval_minutes=240,
        vital_ranges={
            "systolic": {"low": 90, "high": None},
            "diastolic": {"low": 60, "high": None},
        },
    )
    facilities = {
        "in": Facility.objects.create(
            program=program, name="Harbor Inpatient Unit", kind="inpatient"
        ),
        "out": Facility.objects.create(
            program=program, name="Harbor Outpatient Clinic", kind="outpatient"
        ),
    }
    beds = [Bed.objects.create(facility=facilities["in"], label=f"B{n:02d}") for n in range(1, 17)]
    users = _accounts(facilities)
    episodes = []
    for number, demo in enumerate(PATIENTS, 1):
        bed = beds[number - 1] if demo.facility == "in" else None
        episodes.append(
            _patient(program, facilities[demo.facility], bed, demo, number, users, now, rng)
        )
    return DemoContext(program, facilities, beds, users, episodes, now, rng)


def _accounts(facilities: dict[str, Facility]) -> dict[str, User]:
    users = {}
    for username, first, last, role, where in ACCOUNTS:
        user = User(username=username, first_name=first, last_name=last)
        user.set_password(DEMO_PASSWORD)
        user.save()
        for key in where:
            Membership.objects.create(user=user, facility=facilities[key], role=role)
        users[username] = user
    return users


def _allergies(patient: Patient, demo: DemoPatient, nurse: User, at: datetime) -> None:
    """Some patients with allergies (one typed as "other"), one with none known, most not asked."""
    if demo.no_known_allergies:
        actions.do_state_no_known_allergies(patient, acting_user=nurse, now=at)
    for code, other, reaction in demo.allergies:
        values = {"substance": code, "other_substance": other, "reaction": reaction}
        actions.do_record_allergy(
            patient, acting_user=nurse, values={**values, "reported_by": "patient"}, now=at
        )


def _patient(
    program: Program,
    facility: Facility,
    bed: Bed | None,
    demo: DemoPatient,
    number: int,
    users: dict[str, User],
    now: datetime,
    rng: random.Random,
) -> Episode:
    admitted = now - timedelta(hours=demo.hours_ago)
    patient = actions.do_create_patient(
        program,
        acting_user=None,
        record_number=f"HW-{1000 + number}",
        given_name=demo.given,
        family_name=demo.family,
        date_of_birth=demo.born,
        sex_at_birth=demo.sex,
        phone=f"555-01{number:02d}" if number % 3 else "",  # every third has no phone of their own
    )
    episode = actions.do_admit(patient, facility, acting_user=None, admitted_at=admitted, bed=bed)
    recorder = users["nurse" if facility.kind == "inpatient" else "clinicnurse"]
    _allergies(patient, demo, recorder, admitted + timedelta(minutes=10))
    if demo.code_status:
        actions.do_set_code_status(
            episode,
            acting_user=users["prescriber"],
            code_status=demo.code_status,
            note="Discussed with the patient on admission.",
            expected_version=1,
            now=admitted + timedelta(minutes=30),
        )
    step = timedelta(hours=4 if facility.kind == "inpatient" else 24)
    for at in _times(admitted + timedelta(minutes=20), now, step, rng):
        hours = (at - admitted).total_seconds() / 3600
        cows = _curve(demo.peak_cows, hours, rng)
        heart_rate = 70 + cows + rng.randint(-4, 6)
        monitoring.do_record_assessment(
            episode,
            "cows",
            _answers("cows", cows, rng, heart_rate),
            acting_user=recorder,
            performed_at=at,
            measured_heart_rate=heart_rate,
            now=at + timedelta(minutes=3),
        )
        monitoring.do_record_vitals(
            episode,
            {
                "heart_rate": heart_rate,
                "systolic": 118 + cows // 2 + rng.randint(-8, 8) - demo.blood_pressure_shift,
                "diastolic": 76 + cows // 3 + rng.randint(-6, 6) - demo.blood_pressure_shift // 2,
                "respiratory_rate": 16 + rng.randint(-2, 3),
                "temperature_c": round(36.7 + rng.random() * 0.8, 1),
                "spo2": rng.randint(95, 99),
            },
            acting_user=recorder,
            measured_at=at,
            now=at + timedelta(minutes=4),
        )
        if demo.alcohol:
            ciwa = max(0, int(cows * 0.8) + rng.randint(-2, 2))
            monitoring.do_record_assessment(
                episode,
                "ciwa_ar",
                _answers("ciwa_ar", ciwa, rng),
                acting_user=recorder,
                performed_at=at + timedelta(minutes=5),
                now=at + timedelta(minutes=8),
            )
        if rng.random() < 0.3:
            sows = min(64, int(cows * 1.4) + rng.randint(-3, 4))
            monitoring.do_record_assessment(
                episode,
                "sows",
                _answers("sows", max(0, sows), rng),
                acting_user=recorder,
                performed_at=at + timedelta(minutes=10),
                on_behalf_of_patient=True,
                now=at + timedelta(minutes=12),
            )
    return episode


def _times(
    start: datetime, end: datetime, step: timedelta, rng: random.Random
) -> Iterator[datetime]:
    at = start
    while at < end - timedelta(minutes=30):
        yield at
        at += step + timedelta(minutes=rng.randint(-25, 25))


def _curve(peak: int, hours: float, rng: random.Random) -> int:
    """A demo withdrawal course: rising over the first day, easing after the second."""
    if hours < 36:
        level = peak * (0.45 + 0.55 * hours / 36)
    else:
        level = peak * max(0.1, 1 - (hours - 36) / 120)
    return max(0, int(level) + rng.randint(-2, 2))


def _answers(
    code: str, target: int, rng: random.Random, heart_rate: int | None = None
) -> dict[str, int]:
    """Item answers whose total lands at or just under ``target``, using allowed values only."""
    scale = scales.get_scale(code)
    answers = {item.key: 0 for item in scale.items}
    if heart_rate is not None:
        answers["resting_pulse_rate"] = scales.cows_pulse_item(heart_rate)
    keys = [
        item.key
        for item in scale.items
        if item.key not in ("resting_pulse_rate",) or heart_rate is None
    ]
    for _ in range(200):
        total = sum(answers.values())
        if total >= target:
            break
        key = rng.choice(keys)
        higher = sorted(v for v in scale.item(key).allowed if v > answers[key])
        if higher and total - answers[key] + higher[0] <= target:
            answers[key] = higher[0]
    return answers
