"""Discharging and following up: the only way the aftercare records are written."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.aftercare import integrations, policy
from detoxdesk.aftercare.items import clean_details
from detoxdesk.aftercare.measured import fill_measured
from detoxdesk.aftercare.models import (
    AftercareSettings,
    Appointment,
    BundleItem,
    Discharge,
    DischargeKind,
    FollowUp,
    Referral,
)
from detoxdesk.audit import log
from detoxdesk.audit.signing import sign
from detoxdesk.beds import actions as bed_actions
from detoxdesk.beds.models import Cleaning
from detoxdesk.clinical import aftercare as rules
from detoxdesk.directory.models import Resource
from detoxdesk.patients.models import Episode, Program

Code = BundleItem.Code
AMA_REASON = "Left against medical advice before this could be arranged."


def _require(user: User, capability: str, episode: Episode) -> None:
    if not permissions.can(user, capability, episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")


def _require_open(discharge: Discharge) -> None:
    if discharge.is_signed:
        raise ValidationError("This discharge is signed; it can no longer be changed.")


def _lock_open(discharge: Discharge) -> None:
    """Inside the transaction: lock the discharge and refuse it if it was signed meanwhile, so
    nothing of the bundle changes after signing has kept it (``measured.fill_measured``)."""
    status = Discharge.objects.select_for_update().values_list("status", flat=True)
    if status.get(pk=discharge.pk) == Discharge.Status.SIGNED:
        raise ValidationError("This discharge is signed; it can no longer be changed.")


def _record(
    event: str, user: User, discharge: Discharge, target: Any, changes: dict[str, Any]
) -> None:
    log.record(
        event,
        actor=user,
        patient=discharge.patient,
        facility=discharge.episode.facility,
        target=target,
        changes=changes,
    )


# --- Starting and preparing -----------------------------------------------------------------------


def do_start_discharge(
    episode: Episode, *, acting_user: User, kind: str, now: datetime | None = None
) -> Discharge:
    """Open the discharge of an active episode with every bundle item open.

    The medications field is prefilled from the current orders where the medications app
    provides them. The episode row is locked while its state is checked, so of two requests at
    once (a double submit) one starts the discharge and the other gets the message.
    """
    _require(acting_user, permissions.DISCHARGE_PREPARE, episode)
    if kind not in DischargeKind.values:
        raise ValidationError({"kind": "Choose the type of discharge."})
    now = now or timezone.now()
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        if episode.status != Episode.Status.ACTIVE:
            raise ValidationError("This episode has already ended.")
        if Discharge.objects.filter(episode=episode).exists():
            raise ValidationError("A discharge has already been started for this episode.")
        discharge = Discharge.objects.create(
            episode=episode,
            patient=episode.patient,
            kind=kind,
            started_by=acting_user,
            started_at=now,
            medications_text=integrations.current_medications_text(episode),
        )
        BundleItem.objects.bulk_create(
            BundleItem(discharge=discharge, code=code) for code in rules.BUNDLE_CODES
        )
        _record("discharge.started", acting_user, discharge, discharge, {"kind": kind})
    return discharge


def do_record_item(
    discharge: Discharge,
    code: str,
    *,
    acting_user: User,
    status: str,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> BundleItem:
    """Resolve one bundle item: done (with its details), declined or not applicable (with reason).

    A warm hand-off marked done becomes the discharge's hand-off appointment; one later than the
    hand-off window needs ``details["acknowledge_late"]`` (a warning, never a stop).
    """
    _require(acting_user, permissions.DISCHARGE_PREPARE, discharge.episode)
    _require_open(discharge)
    now = now or timezone.now()
    rule = rules.bundle_items().get(code)
    if rule is None:
        raise ValidationError({"code": "No such bundle item."})
    reason = reason.strip()
    _check_status(rule, status, reason, integrations.opioid_use_disorder(discharge.episode))
    clean = clean_details(code, details or {}, discharge, now) if status == rules.ITEM_DONE else {}
    if code == Code.REFERRALS and status == rules.ITEM_DONE and not discharge.referrals.exists():
        raise ValidationError({"status": "Add at least one referral before marking this done."})
    with transaction.atomic():
        _lock_open(discharge)
        item = BundleItem.objects.select_for_update().get(discharge=discharge, code=code)
        item.status, item.reason, item.details = (
            status,
            reason if status != rules.ITEM_DONE else "",
            clean,
        )
        item.recorded_by, item.recorded_at = acting_user, now
        item.save()
        if code == Code.WARM_HANDOFF:
            _replace_handoff(discharge, item)
        _record(
            "discharge.item_recorded",
            acting_user,
            discharge,
            discharge,
            {"item": code, "status": status},
        )
    return item


def _check_status(rule: rules.BundleItemRule, status: str, reason: str, oud: bool) -> None:
    if status == rules.ITEM_OPEN:
        raise ValidationError({"status": "Choose how it was resolved."})
    problem = rules.item_problem(rule, rules.ItemState(status, reason), opioid_use_disorder=oud)
    if problem is not None:
        refused_status = status not in rules.ITEM_STATUSES or (
            status == rules.ITEM_NOT_APPLICABLE
            and not rule.not_applicable_allowed(opioid_use_disorder=oud)
        )
        raise ValidationError({"status" if refused_status else "reason": problem})


def _replace_handoff(discharge: Discharge, item: BundleItem) -> None:
    discharge.appointments.filter(is_warm_handoff=True).delete()
    acknowledged = bool(item.details.get("acknowledge_late"))
    if item.status == rules.ITEM_DONE:
        Appointment.objects.create(
            discharge=discharge,
            patient=discharge.patient,
            when=datetime.fromisoformat(item.details["appointment_at"]),
            provider_name=item.details["provider_name"],
            place=item.details.get("place", ""),
            phone=item.details.get("phone", ""),
            is_warm_handoff=True,
        )
    if discharge.handoff_delay_acknowledged != acknowledged:
        discharge.handoff_delay_acknowledged = acknowledged
        discharge.save(update_fields=["handoff_delay_acknowledged"])


AMA_MOUD_CHOICES = ("bridge", "declined")


def do_record_ama_bundle(
    discharge: Discharge,
    *,
    acting_user: User,
    naloxone: str,
    overdose_warning_given: bool,
    crisis_numbers_given: bool,
    not_given_reason: str = "",
    moud: str = "",
    bridge_drug: str = "",
    bridge_dose_mg: Decimal | None = None,
    bridge_days: int | None = None,
    now: datetime | None = None,
) -> Discharge:
    """The fast path for someone leaving now: naloxone, the overdose warning, crisis numbers, MOUD.

    ``naloxone`` is "dispensed", "prescribed" or "declined" (then ``not_given_reason`` says why):
    the offer is always recorded. ``moud`` is "bridge" (a bridge prescription: ``bridge_drug``,
    ``bridge_dose_mg`` a day, ``bridge_days``) or "declined" (``not_given_reason`` says why);
    empty leaves the MOUD item as it is, which is refused while it is open and the record shows
    opioid use disorder. Items still open are then marked not applicable (left AMA).
    """
    if discharge.kind != DischargeKind.AMA:
        raise ValidationError("The short form is only for a discharge against medical advice.")
    reason = not_given_reason.strip()
    if naloxone not in ("dispensed", "prescribed", "declined"):
        raise ValidationError(
            {"naloxone": "Record whether naloxone was dispensed, prescribed or declined."}
        )
    _check_ama_moud(discharge, moud)
    needs_reason = (
        naloxone == "declined"
        or moud == "declined"
        or not overdose_warning_given
        or not crisis_numbers_given
    )
    if needs_reason and not reason:
        raise ValidationError({"not_given_reason": "Say why what was not given was declined."})
    bridge = {
        "bridge_drug": bridge_drug,
        "bridge_dose_mg": bridge_dose_mg,
        "bridge_days": bridge_days,
    }
    with transaction.atomic():
        if moud:
            do_record_item(
                discharge,
                Code.MOUD,
                acting_user=acting_user,
                status="done" if moud == "bridge" else "declined",
                reason="" if moud == "bridge" else reason,
                details={"moud_option": "bridge", **bridge} if moud == "bridge" else None,
                now=now,
            )
        if naloxone == "declined":
            do_record_item(
                discharge,
                Code.NALOXONE,
                acting_user=acting_user,
                status="declined",
                reason=reason,
                now=now,
            )
        else:
            do_record_item(
                discharge,
                Code.NALOXONE,
                acting_user=acting_user,
                status="done",
                details={"naloxone_how": naloxone},
                now=now,
            )
        for code, given in (
            (Code.OVERDOSE_EDUCATION, overdose_warning_given),
            (Code.CRISIS_NUMBERS, crisis_numbers_given),
        ):
            do_record_item(
                discharge,
                code,
                acting_user=acting_user,
                status="done" if given else "declined",
                reason="" if given else reason,
                now=now,
            )
        for item in discharge.items.filter(status=rules.ITEM_OPEN):
            do_record_item(
                discharge,
                item.code,
                acting_user=acting_user,
                status="not_applicable",
                reason=AMA_REASON,
                now=now,
            )
    return discharge


def _check_ama_moud(discharge: Discharge, moud: str) -> None:
    if moud and moud not in AMA_MOUD_CHOICES:
        raise ValidationError({"moud": "Choose a bridge prescription or offered and declined."})
    if moud or not integrations.opioid_use_disorder(discharge.episode):
        return
    if discharge.items.filter(code=Code.MOUD, status=rules.ITEM_OPEN).exists():
        raise ValidationError(
            {
                "moud": "Opioid use disorder is recorded: record the MOUD offer, a bridge "
                "prescription or offered and declined (with the reason)."
            }
        )


def do_add_referral(
    discharge: Discharge,
    *,
    acting_user: User,
    resource: Resource | None = None,
    name: str = "",
    kind: str = "",
    address: str = "",
    phone: str = "",
    note: str = "",
    obstetric_contact: str = "",
) -> Referral:
    """Refer the patient to a directory resource (its details copied) or a place typed in;
    ``obstetric_contact`` names who follows a pregnant patient's pregnancy."""
    _require(acting_user, permissions.DISCHARGE_PREPARE, discharge.episode)
    _require_open(discharge)
    if resource is not None:
        name, kind, address, phone = integrations.resource_contact(resource)
    if not name.strip():
        raise ValidationError({"name": "Choose a resource from the directory or type its name."})
    with transaction.atomic():
        referral = Referral.objects.create(
            discharge=discharge,
            resource=resource,
            name=name.strip(),
            kind=kind,
            address=address.strip(),
            phone=phone.strip(),
            note=note.strip(),
            obstetric_contact=obstetric_contact.strip(),
        )
        _record(
            "discharge.referral_added", acting_user, discharge, referral, {"name": referral.name}
        )
    return referral


