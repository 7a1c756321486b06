"""Where a request came from: one answer for the audit log, the sign-in lockout and the limits."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, as far as the configured proxies can be trusted.

    Without ``TRUSTED_PROXY_HEADER`` this is ``REMOTE_ADDR``. Behind ``TRUSTED_PROXY_COUNT``
    reverse proxies that each append the address they saw to that header (as X-Forwarded-For
    does), the client is the entry that many places from the right: entries further left were
    written by the client and prove nothing. A missing, short or malformed header falls back to
    ``REMOTE_ADDR``, so a forged header never yields an address a proxy did not write.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    header = settings.TRUSTED_PROXY_HEADER
    if not header:
        return remote
    key = "HTTP_" + header.upper().replace("-", "_")
    entries = [part.strip() for part in request.META.get(key, "").split(",") if part.strip()]
    count = settings.TRUSTED_PROXY_COUNT
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
