"""Inquiries, evaluations, placement decisions, treatment plans and admission: the only writes.

Each ``do_*`` checks permission, validates, writes and records its audit event in one transaction.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.audit.models import AuditEvent
from detoxdesk.audit.signing import sign
from detoxdesk.clinical import admission, alcohol, asam4, placement, populations
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError
from detoxdesk.intake import drafting, evaluation_data, queries
from detoxdesk.intake.models import (
    ContactAttempt,
    Evaluation,
    Inquiry,
    IntakeSettings,
    MinorConsent,
    PlacementSettings,
    TreatmentPlan,
)
from detoxdesk.patients import actions as patient_actions
from detoxdesk.patients import phones
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program

# Substances whose withdrawal or course SPEC.md singles out as risky to face alone (sections 4 and
# 8): an inquiry naming one is handled before routine ones. No time or amount cut-off is implied.
PRIORITY_SUBSTANCES = {
    "fentanyl": "Fentanyl named: its withdrawal course is variable and may be prolonged.",
    "alcohol": "Alcohol named: its withdrawal can be dangerous.",
    "benzodiazepine": "Benzodiazepine named: its withdrawal can be dangerous.",
}


def _require(user: User | None, capability: str, facility: Facility, message: str) -> None:
    if user is not None and not permissions.can(user, capability, facility):
        raise PermissionDenied(message)


def settings_for(program: Program) -> IntakeSettings:
    """The program's intake settings, created (all unset) on first use."""
    found, _ = IntakeSettings.objects.get_or_create(program=program)
    return found


def do_change_intake_settings(
    program: Program, *, acting_user: User, values: dict[str, Any]
) -> IntakeSettings:
    """Change the program's intake settings (director only)."""
    if not any(
        permissions.can(acting_user, permissions.PROGRAM_CONFIGURE, f)
        for f in program.facilities.all()
    ):
        raise PermissionDenied("Only a program director can change intake settings.")
    facility = values.get("default_facility")
    if facility is not None and facility.program_id != program.pk:
        raise ValidationError({"default_facility": "Choose one of this program's facilities."})
    _check_minor_rule(values)
    with transaction.atomic():
        found = IntakeSettings.objects.select_for_update().get(pk=settings_for(program).pk)
        changes = {}
        for name, new in values.items():
            old = getattr(found, name)
            if old != new:
                changes[name] = [str(old) if old is not None else None, str(new) if new else new]
                setattr(found, name, new)
        if changes:
            found.save()
            log.record("intake.settings_changed", actor=acting_user, target=found, changes=changes)
    return found


def _check_minor_rule(values: dict[str, Any]) -> None:
    """A state rule for minors needs both its age (below the minor age) and the law it cites."""
    age = values.get("minor_consent_from_age")
    rule = (values.get("minor_consent_rule") or "").strip()
    values["minor_consent_rule"] = rule
    if age is None and rule:
        raise ValidationError({"minor_consent_from_age": "Give the age the law allows from."})
    if age is not None and not rule:
        raise ValidationError({"minor_consent_rule": "Cite the state law that allows it."})
    adult = populations.minor_under().years
    if age is not None and age >= adult:
        raise ValidationError(
            {
                "minor_consent_from_age": f"From {adult} a patient is no longer a minor: give a "
                "lower age."
            }
        )


# --- Inquiries -----------------------------------------------------------------------------------


def urgency_of(
    *, overdose_now: bool, thinking_of_suicide: bool, substances: list[str], needs_help_now: bool
) -> tuple[int, list[str]]:
    """The inquiry's urgency and why: a transparent rule with no clinical cut-off.

    Urgent: the person may be overdosing, thinks of ending their life, or staff say help is needed
    now. Priority: a substance named in PRIORITY_SUBSTANCES. Routine otherwise.
    """
    reasons = []
    if overdose_now:
        reasons.append("Said someone may be overdosing now.")
    if thinking_of_suicide:
        reasons.append("Said the person is thinking of ending their life.")
    if needs_help_now:
        reasons.append("Staff opened it: the person needs help now.")
    if reasons:
        return Inquiry.Urgency.URGENT, reasons
    reasons = [text for name, text in PRIORITY_SUBSTANCES.items() if name in substances]
    if reasons:
        return Inquiry.Urgency.PRIORITY, reasons
    return Inquiry.Urgency.ROUTINE, ["No urgent answer given."]


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def find_duplicate(inquiry: Inquiry) -> Inquiry | None:
    """The earliest open inquiry in the same program from the same person, if any.

    Same person: the same phone digits, the same email, or the same name and date of birth.
    """
    same = Q()
    digits = _digits(inquiry.phone)
    if digits:
        same |= Q(phone_digits=digits)
    if inquiry.email:
        same |= Q(email__iexact=inquiry.email)
    if inquiry.date_of_birth and inquiry.family_name:
        same |= Q(
            given_name__iexact=inquiry.given_name,
            family_name__iexact=inquiry.family_name,
            date_of_birth=inquiry.date_of_birth,
        )
    if not same:
        return None
    candidates = (
        Inquiry.objects.filter(
            facility__program_id=inquiry.facility.program_id,
            status__in=Inquiry.OPEN_STATUSES,
        )
        .exclude(pk=inquiry.pk)
        .order_by("received_at")
    )
    annotated = candidates.annotate(phone_digits=_digits_expression())
    match = annotated.filter(same).first()
    return (match.duplicate_of or match) if match else None


