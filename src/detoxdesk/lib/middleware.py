"""Request-wide behaviour: request ids, one transaction per write, session renewal, security
headers, the API's unreadable bodies.

The program's time zone is activated by ``patients.middleware.ProgramTimezoneMiddleware``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from detoxdesk.lib import requestid

Handler = Callable[[HttpRequest], HttpResponse]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestIdMiddleware:
    """Gives every request one id, so all the audit events it causes can be grouped."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = requestid.begin()
        try:
            return self.get_response(request)
        finally:
            requestid.end(token)


class SecurityHeadersMiddleware:
    """A strict content security policy everywhere; no caching of signed-in pages."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.user.is_authenticated:
            # Every signed-in page may show patient data: never keep it in a cache.
            add_never_cache_headers(response)
        return response


API_PREFIX = "/api/"


class UnreadableApiBodyMiddleware:
    """An API call whose form body cannot be parsed (multipart without a boundary) gets the API's
    JSON 400, ``{"error", "fields"}``, instead of the HTML error page.

    It sits before the CSRF check, which is the first to read ``request.POST``; pages are left to
    Django, which answers such a body with its own 400.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsing is the point; the CSRF check reads it next
            except MultiPartParserError as exc:
                body = {"error": f"The request body could not be read: {exc}", "fields": {}}
                return JsonResponse(body, status=400)
        return self.get_response(request)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class WriteTransactionMiddleware:
    """A request that may write (POST, PUT, PATCH, DELETE) runs in one transaction, from loading
    the session to saving it: one commit, or none when the answer is a server error.

    Reads (GET, HEAD) stay in autocommit: on SQLite, whose transactions begin IMMEDIATE
    (settings), a transaction takes the database's one write lock, which a page view must not.
    Actions keep their own ``transaction.atomic()``, which inside this one is a savepoint (two
    cheap statements, no commit). A 403 or 404 still commits, so the refusal's audit event is
    kept.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


ACTIVITY_KEY = "_activity"


class SessionActivityMiddleware:
    """Keeps the idle sign-out without writing the session on every request.

    A session's expiry (``SESSION_COOKIE_AGE``, the idle time-out) is renewed whenever the session
    is saved. Instead of saving it on every request (``SESSION_SAVE_EVERY_REQUEST``), this marks a
    signed-in session as modified only when its last renewal is ``SESSION_ACTIVITY_SECONDS`` or
    more ago. So at most one session write per session in that many seconds, and the sign-out
    comes between ``SESSION_IDLE_MINUTES`` less ``SESSION_ACTIVITY_SECONDS`` and
    ``SESSION_IDLE_MINUTES`` after the last request: never later than the time-out.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            session = request.session
            if session.get("_auth_user_id") is not None:
                now = int(timezone.now().timestamp())
                renewed = session.get(ACTIVITY_KEY)
                if (
                    not isinstance(renewed, int)
                    or now - renewed >= settings.SESSION_ACTIVITY_SECONDS
                ):
                    session[ACTIVITY_KEY] = now
        return self.get_response(request)
