"""Sign-in and sign-out, and the program's sign-in policy. Every outcome is audited.

The password itself is checked by ``detoxdesk.accounts.auth.check_password``, the product's one
password path (lockout per username and address by django-axes, audit, inactive accounts refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from detoxdesk.accounts import mfa, permissions
from detoxdesk.accounts.auth import GENERIC_ERROR, check_password, mark_reauthenticated
from detoxdesk.accounts.models import SignInPolicy, User
from detoxdesk.audit import log
from detoxdesk.lib.http import client_ip
from detoxdesk.patients.models import Program

__all__ = ["GENERIC_ERROR", "SignInResult", "do_sign_in", "do_sign_out"]


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    # "verify" or "enrol" when the session still owes its second factor
    pending: str | None = None


def do_sign_in(request: HttpRequest, *, username: str, password: str) -> SignInResult:
    """Check the password and start a session; say what second factor the session still owes."""
    result = check_password(request, username=username, password=password, purpose="sign_in")
    if result.user is None:
        return SignInResult(None, result.error)
    user = result.user
    with transaction.atomic():
        login(request, user)
        pending = mfa.pending_after_password(user)
        if pending:
            request.session[mfa.PENDING_KEY] = pending
        else:
            mark_reauthenticated(request)  # the password was just given: signing needs no repeat
        log.record(
            "auth.signed_in",
            actor=user,
            changes={"second_factor": pending} if pending else None,
            ip_address=client_ip(request),
        )
    return SignInResult(user, pending=pending)


def do_sign_out(request: HttpRequest) -> None:
    user = request.user
    with transaction.atomic():
        if isinstance(user, User):
            log.record("auth.signed_out", actor=user, ip_address=client_ip(request))
        logout(request)


def do_set_mfa_requirement(program: Program, *, acting_user: User, required: bool) -> SignInPolicy:
    """Turn the program's multi-factor requirement for prescribers, directors and
    administrators on or off. Only someone who configures the program may."""
    facilities = program.facilities.all()
    if not any(permissions.can(acting_user, permissions.PROGRAM_CONFIGURE, f) for f in facilities):
        raise PermissionDenied("Only a program director can change the sign-in policy.")
    with transaction.atomic():
        policy, _ = SignInPolicy.objects.select_for_update().get_or_create(program=program)
        old = policy.require_mfa
        policy.require_mfa = required
        policy.save(update_fields=["require_mfa"])
        log.record(
            "auth.mfa_policy_changed",
            actor=acting_user,
            target=program,
            changes={"require_mfa": [old, required]},
        )
    return policy
