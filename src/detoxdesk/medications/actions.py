"""Every write of the medications app: orders, their versions and states, doses, alert reviews,
the patient facts the engine reads, and the program's medication settings.

Each ``do_*`` checks permission, validates, writes and records its audit events in one
transaction. The safety engine runs when an order is signed and before every dose: a stop
needs an override with a reason by an authorised user, warnings need an acknowledgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import Role, User
from detoxdesk.audit import log
from detoxdesk.clinical import dosing, findings, prescribing, products, scales
from detoxdesk.medications import schedule
from detoxdesk.medications.models import (
    Administration,
    AlertReview,
    HomeMedication,
    MedicationSettings,
    Order,
    OrderLine,
    PatientFacts,
    PdmpCheck,
)
from detoxdesk.medications.policy import program_policy, settings_for
from detoxdesk.medications.safety import (
    OrderOverride,
    SafetyCheck,
    check_administration,
    order_override,
)
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.patients.models import Episode, Program

if TYPE_CHECKING:
    from detoxdesk.controlled.models import Location, Lot

# The optional order fields do_sign_order and do_modify_order accept, with their defaults.
ORDER_DEFAULTS: Mapping[str, Any] = {
    "min_interval_min": None,
    "max_dose_mg": None,
    "max_daily_mg": None,
    "hold_systolic_below": None,
    "hold_diastolic_below": None,
    "hold_heart_rate_below": None,
    "trigger_scale": "",
    "trigger_min_total": None,
    "start_date": None,
    "controlled": None,
    "instructions": "",
}
CHANGEABLE = (
    "dose_mg",
    "route",
    "times_of_day",
    "prn_indication",
    "dose_schedule",
    *ORDER_DEFAULTS,
)


# --- Shared checks --------------------------------------------------------------------------------


def _require(user: User, capability: str, episode: Episode) -> None:
    if not permissions.can(user, capability, episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")
    if episode.status != Episode.Status.ACTIVE:
        raise ValidationError("This episode has ended; nothing more can be recorded on it.")


def may_override(user: User, episode: Episode, settings: MedicationSettings) -> bool:
    """Prescribers may override a stop; nurses only where the program allows it."""
    if permissions.can(user, permissions.SAFETY_OVERRIDE, episode.facility):
        return True
    is_nurse = user.memberships.filter(facility=episode.facility, role=Role.NURSE).exists()
    return settings.nurses_may_override_stops and is_nurse


def _confirm(
    check: SafetyCheck,
    *,
    user: User,
    episode: Episode,
    settings: MedicationSettings,
    acknowledge_warnings: bool,
    override_reason: str,
    covered: bool = False,
) -> None:
    """Refuse unless every stop is overridden with a reason by an authorised user (or covered
    by the prescriber's override on the order) and every warning is acknowledged."""
    if check.stops and not covered:
        if not may_override(user, episode, settings):
            raise PermissionDenied(
                "The safety check stopped this dose and your role cannot override a stop: "
                "ask a prescriber."
            )
        if not override_reason.strip():
            raise ValidationError(
                {"override_reason": "The safety check stopped this: give the override reason."}
            )
    if check.warnings and not acknowledge_warnings:
        raise ValidationError(
            {"acknowledge_warnings": "Acknowledge the safety warnings before going on."}
        )


def _audit_confirmation(
    check: SafetyCheck, *, user: User, episode: Episode, target: Any, override_reason: str
) -> None:
    if check.stops:
        log.record(
            "safety.stop_overridden",
            actor=user,
            patient=episode.patient,
            facility=episode.facility,
            target=target,
            changes={"findings": [f.code for f in check.stops], "reason": override_reason.strip()},
        )
    if check.warnings:
        log.record(
            "safety.warning_acknowledged",
            actor=user,
            patient=episode.patient,
            facility=episode.facility,
            target=target,
            changes={"findings": [f.code for f in check.warnings]},
        )


# --- Orders ---------------------------------------------------------------------------------------


def _clock(now: datetime | None) -> datetime:
    return now or timezone.now()


def _times(values: list[time] | None) -> list[str]:
    return sorted({value.strftime("%H:%M") for value in values or []})


def _positive(errors: dict[str, str], key: str, value: Decimal | int | None) -> None:
    if value is not None and value <= 0:
        errors[key] = "Must be greater than 0."


def _validate(fields: dict[str, Any], program: Program) -> None:
    """Field checks that need no database; ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    if fields["drug"] not in program_policy(settings_for(program)).drug_names():
        errors["drug"] = "Choose a drug the safety engine knows."
    if fields["dose_mg"] is None or fields["dose_mg"] <= 0:
        errors["dose_mg"] = "The dose must be greater than 0 mg."
    if fields["route"] not in Order.Route.values:
        errors["route"] = "Choose a route."
    if not fields["times_of_day"] and not fields["prn_indication"].strip():
        errors["times_of_day"] = "Give the times of day, or make it an as-needed (PRN) order."
    if fields["times_of_day"] and fields["prn_indication"].strip():
        errors["prn_indication"] = "An order is either scheduled or as needed, not both."
    for key in ("min_interval_min", "max_dose_mg", "max_daily_mg", "hold_systolic_below"):
        _positive(errors, key, fields[key])
    for key in ("hold_diastolic_below", "hold_heart_rate_below"):
        _positive(errors, key, fields[key])
    errors.update(_trigger_errors(fields))
    if errors:
        raise ValidationError(errors)
    if fields["dose_schedule"] is not None:
        days = schedule.parse_schedule(fields["dose_schedule"], fields["times_of_day"])
        fields["dose_schedule"] = schedule.schedule_json(days)


def _trigger_errors(fields: Mapping[str, Any]) -> dict[str, str]:
    scale, total = fields["trigger_scale"], fields["trigger_min_total"]
    if not scale and total is None:
        return {}
    if not fields["prn_indication"].strip():
        return {"trigger_scale": "Only an as-needed (PRN) order has a score trigger."}
    if scale not in (Scale.COWS, Scale.CIWA_AR) or total is None:
        return {"trigger_min_total": "Give the scale and the lowest total that allows a dose."}
    highest = scales.get_scale(scale).max_total
    if not 0 <= total <= highest:
        return {"trigger_min_total": f"Must be between 0 and {highest}."}
    return {}


def _order_fields(
    drug: str,
    dose_mg: Decimal,
    route: str,
    times_of_day: list[time] | None,
    prn_indication: str,
    dose_schedule: list[dict[str, str]] | None,
    more: Mapping[str, Any],
) -> dict[str, Any]:
    if unknown := set(more) - set(ORDER_DEFAULTS):
        raise TypeError(f"Unknown order fields: {sorted(unknown)}")
    return {
        "drug": drug,
        "dose_mg": dose_mg,
        "route": route,
        "times_of_day": _times(times_of_day),
        "prn_indication": prn_indication.strip(),
        "dose_schedule": dose_schedule,
        **{key: more.get(key, default) for key, default in ORDER_DEFAULTS.items()},
    }


def _sign_checks(order: Order, settings: MedicationSettings, now: datetime) -> list[SafetyCheck]:
    """The checks run at signing: one dose now (PRN), or every dose of the first day with
    doses, and for a dose schedule also of its largest day (without the first-day rules)."""
    if order.is_prn or not order.times_of_day:
        return [
            check_administration(
                order, order.dose_mg, now, settings=settings, with_vitals=False, with_gate=False
            )
        ]
    today = schedule.local_date(order, now)
    start = max(today, order.start_date) if order.start_date else today
    if not order.dose_schedule:
        return [_day_check(order, settings, start, None)]
    days = [day for day in schedule.dosing_days(order) if day >= start]
    if not days:
        return []
    biggest = max(days, key=lambda day: sum(d.dose_mg for d in schedule.doses_on_day(order, day)))
    return [_day_check(order, settings, days[0], None), _day_check(order, settings, biggest, False)]


def _day_check(
    order: Order, settings: MedicationSettings, day: date, first_day: bool | None
) -> SafetyCheck:
    """The last dose of ``day``, checked with the day's earlier doses as planned."""
    doses = schedule.doses_on_day(order, day)
    planned = tuple(dosing.GivenDose(d.dose_mg, d.at) for d in doses[:-1])
    last = doses[-1]
    return check_administration(
        order,
        last.dose_mg,
        last.at,
        settings=settings,
        planned=planned,
        first_day=first_day,
        with_vitals=False,
        with_gate=False,
    )


@dataclass(frozen=True)
class SignConfirmation:
    acknowledge_warnings: bool = False
    override_reason: str = ""


def _combined(checks: list[SafetyCheck]) -> SafetyCheck | None:
    if not checks:
        return None
    worst = max(checks, key=lambda c: ("ok", "warning", "stop").index(c.decision))
    seen: dict[str, Any] = {}
    for check in checks:
        for finding in check.findings:
            seen.setdefault(finding.code, finding)
    return SafetyCheck(
        dose_mg=worst.dose_mg,
        at=worst.at,
        decision=worst.decision,
        findings=tuple(seen.values()),
        total_24h_mg=worst.total_24h_mg,
        result=worst.result,
    )


def preview_order_check(order: Order, *, now: datetime | None = None) -> SafetyCheck | None:
    """What the engine says about an unsaved order, for the order form (no write)."""
    settings = settings_for(order.line.episode.facility.program)
    return _with_naloxone(_combined(_sign_checks(order, settings, _clock(now))), order)


def _new_version(
    line: OrderLine, fields: dict[str, Any], *, user: User, now: datetime, version: int
) -> Order:
    settings = settings_for(line.episode.facility.program)
    controlled = fields.pop("controlled")
    if controlled is None:
        controlled = fields["drug"] in (settings.controlled_drugs or [])
    return Order(
        line=line, version=version, signed_by=user, signed_at=now, controlled=controlled, **fields
    )


def _with_naloxone(check: SafetyCheck | None, order: Order) -> SafetyCheck | None:
    """The signing check with the naloxone offer for MOUD and opioids (SPEC A13): a warning
    the prescriber acknowledges with the others."""
    prompt = dosing.naloxone_prompt(order.drug)
    if prompt is None or check is None or any(f.code == prompt.code for f in check.findings):
        return check
    found = (*check.findings, prompt)
    return replace(check, findings=found, decision=findings.decision(found))


def pdmp_required(settings: MedicationSettings) -> bool:
    """The program's choice, or the shipped default (knowledge/prescribing.toml, cdc-2022)."""
    if settings.pdmp_check_required is not None:
        return settings.pdmp_check_required
    return prescribing.pdmp_rule().required_at_start


def latest_pdmp_check(episode: Episode) -> PdmpCheck | None:
    return (
        PdmpCheck.objects.filter(episode=episode)
        .select_related("recorded_by")
        .order_by("-checked_at")
        .first()
    )


PDMP_MISSING = (
    "A PDMP check is required before a controlled-substance order is signed: record the check "
    "(or why the PDMP could not be queried) first."
)


def _pdmp_for(order: Order, settings: MedicationSettings) -> PdmpCheck | None:
    """The episode's PDMP check a controlled order relies on; ValidationError naming ``pdmp``
    when the program requires one and none is recorded for the episode."""
    if not order.controlled:
        return None
    found = latest_pdmp_check(order.line.episode)
    if found is None and pdmp_required(settings):
        raise ValidationError({"pdmp": PDMP_MISSING})
    return found


def _sign(
    order: Order, *, user: User, confirmation: SignConfirmation, now: datetime
) -> SafetyCheck | None:
    episode = order.line.episode
    settings = settings_for(episode.facility.program)
    if order.version == 1:
        order.pdmp_check = _pdmp_for(order, settings)
    check = _with_naloxone(_combined(_sign_checks(order, settings, now)), order)
    if check is not None:
        _confirm(
            check,
            user=user,
            episode=episode,
            settings=settings,
            acknowledge_warnings=confirmation.acknowledge_warnings,
            override_reason=confirmation.override_reason,
        )
        order.sign_findings = check.as_json()
        order.sign_override_reason = confirmation.override_reason.strip() if check.stops else ""
    return check


def _order_changes(order: Order) -> dict[str, Any]:
    return {"drug": order.drug, "dose_mg": str(order.dose_mg), "summary": order.summary}


def do_sign_order(
    episode: Episode,
    *,
    acting_user: User,
    drug: str,
    dose_mg: Decimal,
    route: str,
    times_of_day: list[time] | None = None,
    prn_indication: str = "",
    dose_schedule: list[dict[str, str]] | None = None,
    protocol: str = "",
    acknowledge_warnings: bool = False,
    override_reason: str = "",
    now: datetime | None = None,
    **more: Any,
) -> Order:
    """Sign a new order (version 1 of a new line) after the safety engine has checked it.

    ``more`` takes the optional fields of ORDER_DEFAULTS: ``min_interval_min``,
    ``max_dose_mg``, ``max_daily_mg``, ``hold_systolic_below``, ``hold_diastolic_below``,
    ``hold_heart_rate_below``, ``trigger_scale`` ("cows" | "ciwa_ar") with
    ``trigger_min_total``, ``start_date`` (date), ``controlled`` (bool; None = by the program's
    list of controlled drugs) and ``instructions``. ``protocol`` names the order set it came
    from. A stop at signing needs ``override_reason`` (and ``safety.override``); warnings need
    ``acknowledge_warnings=True``; otherwise ValidationError naming that field.
    """
    _require(acting_user, permissions.ORDER_SIGN, episode)
    now = _clock(now)
    fields = _order_fields(drug, dose_mg, route, times_of_day, prn_indication, dose_schedule, more)
    _validate(fields, episode.facility.program)
    line = OrderLine(episode=episode, drug=drug, protocol=protocol, created_at=now)
    order = _new_version(line, fields, user=acting_user, now=now, version=1)
    confirmation = SignConfirmation(acknowledge_warnings, override_reason)
    check = _sign(order, user=acting_user, confirmation=confirmation, now=now)
    with transaction.atomic():
        line.save()
        order.line = line
        order.save()
        pdmp = order.pdmp_check
        log.record(
            "order.signed",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=line,
            changes={**_order_changes(order), "pdmp_check": str(pdmp.uuid) if pdmp else None},
        )
        if check is not None:
            _audit_confirmation(
                check,
                user=acting_user,
                episode=episode,
                target=line,
                override_reason=override_reason,
            )
            _audit_naloxone(check, user=acting_user, episode=episode, target=line)
    return order


def _audit_naloxone(check: SafetyCheck, *, user: User, episode: Episode, target: Any) -> None:
    code = dosing.default_policy().naloxone_offer.code
    if any(f.code == code for f in check.findings):
        log.record(
            "naloxone.prompt_acknowledged",
            actor=user,
            patient=episode.patient,
            facility=episode.facility,
            target=target,
            changes={"drug": target.drug},
        )


def _current(line: OrderLine) -> Order:
    return line.versions.select_related("line__episode__facility__program").get(superseded_at=None)


def _order_overtaken(current: Order) -> str:
    """Who signed the version now current after the form was read, and what it says."""
    who = current.signed_by.display_name if current.signed_by else "Someone else"
    when = timezone.localtime(current.signed_at).strftime("%d %b %Y %H:%M")
    return (
        f"{who} signed version {current.version} of this order at {when}, after you opened it; "
        f"it now reads: {current.summary}. Your change was not signed. The form now shows "
        "their order; make your change again."
    )


def _check_order_version(current: Order, read_version: int | None) -> None:
    if read_version is not None and read_version != current.version:
        raise ValidationError(_order_overtaken(current), code="stale")


def do_modify_order(
    line: OrderLine,
    *,
    acting_user: User,
    reason: str,
    acknowledge_warnings: bool = False,
    override_reason: str = "",
    read_version: int | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> Order:
    """Sign a new version of ``line`` with ``changes`` (any of CHANGEABLE; ``times_of_day`` as a
    list of time); the old version stays, marked superseded. The same checks as signing.

    With ``read_version`` (the version the form showed), a change after someone else signed a
    newer version is refused, signing nothing, with a message naming them and their order. A
    version signed while this one was being checked is refused in the same way, under the lock.
    """
    episode = line.episode
    _require(acting_user, permissions.ORDER_SIGN, episode)
    if line.status == OrderLine.Status.DISCONTINUED:
        raise ValidationError("This order is discontinued; write a new order instead.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the order is changed."})
    if unknown := set(changes) - set(CHANGEABLE):
        raise TypeError(f"Unknown order fields: {sorted(unknown)}")
    now = _clock(now)
    old = _current(line)
    _check_order_version(old, read_version)
    fields = {key: getattr(old, key) for key in CHANGEABLE if key != "times_of_day"}
    fields["times_of_day"] = list(old.times_of_day)
    fields.update(changes)
    if "times_of_day" in changes:
        fields["times_of_day"] = _times(changes["times_of_day"])
    fields["drug"] = line.drug
    _validate(fields, episode.facility.program)
    order = _new_version(line, fields, user=acting_user, now=now, version=old.version + 1)
    order.change_reason = reason.strip()
    confirmation = SignConfirmation(acknowledge_warnings, override_reason)
    check = _sign(order, user=acting_user, confirmation=confirmation, now=now)
    with transaction.atomic():
        OrderLine.objects.select_for_update().get(pk=line.pk)
        latest = line.versions.select_related("signed_by").get(superseded_at=None)
        _check_order_version(latest, old.version)
        Order.objects.filter(pk=old.pk, superseded_at=None).update(superseded_at=now)
        order.save()
        log.record(
            "order.modified",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=line,
            changes={**_order_changes(order), "from": old.summary, "reason": reason.strip()},
        )
        if check is not None:
            _audit_confirmation(
                check,
                user=acting_user,
                episode=episode,
                target=line,
                override_reason=override_reason,
            )
    return order


def do_set_dose_schedule(
    order: Order,
    schedule_rows: list[dict[str, str]],
    *,
    acting_user: User,
    reason: str,
    acknowledge_warnings: bool = False,
    override_reason: str = "",
    now: datetime | None = None,
) -> Order:
    """Give ``order`` a dated dose schedule (see :mod:`detoxdesk.medications.schedule`) as a new
    version; the old version stays visible. The order needs its times of day."""
    return do_modify_order(
        order.line,
        acting_user=acting_user,
        reason=reason,
        acknowledge_warnings=acknowledge_warnings,
        override_reason=override_reason,
        now=now,
        dose_schedule=schedule_rows,
    )


_TRANSITIONS: Mapping[str, tuple[tuple[str, ...], str, str]] = {
    # event: (statuses it may start from, status it leaves, what the reason explains)
    "order.held": ((OrderLine.Status.ACTIVE,), OrderLine.Status.HELD, "held"),
    "order.resumed": ((OrderLine.Status.HELD,), OrderLine.Status.ACTIVE, "resumed"),
    "order.discontinued": (
        (OrderLine.Status.ACTIVE, OrderLine.Status.HELD),
        OrderLine.Status.DISCONTINUED,
        "discontinued",
    ),
}


def do_change_order_status(
    line: OrderLine, event: str, *, acting_user: User, reason: str, now: datetime | None = None
) -> OrderLine:
    """Hold (``order.held``), resume (``order.resumed``) or discontinue (``order.discontinued``)
    an order, with a reason."""
    episode = line.episode
    _require(acting_user, permissions.ORDER_SIGN, episode)
    allowed, target, verb = _TRANSITIONS[event]
    if not reason.strip():
        raise ValidationError({"reason": f"Say why the order is {verb}."})
    now = _clock(now)
    with transaction.atomic():
        locked = OrderLine.objects.select_for_update().get(pk=line.pk)
        if locked.status not in allowed:
            raise ValidationError(f"This order is {locked.get_status_display().lower()}.")
        old = locked.status
        locked.status, locked.status_reason, locked.status_changed_at = target, reason.strip(), now
        locked.save(update_fields=["status", "status_reason", "status_changed_at"])
        log.record(
            event,
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=locked,
            changes={"from": old, "to": target, "reason": reason.strip()},
        )
    return locked


# --- Doses ----------------------------------------------------------------------------------------


def _check_time(when: datetime, episode: Episode, now: datetime) -> None:
    if when > now + timedelta(seconds=django_settings.FUTURE_TOLERANCE_SECONDS):
        raise ValidationError({"occurred_at": "This time is in the future."})
    if when < episode.admitted_at:
        raise ValidationError({"occurred_at": "This time is before the patient was admitted."})


def _dose_for(order: Order, scheduled_for: datetime | None) -> Decimal:
    if scheduled_for is None:
        if not order.is_prn:
            raise ValidationError({"scheduled_for": "Choose which scheduled dose this is."})
        return order.dose_mg
    due = schedule.dose_at(order, scheduled_for)
    if due is None:
        raise ValidationError({"scheduled_for": "This order has no dose due at that time."})
    return due.dose_mg


def _second_signer(
    order: Order, outcome: str, signer: User | None, user: User, settings: MedicationSettings
) -> User | None:
    needed = (
        order.controlled
        and settings.second_signer_for_controlled
        and outcome == Administration.Outcome.GIVEN
    )
    if not needed:
        return None
    if signer is None:
        raise ValidationError({"second_signer": "A controlled substance needs a second signer."})
    if signer.pk == user.pk:
        raise ValidationError({"second_signer": "The second signer must be someone else."})
    if not permissions.can(signer, permissions.DOSE_RECORD, order.line.episode.facility):
        raise ValidationError({"second_signer": "The second signer cannot record doses here."})
    return signer


@dataclass(frozen=True)
class DoseConfirmation:
    """What the person recording says about the safety check they were shown.

    ``rely_on_order_override``: the stops are given under the prescriber's override recorded on
    the order (only where it covers them, see ``safety.order_override``).
    """

    acknowledge_warnings: bool = False
    override_reason: str = ""
    second_signer: User | None = None
    rely_on_order_override: bool = False


def _covered(
    check: SafetyCheck, override: OrderOverride | None, confirmation: DoseConfirmation
) -> bool:
    """Whether the dose's stops are given under the order's override; ValidationError when the
    override covers them but the nurse did not say so."""
    if override is None or not override.covers:
        return False
    if confirmation.rely_on_order_override:
        return True
    if confirmation.override_reason.strip():
        return False  # an override of one's own, recorded as such
    raise ValidationError(
        {
            "rely_on_order_override": "The prescriber overrode these stops on the order: "
            "confirm that you give the dose under that override, or hold it."
        }
    )


def do_record_administration(
    order: Order,
    *,
    acting_user: User,
    outcome: str,
    occurred_at: datetime,
    scheduled_for: datetime | None = None,
    reason: str = "",
    confirmation: DoseConfirmation | None = None,
    now: datetime | None = None,
    draw: StockDraw | None = None,
) -> Administration:
    """Record one dose of ``order`` (its current version) as given, held, refused or omitted.

    Given: the ordered (or scheduled) dose is checked by the safety engine inside the
    transaction, with the order line locked, so two people cannot both pass the check; a stop
    needs an override (authorised user and reason), warnings an acknowledgement. Held, refused
    and omitted need a reason. A scheduled dose is recorded once: the second attempt is told.
    A given dose of a product the facility keeps in the controlled-substance ledger is drawn
    from ``draw`` (location, lot, any waste and its witness) in the same transaction.
    """
    episode = order.line.episode
    _require(acting_user, permissions.DOSE_RECORD, episode)
    confirmation = confirmation or DoseConfirmation()
    now = _clock(now)
    _check_time(occurred_at, episode, now)
    if outcome not in Administration.Outcome.values:
        raise ValidationError({"outcome": "Choose given, held, refused or omitted."})
    if outcome != Administration.Outcome.GIVEN and not reason.strip():
        raise ValidationError({"reason": f"Say why the dose was {outcome}."})
    dose = _dose_for(order, scheduled_for)
    settings = settings_for(episode.facility.program)
    signer = _second_signer(order, outcome, confirmation.second_signer, acting_user, settings)
    try:
        with transaction.atomic():
            return _record(
                order,
                acting_user,
                outcome,
                occurred_at,
                scheduled_for,
                reason,
                dose,
                confirmation,
                signer,
                settings,
                now,
                draw,
            )
    except IntegrityError:
        raise ValidationError(_already_recorded(order, scheduled_for)) from None


def _already_recorded(order: Order, scheduled_for: datetime | None) -> str:
    row = (
        Administration.objects.filter(line=order.line, scheduled_for=scheduled_for)
        .select_related("recorded_by")
        .first()
    )
    if row is None:
        return "This dose could not be recorded: try again."
    when = timezone.localtime(row.recorded_at).strftime("%H:%M")
    return (
        f"This dose was already recorded as {row.get_outcome_display().lower()} by "
        f"{row.recorded_by.display_name} at {when}. Nothing was saved."
    )


def _record(
    order: Order,
    user: User,
    outcome: str,
    occurred_at: datetime,
    scheduled_for: datetime | None,
    reason: str,
    dose: Decimal,
    confirmation: DoseConfirmation,
    signer: User | None,
    settings: MedicationSettings,
    now: datetime,
    draw: StockDraw | None = None,
) -> Administration:
    episode = order.line.episode
    line = OrderLine.objects.select_for_update().get(pk=order.line.pk)
    current = line.versions.filter(superseded_at=None).values_list("pk", flat=True).first()
    if current != order.pk:
        raise ValidationError("The order was changed since this page was opened: reload it.")
    given = outcome == Administration.Outcome.GIVEN
    if given and line.status != OrderLine.Status.ACTIVE:
        raise ValidationError(f"This order is {line.get_status_display().lower()}: do not give it.")
    check = check_administration(order, dose, occurred_at, settings=settings) if given else None
    override = order_override(order, check, dose) if check is not None else None
    covered = check is not None and _covered(check, override, confirmation)
    if check is not None:
        _confirm(
            check,
            user=user,
            episode=episode,
            settings=settings,
            acknowledge_warnings=confirmation.acknowledge_warnings,
            override_reason=confirmation.override_reason,
            covered=covered,
        )
    overridden = check is not None and bool(check.stops) and not covered
    with transaction.atomic():  # a savepoint: a duplicate scheduled dose rolls back alone
        row = Administration.objects.create(
            episode=episode,
            line=line,
            order=order,
            drug=order.drug,
            outcome=outcome,
            scheduled_for=scheduled_for,
            dose_mg=dose if given else None,
            occurred_at=occurred_at,
            recorded_at=now,
            recorded_by=user,
            second_signer=signer,
            reason=reason.strip(),
            decision=check.decision if check else "",
            findings=check.as_json() if check else [],
            warnings_acknowledged=bool(check and check.warnings),
            override_reason=_override_reason(confirmation, order, overridden, covered),
            overridden_by=user if overridden else order.signed_by if covered else None,
            covered_by_order_override=covered,
        )
    if given:
        _draw_controlled(row, draw, user, now)
    _audit_dose(row, check, user, confirmation.override_reason)
    if covered and override is not None:
        _audit_order_override(row, override, user)
    return row


@dataclass(frozen=True)
class StockDraw:
    """Where a given dose of a controlled product comes from (the ledger's location and lot),
    the units wasted of a partial dose and who witnessed the waste."""

    location: Location
    lot: Lot
    wasted: Decimal = Decimal(0)
    witness: User | None = None
    drawn: Decimal | None = None


def _draw_controlled(
    row: Administration, draw: StockDraw | None, user: User, now: datetime
) -> None:
    from detoxdesk.controlled import actions as ledger  # the ledger builds on the medication record

    if draw is None:
        if ledger.draws_stock(row.episode.facility, row.drug):
            raise ValidationError(
                {"controlled_stock": "Choose the location and lot this dose is drawn from."}
            )
        return
    ledger.draw_for_administration(
        administration=row,
        location=draw.location,
        lot=draw.lot,
        user=user,
        witness=draw.witness,
        wasted=draw.wasted,
        drawn=draw.drawn,
        now=now,
    )


def _override_reason(
    confirmation: DoseConfirmation, order: Order, overridden: bool, covered: bool
) -> str:
    """The reason kept on the dose: the recorder's own, or the prescriber's on the order."""
    if covered:
        return order.sign_override_reason
    return confirmation.override_reason.strip() if overridden else ""


def _audit_order_override(row: Administration, override: OrderOverride, user: User) -> None:
    log.record(
        "safety.order_override_relied",
        actor=user,
        patient=row.episode.patient,
        facility=row.episode.facility,
        target=row,
        changes={
            "findings": list(override.codes),
            "order_version": row.order.version,
            "overridden_by": override.by.display_name,
            "overridden_at": override.at.isoformat(),
            "reason": override.reason,
        },
    )


def _audit_dose(row: Administration, check: SafetyCheck | None, user: User, why: str) -> None:
    episode = row.episode
    changes: dict[str, Any] = {"drug": row.drug, "outcome": row.outcome}
    if row.dose_mg is not None:
        changes["dose_mg"] = str(row.dose_mg)
    if row.reason:
        changes["reason"] = row.reason
    if row.scheduled_for:
        changes["scheduled_for"] = row.scheduled_for.isoformat()
    log.record(
        f"dose.{row.outcome}",
        actor=user,
        patient=episode.patient,
        facility=episode.facility,
        target=row,
        changes=changes,
    )
    if check is not None and row.covered_by_order_override:
        warnings_only = replace(check, findings=check.warnings)
        _audit_confirmation(
            warnings_only, user=user, episode=episode, target=row, override_reason=""
        )
    elif check is not None:
        _audit_confirmation(check, user=user, episode=episode, target=row, override_reason=why)


# --- Alerts, patient facts, settings --------------------------------------------------------------


def do_review_alert(
    episode: Episode,
    *,
    acting_user: User,
    first_dose: Administration,
    assessment: Assessment,
    note: str = "",
    now: datetime | None = None,
) -> AlertReview:
    """Mark a possible-precipitated-withdrawal alert as reviewed by a clinician."""
    _require(acting_user, permissions.DOSE_RECORD, episode)
    if first_dose.episode_id != episode.pk or assessment.episode_id != episode.pk:
        raise ValidationError("This alert is not of this episode.")
    try:
        with transaction.atomic():
            review = AlertReview.objects.create(
                episode=episode,
                first_dose=first_dose,
                assessment=assessment,
                reviewed_by=acting_user,
                reviewed_at=_clock(now),
                note=note.strip(),
            )
            log.record(
                "alert.reviewed",
                actor=acting_user,
                patient=episode.patient,
                facility=episode.facility,
                target=review,
                changes={"alert": "possible_precipitated_withdrawal", "cows": assessment.total},
            )
    except IntegrityError:
        raise ValidationError("This alert was already reviewed.") from None
    return review


FACT_FIELDS = (
    "opioid_class",
    "last_opioid_use_at",
    "fentanyl_exposure",
    "benzodiazepine_use",
    "pregnant",
    "qtc_ms",
    "qtc_measured_at",
    "child_pugh_score",
    "egfr",
    "weight_kg",
)


def facts_read_mark(facts: PatientFacts | None) -> str:
    """When the facts were last saved ("" before the first save), as the edit form carries it."""
    return facts.updated_at.isoformat() if facts is not None else ""


def _facts_overtaken(current: PatientFacts, values: Mapping[str, Any]) -> str:
    """Who saved the facts after the form was read, and their values where they differ."""
    who = current.updated_by.display_name if current.updated_by else "Someone else"
    when = timezone.localtime(current.updated_at).strftime("%d %b %Y %H:%M")
    differs = [
        f"{key.replace('_', ' ')} {_shown(getattr(current, key))}"
        for key in FACT_FIELDS
        if key in values and getattr(current, key) != values[key]
    ]
    return (
        f"{who} saved these facts at {when}, after you opened the form (theirs differ from "
        f"yours in: {'; '.join(differs) or 'nothing'}), so yours were not saved. The form now "
        "shows their facts; make your change again."
    )


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(not recorded)"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def do_update_facts(
    episode: Episode,
    *,
    acting_user: User,
    read_mark: str | None = None,
    now: datetime | None = None,
    **values: Any,
) -> PatientFacts:
    """Record what the safety engine needs to know about the patient (FACT_FIELDS).

    With ``read_mark`` (:func:`facts_read_mark` when the form was read), a save after someone
    else's is refused, saving nothing, with a message naming them and their values.
    """
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    if unknown := set(values) - set(FACT_FIELDS):
        raise TypeError(f"Unknown facts: {sorted(unknown)}")
    now = _clock(now)
    if values.get("opioid_class") not in (None, "", *PatientFacts.OpioidClass.values):
        raise ValidationError({"opioid_class": "Choose the opioid last used."})
    for key in ("last_opioid_use_at", "qtc_measured_at"):
        if (moment := values.get(key)) is not None and moment > now:
            raise ValidationError({key: "This time is in the future."})
    with transaction.atomic():
        # The episode's lock orders saves, the first one (which creates the row) included.
        Episode.objects.select_for_update().get(pk=episode.pk)
        found = PatientFacts.objects.select_related("updated_by").filter(episode=episode).first()
        if found is not None and read_mark is not None and read_mark != facts_read_mark(found):
            raise ValidationError(_facts_overtaken(found, values), code="stale")
        facts = found or PatientFacts(episode=episode)
        changed = {k: str(v) for k, v in values.items() if getattr(facts, k, None) != v}
        for key, value in values.items():
            setattr(facts, key, value)
        facts.updated_at, facts.updated_by = now, acting_user
        facts.full_clean(exclude=["episode", "updated_by"])
        facts.save()
        log.record(
            "medication_facts.updated",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=episode,
            changes=changed,
        )
    return facts