def _digits_expression() -> Any:
    """The phone field without the usual separators, in SQL (portable across databases)."""
    expression: Any = F("phone")
    for char in (" ", "-", "(", ")", ".", "+"):
        expression = Replace(expression, Value(char), Value(""))
    return expression


INQUIRY_FIELDS = (
    "for_whom",
    "overdose_now",
    "thinking_of_suicide",
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "contact_method",
    "contact_time",
    "caller_name",
    "caller_relationship",
    "substances",
    "last_use",
    "message",
)


def _check_contact(values: dict[str, Any]) -> None:
    if not values.get("given_name", "").strip():
        raise ValidationError({"given_name": "Tell us a first name or what to call the person."})
    if not (values.get("phone") or values.get("email")):
        raise ValidationError({"phone": "Give a phone number or an email address to reach you."})
    if values.get("contact_method") in ("phone", "text") and not values.get("phone"):
        raise ValidationError(
            {"phone": "Give a phone number, or choose email as the way to reach you."}
        )
    if values.get("contact_method") == "email" and not values.get("email"):
        raise ValidationError(
            {"email": "Give an email address, or choose another way to reach you."}
        )


def _create_inquiry(
    facility: Facility, fields: dict[str, Any], urgency: tuple[int, list[str]]
) -> Inquiry:
    inquiry = Inquiry.objects.create(
        facility=facility, urgency=urgency[0], urgency_reasons=urgency[1], **fields
    )
    duplicate = find_duplicate(inquiry)
    if duplicate is not None:
        inquiry.duplicate_of = duplicate
        inquiry.save(update_fields=["duplicate_of"])
    return inquiry


def do_submit_inquiry(
    facility: Facility, *, values: dict[str, Any], now: datetime | None = None
) -> Inquiry:
    """A public inquiry: nobody signed in. The audit event carries nothing identifying."""
    _check_contact(values)
    fields = {key: values[key] for key in INQUIRY_FIELDS if key in values}
    fields["received_at"] = now or timezone.now()
    urgency = urgency_of(
        overdose_now=bool(values.get("overdose_now")),
        thinking_of_suicide=bool(values.get("thinking_of_suicide")),
        substances=list(values.get("substances") or []),
        needs_help_now=False,
    )
    with transaction.atomic():
        inquiry = _create_inquiry(facility, fields, urgency)
        log.record(
            "inquiry.received",
            actor=None,
            facility=facility,
            target=inquiry,
            changes={"urgency": inquiry.get_urgency_display()},
        )
    return inquiry


def do_take_phone_inquiry(
    facility: Facility,
    *,
    acting_user: User,
    values: dict[str, Any],
    now: datetime | None = None,
) -> Inquiry:
    """An inquiry staff take down while someone phones the program.

    The same checks, urgency rule and duplicate recognition as a public inquiry; the source is a
    phone call and the audit event names who took it. Refused without ``inquiry.manage`` there.
    """
    _require(
        acting_user,
        permissions.INQUIRY_MANAGE,
        facility,
        "Your role cannot take inquiries at this facility.",
    )
    _check_contact(values)
    if (last := values.get("last_use")) and last > timezone.localdate(now or timezone.now()):
        raise ValidationError({"last_use": "This date is in the future."})
    fields = {key: values[key] for key in INQUIRY_FIELDS if key in values}
    fields["received_at"] = now or timezone.now()
    fields["source"] = Inquiry.Source.PHONE
    urgency = urgency_of(
        overdose_now=bool(values.get("overdose_now")),
        thinking_of_suicide=bool(values.get("thinking_of_suicide")),
        substances=list(values.get("substances") or []),
        needs_help_now=False,
    )
    with transaction.atomic():
        inquiry = _create_inquiry(facility, fields, urgency)
        log.record(
            "inquiry.phoned_in",
            actor=acting_user,
            facility=facility,
            target=inquiry,
            changes={
                "urgency": inquiry.get_urgency_display(),
                "duplicate_of": str(inquiry.duplicate_of.uuid) if inquiry.duplicate_of else None,
            },
        )
    return inquiry


def do_open_inquiry_for_patient(
    patient: Patient, facility: Facility, *, acting_user: User | None, reason: str
) -> Inquiry:
    """Open an urgent inquiry for a known patient (e.g. a follow-up call: "needs help now").

    Prefilled from the patient record, linked to the patient, first in the queue; audited.
    ``acting_user`` None means the system. Refused without a reason or for another program.
    """
    if acting_user is not None and not (
        permissions.can(acting_user, permissions.INQUIRY_MANAGE, facility)
        or permissions.can(acting_user, permissions.FOLLOW_UP_RECORD, facility)
        or permissions.can(acting_user, permissions.CHART_VIEW, facility)
    ):
        raise PermissionDenied("Your role cannot open an inquiry at this facility.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this person needs help now."})
    if facility.program_id != patient.program_id:
        raise ValidationError({"facility": "That facility belongs to another program."})
    number = phones.best_number(patient)
    said = reason.strip()
    if number is not None and not number.is_own:  # whose number it is, never the patient's own
        said += f" Phone: {number.whose}."
    fields: dict[str, Any] = {
        "source": Inquiry.Source.STAFF,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth,
        "phone": number.phone if number else "",
        "reason": said,
        "patient": patient,
    }
    urgency = urgency_of(
        overdose_now=False, thinking_of_suicide=False, substances=[], needs_help_now=True
    )
    with transaction.atomic():
        inquiry = _create_inquiry(facility, fields, urgency)
        log.record(
            "inquiry.opened",
            actor=acting_user,
            patient=patient,
            facility=facility,
            target=inquiry,
            changes={"reason": inquiry.reason},
        )
    return inquiry


