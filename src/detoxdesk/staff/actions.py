"""Staff administration writes: invitations, roles, account state and emergency access.

Every ``do_*`` function checks the acting user's permission, validates, writes and records its
audit event in one transaction. Account mechanics that the accounts app owns (the lockout, the
multi-factor devices) are reached through the ``accounts_*`` seams below, so that one place
changes when those mechanics do.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django_otp import devices_for_user

from detoxdesk.accounts import auth, permissions
from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.audit import log
from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program
from detoxdesk.staff import emergency
from detoxdesk.staff.models import BedStatus, EmergencyGrant, FacilityStatus, StaffInvitation, Unit
from detoxdesk.staff.versions import check_version, fingerprint

INVITATION_SALT = "detoxdesk.staff.invitation"
_UNUSABLE = "This invitation link has expired, was withdrawn or has already been used."


# Seams into the accounts app ---------------------------------------------------------------


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` are locked now on some connection (django-axes records).

    Sign-in locks a username at one address (``AXES_LOCKOUT_PARAMETERS``), so an account counts
    as locked when any address has reached the failure limit within the cool-off.
    """
    since = timezone.now() - auth.cool_off()
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=auth.failure_limit(None),
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def accounts_unlock(user: User) -> bool:
    """Lift every sign-in lockout of the account (all addresses); True when one was lifted."""
    locked = bool(locked_usernames([user.username]))
    axes_reset(username=user.username)
    return locked


def accounts_reset_mfa(user: User) -> int:
    """Remove the account's second factors (authenticator and recovery codes); returns how many.

    The account enrols again at its next sign-in when its program requires a second factor.
    """
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)