def _home_drugs() -> frozenset[str]:
    return frozenset(code for code, _ in home_drug_choices())


def home_drug_choices() -> list[tuple[str, str]]:
    """Products and ingredients of the clinical knowledge, for the home-medication form."""
    seen = dict(products.ingredient_choices())
    for code, product in products.catalogue().products.items():
        seen.setdefault(code, product.label)
    return sorted(seen.items(), key=lambda pair: pair[1])


def do_record_home_medication(
    episode: Episode,
    *,
    acting_user: User,
    drug: str,
    dose_mg: Decimal | None = None,
    doses_per_day: int | None = None,
    frequency: str = "",
    now: datetime | None = None,
) -> HomeMedication:
    """Record a medication the patient takes from home; every safety check then sees it."""
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    errors: dict[str, str] = {}
    if drug not in _home_drugs():
        errors["drug"] = "Choose the medication from the list."
    if dose_mg is not None and dose_mg <= 0:
        errors["dose_mg"] = "The dose must be greater than 0 mg, or left empty."
    if doses_per_day is not None and doses_per_day <= 0:
        errors["doses_per_day"] = "Must be 1 or more, or left empty."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = HomeMedication.objects.create(
            episode=episode,
            drug=drug,
            dose_mg=dose_mg,
            doses_per_day=doses_per_day,
            frequency=frequency.strip(),
            recorded_at=_clock(now),
            recorded_by=acting_user,
        )
        log.record(
            "home_medication.recorded",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"drug": drug, "dose_mg": None if dose_mg is None else str(dose_mg)},
        )
    return row


