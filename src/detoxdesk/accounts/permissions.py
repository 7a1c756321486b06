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
# Evaluation and intake
INQUIRY_MANAGE = "inquiry.manage"
BED_RESERVE = "bed.reserve"  # hold a bed for an inquiry, release the hold
BED_MANAGE = "bed.manage"  # mark a bed cleaned or for cleaning, move a patient to another bed
EVALUATION_RECORD = "evaluation.record"
EVALUATION_SIGN = "evaluation.sign"
TREATMENT_PLAN_EDIT = "treatment_plan.edit"
TREATMENT_PLAN_SIGN = "treatment_plan.sign"
# Medications
ORDER_SIGN = "order.sign"
DOSE_RECORD = "dose.record"
SAFETY_OVERRIDE = "safety.override"  # nurses too, where the program allows it
# Controlled-substance ledger
CONTROLLED_VIEW = "controlled.view"  # stock, entries, counts, the dispensing log
CONTROLLED_RECORD = "controlled.record"  # receipts, waste, transfers, counts, inventories
CONTROLLED_RESOLVE = "controlled.resolve"  # discrepancies, adjustments, products, locations
# Drug tests and other results: point-of-care tests at the bedside; laboratory results and
# imports by prescribers. Reading them is CHART_VIEW.
LAB_RECORD = "lab.record"
LAB_RECORD_LABORATORY = "lab.record_laboratory"
# Tapers
TAPER_PLAN = "taper.plan"
# Discharge and aftercare
DISCHARGE_PREPARE = "discharge.prepare"
DISCHARGE_SIGN = "discharge.sign"
FOLLOW_UP_RECORD = "follow_up.record"
DIRECTORY_VIEW = "directory.view"
DIRECTORY_MANAGE = "directory.manage"
PORTAL_INVITE = "portal.invite"
# Staff administration and emergency access
STAFF_MANAGE = "staff.manage"  # invite, roles, deactivate, unlock, reset MFA
FACILITY_MANAGE = "facility.manage"  # facilities, units and beds
EMERGENCY_ACCESS = "chart.emergency_access"  # "break the glass" into another facility's chart
EMERGENCY_REVIEW = "emergency.review"  # the list of emergency openings
# Program quality reports (the figures; the episodes behind a figure need CHART_VIEW too)
REPORTS_VIEW = "reports.view"

# Part 2 consents and disclosures (issue 15)
CONSENT_RECORD = "consent.record"  # record a consent, record a written revocation
DISCLOSURE_MAKE = "disclosure.make"  # release a record to someone outside the program
DISCLOSURE_EMERGENCY = "disclosure.emergency"  # disclose without consent in a medical emergency
DISCLOSURE_VIEW = "disclosure.view"  # consents, disclosures and the accounting of a patient
DISCLOSURE_REVIEW = "disclosure.review"  # the director's review of emergency disclosures

# Progress notes and amendment requests (issue 13)
NOTE_WRITE = "note.write"  # write and sign progress notes and addenda, document group sessions
NOTE_COSIGN = "note.cosign"  # co-sign notes of roles the program names
NOTE_TEMPLATES = "note.templates"  # edit the program's note templates and co-signature rule
AMENDMENT_DECIDE = "amendment.decide"  # accept or deny a patient's amendment request

_CLINICAL_READ = {CENSUS_VIEW, CHART_VIEW, DIRECTORY_VIEW}
_BEDSIDE = _CLINICAL_READ | {ASSESSMENT_RECORD, VITALS_RECORD, DOSE_RECORD, LAB_RECORD}
_LEDGER = {CONTROLLED_VIEW, CONTROLLED_RECORD}
_EVALUATE = {EVALUATION_RECORD, EVALUATION_SIGN, TREATMENT_PLAN_EDIT}
_DISCHARGE = {DISCHARGE_PREPARE, DISCHARGE_SIGN, PORTAL_INVITE}
_RELEASE = {CONSENT_RECORD, DISCLOSURE_MAKE, DISCLOSURE_VIEW}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.INTAKE_COORDINATOR: frozenset(
        {CENSUS_VIEW, EPISODE_ADMIT, INQUIRY_MANAGE, DIRECTORY_VIEW, DIRECTORY_MANAGE}
        | {FOLLOW_UP_RECORD, CONSENT_RECORD, DISCLOSURE_VIEW}
        | {BED_RESERVE, BED_MANAGE}
    ),
    Role.NURSE: frozenset(
        _BEDSIDE
        | _EVALUATE
        | _DISCHARGE
        | {EPISODE_CONFIGURE, EPISODE_ADMIT, INQUIRY_MANAGE}
        | {FOLLOW_UP_RECORD, EMERGENCY_ACCESS}
        | {BED_RESERVE, BED_MANAGE}
        | _LEDGER
        | _RELEASE
        | {DISCLOSURE_EMERGENCY, NOTE_WRITE}
    ),
    Role.PRESCRIBER: frozenset(
        _BEDSIDE
        | _EVALUATE
        | _DISCHARGE
        | {EPISODE_CONFIGURE, EPISODE_ADMIT}
        | {TREATMENT_PLAN_SIGN, ORDER_SIGN, SAFETY_OVERRIDE, TAPER_PLAN, LAB_RECORD_LABORATORY}
        | {EMERGENCY_ACCESS, BED_MANAGE}
        | _LEDGER
        | _RELEASE
        | {DISCLOSURE_EMERGENCY, NOTE_WRITE, NOTE_COSIGN, AMENDMENT_DECIDE}
    ),
    Role.COUNSELOR: frozenset(
        _CLINICAL_READ
        | {TREATMENT_PLAN_EDIT, DISCHARGE_PREPARE, PORTAL_INVITE, FOLLOW_UP_RECORD}
        | {DIRECTORY_MANAGE, NOTE_WRITE}
        | _RELEASE
    ),
    Role.DIRECTOR: frozenset(
        _CLINICAL_READ
        | {AUDIT_VIEW, PROGRAM_CONFIGURE, INQUIRY_MANAGE, EMERGENCY_REVIEW, REPORTS_VIEW}
        | {CONTROLLED_VIEW, CONTROLLED_RESOLVE}
        | _RELEASE
        | {DISCLOSURE_REVIEW, NOTE_COSIGN, NOTE_TEMPLATES, AMENDMENT_DECIDE}
    ),
    Role.AUDITOR: frozenset(
        {AUDIT_VIEW, EMERGENCY_REVIEW, DISCLOSURE_VIEW, CONTROLLED_VIEW, REPORTS_VIEW}
    ),
    Role.ADMINISTRATOR: frozenset({STAFF_MANAGE, FACILITY_MANAGE}),
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
