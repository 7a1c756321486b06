"""Factories for staff administration tests."""

from __future__ import annotations

from detoxdesk.accounts.models import Role, User
from detoxdesk.patients.models import Patient
from detoxdesk.staff import actions
from detoxdesk.staff.models import EmergencyGrant, StaffInvitation
from factories import Unit, make_user

REASON = "Patient arrived by ambulance at our unit, unresponsive; need allergy list."


def make_outside_admin(unit: Unit) -> User:
    """An administrator of the other facility only (the outsider administrator)."""
    return make_user(Role.ADMINISTRATOR, unit.other, username="other-admin")


def invite(
    unit: Unit,
    *,
    email: str = "new.nurse@example.org",
    role: str = Role.NURSE,
    user: User | None = None,
) -> tuple[StaffInvitation, str]:
    return actions.do_invite_staff(
        acting_user=user or unit.admin,
        facility=unit.ward,
        role=role,
        email=email,
        first_name="Noor",
        last_name="Haddad",
        link_for=lambda token: f"http://testserver/staff/accept/{token}/",
    )


def grant(user: User, patient: Patient, reason: str = REASON) -> EmergencyGrant:
    return actions.do_grant_emergency_access(patient, acting_user=user, reason=reason)
