"""A light per-address limit on the public search (a fixed one-minute window in the cache)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from detoxdesk.lib.http import client_ip


def per_minute() -> int:
    return settings.DIRECTORY_PUBLIC_SEARCHES_PER_MINUTE


def allow(request: HttpRequest, scope: str = "find-help") -> bool:
    """Count this request; False once the address has used up its minute.

    The cache key is a hash, so the address itself is never stored.
    """
    address = client_ip(request) or "unknown"
    key = f"rl:{scope}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"
    if cache.add(key, 1, timeout=60):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=60)
        return True
    return count <= per_minute()
