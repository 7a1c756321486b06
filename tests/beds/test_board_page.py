"""The bed board page: the grid of beds by unit, who may see and change it, and its cost."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.beds import actions
from detoxdesk.beds.models import Cleaning, Reservation, Transfer
from detoxdesk.staff.models import BedStatus
from detoxdesk.staff.models import Unit as StaffUnit
from factories_beds import make_bed, reserve
from factories_board import seed_census

BOARD = reverse("beds:board")


@pytest.fixture
def wing(unit):
    wing = StaffUnit.objects.create(facility=unit.ward, name="North wing")
    BedStatus.objects.create(bed=unit.bed, unit=wing)
    return wing


def test_it_shows_each_bed_with_its_state_and_who_is_in_it_or_holds_it(unit, wing, as_user):
    reserve(make_bed(unit.ward, "N02", unit=wing), unit.coordinator)
    actions.do_request_cleaning(make_bed(unit.ward, "N03", unit=wing), acting_user=unit.nurse)
    make_bed(unit.ward, "X01", in_service=False, out_of_service_reason="Broken rail")
    page = as_user(unit.nurse).get(BOARD, {"place": f"f-{unit.ward.uuid}"})
    body = page.content.decode()
    assert page.status_code == 200
    patient = unit.patient
    initials = f"{patient.given_name[0]}{patient.family_name[0]}"
    assert f">{initials}</a> · {patient.record_number}" in body
    assert "For Robin Q." in body and "Broken rail" in body
    assert "Mark cleaned" in body and "Move patient" in body and "Release" in body
    groups = page.context["groups"]
    assert [(g["unit"], [b["label"] for b in g["beds"]]) for g in groups] == [
        ("", ["X01"]),
        ("North wing", ["B01", "N02", "N03"]),
    ]
    assert AuditEvent.objects.filter(event="bed.board_viewed", actor=unit.nurse).count() == 1


def test_a_counselor_sees_the_board_without_its_buttons(unit, as_user):
    actions.do_request_cleaning(make_bed(unit.ward, "N03"), acting_user=unit.nurse)
    body = as_user(unit.counselor).get(BOARD).content.decode()
    assert "Bed N03" in body and "Mark cleaned" not in body and "Move patient" not in body


@pytest.mark.parametrize("persona", ["admin", "auditor"])
def test_roles_without_the_census_cannot_open_it(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(BOARD).status_code == 403


def test_an_outsider_sees_only_their_own_facility(unit, as_user):
    page = as_user(unit.outsider).get(BOARD, {"place": f"f-{unit.ward.uuid}"})
    assert page.context["place"]["facility"] == unit.other
    assert "B01" not in page.content.decode()
    url = reverse("beds:cleaned", args=[unit.ward.uuid, "B01"])
    assert as_user(unit.outsider).post(url).status_code == 404


def test_staff_mark_a_bed_cleaned_and_ask_for_cleaning_from_the_board(unit, as_user):
    bed = make_bed(unit.ward, "N03")
    client = as_user(unit.nurse)
    client.post(reverse("beds:needs_cleaning", args=[unit.ward.uuid, "N03"]))
    assert Cleaning.objects.filter(bed=bed, done_at=None).exists()
    response = client.post(reverse("beds:cleaned", args=[unit.ward.uuid, "N03"]))
    assert response.status_code == 302
    assert not Cleaning.objects.filter(bed=bed, done_at=None).exists()
    assert (
        as_user(unit.counselor)
        .post(reverse("beds:needs_cleaning", args=[unit.ward.uuid, "N03"]))
        .status_code
        == 403
    )


def test_a_release_from_the_board_needs_the_confirmation(unit, as_user):
    held = reserve(make_bed(unit.ward, "N02"), unit.coordinator)
    client = as_user(unit.nurse)
    url = reverse("beds:release", args=[held.uuid])
    client.post(url, {"next": "board"})
    held.refresh_from_db()
    assert held.ended_at is None
    client.post(url, {"next": "board", "confirm": "on"})
    held.refresh_from_db()
    assert held.end == Reservation.End.RELEASED


def test_a_nurse_moves_a_patient_to_another_unit(unit, wing, as_user):
    south = StaffUnit.objects.create(facility=unit.ward, name="South wing")
    target = make_bed(unit.ward, "S01", unit=south)
    client = as_user(unit.nurse)
    url = reverse("beds:move", args=[unit.ward.uuid, "B01"])
    form = client.get(url)
    assert "S01 (South wing)" in form.content.decode()
    bad = client.post(url, {"to_bed": target.pk, "reason": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    client.post(url, {"to_bed": target.pk, "reason": "Quieter room"})
    transfer = Transfer.objects.get()
    assert (transfer.from_unit, transfer.to_unit, transfer.to_bed) == (
        "North wing",
        "South wing",
        target,
    )


@pytest.mark.parametrize("size", [1, 40])
def test_the_board_costs_the_same_with_1_or_40_beds(
    unit, wing, as_user, size, django_assert_num_queries
):
    seed_census(unit.ward, unit.nurse, size, unit=wing)
    for n in range(size):
        reserve(make_bed(unit.ward, f"R{n:03d}", unit=wing), unit.coordinator)
    client = as_user(unit.nurse)
    client.get(BOARD)
    # signing in (3), the facilities and their units (2), the beds (1), and the audit event
    # (a savepoint, the chain head read, the event written, the head moved, the savepoint released)
    with django_assert_num_queries(11):
        page = client.get(BOARD, {"place": f"u-{wing.uuid}"})
    assert len(page.context["groups"][0]["beds"]) == 2 * size + 1