def end_sessions(user: User) -> int:
    """Delete every stored session of ``user`` (database session store); returns how many.

    Sessions expire after ``SESSION_IDLE_MINUTES`` of inactivity, so the unexpired sessions read
    here are the people working now, not the history.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


# Permission checks -------------------------------------------------------------------------


def _require(acting_user: User, capability: str, facility: Facility) -> None:
    if not permissions.can(acting_user, capability, facility):
        raise PermissionDenied("Only an administrator of this facility can do this.")


def _require_over(acting_user: User, target: User) -> None:
    """The acting user administers at least one facility where ``target`` holds a role."""
    managed = permissions.facility_ids_with(acting_user, permissions.STAFF_MANAGE)
    if not target.memberships.filter(facility_id__in=managed).exists():
        raise PermissionDenied("Only an administrator of this person's facility can do this.")
    if target.pk == acting_user.pk:
        raise ValidationError("You cannot do this to your own account; ask another administrator.")


def facility_is_active(facility: Facility) -> bool:
    status = FacilityStatus.objects.filter(facility=facility).first()
    return status is None or status.active


def _require_active(facility: Facility) -> None:
    if not facility_is_active(facility):
        raise ValidationError({"facility": f"{facility.name} is deactivated; reactivate it first."})


def _valid_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the listed roles."})


# Invitations -------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_invite_staff(
    *,
    acting_user: User,
    facility: Facility,
    role: str,
    email: str,
    first_name: str,
    last_name: str,
    link_for: Callable[[str], str],
) -> tuple[StaffInvitation, str]:
    """Invite someone by e-mail to set up an account holding ``role`` at ``facility``.

    The token is signed (it names the invitation and expires with it) and single-use; only its
    hash is stored. ``link_for(token)`` builds the absolute link; the e-mail leaves after commit.
    Earlier open invitations to the same address at the same facility are withdrawn.
    """
    _require(acting_user, permissions.STAFF_MANAGE, facility)
    _require_active(facility)
    _valid_role(role)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email, memberships__facility=facility).exists():
        raise ValidationError({"email": "Someone with this address already works here."})
    now = timezone.now()
    with transaction.atomic():
        StaffInvitation.objects.filter(
            email=email, facility=facility, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = StaffInvitation(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            facility=facility,
            role=role,
            created_by=acting_user,
            created_at=now,
            expires_at=now + timedelta(hours=settings.STAFF_INVITATION_HOURS),
        )
        token = signing.dumps(
            {"i": str(invitation.uuid), "n": secrets.token_urlsafe(16)}, salt=INVITATION_SALT
        )
        invitation.token_hash = hash_token(token)
        invitation.save()
        log.record(
            "staff.invited",
            actor=acting_user,
            facility=facility,
            target=invitation,
            changes={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()},
        )
        link = link_for(token)
        transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, token


def _send_invitation(invitation: StaffInvitation, link: str) -> None:
    hours = settings.STAFF_INVITATION_HOURS
    send_mail(
        subject=f"Your Detox Desk account at {invitation.facility.name}",
        message=(
            f"Hello {invitation.first_name},\n\n"
            f"You have been invited to Detox Desk as {invitation.get_role_display()} at "
            f"{invitation.facility.name}. Open this link to choose your username and password:\n\n"
            f"{link}\n\nThe link works once, for {hours} hours. If you did not expect it, "
            "ignore this message.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def usable_invitation(token: str, now: datetime | None = None) -> StaffInvitation | None:
    """The invitation behind ``token`` if its signature holds and it can still be used."""
    try:
        signing.loads(
            token, salt=INVITATION_SALT, max_age=timedelta(hours=settings.STAFF_INVITATION_HOURS)
        )
    except signing.BadSignature:
        return None
    invitation = (
        StaffInvitation.objects.select_related("facility")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_usable(now or timezone.now()):
        return None
    return invitation


def do_accept_staff_invitation(
    token: str, *, acting_user: User | None, username: str, password: str
) -> User:
    """Create the account and its first role; the token is the permission.

    ``acting_user`` must be None (nobody signed in); the new account is the audit actor.
    The password must pass every configured password validator.
    """
    if acting_user is not None:
        raise PermissionDenied("Sign out before accepting an invitation.")
    now = timezone.now()
    invitation = usable_invitation(token, now)
    if invitation is None:
        raise ValidationError(_UNUSABLE)
    user = _new_staff_user(invitation, username, password)
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_usable(now):
            raise ValidationError(_UNUSABLE)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError({"username": "That username is taken; choose another."}) from None
        Membership.objects.create(user=user, facility=locked.facility, role=locked.role)
        locked.accepted_at = now
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        log.record(
            "staff.account_created",
            actor=user,
            facility=locked.facility,
            target=locked,
            changes={"username": user.username, "role": locked.role},
        )
    return user


def _new_staff_user(invitation: StaffInvitation, username: str, password: str) -> User:
    username = username.strip()
    user = User(
        username=username,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        email=invitation.email,
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


def do_revoke_invitation(invitation: StaffInvitation, *, acting_user: User) -> StaffInvitation:
    _require(acting_user, permissions.STAFF_MANAGE, invitation.facility)
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.revoked_at is not None:
            raise ValidationError("This invitation was already used or withdrawn.")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        log.record(
            "staff.invitation_revoked",
            actor=acting_user,
            facility=locked.facility,
            target=locked,
            changes={"email": locked.email},
        )
    return locked


# Roles -------------------------------------------------------------------------------------


def do_assign_role(target: User, *, acting_user: User, facility: Facility, role: str) -> Membership:
    """Give ``target`` a role at a facility where they hold none yet."""
    _require(acting_user, permissions.STAFF_MANAGE, facility)
    _require_over(acting_user, target)
    _require_active(facility)
    _valid_role(role)
    with transaction.atomic():
        User.objects.select_for_update().get(pk=target.pk)
        if Membership.objects.filter(user=target, facility=facility).exists():
            raise ValidationError(
                {"facility": f"{target} already has a role at {facility.name}; change it instead."}
            )
        membership = Membership.objects.create(user=target, facility=facility, role=role)
        log.record(
            "staff.role_assigned",
            actor=acting_user,
            facility=facility,
            target=target,
            changes={"role": role},
        )
    return membership


def do_change_role(
    membership: Membership, *, acting_user: User, role: str, version: str
) -> Membership:
    """Change a role; ``version`` is the fingerprint of the role the form was read with."""
    _require(acting_user, permissions.STAFF_MANAGE, membership.facility)
    _require_over(acting_user, membership.user)
    _valid_role(role)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if locked is None:
            raise ValidationError("This role was removed by someone else; nothing was saved.")
        check_version(version, locked.role, now_reads=f"role {locked.get_role_display()}")
        if locked.role == role:
            return locked
        old = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        log.record(
            "staff.role_changed",
            actor=acting_user,
            facility=locked.facility,
            target=locked.user,
            changes={"role": [old, role]},
        )
    return locked


def do_remove_role(membership: Membership, *, acting_user: User) -> None:
    """Remove a role. The last role stays: deactivate the account instead, so it stays findable."""
    _require(acting_user, permissions.STAFF_MANAGE, membership.facility)
    _require_over(acting_user, membership.user)
    with transaction.atomic():
        User.objects.select_for_update().get(pk=membership.user_id)
        if Membership.objects.filter(user_id=membership.user_id).count() <= 1:
            raise ValidationError(
                "This is the person's only role. Deactivate the account instead, or give them "
                "another role first."
            )
        deleted, _ = Membership.objects.filter(pk=membership.pk).delete()
        if not deleted:
            raise ValidationError("This role was already removed.")
        log.record(
            "staff.role_removed",
            actor=acting_user,
            facility=membership.facility,
            target=membership.user,
            changes={"role": membership.role},
        )


# Account state -----------------------------------------------------------------------------


def do_deactivate(target: User, *, acting_user: User) -> int:
    """Switch the account off and end its sessions at once; returns how many sessions ended."""
    _require_over(acting_user, target)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=target.pk)
        if not locked.is_active:
            raise ValidationError("This account is already deactivated.")
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        ended = end_sessions(locked)
        log.record(
            "staff.deactivated", actor=acting_user, target=locked, changes={"sessions_ended": ended}
        )
    return ended


def do_reactivate(target: User, *, acting_user: User) -> User:
    _require_over(acting_user, target)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=target.pk)
        if locked.is_active:
            raise ValidationError("This account is already active.")
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        log.record("staff.reactivated", actor=acting_user, target=locked)
    return locked


def do_unlock(target: User, *, acting_user: User) -> bool:
    """Lift a sign-in lockout (through :func:`accounts_unlock`); True when one was lifted."""
    _require_over(acting_user, target)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=target.pk)
        was_locked = accounts_unlock(locked)
        log.record(
            "staff.unlocked", actor=acting_user, target=locked, changes={"was_locked": was_locked}
        )
    return was_locked


def do_reset_mfa(target: User, *, acting_user: User) -> int:
    """Reset multi-factor authentication (through :func:`accounts_reset_mfa`)."""
    _require_over(acting_user, target)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=target.pk)
        removed = accounts_reset_mfa(locked)
        log.record(
            "staff.mfa_reset",
            actor=acting_user,
            target=locked,
            changes={"devices_removed": removed},
        )
    return removed


# Emergency access --------------------------------------------------------------------------


def can_break_glass(user: User, patient: Patient) -> bool:
    """Whether ``user`` may ask for emergency access to ``patient``: a clinical role in the
    patient's program."""
    facility_ids = permissions.facility_ids_with(user, permissions.EMERGENCY_ACCESS)
    return Facility.objects.filter(pk__in=facility_ids, program_id=patient.program_id).exists()