def do_remove_referral(referral: Referral, *, acting_user: User) -> None:
    """Take a referral off a discharge that is still being prepared."""
    discharge = referral.discharge
    _require(acting_user, permissions.DISCHARGE_PREPARE, discharge.episode)
    _require_open(discharge)
    with transaction.atomic():
        _record(
            "discharge.referral_removed", acting_user, discharge, referral, {"name": referral.name}
        )
        referral.delete()


def do_add_appointment(
    discharge: Discharge,
    *,
    acting_user: User,
    when: datetime,
    provider_name: str,
    place: str = "",
    phone: str = "",
) -> Appointment:
    """Add another appointment after discharge (the warm hand-off is recorded on its item)."""
    _require(acting_user, permissions.DISCHARGE_PREPARE, discharge.episode)
    _require_open(discharge)
    if not provider_name.strip():
        raise ValidationError({"provider_name": "Name the provider or service."})
    if timezone.is_naive(when):
        raise ValidationError({"when": "Give a date and time."})
    with transaction.atomic():
        appointment = Appointment.objects.create(
            discharge=discharge,
            patient=discharge.patient,
            when=when,
            provider_name=provider_name.strip(),
            place=place.strip(),
            phone=phone.strip(),
        )
        _record("discharge.appointment_added", acting_user, discharge, appointment, {})
    return appointment


