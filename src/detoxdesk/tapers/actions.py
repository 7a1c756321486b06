"""Writing taper plans, prescribed opioids and the program's taper settings: the only door.

Every plan change is re-validated by the clinical engine (``clinical/taper.py``) by replaying the
plan's whole history, and written with its audit event in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.audit.signing import sign
from detoxdesk.clinical import errors, mme, taper
from detoxdesk.lib.dates import shown
from detoxdesk.patients.models import Episode, Facility, Program
from detoxdesk.tapers import orders, queries, schedule
from detoxdesk.tapers.models import (
    HardDayReport,
    PrescribedOpioid,
    TaperEvent,
    TaperPlan,
    TaperSettings,
)

# The drug each withdrawal kind tapers; a long-term taper names its own.
KIND_DRUGS: dict[str, str] = {
    TaperPlan.Kind.BUPRENORPHINE: "buprenorphine",
    TaperPlan.Kind.METHADONE: "methadone",
    TaperPlan.Kind.LOFEXIDINE: "lofexidine",
}


def _require(user: User, capability: str, facility: Facility) -> None:
    if not permissions.can(user, capability, facility):
        raise PermissionDenied("Your role cannot do this for this patient.")


def _facility(plan: TaperPlan) -> Facility:
    if plan.episode is None:
        raise ValidationError("This plan has no episode of care.")
    return plan.episode.facility


def _require_plan(user: User, plan: TaperPlan) -> None:
    _require(user, permissions.TAPER_PLAN, _facility(plan))


def _times_of_day(values: dict[str, Any]) -> list[str]:
    """The times of day the medication record gives the doses at, as sorted "HH:MM"."""
    return sorted({t.strftime("%H:%M") for t in values.get("times_of_day") or []})


def _parameters(kind: str, values: dict[str, Any], rules: TaperSettings) -> dict[str, Any]:
    """The engine input beyond the common fields, as JSON-safe values, and the times of day."""
    times = {"times_of_day": _times_of_day(values)}
    if kind == TaperPlan.Kind.BENZODIAZEPINE:
        percent = values.get("step_percent")
        return {
            "step_percent": None if percent is None else str(percent),
            "step_days": values.get("step_days"),
            **times,
        }
    if kind != TaperPlan.Kind.LONG_TERM_OPIOID:
        return {
            "days": values.get("days"),
            "allow_outside_range": bool(values.get("allow_outside_range")),
            **times,
        }
    original = values.get("original_daily_dose")
    slow = None
    if rules.slow_near_end_percent is not None and rules.slow_near_end_every_days:
        slow = {
            "at_or_below_percent": str(rules.slow_near_end_percent),
            "every_days": rules.slow_near_end_every_days,
        }
    return {
        "percent": None if values.get("percent") is None else str(values["percent"]),
        "every_days": values.get("every_days"),
        "of": values.get("of"),
        "original_daily_dose": None if original is None else str(original),
        "slow_near_end": slow,
        **times,
    }


def _check_long_term(values: dict[str, Any]) -> None:
    missing = {
        key: "Required for a long-term opioid taper."
        for key in ("drug", "percent", "every_days", "of")
        if values.get(key) in (None, "")
    }
    if missing:
        raise ValidationError(missing)


def _check_benzodiazepine(values: dict[str, Any]) -> None:
    missing = {
        key: "Required for a benzodiazepine taper."
        for key in ("drug", "step_percent", "step_days")
        if values.get(key) in (None, "")
    }
    if missing:
        raise ValidationError(missing)


def _event(plan: TaperPlan, kind: str, user: User, now: datetime, reason: str, **data: Any) -> None:
    TaperEvent.objects.create(plan=plan, kind=kind, at=now, by=user, reason=reason, data=data)


def do_draft_plan(
    episode: Episode,
    *,
    acting_user: User,
    kind: str,
    start_date: date,
    current_daily_dose: Decimal,
    increment: Decimal,
    unit: str = "mg",
    drug: str = "",
    now: datetime | None = None,
    **values: Any,
) -> TaperPlan:
    """Plan a taper as a draft. ``values``: ``days``, ``allow_outside_range`` for the withdrawal
    kinds; ``percent``, ``every_days``, ``of``, ``original_daily_dose`` for a long-term taper;
    ``step_percent``, ``step_days`` (and ``drug``) for a benzodiazepine taper (SPEC A7);
    ``times_of_day`` (list of time) for the medication order the signed plan drives. Pregnancy is
    read from the episode (``queries.pregnancy``) and passed to the engine, which adds a warning
    for physician review. Raises ValidationError naming the fields the engine refuses,
    PermissionDenied."""
    _require(acting_user, permissions.TAPER_PLAN, episode.facility)
    if episode.status != Episode.Status.ACTIVE:
        raise ValidationError("This episode has ended; plan the taper on an active episode.")
    if kind not in TaperPlan.Kind.values:
        raise ValidationError({"kind": "Choose a kind of taper."})
    if kind == TaperPlan.Kind.LONG_TERM_OPIOID:
        _check_long_term({**values, "drug": drug})
    if kind == TaperPlan.Kind.BENZODIAZEPINE:
        _check_benzodiazepine({**values, "drug": drug})
        drug = taper.normal_drug(drug)
    program = episode.facility.program
    rules = queries.settings_for(program)
    now = now or timezone.now()
    plan = TaperPlan(
        patient=episode.patient,
        episode=episode,
        kind=kind,
        drug=KIND_DRUGS.get(kind, drug),
        unit=unit,
        increment=increment,
        current_daily_dose=current_daily_dose,
        start_date=start_date,
        parameters={**_parameters(kind, values, rules), "pregnant": queries.pregnancy(episode)},
        policy_version=program.policy_version,
        created_by=acting_user,
        created_at=now,
    )
    try:
        equivalents = queries.diazepam_equivalents(rules)
        schedule.store(plan, schedule.base_plan(plan, equivalents))
    except errors.InvalidInput as exc:
        raise schedule.invalid(exc) from None
    with transaction.atomic():
        plan.save()
        _event(plan, TaperEvent.Kind.DRAFTED, acting_user, now, "")
        log.record_for(
            plan,
            "taper.drafted",
            actor=acting_user,
            changes={"kind": kind, "end_date": plan.steps[-1]["date"]},
        )
    return plan


def _sync_order(
    plan: TaperPlan, *, acting_user: User, reason: str, acknowledged: bool = False
) -> None:
    """Bring the plan's medication order in line with it; a plan that comes to drive an order
    records which (``order_uuid``), in the same transaction."""
    created = orders.sync(plan, acting_user=acting_user, reason=reason, acknowledged=acknowledged)
    if created is not None:
        plan.order_uuid = created.line.uuid
        plan.save(update_fields=["order_uuid"])


def _locked(plan: TaperPlan) -> TaperPlan:
    """The plan re-read under a row lock, so two changes cannot interleave."""
    return (
        TaperPlan.objects.select_for_update(of=("self",))
        .select_related("episode__facility__program", "patient")
        .get(pk=plan.pk)
    )


def _replay(plan: TaperPlan, extra: TaperEvent | None = None) -> taper.TaperPlan:
    events = list(plan.events.all()) + ([extra] if extra is not None else [])
    try:
        equivalents = None
        if plan.kind == TaperPlan.Kind.BENZODIAZEPINE and plan.episode is not None:
            rules = queries.settings_for(plan.episode.facility.program)
            equivalents = queries.diazepam_equivalents(rules)
        return schedule.rebuild(plan, events, equivalents)
    except errors.InvalidInput as exc:
        raise schedule.invalid(exc) from None


def _refuse_stops(plan: TaperPlan, field: str | None = None) -> None:
    """A stop (``abrupt_taper``) blocks: this app has no override of a taper's stop, so it
    refuses, saying why and what to do instead."""
    if not plan.stop_findings:
        return
    why = " ".join(f["message"] for f in plan.stop_findings)
    message = (
        f"{why} A plan with a stop cannot be signed or changed to one: draft it again with more "
        "days or a smaller increment, or cancel it."
    )
    raise ValidationError({field: message} if field else message)


def _refuse_unseen_pregnancy(plan: TaperPlan) -> None:
    """Refuse to sign a plan drafted before a pregnancy was recorded: its findings lack the
    physician review (acog-711), and signing must not skip a warning nobody has seen."""
    if plan.episode is None or plan.parameters.get("pregnant") is True:
        return
    if queries.pregnancy(plan.episode) is True:
        raise ValidationError(
            "Pregnancy has been recorded since this plan was drafted: draft it again so that it "
            "carries the physician review for pregnancy, then sign it."
        )


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({field: "Give a reason: it is kept in the plan's history."})
    return reason


def do_edit_step(
    plan: TaperPlan,
    *,
    acting_user: User,
    on: date,
    new_dose: Decimal,
    reason: str = "",
    read_dose: Decimal | None = None,
    now: datetime | None = None,
) -> TaperPlan:
    """Change one day's dose; the engine refuses increases and non-multiples of the increment.

    A signed plan needs a reason and cannot change days already past or while held.
    ``read_dose`` is the day's dose when the editor read it (the form carries it): when someone
    changed the day since, nothing is saved and the ValidationError on ``new_dose`` shows their
    change."""
    _require_plan(acting_user, plan)
    now = now or timezone.now()
    with transaction.atomic():
        plan = _locked(plan)
        if plan.status not in (TaperPlan.Status.DRAFT, TaperPlan.Status.ACTIVE):
            raise ValidationError("Only a draft or a running plan can be edited; resume it first.")
        if plan.status == TaperPlan.Status.ACTIVE:
            reason = _require_reason(reason)
            if on < timezone.localdate(now):
                raise ValidationError({"date": "Days already past cannot be changed."})
        old = next((s["daily_dose"] for s in plan.steps if s["date"] == on.isoformat()), None)
        if read_dose is not None and old is not None and Decimal(old) != read_dose:
            raise ValidationError({"new_dose": _overtaken(plan, on, read_dose, old, new_dose)})
        data = {"date": on.isoformat(), "old_dose": old, "new_dose": str(new_dose)}
        pending = TaperEvent(plan=plan, kind=TaperEvent.Kind.EDITED, at=now, by=acting_user)
        pending.data = data
        had_stop = bool(plan.stop_findings)
        schedule.store(plan, _replay(plan, pending))
        if plan.status == TaperPlan.Status.ACTIVE and not had_stop:
            _refuse_stops(plan, "new_dose")
        plan.save(update_fields=["steps", "notes", "findings"])
        _event(plan, TaperEvent.Kind.EDITED, acting_user, now, reason, **data)
        log.record_for(plan, "taper.step_edited", actor=acting_user, changes=data)
        _sync_order(plan, acting_user=acting_user, reason=f"Taper step edited: {reason}")
    return plan


def _overtaken(plan: TaperPlan, on: date, read: Decimal, now_dose: str, mine: Decimal) -> str:
    """The message for an edit overtaken by someone else's: who changed the day, to what, when."""
    unit, was, yours = plan.unit, schedule.plain(read), schedule.plain(mine)
    text = (
        f"Someone else changed this day after you opened it: it was {was} {unit}, it is now "
        f"{now_dose} {unit}. Your change to {yours} {unit} was not saved"
    )
    last = (
        TaperEvent.objects.filter(plan=plan, kind=TaperEvent.Kind.EDITED)
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    if last is not None and last.data.get("date") == on.isoformat():
        who = last.by.display_name
        text += f" ({who} changed it at {shown(last.at)})"
    return text + "; check the dose now planned and enter yours again if it still applies."


# Withdrawal tapers are given on the unit, so the nurse must see their doses on the medication
# record; a long-term opioid taper is taken at home from the patient's own prescription.
NEEDS_TIMES = frozenset(KIND_DRUGS)
TIMES_REQUIRED = (
    "Give the times of day the doses are given at: a signed withdrawal taper must appear on the "
    "medication record."
)


def _sign_times(plan: TaperPlan, times_of_day: list[time] | None) -> None:
    """Take the times given at signing (if any); refuse a withdrawal taper without times."""
    if times_of_day:
        times = _times_of_day({"times_of_day": times_of_day})
        plan.parameters = {**plan.parameters, "times_of_day": times}
    if plan.kind in NEEDS_TIMES and not plan.parameters.get("times_of_day"):
        raise ValidationError({"times_of_day": TIMES_REQUIRED})


def do_sign_plan(
    plan: TaperPlan,
    *,
    acting_user: User,
    acknowledged: bool = False,
    times_of_day: list[time] | None = None,
    now: datetime | None = None,
) -> TaperPlan:
    """Sign a draft: it becomes the patient's active plan (another live plan must be cancelled
    first). Warnings on the plan need ``acknowledged``; a stop (``abrupt_taper``) refuses signing,
    and so does a pregnancy recorded after the plan was drafted (draft it again). A withdrawal
    taper needs its times of day (``times_of_day``, or those given when it was drafted):
    ValidationError naming ``times_of_day`` otherwise, so that no signed taper is missing from the
    medication record."""
    _require_plan(acting_user, plan)
    now = now or timezone.now()
    with transaction.atomic():
        plan = _locked(plan)
        if plan.status != TaperPlan.Status.DRAFT:
            raise ValidationError("Only a draft can be signed.")
        _refuse_unseen_pregnancy(plan)
        _refuse_stops(plan)
        _sign_times(plan, times_of_day)
        if plan.findings and not acknowledged:
            raise ValidationError({"acknowledged": "Acknowledge the warnings to sign the plan."})
        if queries.active_plan(plan.patient) is not None:
            raise ValidationError("This patient already has an active taper; cancel it first.")
        warnings = [f["code"] for f in plan.findings]
        sign(
            plan,
            "taper.signed",
            actor=acting_user,
            now=now,
            status=TaperPlan.Status.ACTIVE,
            changes={"acknowledged": warnings},
            save_fields=["parameters"],
            locked=True,
        )
        _event(plan, TaperEvent.Kind.SIGNED, acting_user, now, "", acknowledged=warnings)
        _sync_order(
            plan, acting_user=acting_user, reason="Taper plan signed", acknowledged=acknowledged
        )
    return plan


def do_hold_plan(
    plan: TaperPlan,
    *,
    acting_user: User,
    from_date: date,
    reason: str,
    now: datetime | None = None,
) -> TaperPlan:
    """Hold a running plan at its dose from ``from_date`` until it is resumed."""
    _require_plan(acting_user, plan)
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        plan = _locked(plan)
        if plan.status != TaperPlan.Status.ACTIVE:
            raise ValidationError("Only a signed, running plan can be held.")
        dates = [s["date"] for s in plan.steps]
        if from_date < timezone.localdate(now):
            raise ValidationError({"from_date": "A hold cannot start in the past."})
        if from_date.isoformat() not in dates or from_date.isoformat() == dates[-1]:
            message = f"Choose a day of the plan before its last day ({dates[-1]})."
            raise ValidationError({"from_date": message})
        plan.status, plan.held_from = TaperPlan.Status.HELD, from_date
        plan.save(update_fields=["status", "held_from"])
        _event(plan, TaperEvent.Kind.HELD, acting_user, now, reason, held_from=str(from_date))
        log.record_for(plan, "taper.held", actor=acting_user, changes={"held_from": str(from_date)})
        _sync_order(plan, acting_user=acting_user, reason=f"Taper held: {reason}")
    return plan


def do_resume_plan(
    plan: TaperPlan,
    *,
    acting_user: User,
    resume_on: date,
    reason: str,
    now: datetime | None = None,
) -> TaperPlan:
    """Resume a held plan: reductions continue on ``resume_on``; every later day moves by the days
    held."""
    _require_plan(acting_user, plan)
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        plan = _locked(plan)
        if plan.status != TaperPlan.Status.HELD or plan.held_from is None:
            raise ValidationError("Only a held plan can be resumed.")
        days = (resume_on - plan.held_from).days
        if days < 1:
            message = f"Choose a day after the hold began ({plan.held_from})."
            raise ValidationError({"resume_on": message})
        data = {"held_from": str(plan.held_from), "days": days}
        pending = TaperEvent(plan=plan, kind=TaperEvent.Kind.RESUMED, data=data)
        schedule.store(plan, _replay(plan, pending))
        plan.status, plan.held_from, plan.resumed_at = TaperPlan.Status.ACTIVE, None, now
        plan.save(update_fields=["steps", "notes", "findings", "status", "held_from", "resumed_at"])
        _event(plan, TaperEvent.Kind.RESUMED, acting_user, now, reason, **data)
        log.record_for(
            plan,
            "taper.resumed",
            actor=acting_user,
            changes={**data, "end_date": plan.steps[-1]["date"]},
        )
        _sync_order(plan, acting_user=acting_user, reason=f"Taper resumed: {reason}")
    return plan


def do_cancel_plan(
    plan: TaperPlan, *, acting_user: User, reason: str, now: datetime | None = None
) -> TaperPlan:
    """Cancel a draft or a live plan; it stays in the record with its history."""
    _require_plan(acting_user, plan)
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        plan = _locked(plan)
        if plan.status == TaperPlan.Status.CANCELLED:
            raise ValidationError("This plan is already cancelled.")
        was_live = plan.is_live
        plan.status = TaperPlan.Status.CANCELLED
        plan.save(update_fields=["status"])
        _event(plan, TaperEvent.Kind.CANCELLED, acting_user, now, reason)
        log.record_for(plan, "taper.cancelled", actor=acting_user, changes={"reason": reason})
        if was_live:
            _sync_order(plan, acting_user=acting_user, reason=f"Taper cancelled: {reason}")
    return plan


def do_report_hard_day(
    plan: TaperPlan, *, acting_user: User, note: str = "", now: datetime | None = None
) -> HardDayReport:
    """Record the patient's own report of a hard day (entered by staff with chart access)."""
    _require(acting_user, permissions.CHART_VIEW, _facility(plan))
    if not plan.is_live:
        raise ValidationError("Hard days are recorded on a signed plan.")
    with transaction.atomic():
        report = HardDayReport.objects.create(
            plan=plan, reported_at=now or timezone.now(), recorded_by=acting_user, note=note[:500]
        )
        log.record_for(
            plan, "taper.hard_day_reported", actor=acting_user, changes={"note": bool(note)}
        )
    return report


# --- Prescribed opioids ---------------------------------------------------------------------------


def _opioid_problems(drug: str, dose: Decimal, unit: str, per_day: Decimal | None) -> None:
    try:
        mme.parse_medications(
            [
                {
                    "drug": drug,
                    "dose": dose,
                    "unit": unit,
                    **({} if per_day is None else {"doses_per_day": per_day}),
                }
            ]
        )
    except errors.InvalidInput as exc:
        raise ValidationError(
            {key.split(".")[-1]: message for key, message in exc.fields.items()}
        ) from None


def do_record_opioid(
    episode: Episode,
    *,
    acting_user: User,
    drug: str,
    dose: Decimal,
    unit: str,
    doses_per_day: Decimal | None,
    prescriber: str = "",
    started_on: date | None = None,
    now: datetime | None = None,
) -> PrescribedOpioid:
    """Record an opioid the patient is prescribed, checked by the MME engine's drug table."""
    _require(acting_user, permissions.EVALUATION_RECORD, episode.facility)
    _opioid_problems(drug, dose, unit, doses_per_day)
    with transaction.atomic():
        row = PrescribedOpioid.objects.create(
            patient=episode.patient,
            drug=drug,
            dose=dose,
            unit=unit,
            doses_per_day=None if unit in mme.RATE_UNITS else doses_per_day,
            prescriber=prescriber,
            started_on=started_on,
            recorded_by=acting_user,
            recorded_at=now or timezone.now(),
        )
        log.record(
            "opioid.recorded",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"drug": drug, "dose": str(dose), "unit": unit},
        )
    return row