def do_grant_emergency_access(
    patient: Patient, *, acting_user: User, reason: str
) -> EmergencyGrant:
    """Open ``patient``'s chart to ``acting_user``, read-only, for ``EMERGENCY_ACCESS_MINUTES``.

    The reason is required (at least ``EMERGENCY_REASON_MIN_LENGTH`` characters) and audited as
    ``chart.emergency_access``; directors review the grants. ONC 170.315(d)(6).
    """
    if not can_break_glass(acting_user, patient):
        raise PermissionDenied("Your role cannot use emergency access in this program.")
    reason = " ".join(reason.split())
    minimum = settings.EMERGENCY_REASON_MIN_LENGTH
    if len(reason) < minimum:
        raise ValidationError(
            {"reason": f"Say why you need this chart now, in at least {minimum} characters."}
        )
    now = timezone.now()
    with transaction.atomic():
        grant = EmergencyGrant.objects.create(
            user=acting_user,
            patient=patient,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES),
        )
        log.record(
            "chart.emergency_access",
            actor=acting_user,
            patient=patient,
            target=grant,
            changes={"reason": reason, "expires_at": grant.expires_at.isoformat()},
        )
    emergency.forget(acting_user)
    return grant


# Facilities, units and beds ----------------------------------------------------------------

_HISTORY = (
    "{name} has history (patients, stays or audit records refer to it), so it cannot be deleted. "
    "{instead}"
)