def _require_open(inquiry: Inquiry, user: User) -> None:
    _require(
        user, permissions.INQUIRY_MANAGE, inquiry.facility, "Your role cannot manage inquiries."
    )
    if not inquiry.is_open:
        raise ValidationError("This inquiry is no longer open.")


def do_log_contact_attempt(
    inquiry: Inquiry,
    *,
    acting_user: User,
    outcome: str,
    attempted_at: datetime,
    note: str = "",
    now: datetime | None = None,
) -> ContactAttempt:
    _require_open(inquiry, acting_user)
    if outcome not in ContactAttempt.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened."})
    if attempted_at > (now or timezone.now()):
        raise ValidationError({"attempted_at": "This time is in the future."})
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(
            inquiry=inquiry,
            attempted_at=attempted_at,
            outcome=outcome,
            note=note,
            recorded_by=acting_user,
        )
        if inquiry.status == Inquiry.Status.NEW:
            inquiry.status = Inquiry.Status.CONTACTING
            inquiry.save(update_fields=["status"])
        log.record(
            "inquiry.contact_logged",
            actor=acting_user,
            patient=inquiry.patient,
            facility=inquiry.facility,
            target=inquiry,
            changes={"outcome": outcome},
        )
    return attempt


def do_schedule_evaluation(
    inquiry: Inquiry, *, acting_user: User, evaluation_at: datetime, note: str = ""
) -> Inquiry:
    _require_open(inquiry, acting_user)
    with transaction.atomic():
        old = inquiry.evaluation_at
        inquiry.evaluation_at = evaluation_at
        inquiry.evaluation_note = note
        inquiry.status = Inquiry.Status.SCHEDULED
        inquiry.save(update_fields=["evaluation_at", "evaluation_note", "status"])
        log.record(
            "inquiry.evaluation_scheduled",
            actor=acting_user,
            patient=inquiry.patient,
            facility=inquiry.facility,
            target=inquiry,
            changes={"evaluation_at": [_iso(old), _iso(evaluation_at)]},
        )
    return inquiry


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def unanswered_attempts(inquiry: Inquiry) -> int:
    return inquiry.attempts.exclude(outcome=ContactAttempt.Outcome.REACHED).count()


def do_close_inquiry(
    inquiry: Inquiry, *, acting_user: User, reason: str, note: str = "", now: datetime | None = None
) -> Inquiry:
    """Close with a reason; "not reachable" needs the program's number of attempts logged."""
    _require_open(inquiry, acting_user)
    if reason not in Inquiry.CloseReason.values:
        raise ValidationError({"reason": "Choose why the inquiry is closed."})
    if reason == Inquiry.CloseReason.NOT_REACHABLE:
        needed = settings_for(inquiry.facility.program).max_contact_attempts
        if needed is None:
            raise ValidationError(
                {
                    "reason": "The program has not set how many attempts come first; "
                    "ask the director."
                }
            )
        if unanswered_attempts(inquiry) < needed:
            raise ValidationError(
                {"reason": f"Log {needed} unanswered attempts before closing as not reachable."}
            )
    if reason == Inquiry.CloseReason.REFERRED and not note.strip():
        raise ValidationError({"note": "Say where the person was referred."})
    with transaction.atomic():
        inquiry.status = Inquiry.Status.CLOSED
        inquiry.closed_reason = reason
        inquiry.closed_note = note
        inquiry.closed_at = now or timezone.now()
        inquiry.save(update_fields=["status", "closed_reason", "closed_note", "closed_at"])
        log.record(
            "inquiry.closed",
            actor=acting_user,
            patient=inquiry.patient,
            facility=inquiry.facility,
            target=inquiry,
            changes={"reason": reason},
        )
    return inquiry


def generates_record_numbers(program: Program) -> bool:
    """True when the program generates record numbers, False when staff type them."""
    return settings_for(program).record_numbers == IntakeSettings.RecordNumbers.GENERATED


def next_record_number(program: Program) -> str | None:
    """A generated record number when the program generates them, else None (staff enter one)."""
    chosen = settings_for(program)
    if chosen.record_numbers != IntakeSettings.RecordNumbers.GENERATED:
        return None
    taken = Patient.objects.filter(
        program=program, record_number__startswith=chosen.record_number_prefix
    )
    number = taken.count() + 1
    while taken.filter(record_number=f"{chosen.record_number_prefix}{number:06d}").exists():
        number += 1
    return f"{chosen.record_number_prefix}{number:06d}"


PATIENT_FIELDS = (
    "record_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex_at_birth",
    "phone",
)


def _is_callers_phone(inquiry: Inquiry, phone: str) -> bool:
    """True when ``phone`` is the number of someone who asked for help on the patient's behalf."""
    if inquiry.for_whom != Inquiry.ForWhom.OTHER or not _digits(inquiry.phone):
        return False
    return _digits(phone) == _digits(inquiry.phone)