def do_stop_opioid(
    row: PrescribedOpioid, episode: Episode, *, acting_user: User, stopped_on: date
) -> PrescribedOpioid:
    """Mark a prescribed opioid stopped; it leaves the MME total."""
    _require(acting_user, permissions.EVALUATION_RECORD, episode.facility)
    if row.patient_id != episode.patient_id:
        raise PermissionDenied("This medication belongs to another patient.")
    with transaction.atomic():
        row.stopped_on = stopped_on
        row.save(update_fields=["stopped_on"])
        log.record(
            "opioid.stopped",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"stopped_on": str(stopped_on)},
        )
    return row


# --- Settings -------------------------------------------------------------------------------------

SETTING_FIELDS = (
    "hold_cows_at",
    "hold_sows_at",
    "flag_on_hard_day",
    "methadone_factors",
    "slow_near_end_percent",
    "slow_near_end_every_days",
)


def _check_settings(values: dict[str, Any]) -> None:
    slow = (values.get("slow_near_end_percent"), values.get("slow_near_end_every_days"))
    if (slow[0] is None) != (slow[1] is None):
        message = "Set both the percentage and the days, or neither."
        raise ValidationError({"slow_near_end_percent": message})
    if values.get("methadone_factors") not in mme.METHADONE_MODES:
        raise ValidationError({"methadone_factors": "Choose a methadone factor table."})


