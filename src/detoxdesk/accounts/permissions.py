"""Who may do what: one table, asked by views, actions and templates alike.

A capability is granted by a role at a facility. ``can`` answers for one facility;
``facilities_with`` lists the facilities where a user holds a capability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detoxdesk.accounts.models import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from detoxdesk.accounts.models import User
    from detoxdesk.patients.models import Facility

CENSUS_VIEW = "census.view"
CHART_VIEW = "chart.view"
ASSESSMENT_RECORD = "assessment.record"
VITALS_RECORD = "vitals.record"
AUDIT_VIEW = "audit.view"
PROGRAM_CONFIGURE = "program.configure"
EPISODE_CONFIGURE = "episode.configure"
EPISODE_ADMIT = "episode.admit"

_CLINICAL_READ = {CENSUS_VIEW, CHART_VIEW}
_BEDSIDE = _CLINICAL_READ | {ASSESSMENT_RECORD, VITALS_RECORD}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.INTAKE_COORDINATOR: frozenset({CENSUS_VIEW, EPISODE_ADMIT}),
    Role.NURSE: frozenset(_BEDSIDE | {EPISODE_CONFIGURE, EPISODE_ADMIT}),
    Role.PRESCRIBER: frozenset(_BEDSIDE | {EPISODE_CONFIGURE, EPISODE_ADMIT}),
    Role.COUNSELOR: frozenset(_CLINICAL_READ),
    Role.DIRECTOR: frozenset(_CLINICAL_READ | {AUDIT_VIEW, PROGRAM_CONFIGURE}),
    Role.AUDITOR: frozenset({AUDIT_VIEW}),
    Role.ADMINISTRATOR: frozenset(),
}


def role_can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in CAPABILITIES.items() if capability in caps]


def _memberships(user: User) -> list[tuple[int, str]]:
    """(facility id, role) pairs, read once per user object (so once per request)."""
    cached: list[tuple[int, str]] | None = getattr(user, "_detoxdesk_memberships", None)
    if cached is None:
        if not user.is_authenticated or not user.is_active:
            cached = []
        else:
            cached = list(user.memberships.values_list("facility_id", "role"))
        user._detoxdesk_memberships = cached  # type: ignore[attr-defined]
    return cached


def facility_ids_with(user: User, capability: str) -> set[int]:
    return {fid for fid, role in _memberships(user) if role_can(role, capability)}


def facilities_with(user: User, capability: str) -> QuerySet[Facility]:
    """The facilities where ``user`` holds ``capability`` (none for anonymous users)."""
    from detoxdesk.patients.models import Facility

    return Facility.objects.filter(pk__in=facility_ids_with(user, capability))


def can(user: User, capability: str, facility: Facility | None = None) -> bool:
    """True when ``user`` holds ``capability`` at ``facility`` (or at any facility)."""
    ids = facility_ids_with(user, capability)
    return bool(ids) if facility is None else facility.pk in ids
