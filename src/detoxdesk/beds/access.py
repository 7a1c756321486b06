"""The beds a user may read or change: the object, or a refusal (404 outside, 403 read-only)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.beds.models import Reservation
from detoxdesk.patients.models import Bed


def get_bed_for_user(
    user: User, facility_uuid: UUID | str, label: str, capability: str = permissions.BED_MANAGE
) -> Bed:
    """A bed of one of the user's facilities; 404 outside them, 403 without ``capability``."""
    bed = (
        Bed.objects.filter(
            facility__uuid=facility_uuid,
            label=label,
            facility_id__in=permissions.facility_ids_with(user, permissions.CENSUS_VIEW),
        )
        .select_related("facility")
        .first()
    )
    if bed is None:
        raise Http404("No such bed.")
    if not permissions.can(user, capability, bed.facility):
        raise PermissionDenied("Your role cannot change beds here.")
    return bed


def get_reservation_for_user(user: User, reservation_uuid: UUID | str) -> Reservation:
    reservation = (
        Reservation.objects.filter(uuid=reservation_uuid)
        .select_related("bed__facility", "inquiry__patient")
        .first()
    )
    if reservation is None or not (
        permissions.can(user, permissions.CENSUS_VIEW, reservation.bed.facility)
        or permissions.can(user, permissions.INQUIRY_MANAGE, reservation.inquiry.facility)
    ):
        raise Http404("No such reservation.")
    if not permissions.can(user, permissions.BED_RESERVE, reservation.bed.facility):
        raise PermissionDenied("Your role cannot release beds here.")
    return reservation
