"""The disclosure door: recording consents, revoking them, and every disclosure that leaves.

Every record that leaves the program for someone else goes through :func:`do_disclose` (or
:func:`do_disclose_emergency`), which checks the consent, records the disclosure with the notice and
the consent copy that travel with it, and writes the audit event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import records
from detoxdesk.disclosures import checks, package
from detoxdesk.disclosures import information as info
from detoxdesk.disclosures.errors import DisclosureRefused
from detoxdesk.disclosures.information import Information, Purpose
from detoxdesk.disclosures.models import Consent, Disclosure, Revocation
from detoxdesk.patients.access import may, patient_facility_ids
from detoxdesk.patients.models import Episode, Facility, Patient

# A scanned paper consent: a PDF or a photograph, at most this large (a storage bound, not a
# clinical value).
SCAN_TYPES = {"application/pdf": b"%PDF", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}
SCAN_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Scan:
    content: bytes
    content_type: str
    name: str


def _require(user: User, capability: str, patient: Patient) -> None:
    if not may(user, capability, patient):
        raise PermissionDenied("Your role cannot do this for this patient.")


def _facility_for(user: User | None, patient: Patient, episode: Episode | None) -> Facility | None:
    if episode is not None:
        return episode.facility
    known = patient_facility_ids(patient)
    if user is not None:
        own = known & permissions.facility_ids_with(user, permissions.CHART_VIEW)
        known = own or known
    return Facility.objects.filter(pk__in=known).order_by("pk").first()


# --- Consents -------------------------------------------------------------------------------------


def do_record_consent(
    *,
    user: User,
    patient: Patient,
    facility: Facility,
    kind: str,
    disclosing_party: str,
    information: list[str],
    information_detail: str = "",
    recipient_names: list[str] | None = None,
    recipient_is_covered_entity: bool = False,
    purposes: list[str] | None = None,
    expires_on: date | None = None,
    expiry_event: str = "",
    signature_method: str,
    signer_name: str = "",
    signer_authority: str = "",
    signed_on: date | None = None,
    scan: Scan | None = None,
    now: datetime | None = None,
) -> Consent:
    """Record a consent with every section 2.31(a) element, or refuse naming each missing one.

    Signed on paper: the scan, the signer and the date are required and the consent is in force.
    To be signed in the portal: it waits for the patient's signature (:func:`do_sign_in_portal`).
    """
    if not permissions.can(user, permissions.CONSENT_RECORD, facility):
        raise PermissionDenied("Your role cannot record consents here.")
    if facility.pk not in patient_facility_ids(patient):
        raise PermissionDenied("This patient is not known at that facility.")
    now = now or timezone.now()
    fields = _consent_fields(
        kind=kind,
        disclosing_party=disclosing_party,
        information=information,
        information_detail=information_detail,
        recipient_names=recipient_names or [],
        recipient_is_covered_entity=recipient_is_covered_entity,
        purposes=purposes or [],
        expires_on=expires_on,
        expiry_event=expiry_event,
        today=timezone.localdate(now),
    )
    fields.update(
        _signature_fields(signature_method, signer_name, signer_authority, signed_on, scan, now)
    )
    with transaction.atomic():
        consent = Consent.objects.create(
            patient=patient, facility=facility, recorded_by=user, recorded_at=now, **fields
        )
        log.record(
            "consent.recorded",
            actor=user,
            patient=patient,
            facility=facility,
            target=consent,
            changes={
                "kind": kind,
                "recipients": consent.recipients_text(),
                "purposes": consent.purposes,
                "information": consent.information,
                "signature": signature_method,
            },
        )
    return consent


def _consent_fields(
    *,
    kind: str,
    disclosing_party: str,
    information: list[str],
    information_detail: str,
    recipient_names: list[str],
    recipient_is_covered_entity: bool,
    purposes: list[str],
    expires_on: date | None,
    expiry_event: str,
    today: date,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    law = records.law()
    if kind not in Consent.Kind.values:
        errors["kind"] = "Choose the kind of consent."
    if not disclosing_party.strip():
        errors["disclosing_party"] = "Name who may make the disclosure (the program or a person)."
    unknown = [code for code in information if code not in Information.values]
    if not information or unknown:
        errors["information"] = "Choose the information the consent covers."
    names = [" ".join(name.split()) for name in recipient_names if name.strip()]
    recipient_class = ""
    if kind == Consent.Kind.TPO:
        recipient_class = law.tpo_recipient_class
        purposes = sorted(info.TPO)
        if expiry_event and expiry_event not in law.tpo_expiry_events:
            errors["expiry_event"] = (
                "The single TPO consent ends at a date, the end of treatment or never."
            )
    else:
        if not names:
            errors["recipient_names"] = "Name at least one recipient."
        bad = [p for p in purposes if p not in Purpose.values or p == Purpose.PATIENT_REQUEST]
        if not purposes or bad:
            errors["purposes"] = "Choose the purpose: treatment, payment or health care operations."
        if expiry_event == Consent.ExpiryEvent.NONE:
            errors["expiry_event"] = (
                "Only the single TPO consent may have no expiry; "
                "give a date or the end of treatment."
            )
    if expires_on is None and not expiry_event:
        errors["expires_on"] = "Give the date or the event at which the consent expires."
    elif expires_on is not None and expiry_event:
        errors["expires_on"] = "Give an expiry date or an expiry event, not both."
    elif expires_on is not None and expires_on < today:
        errors["expires_on"] = "The expiry date is in the past."
    if expiry_event and expiry_event not in Consent.ExpiryEvent.values:
        errors["expiry_event"] = "Choose the end of treatment or no expiry."
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "disclosing_party": disclosing_party.strip(),
        "information": [code for code in Information.values if code in information],
        "information_detail": information_detail.strip(),
        "recipient_names": names,
        "recipient_class": recipient_class,
        "recipient_is_covered_entity": recipient_is_covered_entity,
        "purposes": [code for code in Purpose.values if code in purposes],
        "revocation_statement": law.revocation,
        "expires_on": expires_on,
        "expiry_event": expiry_event,
    }


def _signature_fields(
    method: str,
    signer_name: str,
    signer_authority: str,
    signed_on: date | None,
    scan: Scan | None,
    now: datetime,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if method == Consent.Signature.PORTAL:
        return {"signature_method": method, "status": Consent.Status.AWAITING_SIGNATURE}
    if method != Consent.Signature.PAPER:
        raise ValidationError({"signature_method": "Choose how the consent is signed."})
    if not signer_name.strip():
        errors["signer_name"] = "Give the name of the person who signed."
    if signed_on is None:
        errors["signed_on"] = "Give the date the consent was signed."
    elif signed_on > timezone.localdate(now):
        errors["signed_on"] = "The date signed is in the future."
    if scan is None:
        errors["scan"] = "Attach the scanned signed consent (PDF, PNG or JPEG)."
    else:
        problem = scan_problem(scan)
        if problem:
            errors["scan"] = problem
    if errors or scan is None:
        raise ValidationError(errors)
    return {
        "signature_method": method,
        "signer_name": " ".join(signer_name.split()),
        "signer_authority": signer_authority.strip(),
        "signed_on": signed_on,
        "scan": scan.content,
        "scan_content_type": scan.content_type,
        "scan_name": scan.name[:200],
        "status": Consent.Status.ACTIVE,
    }


def scan_problem(scan: Scan) -> str | None:
    """Why a scanned consent is refused (type, size, content), or None."""
    magic = SCAN_TYPES.get(scan.content_type)
    if magic is None:
        return "The scan must be a PDF, PNG or JPEG file."
    if not scan.content:
        return "The scan is empty."
    if len(scan.content) > SCAN_MAX_BYTES:
        return f"The scan is larger than {SCAN_MAX_BYTES // (1024 * 1024)} MB."
    if not scan.content.startswith(magic):
        return "The file is not the kind it claims to be; attach the PDF, PNG or JPEG scan itself."
    return None


def do_sign_in_portal(
    consent: Consent, *, user: User, typed_name: str, now: datetime | None = None
) -> Consent:
    """The patient signs a consent awaiting their signature, by typing their full name."""
    now = now or timezone.now()
    with transaction.atomic():
        consent = Consent.objects.select_for_update().select_related("patient").get(pk=consent.pk)
        _require_own(user, consent)
        if consent.status != Consent.Status.AWAITING_SIGNATURE:
            raise ValidationError("This consent is not waiting for a signature.")
        if checks.normalise(typed_name) != checks.normalise(consent.patient.full_name):
            raise ValidationError({"typed_name": "Type your full name exactly as shown to sign."})
        consent.signer_name = consent.patient.full_name
        consent.signed_on = timezone.localdate(now)
        consent.signed_in_portal_at = now
        consent.status = Consent.Status.ACTIVE
        consent.save(update_fields=["signer_name", "signed_on", "signed_in_portal_at", "status"])
        log.record(
            "consent.signed",
            actor=user,
            patient=consent.patient,
            facility=consent.facility,
            target=consent,
        )
    return consent


def _require_own(user: User, consent: Consent) -> None:
    account = getattr(user, "portal_account", None)
    if account is None or account.patient_id != consent.patient_id:
        raise PermissionDenied("This is not your consent.")


def do_revoke_consent(
    consent: Consent,
    *,
    user: User,
    form: str,
    received_on: date,
    note: str = "",
    now: datetime | None = None,
) -> Revocation:
    """Revoke a consent in writing: no new disclosure under it; past disclosures stand.

    Staff record a written revocation (``form="letter"``); the patient revokes in the portal
    (``form="portal"``).
    """
    now = now or timezone.now()
    if form == Revocation.Form.PORTAL:
        _require_own(user, consent)
    elif form == Revocation.Form.LETTER:
        _require(user, permissions.CONSENT_RECORD, consent.patient)
    else:
        raise ValidationError({"form": "Say how the written revocation was received."})
    if received_on > timezone.localdate(now):
        raise ValidationError({"received_on": "The date received is in the future."})
    with transaction.atomic():
        consent = Consent.objects.select_for_update().select_related("patient").get(pk=consent.pk)
        if consent.status == Consent.Status.REVOKED:
            raise ValidationError("This consent has already been revoked.")
        revocation = Revocation.objects.create(
            consent=consent,
            form=form,
            received_on=received_on,
            note=note.strip(),
            recorded_by=user,
            recorded_at=now,
        )
        consent.status = Consent.Status.REVOKED
        consent.save(update_fields=["status"])
        log.record(
            "consent.revoked",
            actor=user,
            patient=consent.patient,
            facility=consent.facility,
            target=consent,
            changes={"form": form, "received_on": received_on.isoformat()},
        )
    return revocation


# --- Disclosures ----------------------------------------------------------------------------------


def do_disclose(
    *,
    user: User | None,
    patient: Patient,
    recipient: str,
    purpose: str,
    information: str,
    description: str,
    episode: Episode | None = None,
    now: datetime | None = None,
) -> Disclosure:
    """Disclose ``information`` about ``patient`` to ``recipient`` for ``purpose``, or refuse.

    Raises :class:`DisclosureRefused` (its ``reasons`` name what is missing) unless a signed,
    unrevoked, unexpired consent covers this recipient, purpose and information. The recipient
    ``"patient"`` with the purpose ``"patient_request"`` is the patient's own copy: no consent is
    needed and it is still recorded. ``user`` None means an operator at the command line.
    A refusal records no disclosure; it writes a ``disclosure.refused`` audit event.
    """
    if user is not None:
        _require(user, permissions.DISCLOSURE_MAKE, patient)
    now = now or timezone.now()
    recipient = " ".join(recipient.split())
    description = description.strip() or info.label(information)
    problems = _request_problems(recipient, purpose, information)
    if problems:
        _refuse(user, patient, recipient, purpose, information, problems)
    own_copy = checks.is_patient_recipient(recipient)
    with transaction.atomic():
        found = (
            None if own_copy else _covering_consent(patient, recipient, purpose, information, now)
        )
        if not isinstance(found, list):
            return _create(
                user=user,
                patient=patient,
                episode=episode,
                now=now,
                recipient=info.PATIENT if own_copy else recipient,
                purpose=purpose,
                information=information,
                description=description,
                consent=found,
                legal_basis=(
                    Disclosure.LegalBasis.PATIENT_ACCESS
                    if own_copy
                    else Disclosure.LegalBasis.CONSENT
                ),
            )
    _refuse(user, patient, recipient, purpose, information, found)


def _request_problems(recipient: str, purpose: str, information: str) -> list[str]:
    problems = []
    if not recipient:
        problems.append("No recipient: name who the record is for.")
    if purpose not in Purpose.values:
        problems.append(
            f"{purpose!r} is not a purpose: choose treatment, payment, operations or "
            "patient_request."
        )
    if information not in Information.values or information == Information.ALL_RECORDS:
        problems.append(f"{information!r} is not a kind of information that can be disclosed.")
    if recipient and checks.is_patient_recipient(recipient) and purpose != Purpose.PATIENT_REQUEST:
        problems.append(
            "A copy for the patient is made at the patient's request (patient_request)."
        )
    return problems


def _covering_consent(
    patient: Patient, recipient: str, purpose: str, information: str, now: datetime
) -> Consent | list[str]:
    """The newest consent that covers the disclosure, locked; or every reason none does."""
    consents = list(
        Consent.objects.select_for_update().filter(patient=patient).order_by("-recorded_at", "-pk")
    )
    if not consents:
        return [f"No consent: {patient.full_name} has no consent on file to disclose to anyone."]
    revocations = {r.consent_id: r for r in Revocation.objects.filter(consent__in=consents)}
    today = timezone.localdate(now)
    ended_at = checks.treatment_ended_at(patient)
    reasons: list[str] = []
    for consent in consents:
        if consent.pk in revocations:
            consent.revocation = revocations[consent.pk]
        failed = checks.failures(
            consent,
            recipient=recipient,
            purpose=purpose,
            information=information,
            today=today,
            ended_at=ended_at,
        )
        if not failed:
            return consent
        reasons.extend(failed)
    return reasons


def _create(
    *,
    user: User | None,
    patient: Patient,
    episode: Episode | None,
    now: datetime,
    recipient: str,
    purpose: str,
    information: str,
    description: str,
    consent: Consent | None,
    legal_basis: str,
    emergency: dict[str, str] | None = None,
) -> Disclosure:
    disclosure = Disclosure(
        patient=patient,
        episode=episode,
        facility=_facility_for(user, patient, episode),
        disclosed_at=now,
        recipient=recipient,
        information=information,
        description=description[:500],
        purpose=purpose,
        legal_basis=legal_basis,
        consent=consent,
        disclosed_by=user,
        notice=package.notice_text() if legal_basis != Disclosure.LegalBasis.PATIENT_ACCESS else "",
        **(emergency or {}),
    )
    disclosure.consent_copy = package.consent_copy(disclosure)
    disclosure.save()
    event = "disclosure.emergency" if emergency else "disclosure.made"
    log.record(
        event,
        actor=user,
        patient=patient,
        facility=disclosure.facility,
        target=disclosure,
        changes={
            "recipient": recipient,
            "information": information,
            "purpose": purpose,
            "legal_basis": legal_basis,
            "consent": str(consent.uuid) if consent else "",
        },
    )
    return disclosure


def _refuse(
    user: User | None,
    patient: Patient,
    recipient: str,
    purpose: str,
    information: str,
    reasons: list[str],
) -> NoReturn:
    with transaction.atomic():
        log.record(
            "disclosure.refused",
            actor=user,
            patient=patient,
            changes={
                "recipient": recipient,
                "purpose": purpose,
                "information": information,
                "reasons": reasons,
            },
        )
    raise DisclosureRefused(reasons)


def do_disclose_emergency(
    *,
    user: User,
    patient: Patient,
    personnel: str,
    personnel_facility: str,
    nature: str,
    information: str,
    description: str = "",
    episode: Episode | None = None,
    now: datetime | None = None,
) -> Disclosure:
    """Disclose to medical personnel in a bona fide medical emergency (42 CFR 2.51), no consent.

    Records at once what section 2.51(c) requires (the personnel and their facility, who disclosed,
    when, the nature of the emergency); the disclosure waits on the director's worklist until
    reviewed and appears in the accounting.
    """
    _require(user, permissions.DISCLOSURE_EMERGENCY, patient)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    personnel, personnel_facility = (
        " ".join(personnel.split()),
        " ".join(personnel_facility.split()),
    )
    if not personnel:
        errors["personnel"] = "Name the medical personnel who received the information."
    if not personnel_facility:
        errors["personnel_facility"] = "Name the facility the medical personnel work for."
    if not nature.strip():
        errors["nature"] = "Describe the nature of the medical emergency."
    if information not in Information.values or information == Information.ALL_RECORDS:
        errors["information"] = "Choose what was disclosed."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _create(
            user=user,
            patient=patient,
            episode=episode,
            now=now,
            recipient=f"{personnel}, {personnel_facility}",
            purpose=Purpose.TREATMENT,
            information=information,
            description=description.strip() or info.label(information),
            consent=None,
            legal_basis=Disclosure.LegalBasis.MEDICAL_EMERGENCY,
            emergency={
                "emergency_personnel": personnel,
                "emergency_facility": personnel_facility,
                "emergency_nature": nature.strip(),
            },
        )


def do_review_emergency(
    disclosure: Disclosure, *, user: User, now: datetime | None = None
) -> Disclosure:
    """The director marks an emergency disclosure as reviewed (it leaves the worklist)."""
    now = now or timezone.now()
    with transaction.atomic():
        disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
        if disclosure.facility is None or not permissions.can(
            user, permissions.DISCLOSURE_REVIEW, disclosure.facility
        ):
            raise PermissionDenied("Your role cannot review emergency disclosures here.")
        if not disclosure.is_emergency:
            raise ValidationError("Only emergency disclosures are reviewed.")
        if disclosure.director_reviewed_at is not None:
            raise ValidationError("This emergency disclosure has already been reviewed.")
        disclosure.director_reviewed_at = now
        disclosure.director_reviewed_by = user
        disclosure.save(update_fields=["director_reviewed_at", "director_reviewed_by"])
        log.record(
            "disclosure.emergency_reviewed",
            actor=user,
            patient=disclosure.patient,
            facility=disclosure.facility,
            target=disclosure,
        )
    return disclosure
