"""Who is asking: the signed-in staff account, and the product's one password check.

Every password the product checks (sign-in, the second signer of a controlled dose,
re-authentication before a signature, the old password on the change form) goes through
``check_password``. That is where django-axes refuses a locked username-and-address combination,
where each failure, each lockout and each attempt during a lockout is audited, and where an
inactive account is refused like a wrong password.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.lib.http import client_ip

Purpose = Literal["sign_in", "second_signer", "reauth", "password_change"]

GENERIC_ERROR = "That username and password do not match an active account."

_FAILED_EVENT: dict[str, str] = {
    "sign_in": "auth.sign_in_failed",
    "second_signer": "auth.second_signer_failed",
    "reauth": "auth.reauth_failed",
    "password_change": "auth.password_check_failed",
}
_CONFIRMED_EVENT: dict[str, str] = {
    "second_signer": "auth.second_signer_confirmed",
    "reauth": "auth.reauthenticated",
    "password_change": "auth.password_checked",
}
# Only what axes needs to know where an attempt came from: never the form (a dose form holds
# clinical details, every form holds a password), never the session cookie.
_PROBE_HEADERS_SKIPPED = {"HTTP_COOKIE", "HTTP_AUTHORIZATION"}


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff account (views are wrapped in login_required first)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied("Sign in with a staff account.")
    return user


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of one password check: the account, or the message to show."""

    user: User | None
    error: str | None = None
    locked: bool = False


def failure_limit(request: HttpRequest | None, credentials: Any = None) -> int:
    """Failed password checks allowed per username and address (axes' AXES_FAILURE_LIMIT)."""
    return int(settings.LOGIN_LOCKOUT_ATTEMPTS)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long a lock lasts, and how long a failure counts (axes' AXES_COOLOFF_TIME)."""
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return (
        "After too many failed attempts this username is locked on this connection: "
        f"try again in {minutes} minute{'' if minutes == 1 else 's'}, or ask an administrator"
        " to unlock it."
    )


def check_password(
    request: HttpRequest, *, username: str, password: str, purpose: Purpose
) -> PasswordCheck:
    """Check ``username``'s password as asked for ``purpose``, and audit the outcome.

    Refuses without hashing while the username is locked at this client address (audited as an
    attempt during a lockout). Otherwise the password is hashed whether or not the username
    exists, so an unknown username looks and takes the same as a wrong password; the username
    tried for an unknown account is kept in the audit event. Starts no session.
    """
    probe = _probe(request)
    credentials = {"username": username}
    with transaction.atomic():
        account = User.objects.filter(username=username).first()
        if AxesProxyHandler.is_locked(probe, credentials):
            _audit("auth.attempt_while_locked", request, account, username, purpose)
            return PasswordCheck(None, lockout_message(), locked=True)
        user = authenticate(probe, username=username, password=password)
        if not isinstance(user, User):
            _audit(_FAILED_EVENT[purpose], request, account, username, purpose)
            if getattr(probe, "axes_locked_out", False):
                _audit("auth.locked_out", request, account, username, purpose)
                return PasswordCheck(None, lockout_message(), locked=True)
            return PasswordCheck(None, GENERIC_ERROR)
        if purpose != "sign_in":
            # Sign-in clears the failures when the session starts (axes' reset on success).
            AxesProxyHandler.reset_attempts(ip_address=client_ip(request), username=username)
            _audit(_CONFIRMED_EVENT[purpose], request, user, username, purpose)
        return PasswordCheck(user)


def _probe(request: HttpRequest) -> HttpRequest:
    """A copy of the request's origin (address, agent, path) for axes, without its body."""
    probe = HttpRequest()
    probe.method = request.method
    probe.path = request.path
    probe.path_info = request.path_info
    probe.META = {
        key: value
        for key, value in request.META.items()
        if key in {"REMOTE_ADDR", "PATH_INFO", "SERVER_NAME", "SERVER_PORT"}
        or (key.startswith("HTTP_") and key not in _PROBE_HEADERS_SKIPPED)
    }
    return probe


def _audit(
    event: str, request: HttpRequest, account: User | None, username: str, purpose: str
) -> None:
    changes: dict[str, Any] = {"purpose": purpose}
    if account is None:
        changes["username_tried"] = username[:150]
    signed_in = request.user if isinstance(request.user, User) else None
    if signed_in is not None and signed_in != account:
        changes["asked_by"] = signed_in.username  # the nurse asking a second signer, say
    log.record(event, actor=account, changes=changes, ip_address=client_ip(request))


# Re-authentication at signature ---------------------------------------------------------------

REAUTH_SESSION_KEY = "detoxdesk_reauth_at"
REAUTH_FIELD = "reauth_secret"


def has_recent_reauth(request: HttpRequest) -> bool:
    """True when this session confirmed its password or a code within ``REAUTH_MINUTES``."""
    raw = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(raw, int | float):
        return False
    age = timezone.now().timestamp() - raw
    return 0 <= age <= timedelta(minutes=settings.REAUTH_MINUTES).total_seconds()


def mark_reauthenticated(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = timezone.now().timestamp()


def require_recent_reauth(request: HttpRequest, next_url: str | None = None) -> HttpResponse | None:
    """None when the user confirmed who they are recently; else a redirect that asks them.

    Call it first in a view that signs (an order, a discharge); the re-authentication page
    brings the user back to ``next_url`` (by default the same address: give the page that holds
    the form for a view that only takes POST). A POST that arrives too late is not carried out.
    """
    if has_recent_reauth(request):
        return None
    query = urlencode({"next": next_url or request.get_full_path()})
    return redirect(f"{reverse('accounts:reauth')}?{query}")


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator form of ``require_recent_reauth`` (put it under ``login_required``)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return require_recent_reauth(request) or view(request, *args, **kwargs)

    return wrapped


def confirm_identity(request: HttpRequest, secret: str) -> str | None:
    """Check the signed-in user's password or authenticator code; None when it is theirs.

    A secret shorter than the minimum password length is read as a code (TOTP or recovery);
    anything longer as the password, through ``check_password``. Success is remembered in the
    session for ``REAUTH_MINUTES``. Returns the message to show otherwise.
    """
    from detoxdesk.accounts import mfa

    user = staff_user(request)
    if len(secret) < 12 and mfa.has_second_factor(user):
        if not mfa.verify_code(request, user, secret, purpose="reauth"):
            return "That code is not right. Enter a current code from your authenticator app."
    else:
        result = check_password(request, username=user.username, password=secret, purpose="reauth")
        if result.user is None:
            return result.error if result.locked else "That password is not right."
    mark_reauthenticated(request)
    return None


class ReauthFormMixin(forms.Form):
    """Adds "your password or a code" to a signing form, unless the user confirmed recently.

    Construct the form with ``reauth_request=request``; ``is_valid()`` is then False with a
    field error on ``reauth_secret`` until the secret is right.
    """

    reauth_secret = forms.CharField(
        label="Your password, or a code from your authenticator app",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing asks who you are again.",
    )

    def __init__(self, *args: Any, reauth_request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reauth_request = reauth_request
        if has_recent_reauth(reauth_request):
            del self.fields[REAUTH_FIELD]

    def clean_reauth_secret(self) -> str:
        secret = str(self.cleaned_data.get(REAUTH_FIELD) or "")
        error = confirm_identity(self.reauth_request, secret)
        if error:
            raise forms.ValidationError(error)
        return ""
