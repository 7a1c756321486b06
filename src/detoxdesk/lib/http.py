from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, as the server saw it."""
    return request.META.get("REMOTE_ADDR") or None
