"""Orders: signing a new order, new versions, a dated dose schedule, hold, resume and
discontinue; the signing preview; and the PDMP check a controlled order needs (SPEC A12).

The safety engine runs when an order is signed: a stop needs an override with a reason by an
authorised user, warnings need an acknowledgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import dosing, findings, prescribing, scales
from detoxdesk.medications import schedule
from detoxdesk.medications.actions.checks import _audit_confirmation, _clock, _confirm, _require
from detoxdesk.medications.models import (
    MedicationSettings,
    Order,
    OrderLine,
    PdmpCheck,
)
from detoxdesk.medications.policy import program_policy, settings_for
from detoxdesk.medications.safety import SafetyCheck, check_administration
from detoxdesk.monitoring.models import Scale
from detoxdesk.patients.models import Episode, Program

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