def facility_version(facility: Facility) -> str:
    return fingerprint(facility.name, facility.kind, facility_is_active(facility))


def do_create_facility(program: Program, *, acting_user: User, name: str, kind: str) -> Facility:
    """Create a facility in a program the acting user administers; they become its administrator."""
    if not any(
        permissions.can(acting_user, permissions.FACILITY_MANAGE, f)
        for f in program.facilities.all()
    ):
        raise PermissionDenied("Only an administrator of this program can add facilities.")
    name = _required_name(name, "name")
    if kind not in Facility.Kind.values:
        raise ValidationError({"kind": "Choose inpatient unit or outpatient clinic."})
    if program.facilities.filter(name__iexact=name).exists():
        raise ValidationError({"name": "The program already has a facility of this name."})
    with transaction.atomic():
        facility = Facility.objects.create(program=program, name=name, kind=kind)
        Membership.objects.create(user=acting_user, facility=facility, role=Role.ADMINISTRATOR)
        log.record(
            "facility.created",
            actor=acting_user,
            target=facility,
            changes={"name": name, "kind": kind, "program": program.name},
        )
    return facility


def do_update_facility(
    facility: Facility, *, acting_user: User, version: str, name: str, kind: str
) -> Facility:
    """Rename a facility or change its kind, refusing a stale form."""
    _require(acting_user, permissions.FACILITY_MANAGE, facility)
    name = _required_name(name, "name")
    if kind not in Facility.Kind.values:
        raise ValidationError({"kind": "Choose inpatient unit or outpatient clinic."})
    with transaction.atomic():
        locked = Facility.objects.select_for_update().get(pk=facility.pk)
        check_version(
            version,
            locked.name,
            locked.kind,
            facility_is_active(locked),
            now_reads=f"“{locked.name}”, {locked.get_kind_display()}",
        )
        clash = locked.program.facilities.exclude(pk=locked.pk).filter(name__iexact=name)
        if clash.exists():
            raise ValidationError({"name": "The program already has a facility of this name."})
        changes = _changes(locked, name=name, kind=kind)
        if changes:
            locked.save(update_fields=list(changes))
            log.record(
                "facility.updated",
                actor=acting_user,
                facility=locked,
                target=locked,
                changes=changes,
            )
    return locked


def do_set_facility_active(facility: Facility, *, acting_user: User, active: bool) -> Facility:
    """Deactivate (no new invitations, roles, units or beds) or reactivate a facility."""
    _require(acting_user, permissions.FACILITY_MANAGE, facility)
    with transaction.atomic():
        Facility.objects.select_for_update().get(pk=facility.pk)
        status, _ = FacilityStatus.objects.get_or_create(
            facility=facility, defaults={"changed_at": timezone.now()}
        )
        if status.active == active:
            raise ValidationError(
                f"{facility.name} is already {'active' if active else 'deactivated'}."
            )
        status.active = active
        status.changed_at = timezone.now()
        status.save(update_fields=["active", "changed_at"])
        event = "facility.reactivated" if active else "facility.deactivated"
        log.record(event, actor=acting_user, facility=facility, target=facility)
    return facility


