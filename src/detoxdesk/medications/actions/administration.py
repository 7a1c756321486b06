"""Doses: recording one as given, held, refused or omitted, with the safety check inside the
transaction, the second signer for a controlled substance, the prescriber's override on the
order, and the draw from the controlled-substance ledger; and the review of a dose alert.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.medications import schedule
from detoxdesk.medications.actions.checks import _audit_confirmation, _clock, _confirm, _require
from detoxdesk.medications.models import (
    Administration,
    AlertReview,
    MedicationSettings,
    Order,
    OrderLine,
)
from detoxdesk.medications.policy import settings_for
from detoxdesk.medications.safety import (
    OrderOverride,
    SafetyCheck,
    check_administration,
    order_override,
)
from detoxdesk.monitoring.models import Assessment
from detoxdesk.patients.models import Episode

if TYPE_CHECKING:
    from detoxdesk.controlled.models import Location, Lot


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
