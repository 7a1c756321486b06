"""Plain factory functions for intake records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.intake import actions
from detoxdesk.intake.models import Evaluation, Inquiry
from detoxdesk.patients.models import Facility, Patient

INQUIRY_VALUES: dict[str, Any] = {
    "for_whom": "self",
    "overdose_now": False,
    "thinking_of_suicide": False,
    "given_name": "Robin",
    "family_name": "Quinn",
    "date_of_birth": None,
    "phone": "555-0100",
    "email": "",
    "contact_method": "phone",
    "contact_time": "mornings",
    "caller_name": "",
    "caller_relationship": "",
    "substances": ["heroin"],
    "last_use": None,
    "message": "",
}


def make_inquiry(facility: Facility, *, now: datetime | None = None, **values: Any) -> Inquiry:
    return actions.do_submit_inquiry(facility, values={**INQUIRY_VALUES, **values}, now=now)


def evaluation_answers(*, hours_ago: float = 12, **overrides: Any) -> dict[str, Any]:
    """A complete, reassuring evaluation of daily heroin use (overrides replace answers)."""
    last = timezone.now() - timedelta(hours=hours_ago)
    answers: dict[str, Any] = {
        "substances": [
            {
                "name": "heroin",
                "route": "smoked",
                "amount": "1 g",
                "frequency": "daily",
                "daily_use": True,
                "last_use": last.isoformat(),
            }
        ],
        "current_cows": None,
        "current_ciwa_ar": None,
        "qtc_ms": None,
        "fentanyl_exposure": False,
        "withdrawal_seizures": False,
        "delirium_tremens": False,
        "overdose_past_year": False,
        "pregnant": False,
        "unstable_medical_condition": False,
        "psychosis": False,
        "stable_housing": True,
        "supportive_person_at_home": True,
        "suicidal_ideation": "none",
        "requested_setting": None,
        "course_opioid_class": None,
    }
    answers.update(overrides)
    return answers


def make_evaluation(
    patient: Patient, facility: Facility, user: User, *, complete: bool = False, **answers: Any
) -> Evaluation:
    evaluation = actions.do_start_evaluation(patient, facility, acting_user=user)
    return actions.do_save_evaluation(
        evaluation, acting_user=user, answers=evaluation_answers(**answers), complete=complete
    )


def make_signed_evaluation(
    patient: Patient, facility: Facility, user: User, **answers: Any
) -> Evaluation:
    evaluation = make_evaluation(patient, facility, user, complete=True, **answers)
    actions.do_decide_level(evaluation, acting_user=user, level=evaluation.recommended_level)
    return actions.do_sign_evaluation(evaluation, acting_user=user)


def phone_inquiry_post(facility: Facility, **overrides: Any) -> dict[str, Any]:
    """What staff type into the new-inquiry form during a call (overrides replace fields)."""
    data: dict[str, Any] = {
        "overdose_now": "no",
        "thinking_of_suicide": "no",
        "for_whom": "self",
        "given_name": "Robin",
        "family_name": "Quinn",
        "phone": "555-0100",
        "contact_method": "phone",
        "facility": str(facility.pk),
        "substances": ["heroin"],
    }
    data.update(overrides)
    return data
