"""The product's password backend: Django's, plus the refusal of the published demo password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from detoxdesk.accounts.models import User
from detoxdesk.accounts.validators import DEMO_PASSWORD


class AccountBackend(ModelBackend):
    """Checks a username and password; refuses inactive accounts (Django's rule).

    Django's backend already hashes the password for an unknown username (against a dummy), so
    an unknown and a known username take about as long. The demo password is refused after the
    hash has run, for the same reason, wherever demo data is not allowed.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if password == DEMO_PASSWORD and not settings.DEMO_ALLOWED:
            return None
        return user
