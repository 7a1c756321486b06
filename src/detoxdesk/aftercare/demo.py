"""Demo data for the aftercare app: a discharge in progress and two past discharges.

The past patients were admitted and discharged before the demo's "now", so the follow-up worklist
has due and overdue calls. Names, times and providers are made up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from detoxdesk.aftercare import actions
from detoxdesk.aftercare.models import Discharge
from detoxdesk.patients import actions as patients
from detoxdesk.patients.models import Contact, Patient

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.patients.demo import DemoContext
    from detoxdesk.patients.models import Episode

# (given, family, born, days since discharge, days in the unit)
PAST_PATIENTS = (
    ("Chris", "Vega", date(1988, 2, 11), 9, 6),
    ("Monique", "Adeyemi", date(1992, 8, 30), 4, 5),
)


def load(demo: DemoContext) -> None:
    """A bundle half done for one current patient; two signed discharges with follow-ups due."""
    nurse, counselor = demo.users["nurse"], demo.users["counselor"]
    in_progress = actions.do_start_discharge(
        demo.episodes[8], acting_user=nurse, kind="completed", now=demo.now
    )
    _naloxone_and_education(in_progress, nurse, demo.now)
    for number, (given, family, born, days_ago, stay) in enumerate(PAST_PATIENTS, 1):
        out = demo.now - timedelta(days=days_ago, hours=3)
        patient = patients.do_create_patient(
            demo.program,
            acting_user=None,
            record_number=f"HW-{1900 + number}",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            phone="555-0190" if number == 1 else "",
            registered_at=demo.facilities["in"],
        )
        episode = patients.do_admit(
            patient, demo.facilities["in"], acting_user=None, admitted_at=out - timedelta(days=stay)
        )
        _discharge(episode, nurse, counselor, out)
        _reachable(patient, number)
    _readmit(demo)


def _reachable(patient: Patient, number: int) -> None:
    """The first past patient has a phone; the second only a sister's (labelled as hers)."""
    if number == 1:
        return
    Contact.objects.create(
        patient=patient,
        kind=Contact.Kind.EMERGENCY,
        name="Ife Adeyemi",
        relationship="sister",
        phone="555-0191",
    )


def _readmit(demo: DemoContext) -> None:
    """A returning patient: discharged from the unit months ago, back on it today, one patient
    with both episodes on the chart."""
    patient = patients.do_create_patient(
        demo.program,
        acting_user=None,
        record_number="HW-1950",
        given_name="Terrence",
        family_name="Mwangi",
        date_of_birth=date(1984, 10, 19),
        phone="555-0192",
        registered_at=demo.facilities["in"],
    )
    out = demo.now - timedelta(days=120)
    first = patients.do_admit(
        patient, demo.facilities["in"], acting_user=None, admitted_at=out - timedelta(days=5)
    )
    discharge = _discharge(first, demo.users["nurse"], demo.users["counselor"], out)
    for follow_up in discharge.follow_ups.order_by("due_on"):  # each call made when it was due
        actions.do_record_follow_up(
            follow_up,
            acting_user=demo.users["counselor"],
            reached=True,
            outcomes={},
            now=datetime.combine(follow_up.due_on, datetime.min.time(), out.tzinfo),
        )
    patients.do_admit(
        patient,
        demo.facilities["in"],
        acting_user=None,
        admitted_at=demo.now - timedelta(hours=3),
        bed=demo.beds[-2],  # free: the current patients fill the first beds, the last is out of use
    )


def _naloxone_and_education(discharge: Discharge, user: User, now: datetime) -> None:
    actions.do_record_item(
        discharge,
        "naloxone",
        acting_user=user,
        status="done",
        details={"naloxone_how": "dispensed"},
        now=now,
    )
    actions.do_record_item(
        discharge, "overdose_education", acting_user=user, status="done", now=now
    )


def _discharge(episode: Episode, nurse: User, counselor: User, out: datetime) -> Discharge:
    discharge = actions.do_start_discharge(episode, acting_user=nurse, kind="completed", now=out)
    _naloxone_and_education(discharge, nurse, out)
    actions.do_record_item(
        discharge,
        "moud",
        acting_user=nurse,
        status="done",
        now=out,
        details={
            "moud_option": "buprenorphine",
            "buprenorphine_prescription": "As prescribed by Dr. Raman; see the prescription.",
        },
    )
    actions.do_record_item(
        discharge,
        "warm_handoff",
        acting_user=counselor,
        status="done",
        now=out,
        details={
            "provider_name": "Harbor Community Health, Dr. Osei",
            "appointment_at": out + timedelta(days=1),
            "place": "210 Dock Street",
            "phone": "555-0142",
        },
    )
    actions.do_add_referral(
        discharge,
        acting_user=counselor,
        name="SMART Recovery, Tuesday evening group",
        kind="Mutual-help meeting",
        address="Library annex, 5 Elm Street",
        phone="555-0177",
    )
    for code in ("referrals", "crisis_numbers"):
        actions.do_record_item(discharge, code, acting_user=counselor, status="done", now=out)
    return actions.do_sign_discharge(discharge, acting_user=nurse, now=out)
