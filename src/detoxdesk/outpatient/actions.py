"""Writing outpatient episodes: the visit schedule, a visit, a review, the program's settings.

Each write runs in one transaction with its audit event, locking the row it changes. Scores,
vitals and observed doses of a visit are recorded with the monitoring and medication actions;
take-home doses are dispensed through the controlled-substance ledger (``do_take_home``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.controlled import actions as ledger
from detoxdesk.controlled.models import Entry, Stock
from detoxdesk.outpatient import queries
from detoxdesk.outpatient.models import OutpatientSettings, Review, Visit, VisitPlan
from detoxdesk.patients.models import Episode, Program

MAX_EVERY_DAYS = 366  # a software limit on the form, not a clinical number


def _require(user: User, capability: str, episode: Episode) -> None:
    if not permissions.can(user, capability, episode.facility):
        raise PermissionDenied("Your role cannot do this for this patient.")


def _locked_episode(episode: Episode) -> Episode:
    """The episode re-read under a row lock, its state checked inside the transaction."""
    locked = (
        Episode.objects.select_for_update(of=("self",))
        .select_related("facility__program", "patient")
        .get(pk=episode.pk)
    )
    if locked.status != Episode.Status.ACTIVE:
        raise ValidationError("This episode has ended.")
    if not locked.is_outpatient:
        raise ValidationError("This is not an outpatient episode.")
    return locked


def _check_plan(first: date | None, every_days: int | None, last: date | None) -> None:
    problems = {}
    if first is None:
        problems["first_visit_on"] = "Give the day of the first visit."
    if every_days is None or not 1 <= every_days <= MAX_EVERY_DAYS:
        problems["every_days"] = f"Give the days between visits: 1 (daily) to {MAX_EVERY_DAYS}."
    if first is not None and last is not None and last < first:
        problems["last_visit_on"] = "The last visit cannot be before the first."
    if problems:
        raise ValidationError(problems)


def do_set_visit_plan(
    episode: Episode,
    *,
    acting_user: User,
    first_visit_on: date | None,
    every_days: int | None,
    last_visit_on: date | None = None,
    home_check_ins: bool = True,
    read_version: int | None = None,
    now: datetime | None = None,
) -> VisitPlan:
    """Set (or change) the outpatient episode's visit schedule (``episode.configure``).

    ``read_version``: the schedule's version the form showed (0 when there was none); a save
    after someone else's change is refused. Raises ValidationError naming the fields,
    PermissionDenied."""
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    _check_plan(first_visit_on, every_days, last_visit_on)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_episode(episode)
        plan = VisitPlan.objects.select_for_update().filter(episode=locked).first()
        current = plan.version if plan is not None else 0
        if read_version is not None and read_version != current:
            raise ValidationError(
                "Someone else changed the visit schedule after you opened it: nothing was "
                "saved. Reload the page and check it."
            )
        values = {
            "first_visit_on": first_visit_on,
            "every_days": every_days,
            "last_visit_on": last_visit_on,
            "home_check_ins": home_check_ins,
        }
        if plan is None:
            plan = VisitPlan(episode=locked, version=0, **values)
        else:
            for key, value in values.items():
                setattr(plan, key, value)
        plan.version = current + 1
        plan.ordered_by, plan.ordered_at = acting_user, now
        plan.save()
        log.record_for(
            plan,
            "outpatient.visit_plan_set",
            actor=acting_user,
            patient=locked.patient,
            facility=locked.facility,
            changes={key: str(value) for key, value in values.items()},
        )
    return plan


def do_record_visit(
    episode: Episode,
    *,
    acting_user: User,
    attended_at: datetime,
    note: str = "",
    now: datetime | None = None,
) -> Visit:
    """Record that the patient came to a visit (``assessment.record``): one a day."""
    _require(acting_user, permissions.ASSESSMENT_RECORD, episode)
    now = now or timezone.now()
    if attended_at > now:
        raise ValidationError({"attended_at": "A visit cannot be recorded in the future."})
    day = timezone.localdate(attended_at)
    with transaction.atomic():
        locked = _locked_episode(episode)
        if not VisitPlan.objects.filter(episode=locked).exists():
            raise ValidationError("Set the visit schedule first.")
        if attended_at < locked.admitted_at:
            raise ValidationError({"attended_at": "This is before the admission."})
        if Visit.objects.filter(episode=locked, visit_on=day).exists():
            raise ValidationError({"attended_at": f"A visit on {day} is already recorded."})
        visit = Visit.objects.create(
            episode=locked,
            visit_on=day,
            attended_at=attended_at,
            recorded_by=acting_user,
            recorded_at=now,
            note=note.strip(),
        )
        log.record_for(
            visit,
            "outpatient.visit_recorded",
            actor=acting_user,
            patient=locked.patient,
            facility=locked.facility,
            changes={"visit_on": day.isoformat()},
        )
    return visit


def do_review(
    episode: Episode,
    *,
    acting_user: User,
    note: str,
    reasons_seen: list[str],
    now: datetime | None = None,
) -> Review:
    """Record the clinician's review of an episode sent for review (``episode.configure``).

    ``reasons_seen``: the reasons the page showed; refused if the reasons changed meanwhile, so
    a new missed visit or climb is not answered unseen. The note (what was decided) is required.
    """
    _require(acting_user, permissions.EPISODE_CONFIGURE, episode)
    if not note.strip():
        raise ValidationError({"note": "Say what was decided (for example seen, plan changed)."})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_episode(episode)
        state = queries.review_state(locked, timezone.localdate(now))
        current = [reason.message for reason in state.reasons]
        if not current:
            raise ValidationError("Nothing is waiting for review.")
        if current != reasons_seen:
            raise ValidationError(
                "The reasons for review changed while you read them: nothing was saved. "
                "Read them again."
            )
        review = Review.objects.create(
            episode=locked,
            reviewed_at=now,
            reviewed_by=acting_user,
            reasons=current,
            note=note.strip(),
        )
        log.record_for(
            review,
            "outpatient.reviewed",
            actor=acting_user,
            patient=locked.patient,
            facility=locked.facility,
            changes={"reasons": current},
        )
    return review


def stock_choices(episode: Episode) -> list[tuple[str, str]]:
    """(value, label) of every lot held at the episode's facility's active locations. One query."""
    rows = (
        Stock.objects.filter(
            location__facility=episode.facility, location__active=True, product__active=True
        )
        .select_related("location", "lot", "product")
        .order_by("location__name", "product__substance", "product__strength_mg", "lot__number")
    )
    return [
        (
            f"{row.location.uuid}:{row.lot.uuid}",
            f"{row.location.name} · {row.product} · lot {row.lot.number} "
            f"({format(row.units.normalize(), 'f')} {row.product.unit} in stock)",
        )
        for row in rows
    ]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def do_dispense_take_home(
    episode: Episode,
    *,
    acting_user: User,
    stock: str,
    units: Decimal,
    note: str = "",
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Entry:
    """Take-home doses of an outpatient episode, dispensed through the controlled-substance
    ledger (``controlled.do_take_home``: ``controlled.record``, its audit and balance checks) in
    one transaction. ``stock`` is a value of :func:`stock_choices`."""
    location_uuid, _, lot_uuid = stock.partition(":")
    row = None
    if _is_uuid(location_uuid) and _is_uuid(lot_uuid):
        row = (
            Stock.objects.filter(
                location__facility=episode.facility,
                location__uuid=location_uuid,
                lot__uuid=lot_uuid,
            )
            .select_related("location__facility__program", "lot__product")
            .first()
        )
    if row is None:
        raise ValidationError({"stock": "Choose a location and lot from the list."})
    with transaction.atomic():
        locked = _locked_episode(episode)
        return ledger.do_take_home(
            row.location,
            row.lot,
            user=acting_user,
            episode=locked,
            units_dispensed=units,
            reason=note,
            occurred_at=occurred_at,
            now=now,
        )


SETTING_FIELDS = ("review_cows_rise", "review_sows_rise")


def do_update_settings(
    program: Program,
    *,
    acting_user: User,
    values: dict[str, Any],
    read_version: int,
    now: datetime | None = None,
) -> OutpatientSettings:
    """Save the program's outpatient review settings (director: ``program.configure``)."""
    if not permissions.can(acting_user, permissions.PROGRAM_CONFIGURE):
        raise PermissionDenied("Only a program director can change these settings.")
    for key in SETTING_FIELDS:
        value = values.get(key)
        if value is not None and (type(value) is not int or value < 1):
            raise ValidationError({key: "Must be a whole number, at least 1, or empty (unset)."})
    with transaction.atomic():
        OutpatientSettings.objects.get_or_create(program=program)
        rules = OutpatientSettings.objects.select_for_update().get(program=program)
        if rules.version != read_version:
            raise ValidationError(
                "Someone else changed these settings after you opened them: nothing was saved. "
                "Reload the page."
            )
        changes = {
            key: {"before": getattr(rules, key), "after": values.get(key)}
            for key in SETTING_FIELDS
            if getattr(rules, key) != values.get(key)
        }
        for key in SETTING_FIELDS:
            setattr(rules, key, values.get(key))
        rules.version += 1
        rules.updated_at, rules.updated_by = now or timezone.now(), acting_user
        rules.save()
        log.record("outpatient.settings_changed", actor=acting_user, target=rules, changes=changes)
    return rules
