"""Multi-factor sign-in (ONC 170.315(d)(13)) on django-otp: an authenticator app and recovery codes.

A session that signed in with a password but still owes its second factor carries
``PENDING_KEY``: "verify" (the account has an authenticator) or "enrol" (the program requires
one and the account has none yet). ``SecondFactorMiddleware`` keeps such a session on those pages.
"""

from __future__ import annotations

import io
import secrets
from base64 import b32encode
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from detoxdesk.accounts.auth import mark_reauthenticated
from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.audit import log
from detoxdesk.lib.http import client_ip

PENDING_KEY = "detoxdesk_mfa_pending"
ENROLMENT_KEY = "detoxdesk_mfa_enrolment_key"
# The roles whose accounts must use a second factor where their program requires it.
MFA_ROLES = (Role.PRESCRIBER, Role.DIRECTOR, Role.ADMINISTRATOR)
TOTP_STEP_SECONDS = 30  # RFC 6238 defaults, as every authenticator app expects
TOTP_DIGITS = 6


def has_second_factor(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def has_authenticator(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def mfa_required(user: User) -> bool:
    """True when one of the user's roles must use a second factor under its program's policy."""
    return Membership.objects.filter(
        user=user,
        role__in=MFA_ROLES,
        facility__program__sign_in_policy__require_mfa=True,
    ).exists()


def pending_after_password(user: User) -> str | None:
    """What a session owes after a correct password: "verify", "enrol" or nothing."""
    if has_authenticator(user):
        return "verify"
    if mfa_required(user):
        return "enrol"
    return None


def new_enrolment_key() -> str:
    """A fresh TOTP secret (hex, 20 bytes as RFC 4226 recommends)."""
    return secrets.token_hex(20)


def secret_text(key: str) -> str:
    """The secret as people type it into an authenticator app: base32 in groups of four."""
    raw = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def config_url(user: User, key: str) -> str:
    return str(TOTPDevice(user=user, key=key, name="Authenticator app").config_url)


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG markup (paths only: no script, no style)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    markup = out.getvalue().decode()
    return markup[markup.index("<svg") :]


def _totp_matches(key: str, token: str) -> int | None:
    """The time step ``token`` belongs to (one step of clock skew allowed), or None."""
    cleaned = token.replace(" ", "")
    if not cleaned.isdigit() or len(cleaned) != TOTP_DIGITS:
        return None
    totp = TOTP(unhexlify(key), step=TOTP_STEP_SECONDS, digits=TOTP_DIGITS)
    return totp.t() if totp.verify(int(cleaned), tolerance=1) else None


def do_enrol_authenticator(request: HttpRequest, *, acting_user: User, token: str) -> list[str]:
    """Confirm the authenticator the session was shown, replacing any earlier one.

    Returns the new recovery codes: they are shown once and stored only as django-otp keeps
    them. Raises ValueError when the code does not match (nothing is saved).
    """
    key = request.session.get(ENROLMENT_KEY)
    step = _totp_matches(key, token) if isinstance(key, str) else None
    if step is None:
        raise ValueError("That code does not match. Enter the current code from the app.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=acting_user).delete()
        StaticDevice.objects.filter(user=acting_user).delete()
        device = TOTPDevice.objects.create(
            user=acting_user, name="Authenticator app", key=key, confirmed=True, last_t=step
        )
        recovery = StaticDevice.objects.create(user=acting_user, name="Recovery codes")
        codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
        log.record("auth.mfa_enrolled", actor=acting_user, ip_address=client_ip(request))
    del request.session[ENROLMENT_KEY]
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)
    return codes


def verify_code(request: HttpRequest, user: User, code: str, *, purpose: str) -> bool:
    """Check an authenticator or recovery code (a recovery code works once); audit the outcome.

    django-otp slows repeated failures on each device (its throttling).
    """
    cleaned = code.strip().replace(" ", "").lower()
    with transaction.atomic():
        device = None
        for candidate in devices_for_user(user, confirmed=True, for_verify=True):
            if cleaned and candidate.verify_token(cleaned):
                device = candidate
                break
        kind = "recovery_code" if isinstance(device, StaticDevice) else "authenticator"
        event = "auth.mfa_verified" if device is not None else "auth.mfa_failed"
        changes = {"purpose": purpose, **({"with": kind} if device is not None else {})}
        log.record(event, actor=user, changes=changes, ip_address=client_ip(request))
    if device is None:
        return False
    otp_login(request, device)
    return True


def do_complete_sign_in(request: HttpRequest, *, acting_user: User, code: str) -> bool:
    """The second step of signing in: True (and the session is released) when the code is right."""
    if not verify_code(request, acting_user, code, purpose="sign_in"):
        return False
    request.session.pop(PENDING_KEY, None)
    mark_reauthenticated(request)  # both factors were just given
    return True


def remaining_recovery_codes(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())
