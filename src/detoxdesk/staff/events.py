"""Audit event names written by the staff app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "staff.invited": "Staff member invited by e-mail",
    "staff.invitation_revoked": "Staff invitation withdrawn",
    "staff.account_created": "Staff member accepted an invitation and set up an account",
    "staff.role_assigned": "Role given at a facility",
    "staff.role_changed": "Role at a facility changed",
    "staff.role_removed": "Role at a facility removed",
    "staff.deactivated": "Staff account deactivated (its sessions ended)",
    "staff.reactivated": "Staff account reactivated",
    "staff.unlocked": "Staff account unlocked after failed sign-ins",
    "staff.mfa_reset": "Staff account's multi-factor devices reset",
    "facility.created": "Facility created",
    "facility.updated": "Facility renamed or changed",
    "facility.deactivated": "Facility deactivated",
    "facility.reactivated": "Facility reactivated",
    "facility.deleted": "Facility without history deleted",
    "unit.created": "Unit created",
    "unit.updated": "Unit renamed or changed",
    "bed.created": "Bed created",
    "bed.updated": "Bed renamed, moved or taken in or out of service",
    "bed.deleted": "Bed without history deleted",
    "chart.emergency_access": "Opened a chart outside one's facilities (emergency access)",
    "emergency.reviewed": "Read the list of emergency chart openings",
}