def do_update_settings(
    program: Program, *, acting_user: User, values: dict[str, Any], now: datetime | None = None
) -> TaperSettings:
    """Save the program's taper and MME settings (director: ``program.configure``)."""
    if not permissions.can(acting_user, permissions.PROGRAM_CONFIGURE):
        raise PermissionDenied("Only a program director can change these settings.")
    _check_settings(values)
    with transaction.atomic():
        rules = queries.settings_for(program)
        changes = {
            key: str(values.get(key))
            for key in SETTING_FIELDS
            if getattr(rules, key) != values.get(key)
        }
        for key in SETTING_FIELDS:
            setattr(rules, key, values.get(key))
        rules.updated_at, rules.updated_by = now or timezone.now(), acting_user
        rules.save()
        log.record("taper.settings_changed", actor=acting_user, target=rules, changes=changes)
    return rules


# --- Diazepam-equivalent table (SPEC A7: ships unset) ---------------------------------------------


def _equivalent_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The rows as stored: every drug named once, a number above zero, a source on each."""
    problems, seen, stored = [], set(), []
    for number, row in enumerate(rows, start=1):
        drug = taper.normal_drug(str(row.get("drug") or ""))
        source = " ".join(str(row.get("source") or "").split())
        value = row.get("diazepam_per_unit")
        if not drug or len(drug) > taper.DRUG_MAX_LENGTH:
            problems.append(
                f"Row {number}: name the drug (at most {taper.DRUG_MAX_LENGTH} letters)."
            )
        elif drug in seen:
            problems.append(f"Row {number}: {drug} is listed twice.")
        if not isinstance(value, Decimal) or not value > 0:
            problems.append(f"Row {number}: the diazepam amount must be a number above zero.")
        if not source:
            problems.append(f"Row {number}: every row needs its source (SPEC A7).")
        seen.add(drug)
        stored.append({"drug": drug, "diazepam_per_unit": str(value), "source": source})
    if problems:
        raise ValidationError({"rows": problems})
    return stored


def do_set_diazepam_equivalents(
    program: Program,
    *,
    acting_user: User,
    rows: list[dict[str, Any]],
    read_version: int,
    now: datetime | None = None,
) -> TaperSettings:
    """Set the program's diazepam-equivalent table (director: ``program.configure``).

    ``rows``: dicts of ``drug``, ``diazepam_per_unit`` (Decimal: mg of diazepam per unit of the
    drug) and ``source``; an empty list unsets the table. ``read_version`` is the table's version
    the form showed: a save after someone else's change is refused. Raises ValidationError
    naming ``rows`` (or a plain one for a stale version), PermissionDenied.
    """
    if not permissions.can(acting_user, permissions.PROGRAM_CONFIGURE):
        raise PermissionDenied("Only a program director can change the diazepam-equivalent table.")
    stored = _equivalent_rows(rows)
    with transaction.atomic():
        TaperSettings.objects.get_or_create(program=program)
        rules = TaperSettings.objects.select_for_update().get(program=program)
        if rules.diazepam_equivalents_version != read_version:
            raise ValidationError(
                "Someone else changed the table after you opened it: nothing was saved. Reload "
                "the page, check their rows and enter yours again."
            )
        before = rules.diazepam_equivalents
        rules.diazepam_equivalents = stored
        rules.diazepam_equivalents_version += 1
        rules.updated_at, rules.updated_by = now or timezone.now(), acting_user
        rules.save()
        log.record(
            "taper.diazepam_equivalents_set",
            actor=acting_user,
            target=rules,
            changes={"before": before, "after": stored},
        )
    return rules
