"""API tokens: how they are made, checked and revoked. Every change is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import User
from detoxdesk.api.models import ApiToken, Scope
from detoxdesk.audit import log

TOKEN_START = "dd_"  # noqa: S105 - the start every token shares, not a secret


@dataclass(frozen=True)
class NewToken:
    """A created token and its secret text, which exists only here: it is not stored."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """The SHA-256 of a token. The token holds 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


def may_manage(actor: User, owner: User) -> bool:
    """A user manages their own tokens; an administrator those of staff at their facilities."""
    if actor.pk == owner.pk:
        return True
    mine = permissions.facility_ids_with(actor, permissions.STAFF_MANAGE)
    theirs = set(owner.memberships.values_list("facility_id", flat=True))
    return bool(mine & theirs)


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope {unknown[0]!r}: use read or record."})
    if not chosen:
        raise ValidationError({"scopes": "Choose at least one scope: read or record."})
    return chosen


def do_create_token(
    *, owner: User, name: str, scopes: Iterable[str], acting_user: User | None
) -> NewToken:
    """Create a token for ``owner``; ``acting_user`` None means the command line (audited so)."""
    if acting_user is not None and not may_manage(acting_user, owner):
        raise PermissionDenied("You cannot create tokens for this account.")
    if not owner.is_active:
        raise ValidationError("This account is deactivated; it cannot have tokens.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token, e.g. the device that uses it."})
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError({"name": "At most 100 characters."})
    chosen = _clean_scopes(scopes)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=owner,
            name=name,
            prefix=prefix,
            digest=digest(secret),
            scopes=chosen,
            created_at=timezone.now(),
            created_by=acting_user,
        )
        log.record(
            "api_token.created",
            actor=acting_user,
            target=token,
            changes={"owner": owner.username, "name": name, "scopes": chosen, "prefix": prefix},
        )
    return NewToken(token, secret)


def do_revoke_token(token: ApiToken, *, acting_user: User | None) -> ApiToken:
    """Revoke ``token`` (at once, for every server). Revoking twice changes nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if acting_user is not None and not may_manage(acting_user, locked.user):
            raise PermissionDenied("You cannot revoke this token.")
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.revoked_by = acting_user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        log.record(
            "api_token.revoked",
            actor=acting_user,
            target=locked,
            changes={"owner": locked.user.username, "prefix": locked.prefix},
        )
    return locked


def authenticate(secret: str) -> ApiToken | None:
    """The active token of an active account with this text, or None."""
    if not secret.startswith(TOKEN_START) or len(secret) > 100:
        return None
    try:  # the digest is unique
        return ApiToken.objects.select_related("user").get(
            digest=digest(secret), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
