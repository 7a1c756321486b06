"""Writes to the bed board, each locking the bed it changes and auditing in the same transaction.

Every write locks the ``patients.Bed`` row first, so of two coordinators reserving one bed at
the same moment the second waits, then finds the first one's reservation and is told so.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.beds.models import Cleaning, Reservation, Transfer
from detoxdesk.intake.models import Inquiry
from detoxdesk.patients.models import Bed, Episode, Facility, Patient


def _require(user: User | None, capability: str, facility: Facility, message: str) -> None:
    if user is not None and not permissions.can(user, capability, facility):
        raise PermissionDenied(message)


def _lock(bed: Bed) -> Bed:
    return Bed.objects.select_for_update().select_related("facility").get(pk=bed.pk)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b %H:%M")


def _close_expired(bed: Bed, now: datetime) -> None:
    """Close the bed's reservation that ran out (the clock freed the bed already)."""
    Reservation.objects.filter(bed=bed, ended_at=None, expires_at__lte=now).update(
        ended_at=now, end=Reservation.End.EXPIRED
    )


def _holder(reservation: Reservation) -> str:
    inquiry = reservation.inquiry
    return f"{inquiry.given_name} {inquiry.family_name}".strip()


def refusal(bed: Bed, now: datetime, *, patient: Patient | None = None) -> str | None:
    """Why ``bed`` (locked by the caller) cannot take someone new now, or None.

    A reservation held for ``patient`` (through the inquiry that became them) does not refuse.
    """
    if Episode.objects.filter(bed=bed, status=Episode.Status.ACTIVE).exists():
        return f"Bed {bed.label} is occupied: choose another bed."
    if Bed.objects.filter(pk=bed.pk, staff_status__in_service=False).exists():
        return f"Bed {bed.label} is out of service: choose another bed."
    if Cleaning.objects.filter(bed=bed, done_at=None).exists():
        return (
            f"Bed {bed.label} is waiting to be cleaned: mark it cleaned first, or choose another."
        )
    held = (
        Reservation.objects.filter(bed=bed, ended_at=None, expires_at__gt=now)
        .select_related("inquiry")
        .first()
    )
    if held is not None and (patient is None or held.inquiry.patient_id != patient.pk):
        return (
            f"Bed {bed.label} is reserved for {_holder(held)} until {_when(held.expires_at)}: "
            "choose another bed, or release that reservation first."
        )
    return None


def do_reserve_bed(
    inquiry: Inquiry,
    bed: Bed,
    *,
    acting_user: User,
    expires_at: datetime | None,
    note: str = "",
    now: datetime | None = None,
) -> Reservation:
    """Hold ``bed`` for ``inquiry`` until ``expires_at``; one open hold per bed and per inquiry."""
    _require(
        acting_user, permissions.BED_RESERVE, bed.facility, "Your role cannot reserve beds here."
    )
    now = now or timezone.now()
    if bed.facility.program_id != inquiry.facility.program_id:
        raise ValidationError({"bed": "That bed belongs to another program."})
    if not inquiry.is_open and inquiry.status != Inquiry.Status.CONVERTED:
        raise ValidationError("This inquiry is closed: reopen it or start a new one.")
    if (
        inquiry.patient_id is not None
        and Episode.objects.filter(
            patient_id=inquiry.patient_id, status=Episode.Status.ACTIVE
        ).exists()
    ):
        raise ValidationError("This person is already admitted: no bed needs holding for them.")
    if expires_at is None:
        raise ValidationError({"expires_at": "Say until when the bed is held."})
    if expires_at <= now:
        raise ValidationError({"expires_at": "The hold must end in the future."})
    with transaction.atomic():
        locked = _lock(bed)
        _close_expired(locked, now)
        if problem := refusal(locked, now):
            raise ValidationError({"bed": problem})
        Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        Reservation.objects.filter(inquiry=inquiry, ended_at=None, expires_at__lte=now).update(
            ended_at=now, end=Reservation.End.EXPIRED
        )
        other = Reservation.objects.filter(inquiry=inquiry, ended_at=None).first()
        if other is not None:
            raise ValidationError(
                {"bed": f"This inquiry already holds bed {other.bed.label}: release it first."}
            )
        reservation = Reservation.objects.create(
            bed=locked,
            inquiry=inquiry,
            reserved_by=acting_user,
            reserved_at=now,
            expires_at=expires_at,
            note=note.strip(),
        )
        log.record(
            "bed.reserved",
            actor=acting_user,
            patient=inquiry.patient,
            facility=locked.facility,
            target=reservation,
            changes={"bed": locked.label, "expires_at": expires_at.isoformat()},
        )
    return reservation


