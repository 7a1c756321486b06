"""What the aftercare app reads from, or asks of, the other apps, in one place.

Each call uses the other app's published contract: the medications record
(``medications.queries``), the resource directory, the intake queue and the evaluation
(``intake.queries``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from detoxdesk.clinical import aftercare as rules
from detoxdesk.clinical import products
from detoxdesk.clinical.aftercare import OPIOID_CLASSES
from detoxdesk.intake import queries as intake_queries
from detoxdesk.intake.actions import do_open_inquiry_for_patient
from detoxdesk.labs import queries as lab_queries
from detoxdesk.medications import queries as medications
from detoxdesk.medications.models import PatientFacts

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User
    from detoxdesk.aftercare.models import FollowUp
    from detoxdesk.directory.models import Resource
    from detoxdesk.patients.models import Episode

METHADONE = "methadone"  # the medications record's drug codes
BUPRENORPHINE = "buprenorphine"


def current_medications_text(episode: Episode) -> str:
    """The episode's current orders, one plain-language line each, to prefill the summary.

    Orders of inpatient-only medicines (aftercare.toml [inpatient_only]: lofexidine,
    loperamide) are left out: the patient does not take them home.
    """
    return "\n".join(
        order.summary
        for order in medications.current_orders(episode)
        if not rules.is_inpatient_only(products.ingredients_of(order.drug))
    )


def opioid_use_disorder(episode: Episode) -> bool:
    """True when the record shows opioid use disorder, so MOUD must be offered at discharge.

    Any of: the latest signed evaluation records opioid use (``intake.queries``), the medication
    facts of this episode name the opioid last used, or buprenorphine or methadone was given here.
    """
    if intake_queries.opioid_use_recorded(episode.patient):
        return True
    if PatientFacts.objects.filter(episode=episode).exclude(opioid_class="").exists():
        return True
    return any(medications.last_given(episode, drug) for drug in (METHADONE, BUPRENORPHINE))


def last_methadone_dose(episode: Episode) -> tuple[Decimal, datetime] | None:
    """The last methadone dose given in this episode and its time, when the record has one."""
    return medications.last_given(episode, METHADONE)


def last_opioid_use(episode: Episode) -> tuple[str, datetime] | None:
    """(opioid class, time) of the latest opioid use known to the record, or None.

    The latest of the methadone and buprenorphine doses given here, the last use before
    admission recorded in the patient facts, and the last use in the patient's latest signed
    evaluation; on a tie the medication record wins, being the more direct observation. It
    prefills the naltrexone start, which the clinician confirms (use outside the unit is not
    recorded here).
    """
    known = [
        (drug, found[1])
        for drug in (METHADONE, BUPRENORPHINE)
        if (found := medications.last_given(episode, drug)) is not None
    ]
    facts = PatientFacts.objects.filter(episode=episode).first()
    if facts is not None and facts.last_opioid_use_at and facts.opioid_class in OPIOID_CLASSES:
        known.append((facts.opioid_class, facts.last_opioid_use_at))
    evaluated = intake_queries.last_opioid_use(episode.patient)
    if evaluated is not None and evaluated.opioid_class in OPIOID_CLASSES:
        known.append((evaluated.opioid_class, evaluated.at))
    return max(known, key=lambda pair: pair[1]) if known else None


def last_opioid_screen(episode: Episode) -> dict[str, Any] | None:
    """The patient's latest opioid screen (``labs.queries``), described for the naltrexone
    start, which needs the person opioid-free; None when no screen is recorded."""
    result = lab_queries.last_opioid_screen(episode.patient_id)
    return None if result is None else lab_queries.describe(result)


def resource_contact(resource: Resource) -> tuple[str, str, str, str]:
    """(name, kind label, one-line address, phone) of a directory resource, copied on referral."""
    address = ", ".join(
        part
        for part in (resource.address_line, resource.city, resource.region, resource.postcode)
        if part
    )
    return resource.name, resource.get_kind_display(), address, resource.phone


def open_inquiry(follow_up: FollowUp, acting_user: User) -> UUID:
    """Open an intake inquiry for a patient who needs help now; its UUID.

    Runs inside the caller's transaction, so the inquiry and the follow-up are saved together.
    """
    reason = f"Day {follow_up.day_offset} follow-up after discharge: needs help now."
    if follow_up.note:
        reason = f"{reason} {follow_up.note}"
    inquiry = do_open_inquiry_for_patient(
        follow_up.patient, follow_up.facility, acting_user=acting_user, reason=reason
    )
    return inquiry.uuid
