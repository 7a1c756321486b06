from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from detoxdesk.accounts.models import User


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff account (views are wrapped in login_required first)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied("Sign in with a staff account.")
    return user