def do_release_reservation(
    reservation: Reservation, *, acting_user: User, now: datetime | None = None
) -> Reservation:
    """Give the bed back before the hold runs out."""
    bed = reservation.bed
    _require(
        acting_user, permissions.BED_RESERVE, bed.facility, "Your role cannot release beds here."
    )
    now = now or timezone.now()
    with transaction.atomic():
        _lock(bed)
        locked = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if locked.ended_at is not None or locked.expires_at <= now:
            raise ValidationError("This reservation has already ended; nothing was changed.")
        locked.ended_at, locked.ended_by, locked.end = now, acting_user, Reservation.End.RELEASED
        locked.save(update_fields=["ended_at", "ended_by", "end"])
        log.record(
            "bed.reservation_released",
            actor=acting_user,
            patient=locked.inquiry.patient,
            facility=bed.facility,
            target=locked,
            changes={"bed": bed.label},
        )
    return locked


def admit_into(bed: Bed | None, patient: Patient, *, now: datetime) -> list[Reservation]:
    """Inside an admission's transaction: lock ``bed`` and refuse it unless free for ``patient``.

    Returns the patient's open reservations (the one on this bed, or one elsewhere), which
    :func:`use_reservations` ends once the episode exists.
    """
    if bed is not None:
        locked = _lock(bed)
        _close_expired(locked, now)
        if problem := refusal(locked, now, patient=patient):
            raise ValidationError({"bed": problem})
    return list(
        Reservation.objects.select_for_update()
        .filter(inquiry__patient=patient, ended_at=None)
        .select_related("bed")
    )


def use_reservations(
    reservations: list[Reservation], episode: Episode, *, acting_user: User | None, now: datetime
) -> None:
    """End the admitted patient's reservations: used by this admission."""
    for held in reservations:
        held.ended_at, held.ended_by, held.end = now, acting_user, Reservation.End.ADMITTED
        held.episode = episode
        held.save(update_fields=["ended_at", "ended_by", "end", "episode"])
        log.record(
            "bed.reservation_used",
            actor=acting_user,
            patient=episode.patient,
            facility=episode.facility,
            target=held,
            changes={
                "bed": held.bed.label,
                "admitted_to": episode.bed.label if episode.bed else None,
            },
        )


def start_cleaning(
    bed: Bed, *, acting_user: User | None, reason: str, now: datetime
) -> Cleaning | None:
    """Inside the caller's transaction: set ``bed`` to cleaning (kept as it is if it already is)."""
    locked = _lock(bed)
    if Cleaning.objects.filter(bed=locked, done_at=None).exists():
        return None
    cleaning = Cleaning.objects.create(
        bed=locked, reason=reason, started_at=now, started_by=acting_user
    )
    log.record(
        "bed.cleaning_started",
        actor=acting_user,
        facility=locked.facility,
        target=cleaning,
        changes={"bed": locked.label, "reason": reason},
    )
    return cleaning