def do_delete_facility(facility: Facility, *, acting_user: User) -> None:
    """Delete a facility only when nothing refers to it; otherwise refuse and keep it."""
    _require(acting_user, permissions.FACILITY_MANAGE, facility)
    others = Membership.objects.filter(facility=facility).exclude(user=acting_user)
    if others.exists() or facility.beds.exists() or facility.units.exists():
        raise ValidationError(
            f"{facility.name} still has staff, units or beds; remove them first, or deactivate "
            "the facility instead."
        )
    name = facility.name
    try:
        with transaction.atomic():
            StaffInvitation.objects.filter(facility=facility, accepted_at__isnull=True).delete()
            Facility.objects.filter(pk=facility.pk).delete()
            log.record(
                "facility.deleted", actor=acting_user, target=facility, changes={"name": name}
            )
    except (ProtectedError, RestrictedError):
        raise ValidationError(
            _HISTORY.format(name=name, instead="Deactivate it instead.")
        ) from None


def unit_version(unit: Unit) -> str:
    return fingerprint(unit.name, unit.active)


def do_create_unit(facility: Facility, *, acting_user: User, name: str) -> Unit:
    _require(acting_user, permissions.FACILITY_MANAGE, facility)
    _require_active(facility)
    name = _required_name(name, "name")
    with transaction.atomic():
        if Unit.objects.filter(facility=facility, name__iexact=name).exists():
            raise ValidationError({"name": f"{facility.name} already has a unit of this name."})
        unit = Unit.objects.create(facility=facility, name=name)
        log.record(
            "unit.created",
            actor=acting_user,
            facility=facility,
            target=unit,
            changes={"name": name},
        )
    return unit


def do_update_unit(unit: Unit, *, acting_user: User, version: str, name: str, active: bool) -> Unit:
    """Rename a unit or switch it off (its beds keep their unit), refusing a stale form."""
    _require(acting_user, permissions.FACILITY_MANAGE, unit.facility)
    name = _required_name(name, "name")
    with transaction.atomic():
        locked = Unit.objects.select_for_update().select_related("facility").get(pk=unit.pk)
        check_version(
            version,
            locked.name,
            locked.active,
            now_reads=f"“{locked.name}”, {'active' if locked.active else 'inactive'}",
        )
        clash = Unit.objects.filter(facility=locked.facility, name__iexact=name).exclude(
            pk=locked.pk
        )
        if clash.exists():
            raise ValidationError(
                {"name": f"{locked.facility.name} already has a unit of this name."}
            )
        changes = _changes(locked, name=name, active=active)
        if changes:
            locked.save(update_fields=list(changes))
            log.record(
                "unit.updated",
                actor=acting_user,
                facility=locked.facility,
                target=locked,
                changes=changes,
            )
    return locked


def bed_status(bed: Bed) -> BedStatus:
    """The bed's status row, unsaved with the defaults when it has none yet."""
    return BedStatus.objects.filter(bed=bed).select_related("unit").first() or BedStatus(bed=bed)


def bed_version(bed: Bed) -> str:
    status = bed_status(bed)
    return fingerprint(bed.label, status.unit_id, status.in_service, status.out_of_service_reason)


def do_create_bed(
    facility: Facility, *, acting_user: User, label: str, unit: Unit | None = None
) -> Bed:
    _require(acting_user, permissions.FACILITY_MANAGE, facility)
    _require_active(facility)
    label = _bed_label(label)
    _bed_unit(facility, unit)
    with transaction.atomic():
        if Bed.objects.filter(facility=facility, label__iexact=label).exists():
            raise ValidationError({"label": f"{facility.name} already has a bed {label}."})
        bed = Bed.objects.create(facility=facility, label=label)
        BedStatus.objects.create(bed=bed, unit=unit)
        log.record(
            "bed.created",
            actor=acting_user,
            facility=facility,
            target=bed,
            changes={"label": label, "unit": unit.name if unit else None},
        )
    return bed


