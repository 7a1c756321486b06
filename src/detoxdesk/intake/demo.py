"""Demo data for the intake app, loaded after the demo patients exist.

A handful of inquiries in different states, one person registered and evaluated but not yet
admitted, and signed evaluations for three of the admitted demo patients so their charts show a
level of care and an expected withdrawal course. All written through the intake actions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from detoxdesk.intake import actions, evaluation_data

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.intake.models import Evaluation
    from detoxdesk.patients.demo import DemoContext
    from detoxdesk.patients.models import Episode, Facility, Patient

# (hours ago, first name, last name, phone, substances, for whom, safety answer yes)
INQUIRIES = (
    (2, "Casey", "Morgan", "555-0161", ["fentanyl"], "other", False),
    (5, "Jamie", "Ortiz", "555-0162", ["heroin", "benzodiazepine"], "self", False),
    (20, "Riley", "Chen", "555-0163", ["prescription_opioid"], "self", False),
    (30, "Taylor", "Brooks", "555-0164", ["heroin"], "other", True),
    (50, "Jamie", "Ortiz", "555 0162", ["heroin"], "self", False),  # the same person again
)


def _inquiry_values(row: tuple[Any, ...]) -> dict[str, Any]:
    _hours, given, family, phone, substances, for_whom, safety = row
    return {
        "for_whom": for_whom,
        "overdose_now": False,
        "thinking_of_suicide": safety,
        "given_name": given,
        "family_name": family,
        "phone": phone,
        "contact_method": "phone",
        "contact_time": "afternoons",
        "caller_name": "A family member" if for_whom == "other" else "",
        "substances": substances,
    }


def _answers(last_use: datetime, substance: str, **overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "substances": [
            {
                "name": substance,
                "route": "smoked",
                "amount": "",
                "frequency": "daily",
                "daily_use": True,
                "last_use": last_use.isoformat(),
            }
        ],
        "fentanyl_exposure": substance == "fentanyl",
        "withdrawal_seizures": False,
        "delirium_tremens": False,
        "overdose_past_year": False,
        "pregnant": False,
        "unstable_medical_condition": False,
        "psychosis": False,
        "stable_housing": True,
        "supportive_person_at_home": True,
        "suicidal_ideation": "none",
        "preferences": "Wants to try buprenorphine.",
    }
    answers.update(overrides)
    return answers


def _evaluate(
    patient: Patient,
    facility: Facility,
    user: User,
    answers: dict[str, Any],
    when: datetime,
) -> Evaluation:
    evaluation = actions.do_start_evaluation(patient, facility, acting_user=user, now=when)
    actions.do_save_evaluation(
        evaluation, acting_user=user, answers=answers, complete=True, now=when
    )
    actions.do_decide_level(
        evaluation, acting_user=user, level=evaluation.recommended_level, now=when
    )
    return actions.do_sign_evaluation(evaluation, acting_user=user, now=when)


def _evaluate_episode(demo: DemoContext, episode: Episode, substance: str, **extra: Any) -> None:
    when = episode.admitted_at - timedelta(hours=1)
    answers = _answers(episode.admitted_at - timedelta(hours=10), substance, **extra)
    evaluation = _evaluate(
        episode.patient, episode.facility, demo.users["prescriber"], answers, when
    )
    evaluation.episode = episode
    evaluation.save(update_fields=["episode"])


def _drinking(episode: Episode) -> dict[str, Any]:
    """Daily drinking too, with a PAWSS of 4 (high risk): placement asks for 3.7-WM and the
    alcohol order set is proposed on the patient's orders page."""
    last = episode.admitted_at - timedelta(hours=10)
    heroin = _answers(last, "heroin")["substances"][0]
    drink = {**heroin, "name": "alcohol", "route": "oral", "amount": "a bottle of wine"}
    pawss = dict.fromkeys(evaluation_data.PAWSS_ASKED, False)
    for key in (
        "intoxicated_30d",
        "prior_withdrawal",
        "prior_blackouts",
        "autonomic_hyperactivity",
    ):
        pawss[key] = True
    return {"substances": [heroin, drink], **pawss}


def load(demo: DemoContext) -> None:
    """Inquiries in the queue, one registered person awaiting admission, three evaluations."""
    inpatient = demo.facilities["in"]
    coordinator = demo.users["coordinator"]
    actions.do_change_intake_settings(
        demo.program, acting_user=demo.users["director"], values={"max_contact_attempts": 3}
    )
    made = [
        actions.do_submit_inquiry(
            inpatient, values=_inquiry_values(row), now=demo.now - timedelta(hours=row[0])
        )
        for row in INQUIRIES
    ]
    actions.do_log_contact_attempt(
        made[2],
        acting_user=coordinator,
        outcome="voicemail",
        attempted_at=demo.now - timedelta(hours=18),
    )
    actions.do_schedule_evaluation(
        made[3], acting_user=coordinator, evaluation_at=demo.now + timedelta(hours=3)
    )
    patient = actions.do_convert_inquiry(
        made[3],
        acting_user=coordinator,
        values={
            "record_number": "HX-9001",
            "given_name": "Taylor",
            "family_name": "Brooks",
            "date_of_birth": date(1992, 8, 14),
            "phone": "555-0164",
        },
    )
    answers = _answers(demo.now - timedelta(hours=16), "heroin", stable_housing=False)
    _evaluate(patient, inpatient, demo.users["prescriber"], answers, demo.now - timedelta(hours=1))
    _evaluate_episode(demo, demo.episodes[0], "heroin")
    _evaluate_episode(demo, demo.episodes[2], "heroin", **_drinking(demo.episodes[2]))
    _evaluate_episode(demo, demo.episodes[10], "fentanyl")
