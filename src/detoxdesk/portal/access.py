"""Who is a portal patient. A portal account sees exactly one patient: its own."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from detoxdesk.accounts.models import User
from detoxdesk.portal.models import PortalAccount


def portal_account(user: object) -> PortalAccount | None:
    """The portal link of ``user``, or None for staff and anonymous users."""
    if not isinstance(user, User) or not user.is_active:
        return None
    if not hasattr(user, "_detoxdesk_portal"):
        user._detoxdesk_portal = (  # type: ignore[attr-defined]
            PortalAccount.objects.select_related("patient__program").filter(user=user).first()
        )
    found: PortalAccount | None = user._detoxdesk_portal  # type: ignore[attr-defined]
    return found


def is_patient(user: object) -> bool:
    return portal_account(user) is not None


def require_portal_account(user: object) -> PortalAccount:
    account = portal_account(user)
    if account is None:
        raise PermissionDenied("This page is for patients with a portal account.")
    return account


ViewFunc = Callable[..., HttpResponse]


def patient_required(view: ViewFunc) -> ViewFunc:
    """Sign-in first; then only a portal account passes (staff get 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_portal_account(request.user)
        return view(request, *args, **kwargs)

    return wrapped