def summary_fingerprint(discharge: Discharge) -> str:
    """What the summary text was when read: an edit form carries it back with the save."""
    text = f"{discharge.medications_text}\0{discharge.instructions}"
    return hashlib.sha256(text.encode()).hexdigest()


def do_update_summary_text(
    discharge: Discharge,
    *,
    acting_user: User,
    medications_text: str,
    instructions: str,
    read_fingerprint: str = "",
) -> Discharge:
    """Change the medications and other instructions printed on the summary.

    With ``read_fingerprint`` (:func:`summary_fingerprint` when the form was read), a save after
    someone else changed the text is refused, nothing is saved, and the message shows their text.
    """
    _require(acting_user, permissions.DISCHARGE_PREPARE, discharge.episode)
    _require_open(discharge)
    with transaction.atomic():
        current = Discharge.objects.select_for_update().get(pk=discharge.pk)
        if read_fingerprint and read_fingerprint != summary_fingerprint(current):
            raise ValidationError({"medications_text": _overtaken_summary(current)})
        discharge.medications_text = medications_text.strip()
        discharge.instructions = instructions.strip()
        discharge.save(update_fields=["medications_text", "instructions"])
        _record("discharge.updated", acting_user, discharge, discharge, {})
    return discharge


def _overtaken_summary(current: Discharge) -> str:
    def shown(text: str) -> str:
        return f"“{text[:300]}”" if text else "(empty)"

    return (
        "Someone else changed the summary text after you opened it, so yours was not saved. "
        f"It now reads: medications {shown(current.medications_text)}; other instructions "
        f"{shown(current.instructions)}. The form shows their text; make your change again."
    )


