"""Request-wide behaviour: request ids, security headers, the API's unreadable bodies.

The program's time zone is activated by ``patients.middleware.ProgramTimezoneMiddleware``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
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
