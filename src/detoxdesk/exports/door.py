"""The FHIR bundle leaves only through the disclosure door (``disclosures.actions.do_disclose``).

The episode's rows are read first; the disclosure is recorded only when a consent covers it
(otherwise :class:`~detoxdesk.disclosures.errors.DisclosureRefused` and nothing is built); the
bundle is then made from what was read, carrying the consent relied on and the section 2.32 notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from detoxdesk.disclosures import package
from detoxdesk.disclosures.actions import do_disclose
from detoxdesk.disclosures.information import Information
from detoxdesk.disclosures.models import Consent, Disclosure
from detoxdesk.exports import fhir
from detoxdesk.patients.models import Episode

if TYPE_CHECKING:
    from detoxdesk.accounts.models import User

COMMAND_LINE = "an operator at the command line"


def consent_terms(consent: Consent) -> fhir.ConsentTerms:
    signed: Any = consent.signed_in_portal_at or consent.signed_on or consent.recorded_at
    return fhir.ConsentTerms(
        id=consent.uuid,
        active=consent.status == Consent.Status.ACTIVE,
        signed_at=signed,
        recipient=consent.recipients_text(),
        purposes=tuple(consent.purposes),
        information=", ".join(str(label) for label in consent.information_labels()),
        expires_on=consent.expires_on,
        expiry_event=consent.get_expiry_event_display() if consent.expiry_event else "",
    )


def disclosure_terms(disclosure: Disclosure, user: User | None) -> fhir.DisclosureTerms:
    by = (user.get_full_name() or user.username) if user is not None else COMMAND_LINE
    return fhir.DisclosureTerms(
        id=disclosure.uuid,
        recipient=disclosure.recipient,
        purpose=disclosure.purpose,
        disclosed_by=by,
        at=disclosure.disclosed_at,
        notice=disclosure.notice or package.notice_text(),
        consent=consent_terms(disclosure.consent) if disclosure.consent else None,
    )


def loaded_episode(episode_id: int) -> Episode:
    """The episode with what the bundle's first resources need, in one query."""
    return Episode.objects.select_related("patient__program", "facility", "bed").get(pk=episode_id)


def disclose_bundle(
    *,
    user: User | None,
    episode: Episode,
    recipient: str,
    purpose: str,
    now: datetime | None = None,
) -> tuple[Disclosure, dict[str, Any]]:
    """Disclose ``episode`` as a FHIR bundle to ``recipient`` for ``purpose``, or refuse.

    Raises DisclosureRefused (nothing recorded but the refusal's audit event) when no consent
    covers it. ``user`` None is an operator at the command line.
    """
    episode = loaded_episode(episode.pk)
    record = fhir.load(episode)
    admitted = timezone.localdate(episode.admitted_at)
    disclosure = do_disclose(
        user=user,
        patient=episode.patient,
        recipient=recipient,
        purpose=purpose,
        information=Information.FHIR_BUNDLE,
        description=f"FHIR bundle of the episode at {episode.facility.name} from {admitted}",
        episode=episode,
        now=now,
    )
    return disclosure, fhir.build_bundle(record, disclosure_terms(disclosure, user))
