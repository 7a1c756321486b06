"""Sign-in and sign-out, with lockout after repeated failures. Every outcome is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.accounts.validators import DEMO_PASSWORD
from detoxdesk.audit import log
from detoxdesk.lib.http import client_ip


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None


GENERIC_ERROR = "That username and password do not match an active account."


def do_sign_in(request: HttpRequest, *, username: str, password: str) -> SignInResult:
    """Check the credentials, lock the account after too many failures, and start a session."""
    with transaction.atomic():
        account = User.objects.select_for_update().filter(username=username).first()
        now = timezone.now()
        if account is not None and account.locked_until and account.locked_until > now:
            minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
            return SignInResult(None, f"This account is locked. Try again in {minutes} minutes.")
        if password == DEMO_PASSWORD and not settings.DEMO_ALLOWED:
            user = None
        else:
            user = authenticate(request, username=username, password=password)
        if user is None:
            return SignInResult(None, _record_failure(request, account, now))
        if not isinstance(user, User):
            raise TypeError("The authentication backend returned an unexpected user type.")
        user.failed_sign_ins = 0
        user.locked_until = None
        user.save(update_fields=["failed_sign_ins", "locked_until"])
        login(request, user)
        log.record("auth.signed_in", actor=user, ip_address=client_ip(request))
        return SignInResult(user)


def _record_failure(request: HttpRequest, account: User | None, now: object) -> str:
    ip = client_ip(request)
    if account is None:
        log.record("auth.sign_in_failed", actor=None, ip_address=ip)
        return GENERIC_ERROR
    account.failed_sign_ins += 1
    event = "auth.sign_in_failed"
    if account.failed_sign_ins >= settings.LOGIN_LOCKOUT_ATTEMPTS:
        account.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        account.failed_sign_ins = 0
        event = "auth.locked_out"
    account.save(update_fields=["failed_sign_ins", "locked_until"])
    log.record(event, actor=account, ip_address=ip)
    if event == "auth.locked_out":
        return (
            "Too many failed sign-ins: this account is locked for "
            f"{settings.LOGIN_LOCKOUT_MINUTES} minutes."
        )
    return GENERIC_ERROR


def do_sign_out(request: HttpRequest) -> None:
    user = request.user
    with transaction.atomic():
        if isinstance(user, User):
            log.record("auth.signed_out", actor=user, ip_address=client_ip(request))
        logout(request)