def do_convert_inquiry(inquiry: Inquiry, *, acting_user: User, values: dict[str, Any]) -> Patient:
    """Make the inquiry a patient registered at its facility (or link the one it already names).

    The inquiry's phone is the caller's. When someone asked on the patient's behalf, that number is
    kept with the caller as the patient's contact, never stored as the patient's own phone.
    """
    _require_open(inquiry, acting_user)
    _require(
        acting_user,
        permissions.EPISODE_ADMIT,
        inquiry.facility,
        "Your role cannot register patients.",
    )
    if inquiry.patient is not None:
        return _mark_converted(inquiry, inquiry.patient, acting_user)
    program = inquiry.facility.program
    fields = {key: values[key] for key in PATIENT_FIELDS if values.get(key) not in (None, "")}
    if _is_callers_phone(inquiry, str(fields.get("phone", ""))):
        del fields["phone"]
    fields["record_number"] = fields.get("record_number") or next_record_number(program)
    missing = {
        key: "This is needed to register the patient."
        for key in ("record_number", "given_name", "family_name", "date_of_birth")
        if not fields.get(key)
    }
    if missing:
        raise ValidationError(missing)
    if Patient.objects.filter(program=program, record_number=fields["record_number"]).exists():
        raise ValidationError({"record_number": "Another patient already has this record number."})
    with transaction.atomic():
        patient = patient_actions.do_create_patient(
            program, acting_user=acting_user, registered_at=inquiry.facility, **fields
        )
        if inquiry.for_whom == Inquiry.ForWhom.OTHER and (inquiry.caller_name or inquiry.phone):
            patient_actions.do_add_caller_contact(
                patient,
                acting_user=acting_user,
                name=inquiry.caller_name,
                relationship=inquiry.caller_relationship,
                phone=inquiry.phone,
            )
        return _mark_converted(inquiry, patient, acting_user)


def _mark_converted(inquiry: Inquiry, patient: Patient, acting_user: User) -> Patient:
    with transaction.atomic():
        inquiry.patient = patient
        inquiry.status = Inquiry.Status.CONVERTED
        inquiry.save(update_fields=["patient", "status"])
        log.record(
            "inquiry.converted",
            actor=acting_user,
            patient=patient,
            facility=inquiry.facility,
            target=inquiry,
        )
    return patient


# --- Evaluations ---------------------------------------------------------------------------------


def _require_evaluator(evaluation: Evaluation, user: User, capability: str) -> None:
    _require(user, capability, evaluation.facility, "Your role cannot do this for this evaluation.")


def do_start_evaluation(
    patient: Patient,
    facility: Facility,
    *,
    acting_user: User,
    inquiry: Inquiry | None = None,
    now: datetime | None = None,
) -> Evaluation:
    _require(
        acting_user, permissions.EVALUATION_RECORD, facility, "Your role cannot evaluate patients."
    )
    if facility.program_id != patient.program_id:
        raise ValidationError({"facility": "That facility belongs to another program."})
    now = now or timezone.now()
    answers = evaluation_data.from_inquiry(inquiry) if inquiry is not None else {}
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            patient=patient,
            facility=facility,
            inquiry=inquiry,
            answers=answers,
            created_by=acting_user,
            created_at=now,
            updated_at=now,
        )
        log.record(
            "evaluation.started",
            actor=acting_user,
            patient=patient,
            facility=facility,
            target=evaluation,
        )
    return evaluation


def _check_editable(evaluation: Evaluation) -> None:
    if evaluation.status == Evaluation.Status.SIGNED:
        raise ValidationError("A signed evaluation cannot be changed.")


def evaluation_read_mark(evaluation: Evaluation) -> str:
    """When the evaluation's answers were last saved, as the edit form carries it back."""
    return evaluation.updated_at.isoformat()


EVALUATION_SAVES = ("evaluation.started", "evaluation.saved", "evaluation.completed")