def do_update_bed(
    bed: Bed,
    *,
    acting_user: User,
    version: str,
    label: str,
    unit: Unit | None,
    in_service: bool,
    reason: str = "",
) -> Bed:
    """Rename a bed, move it to a unit, or take it out of (or back into) service.

    Taking a bed out of service needs a reason; a bed with a patient in it stays in service.
    """
    _require(acting_user, permissions.FACILITY_MANAGE, bed.facility)
    label = _bed_label(label)
    _bed_unit(bed.facility, unit)
    reason = reason.strip()
    if not in_service and not reason:
        raise ValidationError({"reason": "Say why the bed is out of service."})
    with transaction.atomic():
        locked = Bed.objects.select_for_update().select_related("facility").get(pk=bed.pk)
        status = bed_status(locked)
        check_version(
            version,
            locked.label,
            status.unit_id,
            status.in_service,
            status.out_of_service_reason,
            now_reads=_describe_bed(locked, status),
        )
        clash = Bed.objects.filter(facility=locked.facility, label__iexact=label).exclude(
            pk=locked.pk
        )
        if clash.exists():
            raise ValidationError({"label": f"{locked.facility.name} already has a bed {label}."})
        if not in_service and locked.episodes.filter(status=Episode.Status.ACTIVE).exists():
            raise ValidationError(
                {
                    "in_service": "A patient is in this bed: move them before taking it out "
                    "of service."
                }
            )
        changes = _changes(locked, label=label)
        if changes:
            locked.save(update_fields=["label"])
        old = (
            status.unit.name if status.unit else None,
            status.in_service,
            status.out_of_service_reason,
        )
        status.unit, status.in_service = unit, in_service
        status.out_of_service_reason = "" if in_service else reason
        new = (unit.name if unit else None, in_service, status.out_of_service_reason)
        for key, before, after in zip(("unit", "in_service", "reason"), old, new, strict=True):
            if before != after:
                changes[key] = [before, after]
        if changes:
            status.save()
            log.record(
                "bed.updated",
                actor=acting_user,
                facility=locked.facility,
                target=locked,
                changes=changes,
            )
    return locked


def do_delete_bed(bed: Bed, *, acting_user: User) -> None:
    """Delete a bed that no stay ever used; a bed with history is refused (take it out of
    service instead)."""
    _require(acting_user, permissions.FACILITY_MANAGE, bed.facility)
    name = f"Bed {bed.label}"
    try:
        with transaction.atomic():
            BedStatus.objects.filter(bed=bed).delete()
            Bed.objects.filter(pk=bed.pk).delete()
            log.record(
                "bed.deleted",
                actor=acting_user,
                facility=bed.facility,
                changes={"label": bed.label},
            )
    except (ProtectedError, RestrictedError):
        raise ValidationError(
            _HISTORY.format(name=name, instead="Take it out of service instead.")
        ) from None


def _describe_bed(bed: Bed, status: BedStatus) -> str:
    where = f" in {status.unit.name}" if status.unit else ""
    state = (
        "in service" if status.in_service else f"out of service ({status.out_of_service_reason})"
    )
    return f"bed {bed.label}{where}, {state}"


def _bed_unit(facility: Facility, unit: Unit | None) -> None:
    if unit is not None and unit.facility_id != facility.pk:
        raise ValidationError({"unit": "That unit belongs to another facility."})


def _bed_label(label: str) -> str:
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Give the bed a label."})
    if len(label) > 32 or not _LABEL.fullmatch(label):
        raise ValidationError(
            {"label": "Use up to 32 letters, digits, spaces, dots, dashes or underscores."}
        )
    return label


_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")


def _required_name(value: str, field: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > 100:
        raise ValidationError({field: "Use at most 100 characters."})
    return value


def _changes(obj: object, **values: object) -> dict[str, list[object]]:
    """Set each changed attribute on ``obj``; returns {name: [old, new]} for the audit event."""
    changes: dict[str, list[object]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [old, new]
            setattr(obj, name, new)
    return changes
