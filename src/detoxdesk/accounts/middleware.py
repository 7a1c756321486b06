"""Keeps a session that still owes its second factor on the pages where it can pay it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from detoxdesk.accounts.mfa import PENDING_KEY
from detoxdesk.api.problems import problem

Handler = Callable[[HttpRequest], HttpResponse]

_PAGES = {"verify": "accounts:mfa_verify", "enrol": "accounts:mfa_enrol"}


class SecondFactorMiddleware:
    """After a correct password, a session flagged by sign-in reaches only the second-factor
    page it owes (and sign-out) until the code is given. Everything else, the API included,
    is refused; the flag is set only by the sign-in view."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.get(PENDING_KEY) if request.user.is_authenticated else None
        if pending in _PAGES and not _allowed(request.path, str(pending)):
            if request.path.startswith("/api/"):
                body = problem("Finish signing in first: give the code of your second factor.")
                return JsonResponse(body, status=401)
            return redirect(_PAGES[str(pending)])
        return self.get_response(request)


def _allowed(path: str, pending: str) -> bool:
    if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    return path in {reverse(_PAGES[pending]), reverse("accounts:logout")}