def do_request_cleaning(bed: Bed, *, acting_user: User, now: datetime | None = None) -> Cleaning:
    """Staff set an empty bed to cleaning."""
    _require(
        acting_user, permissions.BED_MANAGE, bed.facility, "Your role cannot change beds here."
    )
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(bed)
        if Episode.objects.filter(bed=locked, status=Episode.Status.ACTIVE).exists():
            raise ValidationError(
                {"bed": f"Bed {locked.label} is occupied: move the patient first."}
            )
        cleaning = start_cleaning(
            locked, acting_user=acting_user, reason=Cleaning.Reason.REQUESTED, now=now
        )
        if cleaning is None:
            raise ValidationError({"bed": f"Bed {locked.label} is already waiting to be cleaned."})
    return cleaning


def do_finish_cleaning(bed: Bed, *, acting_user: User, now: datetime | None = None) -> Cleaning:
    """Staff mark the bed cleaned: it is available again (or reserved, if someone holds it)."""
    _require(
        acting_user, permissions.BED_MANAGE, bed.facility, "Your role cannot change beds here."
    )
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(bed)
        cleaning = Cleaning.objects.select_for_update().filter(bed=locked, done_at=None).first()
        if cleaning is None:
            raise ValidationError({"bed": f"Bed {locked.label} is not waiting to be cleaned."})
        cleaning.done_at, cleaning.done_by = now, acting_user
        cleaning.save(update_fields=["done_at", "done_by"])
        log.record(
            "bed.cleaning_done",
            actor=acting_user,
            facility=locked.facility,
            target=cleaning,
            changes={"bed": locked.label},
        )
    return cleaning


def _unit_name(bed: Bed) -> str:
    return (
        Bed.objects.filter(pk=bed.pk).values_list("staff_status__unit__name", flat=True).first()
        or ""
    )


def do_transfer(
    episode: Episode,
    to_bed: Bed,
    *,
    acting_user: User,
    reason: str,
    now: datetime | None = None,
) -> Transfer:
    """Move the patient of ``episode`` to ``to_bed`` (same facility, any unit); the bed left
    behind goes to cleaning. Refused when the new bed is not free for this patient."""
    _require(
        acting_user,
        permissions.BED_MANAGE,
        episode.facility,
        "Your role cannot move patients here.",
    )
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the patient moves."})
    if to_bed.facility_id != episode.facility_id:
        raise ValidationError({"to_bed": "Choose a bed of the patient's own facility."})
    with transaction.atomic():
        locked = (
            Episode.objects.select_for_update(of=("self",))
            .select_related("patient", "bed")
            .get(pk=episode.pk)
        )
        if locked.status != Episode.Status.ACTIVE:
            raise ValidationError("This episode has ended; nobody was moved.")
        if locked.bed_id == to_bed.pk:
            raise ValidationError({"to_bed": "The patient is already in that bed."})
        for bed in sorted(filter(None, [locked.bed, to_bed]), key=lambda b: b.pk):
            _lock(bed)
        _close_expired(to_bed, now)
        if problem := refusal(to_bed, now, patient=locked.patient):
            raise ValidationError({"to_bed": problem})
        from_bed = locked.bed
        transfer = Transfer.objects.create(
            episode=locked,
            from_bed=from_bed,
            to_bed=to_bed,
            from_unit=_unit_name(from_bed) if from_bed else "",
            to_unit=_unit_name(to_bed),
            reason=reason,
            moved_at=now,
            moved_by=acting_user,
        )
        locked.bed = to_bed
        locked.save(update_fields=["bed"])
        log.record(
            "bed.transferred",
            actor=acting_user,
            patient=locked.patient,
            facility=locked.facility,
            target=transfer,
            changes={
                "bed": [from_bed.label if from_bed else None, to_bed.label],
                "unit": [transfer.from_unit, transfer.to_unit],
                "reason": reason,
            },
        )
        if from_bed is not None:
            start_cleaning(
                from_bed, acting_user=acting_user, reason=Cleaning.Reason.TRANSFER, now=now
            )
    return transfer