def do_stop_home_medication(
    row: HomeMedication, *, acting_user: User, now: datetime | None = None
) -> HomeMedication:
    """Mark a home medication stopped; it leaves the medication picture from then on."""
    episode = row.episode
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    now = _clock(now)
    with transaction.atomic():
        updated = HomeMedication.objects.filter(pk=row.pk, stopped_at=None).update(stopped_at=now)
        if not updated:
            raise ValidationError("This home medication is already marked stopped.")
        log.record(
            "home_medication.stopped",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"drug": row.drug},
        )
    row.stopped_at = now
    return row


def do_record_pdmp_check(
    episode: Episode,
    *,
    acting_user: User,
    outcome: str,
    checked_at: datetime,
    states: list[str] | None = None,
    result_summary: str = "",
    action_taken: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> PdmpCheck:
    """Record a PDMP check (SPEC A12): the states queried, when, the result and the action
    taken; or that the PDMP could not be queried, and why. By a prescriber (``order.sign``)."""
    _require(acting_user, permissions.ORDER_SIGN, episode)
    now = _clock(now)
    states = [state.strip().upper() for state in states or [] if state.strip()]
    errors: dict[str, str] = {}
    if outcome not in PdmpCheck.Outcome.values:
        errors["outcome"] = "Say whether the PDMP was queried or could not be."
    if checked_at > now + timedelta(seconds=django_settings.FUTURE_TOLERANCE_SECONDS):
        errors["checked_at"] = "This time is in the future."
    if outcome == PdmpCheck.Outcome.QUERIED:
        if not states:
            errors["states"] = "Name the state or states queried."
        if not result_summary.strip():
            errors["result_summary"] = "Summarise what the PDMP showed."
        if not action_taken.strip():
            errors["action_taken"] = "Say what was done (e.g. no change, discussed with patient)."
    if outcome == PdmpCheck.Outcome.COULD_NOT_QUERY and not reason.strip():
        errors["reason"] = "Say why the PDMP could not be queried."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = PdmpCheck.objects.create(
            episode=episode,
            outcome=outcome,
            states=states,
            checked_at=checked_at,
            result_summary=result_summary.strip(),
            action_taken=action_taken.strip(),
            reason=reason.strip(),
            recorded_by=acting_user,
            recorded_at=now,
        )
        log.record(
            "pdmp.checked",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=row,
            changes={"outcome": outcome, "states": states},
        )
    return row


SETTING_FIELDS = (
    "nurses_may_override_stops",
    "second_signer_for_controlled",
    "controlled_drugs",
    "ciwa_benzodiazepine_enabled",
    "precipitated_window_min",
    "vitals_max_age_min",
    "prn_reassessment_min",
    "shift_starts",
    "pdmp_check_required",
)


def do_update_medication_settings(
    program: Program, *, acting_user: User, **values: Any
) -> MedicationSettings:
    """Change the program's medication settings (director: ``program.configure``)."""
    if not permissions.facilities_with(acting_user, permissions.PROGRAM_CONFIGURE).filter(
        program=program
    ):
        raise PermissionDenied("Only the program director changes medication settings.")
    if unknown := set(values) - set(SETTING_FIELDS):
        raise TypeError(f"Unknown settings: {sorted(unknown)}")
    _check_settings(values, program)
    with transaction.atomic():
        row = MedicationSettings.objects.select_for_update().filter(program=program).first()
        row = row or MedicationSettings(program=program)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
        log.record("medication_settings.updated", actor=acting_user, changes=changed, target=row)
    return row


def _check_settings(values: Mapping[str, Any], program: Program) -> None:
    errors: dict[str, str] = {}
    known = program_policy(settings_for(program)).drug_names()
    if any(drug not in known for drug in values.get("controlled_drugs", [])):
        errors["controlled_drugs"] = "Choose drugs the safety engine knows."
    for value in values.get("shift_starts", []):
        try:
            time.fromisoformat(value)
        except ValueError:
            errors["shift_starts"] = f"{value!r} is not a time of day (HH:MM)."
    for key in ("precipitated_window_min", "vitals_max_age_min", "prn_reassessment_min"):
        if values.get(key) is not None and values[key] <= 0:
            errors[key] = "Must be greater than 0, or left empty."
    if errors:
        raise ValidationError(errors)
