"""Portal writes: invitations by staff, account set-up, and a patient's own SOWS and cravings.

A patient account has no facility membership, so the staff capability checks refuse it; the
patient's authority over their own record comes from its ``PortalAccount`` instead.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.clinical import errors, scales
from detoxdesk.monitoring import sequence
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.monitoring.policy import scale_bands
from detoxdesk.patients.models import Episode, Facility, Patient
from detoxdesk.portal.access import require_portal_account
from detoxdesk.portal.models import (
    CRAVING_MAX,
    CRAVING_MIN,
    CravingRating,
    Invitation,
    PortalAccount,
)
from detoxdesk.portal.policy import invitation_lifetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_invite_patient(
    patient: Patient, *, acting_user: User, facility: Facility, now: datetime | None = None
) -> tuple[Invitation, str]:
    """A new one-time invitation and its token (shown once; only the hash is stored).

    Earlier unused invitations for the patient are withdrawn.
    """
    if not permissions.can(acting_user, permissions.PORTAL_INVITE, facility):
        raise PermissionDenied("Your role cannot invite patients to the portal.")
    if PortalAccount.objects.filter(patient=patient).exists():
        raise ValidationError("This patient already has a portal account.")
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            patient=patient, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            patient=patient,
            facility=facility,
            token_hash=hash_token(token),
            created_by=acting_user,
            created_at=now,
            expires_at=now + invitation_lifetime(),
        )
        log.record(
            "portal.invited",
            actor=acting_user,
            patient=patient,
            facility=facility,
            target=invitation,
            changes={"expires_at": invitation.expires_at.isoformat()},
        )
    return invitation, token


def usable_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """The invitation behind ``token`` if it can still be used, else None."""
    invitation = (
        Invitation.objects.select_related("patient").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None or not invitation.is_usable(now or timezone.now()):
        return None
    return invitation


def do_accept_invitation(
    token: str,
    *,
    acting_user: User | None,
    username: str,
    password: str,
    now: datetime | None = None,
) -> User:
    """Create the patient's account from a usable invitation; the token is the permission.

    ``acting_user`` must be None (nobody signed in); the new account is the audit actor.
    """
    if acting_user is not None:
        raise PermissionDenied("Sign out before setting up a patient account.")
    now = now or timezone.now()
    invitation = usable_invitation(token, now)
    if invitation is None:
        raise ValidationError("This invitation link has expired or has already been used.")
    user = _new_patient_user(username, password, invitation.patient)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_usable(now):
            raise ValidationError("This invitation link has expired or has already been used.")
        try:
            user.save()
            PortalAccount.objects.create(user=user, patient=invitation.patient, created_at=now)
        except IntegrityError:
            raise ValidationError({"username": "That username is taken; choose another."}) from None
        locked.accepted_at = now
        locked.save(update_fields=["accepted_at"])
        log.record(
            "portal.account_created",
            actor=user,
            patient=invitation.patient,
            facility=invitation.facility,
            target=locked,
        )
    return user


def _new_patient_user(username: str, password: str, patient: Patient) -> User:
    username = username.strip()
    # The "(patient)" surname makes self-reports recognisable wherever staff see "recorded by".
    user = User(
        username=username,
        first_name=patient.preferred_name or patient.given_name,
        last_name="(patient)",
    )
    errors: dict[str, list[str]] = {}
    try:
        user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "username"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken; choose another."]
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    return user


def active_episode(patient: Patient) -> Episode | None:
    return (
        patient.episodes.filter(status=Episode.Status.ACTIVE)
        .select_related("facility__program")
        .first()
    )


def do_submit_sows(
    *,
    acting_user: User,
    answers: Mapping[str, object],
    note: str = "",
    now: datetime | None = None,
) -> Assessment:
    """Store the patient's own SOWS on their active episode, scored by the clinical core."""
    account = require_portal_account(acting_user)
    episode = active_episode(account.patient)
    if episode is None:
        raise ValidationError(
            "There is no current stay or clinic course to add this to. Your care team can "
            "still help: please call them."
        )
    now = now or timezone.now()
    scale = scales.get_scale(Scale.SOWS)
    program = episode.facility.program
    try:
        result = scales.score(scale, answers, bands=scale_bands(program, scale))
    except errors.InvalidInput as exc:
        raise ValidationError(dict(exc.fields) or str(exc)) from None
    with transaction.atomic():
        assessment = Assessment(
            episode=episode,
            scale=Scale.SOWS,
            items=dict(result.items),
            total=result.total,
            band=result.band or "",
            band_label=result.band_label or "",
            performed_at=now,
            recorded_at=now,
            recorded_by=acting_user,
            on_behalf_of_patient=False,
            policy_version=program.policy_version,
            note=note.strip()[:1000],
            previous_at=sequence.previous_time(episode.pk, now),
        )
        entry = {
            "event": "portal.sows_submitted",
            "actor": acting_user,
            "patient": account.patient,
            "facility": episode.facility,
            "target": assessment,
            "changes": {"total": result.total},
        }
        log.record_many([entry], inserts=[assessment], then=[sequence.next_update(assessment)])
    return assessment


def do_record_craving(
    *, acting_user: User, rating: object, note: str = "", now: datetime | None = None
) -> CravingRating:
    """Store the patient's own craving rating (a whole number from 0 to 10)."""
    account = require_portal_account(acting_user)
    if not isinstance(rating, int) or isinstance(rating, bool):
        raise ValidationError({"rating": "Choose a number from 0 to 10."})
    if not CRAVING_MIN <= rating <= CRAVING_MAX:
        raise ValidationError({"rating": "Choose a number from 0 to 10."})
    note = note.strip()
    if len(note) > 500:
        raise ValidationError({"note": "At most 500 characters."})
    episode = active_episode(account.patient)
    now = now or timezone.now()
    with transaction.atomic():
        craving = CravingRating.objects.create(
            patient=account.patient,
            episode=episode,
            rating=rating,
            note=note,
            recorded_at=now,
            recorded_by=acting_user,
        )
        log.record(
            "portal.craving_recorded",
            actor=acting_user,
            patient=account.patient,
            facility=episode.facility if episode else None,
            target=craving,
            changes={"rating": rating},
        )
    return craving


def record_view(account: PortalAccount, page: str) -> None:
    """Audit that the patient opened a portal page, before it reads their record."""
    log.viewed(account.user, "portal.viewed", patient=account.patient, changes={"page": page})