def _evaluation_overtaken(current: Evaluation, answers: dict[str, Any]) -> str:
    """Who saved the evaluation after it was read, and which answers of theirs differ."""
    last = (
        AuditEvent.objects.filter(
            object_type=Evaluation._meta.label_lower,
            object_id=str(current.uuid),
            event__in=EVALUATION_SAVES,
        )
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    who = last.actor.display_name if last is not None and last.actor else "Someone else"
    when = timezone.localtime(current.updated_at).strftime("%d %b %Y %H:%M")
    keys = sorted(set(current.answers) | set(answers))
    differs = [
        key.replace("_", " ") for key in keys if current.answers.get(key) != answers.get(key)
    ]
    return (
        f"{who} saved this evaluation at {when}, after you opened it (their answers differ from "
        f"yours in: {', '.join(differs) or 'nothing'}), so your answers were not saved. "
        "The form now shows their answers; make your change again."
    )


def do_save_evaluation(
    evaluation: Evaluation,
    *,
    acting_user: User,
    answers: dict[str, Any],
    complete: bool = False,
    read_mark: str | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """Save the answers as a draft, or complete it: the placement is then worked out and stored.

    Completing again after a change works the placement out again and clears the level decision.
    Saving a completed evaluation as a draft returns it to draft and drops its placement, so a
    recommendation is never shown beside answers it was not worked out from.

    With ``read_mark`` (:func:`evaluation_read_mark` when the form was read), a save after
    someone else's is refused, saving nothing, with a message naming them and their change.
    """
    _require_evaluator(evaluation, acting_user, permissions.EVALUATION_RECORD)
    _check_editable(evaluation)
    now = now or timezone.now()
    result: dict[str, Any] = {}
    if complete:
        result = _placement_or_errors(answers, now, evaluation.patient)
    with transaction.atomic():
        current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        _check_editable(current)
        if read_mark is not None and read_mark != evaluation_read_mark(current):
            raise ValidationError(_evaluation_overtaken(current, answers), code="stale")
        reopened = not complete and current.status == Evaluation.Status.COMPLETED
        evaluation.answers = answers
        evaluation.updated_at = now
        if reopened:
            evaluation.status = Evaluation.Status.DRAFT
            evaluation.completed_at = None
            evaluation.placement = {}
            evaluation.recommended_level = ""
        if complete or reopened:
            evaluation.chosen_level = ""
            evaluation.level_reason = ""
            evaluation.level_decided_by = None
            evaluation.level_decided_at = None
        if complete:
            evaluation.status = Evaluation.Status.COMPLETED
            evaluation.completed_at = now
            evaluation.placement = result
            evaluation.recommended_level = result["recommended_level"]
        evaluation.save()
        log.record(
            "evaluation.completed" if complete else "evaluation.saved",
            actor=acting_user,
            patient=evaluation.patient,
            facility=evaluation.facility,
            target=evaluation,
            changes=(
                {"recommended_level": evaluation.recommended_level}
                if complete
                else {"reopened": True}
                if reopened
                else {}
            ),
        )
    return evaluation


def _placement_or_errors(
    answers: dict[str, Any], now: datetime, patient: Patient
) -> dict[str, Any]:
    """The placement output, with the PAWSS it read (``"pawss"``: its output, or None if not
    asked); ValidationError naming the form's fields."""
    problems = evaluation_data.completeness_problems(answers)
    if problems:
        raise ValidationError(problems)
    positive = queries.alcohol_test_positive(patient, now)
    payload = evaluation_data.placement_payload(answers, now, alcohol_positive=positive)
    try:
        result = placement.calculate(payload)
        pawss = None if payload["pawss"] is None else alcohol.calculator(payload["pawss"])
    except InvalidInput as exc:
        raise ValidationError(evaluation_data.form_fields(exc.fields) or str(exc)) from None
    return {**result, "pawss": pawss, "alcohol_test_positive": positive}


def do_decide_level(
    evaluation: Evaluation,
    *,
    acting_user: User,
    level: str,
    reason: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """Accept the recommended level, or choose another with a reason (audited as an override)."""
    _require_evaluator(evaluation, acting_user, permissions.EVALUATION_SIGN)
    _check_editable(evaluation)
    if evaluation.status != Evaluation.Status.COMPLETED:
        raise ValidationError("Complete the evaluation first.")
    if level not in {lv.code for lv in placement.levels()}:
        raise ValidationError({"level": "Choose one of the withdrawal-management levels."})
    overridden = level != evaluation.recommended_level
    if overridden and not reason.strip():
        raise ValidationError({"reason": "Give the reason for choosing another level."})
    adolescent = is_adolescent(evaluation)
    if adolescent and not reason.strip():
        raise ValidationError(
            {"reason": "An adolescent's level is the clinician's review: give its reason."}
        )
    with transaction.atomic():
        evaluation.chosen_level = level
        evaluation.level_reason = reason.strip()
        evaluation.level_decided_by = acting_user
        evaluation.level_decided_at = now or timezone.now()
        evaluation.save()
        log.record(
            "placement.overridden" if overridden else "placement.accepted",
            actor=acting_user,
            patient=evaluation.patient,
            facility=evaluation.facility,
            target=evaluation,
            changes={
                "recommended_level": evaluation.recommended_level,
                "chosen_level": level,
                **({"reason": evaluation.level_reason} if overridden or adolescent else {}),
                **({"adolescent_review": True} if adolescent else {}),
            },
        )
    return evaluation


def is_adolescent(evaluation: Evaluation) -> bool:
    """A minor on the day the evaluation was started (cfr-8-12-2024 [S]): the placement rules are
    adult rules, so the level is flagged for the clinician's review rather than accepted."""
    day = timezone.localdate(evaluation.created_at)
    return populations.is_minor(evaluation.patient.age_on(day))


def do_sign_evaluation(
    evaluation: Evaluation, *, acting_user: User, now: datetime | None = None
) -> Evaluation:
    _require_evaluator(evaluation, acting_user, permissions.EVALUATION_SIGN)
    _check_editable(evaluation)
    if evaluation.status != Evaluation.Status.COMPLETED:
        raise ValidationError("Complete the evaluation before signing it.")
    if not evaluation.chosen_level:
        raise ValidationError({"level": "Accept the recommended level or choose another first."})
    sign(
        evaluation,
        "evaluation.signed",
        actor=acting_user,
        now=now or timezone.now(),
        status=Evaluation.Status.SIGNED,
        changes={"level": evaluation.chosen_level},
        refusal="A signed evaluation cannot be changed.",
    )
    return evaluation


# --- Treatment plans -----------------------------------------------------------------------------


def do_draft_plan(
    evaluation: Evaluation, *, acting_user: User, now: datetime | None = None
) -> TreatmentPlan:
    """Draft the plan from a completed or signed evaluation (once; then it is edited)."""
    _require_evaluator(evaluation, acting_user, permissions.TREATMENT_PLAN_EDIT)
    if evaluation.status == Evaluation.Status.DRAFT:
        raise ValidationError("Complete the evaluation before drafting the plan.")
    if TreatmentPlan.objects.filter(evaluation=evaluation).exists():
        return evaluation.plan
    with transaction.atomic():
        plan = TreatmentPlan.objects.create(
            evaluation=evaluation,
            updated_by=acting_user,
            updated_at=now or timezone.now(),
            **drafting.draft(evaluation),
        )
        log.record(
            "treatment_plan.drafted",
            actor=acting_user,
            patient=evaluation.patient,
            facility=evaluation.facility,
            target=plan,
        )
    return plan


PLAN_FIELDS = ("problems", "goals", "interventions", "medication_pathway")


def plan_read_mark(plan: TreatmentPlan) -> str:
    """When the plan was last saved, as the edit form carries it back with a save."""
    return plan.updated_at.isoformat() if plan.updated_at else ""


def do_update_plan(
    plan: TreatmentPlan,
    *,
    acting_user: User,
    values: dict[str, Any],
    read_mark: str | None = None,
    now: datetime | None = None,
) -> TreatmentPlan:
    """Save the plan's text. With ``read_mark`` (:func:`plan_read_mark` when the form was read),
    a save after someone else's is refused, saving nothing, with a message naming their change."""
    evaluation = plan.evaluation
    _require_evaluator(evaluation, acting_user, permissions.TREATMENT_PLAN_EDIT)
    if plan.status == TreatmentPlan.Status.SIGNED:
        raise ValidationError("A signed plan cannot be changed.")
    missing = {
        key: "This cannot be empty."
        for key in PLAN_FIELDS[:3]
        if not str(values.get(key, "")).strip()
    }
    if missing:
        raise ValidationError(missing)
    if values.get("medication_pathway") not in TreatmentPlan.Pathway.values:
        raise ValidationError({"medication_pathway": "Choose a medication pathway."})
    with transaction.atomic():
        current = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if read_mark is not None and read_mark != plan_read_mark(current):
            raise ValidationError(_plan_overtaken(current, values), code="stale")
        changed = [key for key in PLAN_FIELDS if getattr(plan, key) != values[key]]
        for key in PLAN_FIELDS:
            setattr(plan, key, values[key])
        plan.updated_by = acting_user
        plan.updated_at = now or timezone.now()
        plan.save()
        log.record(
            "treatment_plan.updated",
            actor=acting_user,
            patient=evaluation.patient,
            facility=evaluation.facility,
            target=plan,
            changes={"fields": changed},
        )
    return plan


def _plan_overtaken(current: TreatmentPlan, values: dict[str, Any]) -> str:
    """Who saved the plan after it was read, and where their plan differs from the one sent."""
    differs = [
        key.replace("_", " ") for key in PLAN_FIELDS if getattr(current, key) != values.get(key)
    ]
    who = current.updated_by.display_name if current.updated_by else "Someone else"
    when = timezone.localtime(current.updated_at).strftime("%d %b %Y %H:%M")
    return (
        f"{who} saved this plan at {when}, after you opened it (their plan differs from yours "
        f"in: {', '.join(differs) or 'nothing'}), so your changes were not saved. "
        "The page now shows their plan; make your change again."
    )


def do_sign_plan(
    plan: TreatmentPlan, *, acting_user: User, now: datetime | None = None
) -> TreatmentPlan:
    evaluation = plan.evaluation
    _require_evaluator(evaluation, acting_user, permissions.TREATMENT_PLAN_SIGN)
    if plan.status == TreatmentPlan.Status.SIGNED:
        raise ValidationError("This plan is already signed.")
    sign(
        plan,
        "treatment_plan.signed",
        actor=acting_user,
        now=now or timezone.now(),
        status=TreatmentPlan.Status.SIGNED,
        changes={"medication_pathway": plan.medication_pathway},
        refusal="This plan is already signed.",
    )
    return plan


# --- Admission -----------------------------------------------------------------------------------


def below_level_warning(evaluation: Evaluation, facility: Facility) -> str | None:
    """The warning for admitting to ``facility`` below the evaluation's decided level, or None.

    Which levels a facility kind provides is configuration (clinical/knowledge/admission.toml).
    """
    below = admission.below_decided_level(evaluation.chosen_level, facility.kind)
    if below is None:
        return None
    return (
        f"The level of care decided at evaluation is {below.decided.code} "
        f"({below.decided.name}); {facility.name} ({facility.get_kind_display().lower()}) "
        f"provides {below.provided_codes}. This admission is below the decided level."
    )


def do_admit_from_evaluation(
    evaluation: Evaluation,
    facility: Facility,
    *,
    acting_user: User,
    admitted_at: datetime,
    bed: Bed | None = None,
    below_level_acknowledged: bool = False,
    below_level_reason: str = "",
    minor_consent: str = "",
    minor_consent_detail: str = "",
    setting: str | None = None,
) -> Episode:
    """Admit the evaluated patient to a bed (inpatient) or the outpatient clinic.

    ``setting`` (inpatient or outpatient; default: the facility's kind) is the episode's: an
    outpatient at the inpatient unit (a day programme) has no bed.

    A facility that provides only levels below the one decided (:func:`below_level_warning`) is a
    warning: refused (ValidationError on ``below_level_acknowledged`` or ``below_level_reason``)
    until it is acknowledged with a reason, which the evaluation keeps and ``episode.admitted``
    records. A minor's admission needs ``minor_consent`` (:func:`minor_consent_record`): the
    guardian's, or the minor's own under the program's state rule; the evaluation keeps it.
    """
    _require(
        acting_user, permissions.EPISODE_ADMIT, facility, "Your role cannot admit patients here."
    )
    if evaluation.status != Evaluation.Status.SIGNED:
        raise ValidationError("Sign the evaluation before admitting.")
    if facility.program_id != evaluation.patient.program_id:
        raise ValidationError({"facility": "That facility belongs to another program."})
    setting = patient_actions.setting_for_admission(facility, bed, setting)
    if setting == Episode.Setting.INPATIENT and bed is None:
        raise ValidationError({"bed": "Choose a free bed on the inpatient unit."})
    if facility.kind == Facility.Kind.OUTPATIENT and bed is not None:
        raise ValidationError({"bed": "An outpatient clinic has no beds; leave the bed empty."})
    if bed is not None and bed.episodes.filter(status=Episode.Status.ACTIVE).exists():
        raise ValidationError({"bed": "That bed is taken."})
    if evaluation.patient.episodes.filter(status=Episode.Status.ACTIVE).exists():
        raise ValidationError("This patient already has an active episode.")
    warning = below_level_warning(evaluation, facility)
    reason = below_level_reason.strip() if warning else ""
    if warning:
        _check_below_level(below_level_acknowledged, reason)
    audit: dict[str, Any] = (
        {"below_level": {"warning": warning, "reason": reason}} if warning else {}
    )
    consent = minor_consent_record(
        evaluation.patient, admitted_at, minor_consent, minor_consent_detail
    )
    if consent[0]:
        audit["minor_consent"] = {"basis": consent[0], "detail": consent[1]}
    with transaction.atomic():
        # The patient row is locked and the state checked again: of two admissions at once (a
        # double submit) one admits and the other gets the message.
        Patient.objects.select_for_update().get(pk=evaluation.patient_id)
        if Evaluation.objects.get(pk=evaluation.pk).episode_id is not None:
            raise ValidationError("This evaluation has already led to an admission.")
        if evaluation.patient.episodes.filter(status=Episode.Status.ACTIVE).exists():
            raise ValidationError("This patient already has an active episode.")
        if bed is not None and bed.episodes.filter(status=Episode.Status.ACTIVE).exists():
            raise ValidationError({"bed": "That bed is taken."})
        episode = patient_actions.do_admit(
            evaluation.patient,
            facility,
            acting_user=acting_user,
            admitted_at=admitted_at,
            bed=bed,
            audit_changes=audit,
            setting=setting,
        )
        evaluation.episode = episode
        evaluation.admission_level_warning, evaluation.admission_level_reason = (
            warning or "",
            reason,
        )
        evaluation.minor_consent, evaluation.minor_consent_detail = consent
        evaluation.save(
            update_fields=[
                "episode",
                "admission_level_warning",
                "admission_level_reason",
                "minor_consent",
                "minor_consent_detail",
            ]
        )
    return episode


def minor_state_rule(program: Program, age: int) -> str | None:
    """The program's state rule under which a minor of ``age`` may consent, or None (unset, or
    the minor is younger than the rule's age)."""
    chosen = IntakeSettings.objects.filter(program=program).first()
    if chosen is None or chosen.minor_consent_from_age is None:
        return None
    return chosen.minor_consent_rule if age >= chosen.minor_consent_from_age else None


def minor_consent_record(
    patient: Patient, admitted_at: datetime, basis: str, detail: str
) -> tuple[str, str]:
    """The (basis, detail) a minor's admission keeps; ("", "") for an adult. ValidationError
    naming ``minor_consent`` or ``minor_consent_detail`` when it is missing or not allowed.

    Source: cfr-8-12-2024 [S] (SPEC A9): a parent's or guardian's consent unless state law lets
    the minor consent; which state rule applies is the program's setting (unset as shipped).
    """
    age = patient.age_on(timezone.localdate(admitted_at))
    if not populations.is_minor(age):
        return "", ""
    if basis == MinorConsent.GUARDIAN:
        if not detail.strip():
            raise ValidationError(
                {"minor_consent_detail": "Name the parent or guardian who consented."}
            )
        return basis, detail.strip()
    if basis == MinorConsent.STATE_RULE:
        rule = minor_state_rule(patient.program, age)
        if rule is None:
            raise ValidationError(
                {
                    "minor_consent": "The program has set no state rule that lets a minor of "
                    f"{age} consent: record the guardian's consent."
                }
            )
        return basis, rule
    raise ValidationError(
        {"minor_consent": f"The patient is {age}, a minor: record who consented to admission."}
    )


def _check_below_level(acknowledged: bool, reason: str) -> None:
    problems = {}
    if not acknowledged:
        problems["below_level_acknowledged"] = (
            "This admission is below the decided level of care: tick to acknowledge it."
        )
    if not reason:
        problems["below_level_reason"] = "Say why the patient is admitted below the decided level."
    if problems:
        raise ValidationError(problems)


# --- Returning patients --------------------------------------------------------------------------


def returning_candidates(inquiry: Inquiry, user: User) -> list[Patient]:
    """Patients of the inquiry's program, known at the user's facilities, with the inquiry's date
    of birth and its given or family name: perhaps the same person, coming back (at most five)."""
    if inquiry.patient_id is not None or inquiry.date_of_birth is None:
        return []
    facility_ids = permissions.facility_ids_with(
        user, permissions.EPISODE_ADMIT
    ) | permissions.facility_ids_with(user, permissions.CHART_VIEW)
    known = Q(episodes__facility_id__in=facility_ids) | Q(registered_at_id__in=facility_ids)
    names = Q(family_name__iexact=inquiry.family_name.strip()) | Q(
        given_name__iexact=inquiry.given_name.strip()
    )
    ids = Patient.objects.filter(known, names, date_of_birth=inquiry.date_of_birth)
    return list(
        Patient.objects.filter(
            pk__in=ids.values("pk"), program_id=inquiry.facility.program_id
        ).order_by("family_name", "given_name", "pk")[:5]
    )


def do_link_returning_patient(inquiry: Inquiry, patient: Patient, *, acting_user: User) -> Patient:
    """Convert the inquiry to the patient record it is about (a returning patient) instead of
    registering the person again; the earlier episodes stay on that one record."""
    _require_open(inquiry, acting_user)
    _require(
        acting_user,
        permissions.EPISODE_ADMIT,
        inquiry.facility,
        "Your role cannot register patients.",
    )
    if patient.program_id != inquiry.facility.program_id:
        raise ValidationError({"patient": "That patient belongs to another program."})
    with transaction.atomic():
        locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if locked.patient_id is not None or locked.status == Inquiry.Status.CONVERTED:
            raise ValidationError("This inquiry is already linked to a patient.")
        return _mark_converted(locked, patient, acting_user)


# --- ASAM editions (SPEC A11) --------------------------------------------------------------------


def placement_settings_for(program: Program) -> PlacementSettings:
    """The program's placement settings; an unsaved default (3rd edition, nothing confirmed)."""
    found = PlacementSettings.objects.filter(program=program).first()
    return found or PlacementSettings(program=program)


def confirmed_fourth_mapping(chosen: PlacementSettings) -> dict[str, str] | None:
    """The confirmed 3rd-to-4th-edition mapping, or None: never confirmed, or confirmed for an
    older version of the knowledge table (a changed table needs confirming again)."""
    if not chosen.fourth_mapping or chosen.fourth_mapping_version != asam4.table_version():
        return None
    return dict(chosen.fourth_mapping)


def _require_director(program: Program, user: User) -> None:
    if not any(
        permissions.can(user, permissions.PROGRAM_CONFIGURE, f) for f in program.facilities.all()
    ):
        raise PermissionDenied("Only the program's director can change level-of-care settings.")


def _locked_placement_settings(program: Program, expected_version: int) -> PlacementSettings:
    """The settings row, created on first save and locked; refused if changed since read."""
    PlacementSettings.objects.get_or_create(program=program)
    found = PlacementSettings.objects.select_for_update().get(program=program)
    if found.version != expected_version:
        raise ValidationError(
            "Someone else changed the level-of-care settings after you opened them, so yours "
            "were not saved. The page now shows theirs.",
            code="stale",
        )
    return found


def do_change_editions(
    program: Program, *, acting_user: User, shown: str, reports: str, expected_version: int
) -> PlacementSettings:
    """Choose the edition staff see first and the one reports use (audited, version-checked)."""
    _require_director(program, acting_user)
    editions = PlacementSettings.Edition.values
    problems = {
        key: "Choose the 3rd or the 4th edition."
        for key, value in (("edition_shown", shown), ("edition_reports", reports))
        if value not in editions
    }
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        found = _locked_placement_settings(program, expected_version)
        changes = {
            key: [getattr(found, key), new]
            for key, new in (("edition_shown", shown), ("edition_reports", reports))
            if getattr(found, key) != new
        }
        if not changes:
            return found
        found.edition_shown, found.edition_reports = shown, reports
        found.version += 1
        found.save()
        log.record("placement.editions_changed", actor=acting_user, target=found, changes=changes)
    return found


def do_confirm_fourth_mapping(
    program: Program,
    *,
    acting_user: User,
    mapping: dict[str, str],
    expected_version: int,
    now: datetime | None = None,
) -> PlacementSettings:
    """The medical director confirms the 3rd-to-4th-edition table (each level to one of its
    candidates), for the knowledge table's current version. Source: asam-criteria-4 (SPEC A11)."""
    _require_director(program, acting_user)
    try:
        asam4.check_confirmed(mapping)
    except KnowledgeError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        found = _locked_placement_settings(program, expected_version)
        old = found.fourth_mapping
        found.fourth_mapping = dict(mapping)
        found.fourth_mapping_version = asam4.table_version()
        found.confirmed_at, found.confirmed_by = now or timezone.now(), acting_user
        found.version += 1
        found.save()
        log.record(
            "placement.fourth_mapping_confirmed",
            actor=acting_user,
            target=found,
            changes={
                "mapping": [old or None, found.fourth_mapping],
                "table_version": found.fourth_mapping_version,
            },
        )
    return found