# --- Signing --------------------------------------------------------------------------------------


def signing_problems(discharge: Discharge, now: datetime) -> dict[str, str]:
    """What keeps the discharge from being signed now, by bundle item (empty when it may be)."""
    items = list(discharge.items.all())
    states = {item.code: rules.ItemState(item.status, item.reason) for item in items}
    oud = integrations.opioid_use_disorder(discharge.episode)
    problems = rules.bundle_problems(states, opioid_use_disorder=oud)
    handoff = next((i for i in items if i.code == Code.WARM_HANDOFF), None)
    if handoff is not None and handoff.status == rules.ITEM_DONE and "warm_handoff" not in problems:
        when = datetime.fromisoformat(handoff.details["appointment_at"])
        if not rules.handoff_in_time(now, when) and not discharge.handoff_delay_acknowledged:
            hours = int(rules.warm_handoff_window().length.total_seconds() // 3600)
            problems["warm_handoff"] = (
                f"The appointment is more than {hours} hours after discharge: "
                "acknowledge it or change it."
            )
    return problems


def do_sign_discharge(
    discharge: Discharge, *, acting_user: User, now: datetime | None = None
) -> Discharge:
    """Sign the discharge: the episode ends and the follow-ups are scheduled, in one transaction.

    Refused (ValidationError naming each bundle item) while any item is unresolved.
    """
    episode = discharge.episode
    _require(acting_user, permissions.DISCHARGE_SIGN, episode)
    _require_open(discharge)
    now = now or timezone.now()
    if problems := signing_problems(discharge, now):
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if Discharge.objects.select_for_update().get(pk=discharge.pk).is_signed:
            raise ValidationError("This discharge is already signed.")
        if locked.status != Episode.Status.ACTIVE:
            raise ValidationError("This episode has already ended.")
        locked.status, locked.discharged_at = Episode.Status.DISCHARGED, now
        locked.stage = Episode.Stage.AFTERCARE
        locked.save(update_fields=["status", "discharged_at", "stage"])
        if locked.bed is not None:
            bed_actions.start_cleaning(
                locked.bed, acting_user=acting_user, reason=Cleaning.Reason.DISCHARGE, now=now
            )
        discharge.episode = locked
        days = _schedule_follow_ups(discharge, now)
        sign(
            discharge,
            "discharge.signed",
            actor=acting_user,
            now=now,
            status=Discharge.Status.SIGNED,
            changes={"kind": discharge.kind, "follow_up_days": list(days)},
            save_fields=fill_measured(discharge),
            locked=True,
        )
        _record(
            "episode.discharged",
            acting_user,
            discharge,
            locked,
            {"status": ["active", "discharged"], "kind": discharge.kind},
        )
    return discharge


def _schedule_follow_ups(discharge: Discharge, now: datetime) -> tuple[int, ...]:
    facility = discharge.episode.facility
    program = facility.program
    days = policy.follow_up_days(policy.settings_for(program))
    discharged_on = now.astimezone(ZoneInfo(program.timezone)).date()
    FollowUp.objects.bulk_create(
        FollowUp(
            discharge=discharge,
            patient=discharge.patient,
            facility=facility,
            day_offset=day,
            due_on=due,
        )
        for day, due in rules.follow_up_schedule(discharged_on, days)
    )
    return days


# --- Follow-ups -----------------------------------------------------------------------------------

OUTCOMES = ("engaged_in_moud", "opioid_use", "overdose", "readmitted")


def do_record_follow_up(
    follow_up: FollowUp,
    *,
    acting_user: User,
    reached: bool,
    outcomes: Mapping[str, bool | None],
    needs_help_now: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """Record a follow-up's outcome; "needs help now" opens an intake inquiry in one transaction.

    ``outcomes`` maps each of OUTCOMES to yes, no or unknown (None); they are left unknown when
    the patient was not reached.
    """
    if not permissions.can(acting_user, permissions.FOLLOW_UP_RECORD, follow_up.facility):
        raise PermissionDenied("Your role cannot record follow-ups for this patient.")
    if follow_up.is_recorded:
        raise ValidationError("This follow-up has already been recorded.")
    answered = {key: outcomes.get(key) for key in OUTCOMES}
    if not reached and (wrong := [key for key, value in answered.items() if value is not None]):
        raise ValidationError(
            {key: "Leave this unanswered when the patient was not reached." for key in wrong}
        )
    now = now or timezone.now()
    with transaction.atomic():
        for key, value in answered.items():
            setattr(follow_up, key, value)
        follow_up.reached, follow_up.needs_help_now, follow_up.note = (
            reached,
            needs_help_now,
            note.strip(),
        )
        follow_up.recorded_at, follow_up.recorded_by = now, acting_user
        if needs_help_now:
            follow_up.inquiry_uuid = integrations.open_inquiry(follow_up, acting_user)
        follow_up.save()
        log.record(
            "follow_up.recorded",
            actor=acting_user,
            patient=follow_up.patient,
            facility=follow_up.facility,
            target=follow_up,
            changes={
                "day": follow_up.day_offset,
                "reached": reached,
                "needs_help_now": needs_help_now,
            },
        )
    return follow_up


# --- Settings -------------------------------------------------------------------------------------


def do_change_aftercare_settings(
    program: Program,
    *,
    acting_user: User,
    follow_up_days: list[int],
    overdue_grace_days: int | None,
) -> AftercareSettings:
    """Change the program's follow-up days (empty = the shipped default) and overdue grace."""
    if not any(
        permissions.can(acting_user, permissions.PROGRAM_CONFIGURE, f)
        for f in program.facilities.all()
    ):
        raise PermissionDenied("Only a program director can change program settings.")
    if follow_up_days and (problem := rules.follow_up_days_problem(follow_up_days)):
        raise ValidationError({"follow_up_days": problem})
    if overdue_grace_days is not None and overdue_grace_days < 0:
        raise ValidationError({"overdue_grace_days": "Must be 0 or more days."})
    with transaction.atomic():
        row, _ = AftercareSettings.objects.select_for_update().get_or_create(program=program)
        changes = {
            name: [getattr(row, name), new]
            for name, new in (
                ("follow_up_days", follow_up_days),
                ("overdue_grace_days", overdue_grace_days),
            )
            if getattr(row, name) != new
        }
        if not changes:
            return row
        row.follow_up_days, row.overdue_grace_days, row.updated_at = (
            follow_up_days,
            overdue_grace_days,
            timezone.now(),
        )
        row.save()
        log.record("aftercare.settings_changed", actor=acting_user, target=program, changes=changes)
    return row
