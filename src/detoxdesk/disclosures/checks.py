"""Does a consent cover a disclosure? Each failure is a sentence naming what is missing."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from detoxdesk.disclosures import information as info
from detoxdesk.disclosures.information import Purpose
from detoxdesk.disclosures.models import Consent
from detoxdesk.lib.dates import shown
from detoxdesk.patients.models import Episode, Patient


def normalise(name: str) -> str:
    return " ".join(name.split()).casefold()


def is_patient_recipient(recipient: str) -> bool:
    return normalise(recipient) == info.PATIENT


def treatment_ended_at(patient: Patient) -> datetime | None:
    """When the patient's treatment ended: the last discharge, unless an episode is active."""
    episodes = list(patient.episodes.values_list("status", "discharged_at"))
    if not episodes or any(status == Episode.Status.ACTIVE for status, _ in episodes):
        return None
    ended = [at for _, at in episodes if at is not None]
    return max(ended) if ended else None


def expired(consent: Consent, today: date, ended_at: datetime | None) -> str | None:
    """Why ``consent`` has expired, or None."""
    named = _name(consent)
    if consent.expires_on is not None and consent.expires_on < today:
        return f"{named} expired on {shown(consent.expires_on, 'DATE_FORMAT')}."
    if (
        consent.expiry_event == Consent.ExpiryEvent.END_OF_TREATMENT
        and ended_at is not None
        and ended_at > consent.recorded_at
    ):
        ended = timezone.localtime(ended_at)
        return f"{named} expired at the end of treatment ({shown(ended, 'DATE_FORMAT')})."
    return None


def failures(
    consent: Consent,
    *,
    recipient: str,
    purpose: str,
    information: str,
    today: date,
    ended_at: datetime | None,
) -> list[str]:
    """Every reason ``consent`` does not cover this disclosure; empty when it does."""
    named = _name(consent)
    if consent.status == Consent.Status.REVOKED:
        revoked = getattr(consent, "revocation", None)
        when = f" on {shown(revoked.received_on, 'DATE_FORMAT')}" if revoked else ""
        return [f"{named} was revoked{when}; it covers no new disclosure."]
    if consent.status == Consent.Status.AWAITING_SIGNATURE:
        return [f"{named} is not signed yet: the patient has not signed it in the portal."]
    reasons = []
    lapsed = expired(consent, today, ended_at)
    if lapsed:
        reasons.append(lapsed)
    if not _recipient_covered(consent, recipient, purpose):
        names = ", ".join(consent.recipient_names) or consent.recipient_class
        reasons.append(f"{named} does not name {recipient} as a recipient (it names: {names}).")
    if purpose not in consent.purposes:
        reasons.append(
            f"{named} does not cover the purpose {Purpose(purpose).label.lower()} "
            f"(it covers: {', '.join(p.lower() for p in consent.purpose_labels())})."
        )
    if not info.covers(consent.information, information):
        reasons.append(_information_reason(consent, information))
    return reasons


def _recipient_covered(consent: Consent, recipient: str, purpose: str) -> bool:
    if consent.is_tpo and purpose in info.TPO:
        # The single TPO consent names a class of recipients (section 2.31(a)(4)).
        return True
    wanted = normalise(recipient)
    return any(normalise(name) == wanted for name in consent.recipient_names)


def _information_reason(consent: Consent, information: str) -> str:
    named = _name(consent)
    what = info.label(information)
    if information in info.SEGMENTED:
        return (
            f"{what} are disclosed only under a consent that names them specifically; "
            f"{named} does not cover them."
        )
    covered = "; ".join(consent.information_labels())
    return f"{named} does not cover {what.lower()} (it covers: {covered})."


def _name(consent: Consent) -> str:
    when = consent.signed_on or timezone.localdate(consent.recorded_at)
    return f"The consent of {shown(when, 'DATE_FORMAT')}"
