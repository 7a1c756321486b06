"""Access helpers for staff administration: each returns what the user may manage, or refuses.

An administrator manages the staff who hold a role at one of the administrator's facilities, and
those facilities themselves. Anyone else gets 404 for a record outside their facilities and 403
when they hold no administrative role at all.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import Membership, User
from detoxdesk.patients.models import Bed, Facility, Program
from detoxdesk.staff.models import StaffInvitation, Unit


def require(user: User, capability: str) -> set[int]:
    """The facility ids where ``user`` holds ``capability``; 403 when there are none."""
    ids = permissions.facility_ids_with(user, capability)
    if not ids:
        raise PermissionDenied("Only an administrator can manage staff and facilities.")
    return ids


def visible_staff(user: User) -> QuerySet[User]:
    """Accounts with a role at one of the facilities ``user`` administers."""
    ids = require(user, permissions.STAFF_MANAGE)
    return User.objects.filter(memberships__facility_id__in=ids).distinct()


def get_staff_for_user(user: User, staff_uuid: UUID | str) -> User:
    target = visible_staff(user).filter(uuid=staff_uuid).first()
    if target is None:
        raise Http404("No such staff member.")
    return target


def get_membership_for_user(user: User, target: User, facility_uuid: UUID | str) -> Membership:
    """``target``'s role at a facility ``user`` administers (404 for any other facility)."""
    ids = require(user, permissions.STAFF_MANAGE)
    membership = (
        Membership.objects.filter(user=target, facility__uuid=facility_uuid, facility_id__in=ids)
        .select_related("facility", "user")
        .first()
    )
    if membership is None:
        raise Http404("No such role.")
    return membership


def managed_facilities(
    user: User, capability: str = permissions.FACILITY_MANAGE
) -> QuerySet[Facility]:
    ids = require(user, capability)
    return Facility.objects.filter(pk__in=ids).select_related("program", "staff_status")


def managed_programs(user: User) -> QuerySet[Program]:
    ids = require(user, permissions.FACILITY_MANAGE)
    return Program.objects.filter(facilities__in=ids).distinct()


def get_facility_for_user(
    user: User, facility_uuid: UUID | str, capability: str = permissions.FACILITY_MANAGE
) -> Facility:
    facility = managed_facilities(user, capability).filter(uuid=facility_uuid).first()
    if facility is None:
        raise Http404("No such facility.")
    return facility


def get_unit_for_user(user: User, unit_uuid: UUID | str) -> Unit:
    ids = require(user, permissions.FACILITY_MANAGE)
    unit = (
        Unit.objects.filter(uuid=unit_uuid, facility_id__in=ids).select_related("facility").first()
    )
    if unit is None:
        raise Http404("No such unit.")
    return unit


def get_bed_for_user(user: User, facility: Facility, label: str) -> Bed:
    """A bed of a facility already checked with :func:`get_facility_for_user`."""
    bed = Bed.objects.filter(facility=facility, label=label).select_related("facility").first()
    if bed is None:
        raise Http404("No such bed.")
    return bed


def get_invitation_for_user(user: User, invitation_uuid: UUID | str) -> StaffInvitation:
    ids = require(user, permissions.STAFF_MANAGE)
    invitation = (
        StaffInvitation.objects.filter(uuid=invitation_uuid, facility_id__in=ids)
        .select_related("facility")
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation
