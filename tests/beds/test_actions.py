"""Reserving, releasing, cleaning and moving: each state change, its refusals and its audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.beds import actions, queries, states
from detoxdesk.beds.models import Cleaning, Reservation, Transfer
from detoxdesk.patients.actions import do_admit
from detoxdesk.staff.models import BedStatus, Unit
from factories import make_episode, make_patient
from factories_aftercare import signed_discharge
from factories_beds import make_bed, reserve
from factories_intake import make_inquiry


def _state(bed, now=None):
    now = now or timezone.now()
    return next(
        b["state"]
        for b in queries.board(queries.beds_at([bed.facility_id]), now)
        if b["label"] == bed.label
    )


def test_it_shows_each_state_from_its_own_fact(unit):
    free = make_bed(unit.ward, "B02")
    broken = make_bed(unit.ward, "B03", in_service=False, out_of_service_reason="Leaking")
    held = make_bed(unit.ward, "B04")
    reserve(held, unit.coordinator)
    dirty = make_bed(unit.ward, "B05")
    actions.do_request_cleaning(dirty, acting_user=unit.nurse)
    assert [_state(b) for b in (unit.bed, free, broken, held, dirty)] == [
        states.OCCUPIED,
        states.AVAILABLE,
        states.OUT_OF_SERVICE,
        states.RESERVED,
        states.CLEANING,
    ]


def test_it_reserves_a_bed_for_an_inquiry_with_its_audit(unit):
    bed = make_bed(unit.ward, "B02")
    inquiry = make_inquiry(unit.ward)
    now = timezone.now()
    held = actions.do_reserve_bed(
        inquiry, bed, acting_user=unit.coordinator, expires_at=now + timedelta(hours=3), now=now
    )
    assert held.holds(now)
    event = AuditEvent.objects.get(event="bed.reserved")
    assert event.actor == unit.coordinator
    assert event.changes["bed"] == "B02"
    row = next(
        b for b in queries.board(queries.beds_at([unit.ward.pk]), now) if b["label"] == "B02"
    )
    assert row["held_for"] == "Robin Q."
    assert row["held_until"] == held.expires_at


def test_an_expired_reservation_frees_the_bed_by_the_clock_alone(unit, clock):
    bed = make_bed(unit.ward, "B02")
    now = timezone.now()
    reserve(bed, unit.coordinator, hours=2, now=now)
    assert _state(bed, now + timedelta(hours=1, minutes=59)) == states.RESERVED
    assert _state(bed, now + timedelta(hours=2)) == states.AVAILABLE
    # Nothing ran in between; the next reservation closes the old one as expired.
    later = now + timedelta(hours=3)
    reserve(bed, unit.nurse, now=later)
    assert list(Reservation.objects.order_by("reserved_at").values_list("end", flat=True)) == [
        Reservation.End.EXPIRED,
        "",
    ]


def test_it_refuses_a_bed_someone_else_holds_and_says_for_whom(unit):
    bed = make_bed(unit.ward, "B02")
    reserve(bed, unit.coordinator)
    with pytest.raises(ValidationError) as refused:
        reserve(bed, unit.nurse, inquiry=make_inquiry(unit.ward, given_name="Alex"))
    assert "Bed B02 is reserved for Robin Quinn until" in str(refused.value)
    assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("occupied", "Bed B01 is occupied"),
        ("out_of_service", "is out of service"),
        ("cleaning", "waiting to be cleaned"),
    ],
)
def test_it_refuses_to_reserve_a_bed_that_is_not_available(unit, make, message):
    bed = unit.bed
    if make == "out_of_service":
        bed = make_bed(unit.ward, "B09", in_service=False, out_of_service_reason="Repairs")
    elif make == "cleaning":
        bed = make_bed(unit.ward, "B09")
        actions.do_request_cleaning(bed, acting_user=unit.nurse)
    with pytest.raises(ValidationError, match=message):
        reserve(bed, unit.coordinator)
    assert not Reservation.objects.exists()


def test_it_refuses_a_past_expiry_and_a_second_bed_for_one_inquiry(unit):
    first, second = make_bed(unit.ward, "B02"), make_bed(unit.ward, "B03")
    inquiry = make_inquiry(unit.ward)
    now = timezone.now()
    with pytest.raises(ValidationError) as past:
        actions.do_reserve_bed(
            inquiry, first, acting_user=unit.coordinator, expires_at=now, now=now
        )
    assert past.value.message_dict == {"expires_at": ["The hold must end in the future."]}
    reserve(first, unit.coordinator, inquiry=inquiry)
    with pytest.raises(ValidationError, match="already holds bed B02"):
        reserve(second, unit.coordinator, inquiry=inquiry)


def test_roles_without_the_capability_cannot_reserve(unit):
    bed = make_bed(unit.ward, "B02")
    for user in (unit.counselor, unit.prescriber, unit.director, unit.outsider):
        with pytest.raises(PermissionDenied):
            reserve(bed, user)


def test_it_releases_a_reservation_with_its_audit(unit):
    bed = make_bed(unit.ward, "B02")
    held = reserve(bed, unit.coordinator)
    actions.do_release_reservation(held, acting_user=unit.nurse)
    held.refresh_from_db()
    assert (held.end, held.ended_by) == (Reservation.End.RELEASED, unit.nurse)
    assert _state(bed) == states.AVAILABLE
    assert AuditEvent.objects.filter(event="bed.reservation_released").count() == 1
    with pytest.raises(ValidationError, match="already ended"):
        actions.do_release_reservation(held, acting_user=unit.nurse)


def _converted(unit, bed):
    """An inquiry that became a patient, holding ``bed``."""
    inquiry = make_inquiry(unit.ward)
    patient = make_patient(unit.program)
    inquiry.patient = patient
    inquiry.save(update_fields=["patient"])
    return reserve(bed, unit.coordinator, inquiry=inquiry), patient


def test_admission_uses_the_reservation_of_its_patient(unit):
    bed = make_bed(unit.ward, "B02")
    held, patient = _converted(unit, bed)
    episode = do_admit(
        patient, unit.ward, acting_user=unit.coordinator, admitted_at=timezone.now(), bed=bed
    )
    held.refresh_from_db()
    assert (held.end, held.episode) == (Reservation.End.ADMITTED, episode)
    assert _state(bed) == states.OCCUPIED
    assert AuditEvent.objects.filter(event="bed.reservation_used", patient=patient).count() == 1


def test_admission_elsewhere_ends_the_patients_reservation(unit):
    held_bed, other = make_bed(unit.ward, "B02"), make_bed(unit.ward, "B03")
    held, patient = _converted(unit, held_bed)
    do_admit(patient, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now(), bed=other)
    held.refresh_from_db()
    assert held.end == Reservation.End.ADMITTED
    assert _state(held_bed) == states.AVAILABLE


def test_admission_refuses_a_bed_reserved_for_someone_else(unit):
    bed = make_bed(unit.ward, "B02")
    _converted(unit, bed)
    stranger = make_patient(unit.program)
    with pytest.raises(ValidationError) as refused:
        do_admit(stranger, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now(), bed=bed)
    assert "is reserved for Robin Quinn" in refused.value.message_dict["bed"][0]
    assert not stranger.episodes.exists()


def test_admission_takes_an_expired_reservation_s_bed(unit, clock):
    bed = make_bed(unit.ward, "B02")
    held, _ = _converted(unit, bed)
    clock.shift(timedelta(hours=5))
    stranger = make_patient(unit.program)
    do_admit(stranger, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now(), bed=bed)
    held.refresh_from_db()
    assert held.end == Reservation.End.EXPIRED


def test_a_discharge_sets_the_bed_to_cleaning_and_staff_mark_it_clean(unit):
    signed_discharge(unit)
    assert _state(unit.bed) == states.CLEANING
    cleaning = Cleaning.objects.get(bed=unit.bed)
    assert (cleaning.reason, cleaning.started_by) == (Cleaning.Reason.DISCHARGE, unit.nurse)
    with pytest.raises(PermissionDenied):
        actions.do_finish_cleaning(unit.bed, acting_user=unit.counselor)
    actions.do_finish_cleaning(unit.bed, acting_user=unit.nurse)
    assert _state(unit.bed) == states.AVAILABLE
    assert [
        e.event for e in AuditEvent.objects.filter(event__startswith="bed.cleaning").order_by("pk")
    ] == [
        "bed.cleaning_started",
        "bed.cleaning_done",
    ]
    with pytest.raises(ValidationError, match="not waiting to be cleaned"):
        actions.do_finish_cleaning(unit.bed, acting_user=unit.nurse)


def test_admission_refuses_a_bed_waiting_to_be_cleaned(unit):
    signed_discharge(unit)
    with pytest.raises(ValidationError, match="waiting to be cleaned"):
        do_admit(
            make_patient(unit.program),
            unit.ward,
            acting_user=unit.nurse,
            admitted_at=timezone.now(),
            bed=unit.bed,
        )


def test_a_transfer_moves_the_patient_records_it_and_cleans_the_old_bed(unit):
    north = Unit.objects.create(facility=unit.ward, name="North")
    south = Unit.objects.create(facility=unit.ward, name="South")
    BedStatus.objects.create(bed=unit.bed, unit=north)
    target = make_bed(unit.ward, "S01", unit=south)
    transfer = actions.do_transfer(
        unit.episode, target, acting_user=unit.nurse, reason="Closer to the nursing station"
    )
    unit.episode.refresh_from_db()
    assert unit.episode.bed == target
    assert (transfer.from_bed, transfer.from_unit, transfer.to_unit) == (unit.bed, "North", "South")
    assert _state(unit.bed) == states.CLEANING and _state(target) == states.OCCUPIED
    event = AuditEvent.objects.get(event="bed.transferred")
    assert event.patient == unit.patient
    assert event.changes["bed"] == ["B01", "S01"]


def test_a_transfer_refuses_a_bed_that_is_not_free(unit):
    held = make_bed(unit.ward, "B02")
    reserve(held, unit.coordinator)
    taken = make_bed(unit.ward, "B03")
    make_episode(unit.ward, bed=taken)
    for bed, message in ((held, "reserved for Robin Quinn"), (taken, "occupied")):
        with pytest.raises(ValidationError, match=message):
            actions.do_transfer(unit.episode, bed, acting_user=unit.nurse, reason="Quieter")
    with pytest.raises(ValidationError) as no_reason:
        actions.do_transfer(
            unit.episode, make_bed(unit.ward, "B04"), acting_user=unit.nurse, reason=" "
        )
    assert no_reason.value.message_dict == {"reason": ["Say why the patient moves."]}
    assert not Transfer.objects.exists()
    unit.episode.refresh_from_db()
    assert unit.episode.bed == unit.bed
