"""A light per-address limit on the public search: a one-minute window in the shared cache."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from detoxdesk.lib import ratelimit


def per_minute() -> int:
    return settings.DIRECTORY_PUBLIC_SEARCHES_PER_MINUTE


def allow(request: HttpRequest, scope: str = "find-help") -> bool:
    """Count this request; False once the address has used up its minute."""
    return not ratelimit.hit(request, scope, limit=per_minute(), seconds=60).exhausted
